"""Signed HTTP delivery of events, interactions and slash commands to the app's request URL."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests

from sandbox.signing import signed_headers
from sandbox.slack import FakeSlack

WRONG_SECRET = "not-the-signing-secret"
TOO_SLOW = "This app took too long to respond"
MODAL_TROUBLE = "We had some trouble connecting. Try again?"
# Not a Slack header: names each delivery so a test can find it in the app server's own access log.
DELIVERY_ID_HEADER = "X-Sandbox-Delivery-Id"


@dataclass
class AppAnswer:
    """What the app answered to one delivery, and how long it took."""

    kind: str
    status: int | None
    body: str
    elapsed: float
    timed_out: bool = False
    error: str | None = None
    duplicate: AppAnswer | None = None
    delivery_id: str = ""

    @property
    def acked(self) -> bool:
        """Whether the app answered 2xx within the ack window."""
        return self.status is not None and 200 <= self.status < 300 and not self.timed_out

    def json(self) -> dict[str, Any] | None:
        """The body as JSON, when it is a JSON object."""
        try:
            data = json.loads(self.body) if self.body else None
        except json.JSONDecodeError:
            return None
        return data if isinstance(data, dict) else None


class Delivery:
    """Posts to the app as Slack does: v0 signature, 3-second ack window, optional duplicates."""

    def __init__(self, slack: FakeSlack) -> None:
        self.slack = slack
        self._ids = itertools.count(1)

    def _post(self, kind: str, body: str, content_type: str, extra_headers: dict[str, str] | None = None
              ) -> AppAnswer:
        config = self.slack.config
        if not config.app_request_url:
            return AppAnswer(kind=kind, status=None, body="", elapsed=0.0, error="No app request URL is set")
        secret = WRONG_SECRET if self.slack.faults.wrong_signature else config.signing_secret
        delivery_id = str(next(self._ids))
        headers = signed_headers(secret, int(time.time()), body, content_type)
        headers[DELIVERY_ID_HEADER] = delivery_id
        headers.update(extra_headers or {})
        started = time.monotonic()
        try:
            response = requests.post(config.app_request_url, data=body.encode(), headers=headers,
                                     timeout=(config.ack_timeout, config.ack_timeout), allow_redirects=False)
        except requests.Timeout:
            return AppAnswer(kind=kind, status=None, body="", elapsed=time.monotonic() - started,
                             timed_out=True, error=TOO_SLOW, delivery_id=delivery_id)
        except requests.ConnectionError as error:
            return AppAnswer(kind=kind, status=None, body="", elapsed=time.monotonic() - started,
                             error=f"dispatch_failed: {error.__class__.__name__}", delivery_id=delivery_id)
        finally:
            self.slack.recorder.touch()
        elapsed = time.monotonic() - started
        answer = AppAnswer(kind=kind, status=response.status_code, body=response.text, elapsed=elapsed,
                           delivery_id=delivery_id)
        if elapsed > config.ack_timeout:
            answer.timed_out, answer.error = True, TOO_SLOW
        elif not 200 <= response.status_code < 300:
            answer.error = f"The app answered HTTP {response.status_code}"
        return answer

    def event(self, envelope: dict[str, Any]) -> AppAnswer:
        """An Events API envelope; a duplicate is a retry with X-Slack-Retry-Num."""
        body = json.dumps(envelope)
        answer = self._post("event", body, "application/json")
        if self.slack.faults.take_duplicate("event"):
            answer.duplicate = self._post(
                "event", body, "application/json",
                {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
            )
        return answer

    def interaction(self, build: Callable[[], dict[str, Any]]) -> AppAnswer:
        """An interaction payload (form field `payload`); a duplicate is a second, simultaneous one."""
        if not self.slack.faults.take_duplicate("interaction"):
            return self._post_payload(build())
        payloads = [build(), build()]
        answers: list[AppAnswer | None] = [None, None]

        def send(index: int) -> None:
            answers[index] = self._post_payload(payloads[index])

        threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        first, second = answers
        assert first is not None and second is not None
        first.duplicate = second
        return first

    def _post_payload(self, payload: dict[str, Any]) -> AppAnswer:
        body = urlencode({"payload": json.dumps(payload)})
        return self._post(str(payload.get("type")), body, "application/x-www-form-urlencoded")

    def command(self, form: dict[str, str]) -> AppAnswer:
        """A slash command, form-encoded."""
        return self._post("slash_command", urlencode(form), "application/x-www-form-urlencoded")
