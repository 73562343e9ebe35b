"""Domain events written to the outbox in the same transaction as the change.

Subscribers (Slack notices, webhooks) are attached by the delivery jobs; the engine only says what happened.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from store import outbox
from workflows.definition import RetryPolicy

EVENT_TOPIC = "event"
MACHINE_TOPIC = "machine.run"


def emit(session: Session, name: str, *, project_id: int, **data: Any) -> None:
    """Record that `name` happened (e.g. `task.status_changed`); delivered to subscribers after commit."""
    outbox.add_message(session, EVENT_TOPIC, {"event": name, "project_id": project_id, **data},
                       project_id=project_id)


def schedule_machine_step(session: Session, *, project_id: int, task_id: int, retry: RetryPolicy) -> None:
    """Queue a machine step to run as a job once this transaction commits, retried per the step's policy."""
    outbox.add_message(
        session,
        MACHINE_TOPIC,
        {"task_id": task_id},
        project_id=project_id,
        max_attempts=retry.max_attempts,
        backoff_seconds=retry.backoff_seconds,
    )
