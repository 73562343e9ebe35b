"""manifest.yml declares exactly what Tutti registers and calls, so the two cannot drift."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from handlers.slack import register_listeners
from handlers.slack.services import SlackServices

ROOT = Path(__file__).resolve().parents[2]

# The scope each Web API method needs (private channels are groups:*; DMs are im:*).
SCOPES = {
    "chat.postMessage": {"chat:write"},
    "chat.postEphemeral": {"chat:write"},
    "chat.update": {"chat:write"},
    "chat.delete": {"chat:write"},
    "conversations.create": {"groups:write"},
    "conversations.invite": {"groups:write"},
    "conversations.kick": {"groups:write"},
    "conversations.archive": {"groups:write"},
    "conversations.unarchive": {"groups:write"},
    "conversations.setTopic": {"groups:write"},
    "conversations.setPurpose": {"groups:write"},
    "conversations.info": {"groups:read"},
    "conversations.members": {"groups:read"},
    "conversations.open": {"im:write"},
    "users.info": {"users:read", "users:read.email"},
    "users.lookupByEmail": {"users:read.email"},
    "users.list": {"users:read"},
    "files.info": {"files:read"},
    "files.download": {"files:read"},
    "views.open": set(),
    "views.push": set(),
    "views.update": set(),
    "views.publish": set(),
    "auth.test": set(),
}


class RecordingApp:
    """Stands in for Bolt's App and records what `register_listeners` attaches."""

    def __init__(self) -> None:
        self.commands: set[str] = set()
        self.events: set[str] = set()
        self.actions: set[str] = set()
        self.views: set[str] = set()

    def _record(self, into: set[str]) -> Callable[..., Callable[[Callable[..., Any]], Callable[..., Any]]]:
        def register(key: Any, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
            into.add(str(key) if not isinstance(key, dict) else str(key.get("callback_id") or key.get("type")))
            return lambda fn: fn

        return register

    def __getattr__(self, name: str) -> Any:
        kinds = {"command": self.commands, "event": self.events, "action": self.actions, "block_action": self.actions,
                 "view": self.views, "view_submission": self.views, "view_closed": self.views,
                 "options": self.actions, "shortcut": self.actions}
        if name in kinds:
            return self._record(kinds[name])
        raise AttributeError(name)


def manifest() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def registered() -> RecordingApp:
    app = RecordingApp()
    register_listeners(app, SlackServices(database=None, public_url="http://x", random=lambda: 0.5))  # type: ignore[arg-type]
    return app


def methods_called() -> set[str]:
    """Every Web API method named in the code that talks to Slack."""
    found: set[str] = set()
    for folder in ("handlers", "jobs", "bot"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text()
            found.update(re.findall(r'(?:call|api_call)\([^"\n]*"([a-z]+\.[a-zA-Z.]+)"', text))
            for snake in re.findall(r"\bclient\.([a-z]+_[a-zA-Z_]+)\(", text):
                if snake != "api_call":
                    family, _, method = snake.partition("_")
                    found.add(f"{family}.{re.sub(r'_([a-z])', lambda m: m.group(1).upper(), method)}")
            if "url_private" in text:
                found.add("files.download")
    return found


def test_the_manifest_declares_exactly_the_registered_commands() -> None:
    declared = {c["command"] for c in manifest()["features"].get("slash_commands", [])}
    assert declared == registered().commands


def test_the_manifest_subscribes_to_exactly_the_events_listened_to() -> None:
    declared = set(manifest()["settings"]["event_subscriptions"]["bot_events"])
    assert declared == registered().events


def test_interactivity_and_the_home_tab_are_on_because_listeners_need_them() -> None:
    app, data = registered(), manifest()
    assert data["settings"]["interactivity"]["is_enabled"] == bool(app.actions or app.views)
    assert data["features"]["app_home"]["home_tab_enabled"] == ("app_home_opened" in app.events)


def test_the_manifest_asks_for_exactly_the_scopes_the_code_needs() -> None:
    called = methods_called()
    unknown = called - SCOPES.keys()
    assert not unknown, f"add these methods to SCOPES: {sorted(unknown)}"
    needed = set().union(*(SCOPES[m] for m in called))
    if registered().commands:
        needed.add("commands")
    assert set(manifest()["oauth_config"]["scopes"]["bot"]) == needed
