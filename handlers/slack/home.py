"""The App Home tab: publish the expert's dashboard, page through it, and "Get a task"."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError

from handlers.slack.guard import NotAnExpert, mark_processed, worker_for
from handlers.slack.services import SlackServices
from store.enums import EventSource, Role
from store.events import Actor
from views.home import claim_result_modal, claimed_text, home_view, nothing_available_text, parse_qualification
from views.ids import Action, Event
from workflows.dashboard import certification_name, dashboard_for
from workflows.next_task import claim_next_task

log = logging.getLogger(__name__)


def publish_home(services: SlackServices, client: WebClient, slack_user_id: str, page: int = 0,
                 notice: str | None = None) -> None:
    """Build and publish one person's Home tab (the same query and builder the refresh job uses)."""
    with services.database.read() as session:
        dashboard = dashboard_for(session, slack_user_id)
    client.views_publish(user_id=slack_user_id, view=home_view(dashboard, page=page, notice=notice))


def click_key(body: dict[str, Any]) -> str:
    """One key per click on one version of a surface: a replay or a double click on the same Home gives the same
    key (Slack sends the view's hash, which changes whenever the view is republished)."""
    action = body["actions"][0]
    view = body.get("view") or {}
    return ":".join(["slack", body["user"]["id"], action["action_id"], str(action.get("value", "")),
                     str(view.get("id", "")), str(view.get("hash") or action.get("action_ts", ""))])


class HomeListeners:
    def __init__(self, services: SlackServices) -> None:
        self.services = services

    def app_home_opened(self, event: dict[str, Any], client: WebClient) -> None:
        """Publish a fresh Home (ages and the running timer move on between changes), from a job when there is one:
        it is the heaviest thing a click asks for, and the web process should stay free for the next click."""
        if event.get("tab", "home") != "home":
            return
        if self.services.publish_home_soon is not None:
            self.services.publish_home_soon(event["user"])
        else:
            publish_home(self.services, client, event["user"])

    def page(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        try:
            page = max(0, int(body["actions"][0].get("value") or 0))
        except ValueError:
            page = 0
        publish_home(self.services, client, body["user"]["id"], page=page)

    def get_task(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """Claim the best task for the button's certification and role, tell the person, refresh Home."""
        ack()
        user_id = body["user"]["id"]
        try:
            slug, role = parse_qualification(str(body["actions"][0].get("value") or ""))
        except ValueError:
            publish_home(self.services, client, user_id)
            return
        text = self._claim(user_id, slug, role, click_key(body))
        if text is None:  # the same click again (double click, replay): the first one answered
            return
        try:
            client.views_open(trigger_id=body["trigger_id"], view=claim_result_modal(text))
        except SlackApiError as exc:  # the trigger expired: the notice still reaches them on Home
            log.warning("could not open the get-a-task result for %s: %s", user_id, exc.response.get("error"))
            publish_home(self.services, client, user_id, notice=text)
            return
        publish_home(self.services, client, user_id)

    def _claim(self, user_id: str, slug: str | None, role: Role, key: str) -> str | None:
        with self.services.database.unit_of_work() as uow:
            session = uow.session
            try:
                worker = worker_for(session, user_id)
            except NotAnExpert as exc:
                return str(exc)
            try:
                mark_processed(session, key)
            except IntegrityError:
                return None
            assignment = claim_next_task(session, worker.id, slug, role, Actor(user_id, EventSource.SLACK))
            if assignment is None:
                return nothing_available_text(certification_name(session, slug), role)
            task = assignment.task
            text = claimed_text(task.step.name, task.project_id, task.project.short_description,
                                assignment.assignment_counter > 0)
            uow.commit()
            return text

    def refresh(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        publish_home(self.services, client, body["user"]["id"])


def register(app: App, services: SlackServices) -> None:
    listeners = HomeListeners(services)
    app.event(Event.APP_HOME_OPENED)(listeners.app_home_opened)
    app.action(Action.HOME_PAGE)(listeners.page)
    app.action(Action.HOME_PAGE_BACK)(listeners.page)
    app.action(Action.HOME_REFRESH)(listeners.refresh)
    app.action(Action.TASK_NEXT)(listeners.get_task)
