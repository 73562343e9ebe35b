"""A small Bolt app (not the product) that exercises the sandbox the way Tutti will."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, request
from slack_bolt import App
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_sdk import WebClient

from sandbox.background import BackgroundServer, serve_in_thread
from sandbox.driver import Sandbox

MIN_HEADLINE = 4


@dataclass
class ServedBoltApp:
    """The Bolt app, its HTTP server and what it saw."""

    app: App
    server: BackgroundServer
    seen: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[int] = field(default_factory=list)
    slow_seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        """The request URL Slack (the sandbox) posts to."""
        return self.server.url + "slack/events"

    def stop(self) -> None:
        """Stop serving."""
        self.server.stop()

    def kinds(self) -> list[str]:
        """Types of what the app received, in order (event types for events)."""
        with self.lock:
            return [s.get("event", {}).get("type") or s.get("type") or s.get("command", "") for s in self.seen]


def home_view() -> dict[str, Any]:
    """The Home tab: one task and a button to open it."""
    return {
        "type": "home",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Your tasks"}},
            {"type": "section", "block_id": "task-1",
             "text": {"type": "mrkdwn", "text": "*Write the flood story* for <#C0000000001>"},
             "accessory": {"type": "button", "action_id": "task.open", "value": "task-1",
                           "text": {"type": "plain_text", "text": "Open task"}}},
        ],
    }


def task_modal() -> dict[str, Any]:
    """The task form: headline, photos, rating, deadline."""
    return {
        "type": "modal",
        "callback_id": "task.submit",
        "private_metadata": "task-1",
        "title": {"type": "plain_text", "text": "Flood story"},
        "submit": {"type": "plain_text", "text": "Submit"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {"type": "input", "block_id": "headline", "label": {"type": "plain_text", "text": "Headline"},
             "element": {"type": "plain_text_input", "action_id": "value"}},
            {"type": "input", "block_id": "photos", "optional": True,
             "label": {"type": "plain_text", "text": "Photos"},
             "element": {"type": "file_input", "action_id": "files", "filetypes": ["jpg", "png"]}},
            {"type": "input", "block_id": "rating", "optional": True,
             "label": {"type": "plain_text", "text": "Rating"},
             "element": {"type": "static_select", "action_id": "value",
                         "options": [{"text": {"type": "plain_text", "text": f"{n}: {label}"}, "value": str(n)}
                                     for n, label in ((1, "poor"), (5, "excellent"))]}},
            {"type": "input", "block_id": "deadline", "optional": True,
             "label": {"type": "plain_text", "text": "Deadline"},
             "element": {"type": "datepicker", "action_id": "value"}},
        ],
    }


def build_app(sandbox: Sandbox, served: dict[str, ServedBoltApp]) -> App:
    """Register the listeners; `served` lets them record into the ServedBoltApp."""
    client = WebClient(token=sandbox.bot_token, base_url=sandbox.base_url)
    app = App(signing_secret=sandbox.signing_secret, client=client)

    def note(body: dict[str, Any]) -> None:
        record = served["app"]
        with record.lock:
            record.seen.append(body)
        if record.slow_seconds:
            time.sleep(record.slow_seconds)

    @app.event("app_home_opened")
    def publish_home(event: dict[str, Any], client: WebClient, body: dict[str, Any]) -> None:
        note(body)
        client.views_publish(user_id=event["user"], view=home_view())

    @app.action("task.open")
    def open_task(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        note(body)
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=task_modal())

    @app.action("offer.accept")
    def accept_offer(ack: Any, body: dict[str, Any], respond: Any) -> None:
        note(body)
        ack()
        respond(replace_original=True, text=f"Taken by <@{body['user']['id']}>")

    @app.view("task.submit")
    def submit_task(ack: Any, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        note(body)
        values = view["state"]["values"]
        headline = values["headline"]["value"]["value"] or ""
        if len(headline) < MIN_HEADLINE:
            ack(response_action="errors", errors={"headline": f"At least {MIN_HEADLINE} characters, please"})
            return
        ack()
        photos = values["photos"]["files"]["files"]
        names = ", ".join(f["name"] for f in photos) or "no photos"
        client.chat_postMessage(channel="#project-12", text=f"New story: {headline} ({names})")

    @app.view_closed("task.submit")
    def closed(ack: Any, body: dict[str, Any]) -> None:
        note(body)
        ack()

    @app.command("/echo")
    def echo(ack: Any, body: dict[str, Any], command: dict[str, Any]) -> None:
        note(body)
        ack(f"You said: {command['text']}")

    @app.command("/later")
    def later(ack: Any, body: dict[str, Any], respond: Any) -> None:
        note(body)
        ack()
        respond(text="Done later", response_type="in_channel")

    return app


def serve_bolt_app(sandbox: Sandbox) -> ServedBoltApp:
    """Build the Bolt app and serve it with Flask on a free loopback port."""
    holder: dict[str, ServedBoltApp] = {}
    app = build_app(sandbox, holder)
    handler = SlackRequestHandler(app)
    flask_app = Flask("round_trip_app")

    @flask_app.route("/slack/events", methods=["POST"])
    def slack_events() -> Any:
        response = handler.handle(request)
        if response.status_code == 401:
            with holder["app"].lock:
                holder["app"].rejected.append(response.status_code)
        return response

    served = ServedBoltApp(app=app, server=serve_in_thread(flask_app, name="bolt-app"))
    holder["app"] = served
    return served
