"""The shapes of what Slack sends to apps: event envelopes, interaction payloads, slash commands."""

from __future__ import annotations

import secrets
from typing import Any

from sandbox.state import APP_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, User, View

VERIFICATION_TOKEN = "sandbox-verification-token"


def _team() -> dict[str, Any]:
    return {"id": TEAM_ID, "domain": TEAM_DOMAIN}


def _user(user: User) -> dict[str, Any]:
    return {"id": user.id, "username": user.name, "name": user.name, "team_id": TEAM_ID}


def event_envelope(event: dict[str, Any], event_time: int) -> dict[str, Any]:
    """An event_callback wrapping `event`, as the Events API posts it."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "context_team_id": TEAM_ID,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": "Ev" + secrets.token_hex(5).upper(),
        "event_time": event_time,
        "authorizations": [
            {"enterprise_id": None, "team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True,
             "is_enterprise_install": False}
        ],
        "is_ext_shared_channel": False,
        "event_context": "4-" + secrets.token_hex(12),
    }


def app_home_opened(user: User, dm_channel: str, home: View | None, event_ts: str) -> dict[str, Any]:
    """The app_home_opened event for the Home tab."""
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user.id,
        "channel": dm_channel,
        "tab": "home",
        "event_ts": event_ts,
    }
    if home is not None:
        event["view"] = home.to_slack()
    return event


def block_actions(user: User, trigger_id: str, actions: list[dict[str, Any]], *,
                  view: View | None = None, message: dict[str, Any] | None = None,
                  channel: dict[str, Any] | None = None, response_url: str | None = None,
                  is_ephemeral: bool = False) -> dict[str, Any]:
    """A block_actions payload from a view (modal or Home) or from a message."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "team": _team(),
        "enterprise": None,
        "is_enterprise_install": False,
        "actions": actions,
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.id}
        payload["view"] = view.to_slack()
    elif message is not None and channel is not None:
        payload["container"] = {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": channel["id"],
            "is_ephemeral": is_ephemeral,
        }
        payload["channel"] = channel
        payload["message"] = message
        payload["state"] = {"values": {}}
        if response_url:
            payload["response_url"] = response_url
    return payload


def view_submission(user: User, view: View, trigger_id: str) -> dict[str, Any]:
    """A view_submission payload for the user's top modal."""
    return {
        "type": "view_submission",
        "team": _team(),
        "user": _user(user),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "view": view.to_slack(),
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def view_closed(user: User, view: View, is_cleared: bool) -> dict[str, Any]:
    """A view_closed payload, sent when a modal with notify_on_close is closed."""
    return {
        "type": "view_closed",
        "team": _team(),
        "user": _user(user),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "view": view.to_slack(),
        "is_cleared": is_cleared,
        "is_enterprise_install": False,
        "enterprise": None,
    }


def slash_command(user: User, command: str, text: str, channel_id: str, channel_name: str,
                  trigger_id: str, response_url: str) -> dict[str, str]:
    """The form fields of a slash command request."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user.id,
        "user_name": user.name,
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }
