"""The App Home tab: publish the expert's dashboard when they open it."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from views.home import home_view
from workflows.dashboard import dashboard_for

from handlers.slack.services import SlackServices
from views.ids import Event


class HomeListeners:
    def __init__(self, services: SlackServices) -> None:
        self.services = services

    def app_home_opened(self, event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        publish_home(self.services, client, event["user"])


def publish_home(services: SlackServices, client: WebClient, slack_user_id: str, page: int = 0) -> None:
    """Build and publish one person's Home tab."""
    with services.database.read() as session:
        dashboard = dashboard_for(session, slack_user_id)
    client.views_publish(user_id=slack_user_id, view=home_view(dashboard, page=page))


def register(app: App, services: SlackServices) -> None:
    listeners = HomeListeners(services)
    app.event(Event.APP_HOME_OPENED)(listeners.app_home_opened)
