"""A bare HTTP app whose answers the test scripts, for checking what the sandbox does with them."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from flask import Flask, Response, request

from sandbox.background import BackgroundServer, serve_in_thread


@dataclass
class Received:
    """One request the app got: headers and decoded body."""

    headers: dict[str, str]
    body: dict[str, Any]
    raw: str

    @property
    def type(self) -> str:
        """payload type, event type or slash command."""
        return str(self.body.get("type") if self.body.get("type") != "event_callback"
                   else self.body["event"]["type"]) if "command" not in self.body else str(self.body["command"])


@dataclass
class ScriptedApp:
    """Answers each request with the next scripted (status, body, delay), else an empty 200."""

    server: BackgroundServer | None = None
    received: list[Received] = field(default_factory=list)
    script: deque[tuple[int, Any, float]] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        """The request URL."""
        assert self.server is not None
        return self.server.url + "slack"

    def answer(self, body: Any = "", status: int = 200, delay: float = 0.0) -> None:
        """Queue the answer to the next request."""
        self.script.append((status, body, delay))

    def handle(self) -> Response:
        raw = request.get_data(as_text=True)
        if request.mimetype == "application/json":
            body = json.loads(raw)
        else:
            form = {k: v[0] for k, v in parse_qs(raw).items()}
            body = json.loads(form["payload"]) if "payload" in form else form
        with self.lock:
            self.received.append(Received(headers=dict(request.headers), body=body, raw=raw))
            status, answer, delay = self.script.popleft() if self.script else (200, "", 0.0)
        if delay:
            time.sleep(delay)
        text = answer if isinstance(answer, str) else json.dumps(answer)
        return Response(text, status=status, mimetype="application/json" if text.startswith("{") else "text/plain")


def serve_scripted_app() -> ScriptedApp:
    """Serve a ScriptedApp on a free loopback port."""
    app = ScriptedApp()
    flask_app = Flask("scripted_app")
    flask_app.add_url_rule("/slack", "slack", app.handle, methods=["POST"])
    app.server = serve_in_thread(flask_app, name="scripted-app")
    return app
