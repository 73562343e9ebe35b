"""SanityBot's jobs: the periodic run over active and paused projects, and the post to the project channel."""

from __future__ import annotations

import logging
from datetime import datetime

from slack_sdk import WebClient

from jobs.dispatcher import Delivery, Handler
from jobs.project_channel import project_channel
from jobs.slack_calls import call
from store.db import Database
from workflows import sanity
from workflows.read_models import project_summary

log = logging.getLogger(__name__)

SUBSCRIPTIONS: dict[str, list[str]] = {"sanity.alert": ["slack.sanity_alert"]}


def run_sanity_checks(database: Database, now: datetime | None = None) -> int:
    """Check every active or paused project, one transaction each (the project's row lock makes two runs at
    once handle a check once); how many checks were handled."""
    with database.read() as session:
        project_ids = sanity.projects_to_check(session)
    handled = 0
    for project_id in project_ids:
        try:
            with database.unit_of_work() as uow:
                handled += len(sanity.check_project(uow.session, project_id, now=now))
                uow.commit()
        except Exception:  # a broken check function must not silence the other projects' checks
            log.exception("sanity checks of project %s failed", project_id)
    return handled


class SanityDelivery:
    def __init__(self, database: Database, client: WebClient) -> None:
        self.database = database
        self.client = client

    def handlers(self) -> dict[str, Handler]:
        return {"slack.sanity_alert": self.alert}

    def alert(self, delivery: Delivery) -> None:
        """'{mentions}: {message}' in the project channel; dropped once the project is over (its channel is
        archived, and nobody needs nagging about a project that ended)."""
        with self.database.read() as session:
            project = project_summary(session, int(delivery.payload["project_id"]))
        if project.status.is_over:
            log.info("sanity alert %s for project %s dropped: the project is %s", delivery.payload.get("check_slug"),
                     project.id, project.status.value)
            return
        channel = project_channel(self.database, delivery, project.id, project.slack_channel_id)
        call(self.client, "chat.postMessage", channel=channel, text=str(delivery.payload["text"]))
