"""Deliveries that post to a project's channel, when the channel does not exist yet, or no longer takes posts.

While the channel is still being created (its `slack.create_channel` delivery, or the `project.created` event
that queues it, is pending) a delivery waits without spending attempts: creation may be backing off through a
Slack outage or a rate limit for minutes, far longer than a dependent message's own retries last. Once creation
has given up (or never was queued), waiting counts, so the message dies in bounded time instead of retrying
forever.

When a project ends its channel is archived. A post still queued then (held back by the channel's rate limit,
say) has nobody left to tell: Slack's `is_archived` means the message is done, not dead.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobs.dispatcher import Delivery
from jobs.errors import RetryLater
from store.db import Database
from store.enums import OutboxStatus, ProjectStatus
from store.models import OutboxMessage
from store.types import utcnow
from workflows.outbox_events import EVENT_TOPIC

CREATE_CHANNEL_TOPIC = "slack.create_channel"
ARCHIVED = frozenset({"is_archived"})
MAX_FREE_WAIT = 60.0  # look again at least this often while the channel is being created


def project_channel(database: Database, delivery: Delivery, project_id: int, channel_id: str | None) -> str:
    """The project's channel id, or a `RetryLater` raised to wait for it (see the module docstring)."""
    if channel_id is not None:
        return channel_id
    with database.read() as session:
        creation_due = channel_creation_due(session, project_id)
    if creation_due is None:
        raise RetryLater(f"project {project_id} has no channel yet", delay=min(30.0, 1.0 * delivery.attempt))
    wait = min(MAX_FREE_WAIT, max(1.0, (creation_due - utcnow()).total_seconds() + 1.0))
    raise RetryLater(f"project {project_id}'s channel is still being created", delay=wait, counts=False)


def channel_creation_due(session: Session, project_id: int) -> datetime | None:
    """When the pending creation of a project's channel is next tried; None if no creation is pending."""
    rows = session.execute(
        select(OutboxMessage.topic, OutboxMessage.payload, OutboxMessage.available_at)
        .where(OutboxMessage.project_id == project_id, OutboxMessage.status == OutboxStatus.PENDING,
               OutboxMessage.topic.in_([CREATE_CHANNEL_TOPIC, EVENT_TOPIC]))
    ).all()
    due = [available_at for topic, payload, available_at in rows
           if topic == CREATE_CHANNEL_TOPIC or (payload or {}).get("event") == "project.created"]
    return min(due) if due else None


def ended_project_tolerance(status: ProjectStatus) -> frozenset[str]:
    """The Slack errors a call to a project's channel tolerates: `is_archived` once the project is over."""
    return ARCHIVED if status.is_over else frozenset()
