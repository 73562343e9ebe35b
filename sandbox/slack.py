"""FakeSlack: the one object that holds a sandbox's configuration, state and instruments."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from sandbox.clock import Clock
from sandbox.faults import Faults
from sandbox.recorder import CallRecorder
from sandbox.state import Workspace
from sandbox.triggers import TriggerBook

DEFAULT_BOT_TOKEN = "xoxb-tutti-sandbox-token"
DEFAULT_SIGNING_SECRET = "tutti-sandbox-signing-secret"
RESPONSE_URL_USES = 5


@dataclass
class SandboxConfig:
    """How the sandbox is reached and how it reaches the app."""

    bot_token: str = DEFAULT_BOT_TOKEN
    signing_secret: str = DEFAULT_SIGNING_SECRET
    app_request_url: str | None = None
    ack_timeout: float = 3.0
    root_url: str = "http://127.0.0.1/"

    @property
    def api_base_url(self) -> str:
        """What the app passes as WebClient(base_url=...): ends with '/api/'."""
        return self.root_url.rstrip("/") + "/api/"


@dataclass
class ResponseUrlTarget:
    """Where a response_url POST lands: the conversation, the user, and the source message if any."""

    channel_id: str
    user_id: str
    message_ts: str | None = None
    uses_left: int = RESPONSE_URL_USES
    extra: dict[str, Any] = field(default_factory=dict)


class FakeSlack:
    """A sandbox Slack: workspace, trigger ids, recorded calls, faults and response URLs."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.clock = Clock()
        self.workspace = Workspace(self.clock)
        self.triggers = TriggerBook(self.clock)
        self.recorder = CallRecorder()
        self.faults = Faults()
        self._response_urls: dict[str, ResponseUrlTarget] = {}
        self._lock = threading.Lock()

    def reset(self) -> None:
        """A fresh workspace: no channels, messages, views, calls or faults."""
        self.clock.reset()
        self.workspace.reset()
        self.triggers.reset()
        self.recorder.clear()
        self.faults.clear()
        with self._lock:
            self._response_urls.clear()

    def new_response_url(self, target: ResponseUrlTarget) -> str:
        """A response_url served by the sandbox that posts into `target`."""
        token = secrets.token_urlsafe(16)
        with self._lock:
            self._response_urls[token] = target
        return f"{self.config.root_url.rstrip('/')}/_response/{token}"

    def use_response_url(self, token: str) -> ResponseUrlTarget | None:
        """The target of a response_url, counting one use (None once used up or unknown)."""
        with self._lock:
            target = self._response_urls.get(token)
            if target is None or target.uses_left <= 0:
                return None
            target.uses_left -= 1
            return target
