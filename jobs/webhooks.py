"""Outgoing webhooks: signed the Standard Webhooks way, delivered through the outbox, retried with backoff.

Two steps. `webhook.event` receives domain events (fanned out by `jobs.fanout`), keeps the ones a client is
told about (project completed or aborted, task completed), and, when the project was created with an API key
that has a webhook, freezes the message: the `project_information` JSON of that moment and a `webhook-id`
derived from the event, so every retry sends the same id and body. `webhook.deliver` POSTs it, logs each
attempt, and raises RetryLater on a non-2xx answer or a network error.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import requests
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook as Signer

from jobs.dispatcher import Delivery, Handler
from jobs.errors import RetryLater
from store import api_clients, outbox
from store.api_clients import Webhook
from store.db import Database
from store.models import OutboxMessage, Project
from workflows import read_models

log = logging.getLogger(__name__)

EVENT_TOPIC = "webhook.event"
DELIVER_TOPIC = "webhook.deliver"
SUBSCRIPTIONS: dict[str, list[str]] = {
    "project.status_changed": [EVENT_TOPIC],
    "task.status_changed": [EVENT_TOPIC],
}
TIMEOUT = (5.0, 15.0)  # connect, read
MAX_ATTEMPTS = 50  # with a 5 s backoff doubling up to 5 minutes: about four hours of retries
BACKOFF_SECONDS = 5.0
EXCERPT_CHARS = 500
USER_AGENT = "Tutti-Webhooks/1.0"

Post = Callable[..., requests.Response]


def static_webhooks(api_keys: Iterable[tuple[str, str]],
                    api_webhooks: Iterable[tuple[str, str, str | None]]) -> dict[str, Webhook]:
    """Webhooks from settings; without a `whsec_` secret the key's API secret is used (`whsec_` + base64)."""
    secrets = dict(api_keys)
    hooks = {}
    for key_id, url, secret in api_webhooks:
        if secret is None:
            if key_id not in secrets:
                raise ValueError(f"TUTTI_API_WEBHOOKS: {key_id} has no secret and is not in TUTTI_API_KEYS")
            secret = "whsec_" + base64.b64encode(secrets[key_id].encode()).decode()
        else:
            _check_static(key_id, api_clients.check_webhook_secret, secret)
        _check_static(key_id, api_clients.check_webhook_url, url)
        hooks[key_id] = Webhook(key_id, url, secret)
    return hooks


def _check_static(key_id: str, check: Callable[[str], None], value: str) -> None:
    try:
        check(value)
    except api_clients.ApiKeyError as exc:
        raise ValueError(f"TUTTI_API_WEBHOOKS: {key_id}: {exc}") from None


def event_type(payload: Mapping[str, Any]) -> str | None:
    """The webhook type for a domain event, or None when clients are not told about it."""
    name, status = payload.get("event"), payload.get("status")
    if name == "project.status_changed" and status in ("completed", "aborted"):
        return f"project.{status}"
    if name == "task.status_changed" and status == "complete":
        return "task.completed"
    return None


def webhook_handlers(database: Database, static: Mapping[str, Webhook] | None = None, *,
                     post: Post | None = None, backoff_seconds: float = BACKOFF_SECONDS,
                     max_attempts: int = MAX_ATTEMPTS) -> dict[str, Handler]:
    """The two outbox handlers, by topic."""
    static = dict(static or {})
    send = post or requests.post

    def find(session: Any, key_id: str) -> Webhook | None:
        return static.get(key_id) or api_clients.stored_webhook(session, key_id)

    def prepare(delivery: Delivery) -> None:
        kind = event_type(delivery.payload)
        project_id = delivery.payload.get("project_id")
        if kind is None or project_id is None:
            return
        dedupe_key = f"webhook:{delivery.id}"
        with database.unit_of_work() as uow:
            session = uow.session
            key_id = session.scalar(select(Project.client_id).where(Project.id == project_id))
            if key_id is None or find(session, key_id) is None:
                return
            if session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)) is not None:
                return  # prepared on an earlier attempt whose outcome was not recorded
            body: dict[str, Any] = {"type": kind, "timestamp": _iso(datetime.now(UTC)), "project_id": project_id}
            information = read_models.project_information(session, [project_id])
            if kind == "task.completed":
                task_id = delivery.payload.get("task_id")
                body["task_id"] = task_id
                tasks = information.get(str(project_id), {}).get("tasks", {})
                body["step_slug"] = next((slug for slug, t in tasks.items() if t["id"] == task_id), None)
            body["data"] = information
            outbox.add_message(
                session, DELIVER_TOPIC,
                {"webhook_id": f"msg_tutti_{delivery.id}", "key_id": key_id, "type": kind,
                 "project_id": project_id, "body": json.dumps(body, separators=(",", ":"))},
                project_id=project_id, dedupe_key=dedupe_key, max_attempts=max_attempts,
                backoff_seconds=backoff_seconds,
            )
            uow.commit()

    def deliver(delivery: Delivery) -> None:
        payload = delivery.payload
        with database.read() as session:
            hook = find(session, payload["key_id"])
        if hook is None:
            _log(database, delivery, url="", error="The webhook was removed before delivery; not sent.")
            return
        body: str = payload["body"]
        sent_at = datetime.now(UTC)
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": payload["webhook_id"],
            "webhook-timestamp": str(int(sent_at.timestamp())),
            "webhook-signature": Signer(hook.secret).sign(payload["webhook_id"], sent_at, body),
        }
        started = time.perf_counter()
        try:
            response = send(hook.url, data=body.encode(), headers=headers, timeout=TIMEOUT, allow_redirects=False,
                            stream=True)
        except requests.RequestException as exc:
            error = _text(f"{type(exc).__name__}: {exc}")[:1000]
            _log(database, delivery, url=hook.url, duration_ms=_ms(started), error=error)
            raise RetryLater(error) from None
        excerpt = _excerpt(response)
        ok = 200 <= response.status_code < 300
        _log(database, delivery, url=hook.url, status_code=response.status_code, response_excerpt=excerpt,
             duration_ms=_ms(started), error=None if ok else _failure(response))
        if not ok:
            raise RetryLater(f"{hook.url} answered HTTP {response.status_code}")

    return {EVENT_TOPIC: prepare, DELIVER_TOPIC: deliver}


def _log(database: Database, delivery: Delivery, **fields: Any) -> None:
    payload = delivery.payload
    with database.unit_of_work() as uow:
        api_clients.log_delivery(uow.session, webhook_id=payload["webhook_id"], key_id=payload["key_id"],
                                 event_type=payload["type"], project_id=payload.get("project_id"),
                                 attempt=delivery.attempt, **fields)
        uow.commit()


def _excerpt(response: requests.Response) -> str:
    """The start of the answer's body; only that much is read, however large the body is."""
    try:
        raw = next(response.iter_content(EXCERPT_CHARS * 4), b"")
    except requests.RequestException as exc:  # the status line is the answer; a broken body does not undo it
        return _text(f"(body unreadable: {type(exc).__name__})")
    finally:
        response.close()
    try:
        text = raw.decode(response.encoding or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know: the answer is still the answer
        text = raw.decode("utf-8", errors="replace")
    return _text(text)[:EXCERPT_CHARS]


def _text(value: str) -> str:
    """`value` storable as text: PostgreSQL refuses NUL, which would fail the log row and resend a delivered hook."""
    return value.replace("\x00", "\ufffd")


def _failure(response: requests.Response) -> str:
    if response.is_redirect:
        location = _text(response.headers.get("location", ""))[:500]
        return (f"HTTP {response.status_code} redirect to {location}; webhooks do not follow redirects, "
                "set the final URL")
    return f"HTTP {response.status_code}"


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")
