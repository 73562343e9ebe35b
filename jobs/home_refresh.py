"""Keeping App Home current: republish the Home of everyone a change concerns.

Who is refreshed: the people on the task that changed (every assignment, plus whoever the event names: the
worker assigned or replaced, the submitter), or everyone on the project for a project status change. People who
merely *could* take a task (qualified reviewers when a task enters pending review, experts when a task is created)
are not refreshed: that could be the whole workforce for each submission. They see the task the next time they
open Home, and "Get a task" always looks at the live queue.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from jobs.dispatcher import Delivery, Handler
from jobs.errors import PermanentFailure
from jobs.slack_calls import call
from store.db import Database
from views.home import home_view
from workflows.dashboard import dashboard_for, people_concerned

log = logging.getLogger(__name__)

TOPIC = "slack.home_refresh"

SUBSCRIPTIONS: dict[str, list[str]] = {
    event: [TOPIC]
    for event in ("task.status_changed", "team.joined", "team.left", "task.reassigned", "project.status_changed")
}

# Payload keys naming workers who may no longer be on the task but whose Home changed.
WORKER_KEYS = ("worker_id", "previous_worker_id", "submitter_id")


class HomeRefresh:
    """The handler, bound to a database and a Slack client."""

    def __init__(self, database: Database, client: WebClient) -> None:
        self.database = database
        self.client = client

    def handlers(self) -> dict[str, Handler]:
        return {TOPIC: self.refresh}

    def publish(self, slack_user_id: str) -> None:
        """Build and publish one person's Home (they just opened the tab)."""
        with self.database.read() as session:
            dashboard = dashboard_for(session, slack_user_id)
        call(self.client, "views.publish", user_id=slack_user_id, view=home_view(dashboard))

    def refresh(self, delivery: Delivery) -> None:
        payload = delivery.payload
        task_id = payload.get("task_id")
        worker_ids = tuple(int(payload[key]) for key in WORKER_KEYS if payload.get(key) is not None)
        with self.database.read() as session:
            people = people_concerned(session, int(payload["project_id"]),
                                      int(task_id) if task_id is not None else None, worker_ids)
            dashboards = [dashboard_for(session, slack_user_id) for slack_user_id in people]
        for dashboard in dashboards:
            try:
                call(self.client, "views.publish", user_id=dashboard.slack_user_id, view=home_view(dashboard))
            except PermanentFailure:  # e.g. the person left the workspace: the others still get theirs
                log.warning("could not refresh Home of %s", dashboard.slack_user_id, exc_info=True)
