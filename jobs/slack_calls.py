"""Calling Slack from jobs: Slack's answers mapped onto outbox retries."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import SlackResponse

from jobs.errors import PermanentFailure, RetryLater

# Errors that retrying cannot fix: the target is gone or the request is wrong.
PERMANENT = frozenset({
    "channel_not_found", "is_archived", "user_not_found", "users_not_found", "invalid_arguments",
    "invalid_blocks", "msg_too_long", "no_text", "not_authed", "invalid_auth", "account_inactive",
    "missing_scope", "restricted_action", "user_is_restricted", "cant_invite", "method_not_supported_for_channel_type",
})


class SlackCallError(Exception):
    """A Slack error the caller may want to handle itself (e.g. `name_taken`)."""

    def __init__(self, method: str, error: str) -> None:
        super().__init__(f"{method}: {error}")
        self.method = method
        self.error = error


def call(
    client: WebClient, method: str, *, tolerate: frozenset[str] = frozenset(), **kwargs: Any
) -> SlackResponse | None:
    """Call a Web API method; None when Slack answered with a tolerated error (e.g. `already_in_channel`)."""
    try:
        return client.api_call(method, json=kwargs)
    except SlackApiError as exc:
        response = exc.response
        if response.status_code == 429:
            retry_after = float(response.headers.get("Retry-After", response.headers.get("retry-after", 1)) or 1)
            raise RetryLater(f"{method} rate limited", retry_after, counts=False) from None
        if response.status_code >= 500:
            raise RetryLater(f"{method}: Slack answered HTTP {response.status_code}") from None
        error = str(response.get("error", "unknown_error"))
        if error in tolerate:
            return None
        if error == "ratelimited":
            raise RetryLater(f"{method} rate limited", 1.0, counts=False) from None
        if error in PERMANENT:
            raise PermanentFailure(f"{method}: {error}") from None
        raise SlackCallError(method, error) from None
    except SlackClientError as exc:
        raise RetryLater(f"{method}: {exc}") from None
    except OSError as exc:  # connection refused, timeouts: Slack (or the sandbox) is not reachable now
        raise RetryLater(f"{method}: {exc}") from None
