"""Slack listeners, grouped by surface; `register_listeners` is the one place they are attached."""

from __future__ import annotations

from slack_bolt import App

from handlers.slack import admin, home, reviews, staffbot, tasks, timecard, timer
from handlers.slack.services import SlackServices


def register_listeners(app: App, services: SlackServices) -> None:
    """Attach every listener Tutti has to `app`."""
    home.register(app, services)
    admin.register(app, services)
    timer.register(app, services)
    tasks.register(app, services)
    reviews.register(app, services)
    timecard.register(app, services)
    staffbot.register(app, services)
