"""Small pieces every modal listener shares: who clicked, replay keys, running one change in one unit of work."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handlers.slack.guard import NotAnExpert, mark_processed, worker_for
from handlers.slack.services import SlackServices
from store.enums import EventSource
from store.events import Actor
from store.models import Worker
from workflows.errors import TaskChanged

log = logging.getLogger(__name__)
T = TypeVar("T")


class Refusal(Exception):
    """Something to tell the person instead of doing what they asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Replayed(Exception):
    """The same interaction was already handled (a double click or a redelivery)."""


def actor(body: dict[str, Any]) -> Actor:
    return Actor(body["user"]["id"], EventSource.SLACK)


def click_key(body: dict[str, Any]) -> str:
    """One key per press of one button on one version of a view: a redelivery or a double click gives the same key.

    Not `action_ts`, which differs between the two clicks of a double click; Slack gives a view a new hash whenever
    it is updated, so a deliberate later click on the redrawn view is a new key.
    """
    action = body["actions"][0]
    view = body.get("view") or {}
    return ":".join(["click", body["user"]["id"], action["action_id"], str(action.get("value", "")),
                     str(view.get("id", "")), str(view.get("hash") or action.get("action_ts", ""))])


def submission_key(body: dict[str, Any]) -> str:
    """One key per submission of one version of a view with one set of values."""
    view = body["view"]
    state = json.dumps(view.get("state", {}).get("values", {}), sort_keys=True)
    digest = hashlib.sha256(state.encode()).hexdigest()[:16]
    return ":".join(["submit", body["user"]["id"], view["id"], str(view.get("hash", "")), digest])


def in_one_unit(services: SlackServices, body: dict[str, Any], change: Callable[[Session, Worker], T],
                key: str | None = None) -> T:
    """Run `change` for the clicking worker in one unit of work, once per `key`; commit when it returns.

    Raises Refusal (not an expert) and Replayed (key already used); the engine's errors pass through.
    """
    with services.database.unit_of_work() as uow:
        try:
            worker = worker_for(uow.session, body["user"]["id"])
        except NotAnExpert as exc:
            raise Refusal(str(exc)) from exc
        if key is not None:  # first, so a simultaneous duplicate waits on the key and then fails
            try:
                mark_processed(uow.session, key)
            except IntegrityError as exc:
                uow.rollback()
                raise Replayed(key) from exc
        try:
            result = change(uow.session, worker)
        except TaskChanged as exc:  # their view is out of date: say so as a refusal, the same way everywhere
            raise Refusal(exc.message) from exc
        uow.commit()
        return result


def read_as(services: SlackServices, slack_user_id: str, read: Callable[[Session, Worker], T]) -> T:
    """Run a query for the clicking worker; Refusal when they are not an expert."""
    with services.database.read() as session:
        try:
            worker = worker_for(session, slack_user_id)
        except NotAnExpert as exc:
            raise Refusal(str(exc)) from exc
        return read(session, worker)


def update_view(client: WebClient, view_id: str, view: dict[str, Any], view_hash: str | None = None) -> bool:
    """views.update; False (logged) when Slack refuses, e.g. the person changed the view meanwhile."""
    try:
        if view_hash:
            client.views_update(view_id=view_id, hash=view_hash, view=view)
        else:
            client.views_update(view_id=view_id, view=view)
    except SlackApiError as exc:
        log.warning("views.update of %s refused: %s", view_id, exc.response.get("error"))
        return False
    return True


def open_view(client: WebClient, trigger_id: str, view: dict[str, Any]) -> str | None:
    """views.open; the new view's id, or None (logged) when the trigger expired."""
    return _show(client.views_open, "views.open", trigger_id, view)


def push_view(client: WebClient, trigger_id: str, view: dict[str, Any]) -> str | None:
    """views.push onto the open modal; the new view's id, or None (logged) when the trigger expired."""
    return _show(client.views_push, "views.push", trigger_id, view)


def _show(method: Callable[..., Any], name: str, trigger_id: str, view: dict[str, Any]) -> str | None:
    try:
        response = method(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        log.warning("%s refused: %s", name, exc.response.get("error"))
        return None
    return str(response["view"]["id"])


def task_id_from(body: dict[str, Any]) -> int | None:
    value = str(body["actions"][0].get("value") or "")
    return int(value) if value.isdigit() else None


def after_ack_id(body: dict[str, Any]) -> str:
    """The external_id given to the view a submission is acked with (unique per submitted view)."""
    return f"tutti-ack-{body['view']['id']}-{body['view'].get('hash', '')}"[:255]


def update_after_ack(client: WebClient, external_id: str, view_id: str, view: dict[str, Any],
                     wait_seconds: float = 10.0) -> bool:
    """Replace the view acked with `response_action: update` once Slack shows it.

    Slack applies the ack's view when it reads the HTTP answer, which can come after a quick views.update from
    the listener; updating by the acked view's external_id fails with `not_found` until then, so retry briefly
    instead of having the ack overwrite the final view.
    """
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            client.views_update(external_id=external_id, view=view)
            return True
        except SlackApiError as exc:
            if exc.response.get("error") != "not_found" or time.monotonic() > deadline:
                log.warning("views.update of %s refused: %s", external_id, exc.response.get("error"))
                return update_view(client, view_id, view)
            time.sleep(0.05)
