"""The append-only project event log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import appends
from store.enums import EventSource
from store.models import ProjectEvent
from store.types import utcnow

_EVENTS = ProjectEvent.__table__


@dataclass(frozen=True)
class Actor:
    """Who asked for a change and through which door (a Slack user, an API key, a job, the CLI)."""

    id: str
    source: EventSource

    @classmethod
    def system(cls) -> Actor:
        return cls("system", EventSource.SYSTEM)

    @classmethod
    def job(cls, name: str = "job") -> Actor:
        return cls(name, EventSource.JOB)

    @classmethod
    def cli(cls, who: str = "cli") -> Actor:
        return cls(who, EventSource.CLI)


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    project_id: int,
    task_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    appends.append(session, _EVENTS, {
        "project_id": project_id, "task_id": task_id, "action": action, "actor": actor.id, "source": actor.source,
        "before": before, "after": after, "created_at": utcnow(),
    })


def project_events(session: Session, project_id: int) -> list[ProjectEvent]:
    query = select(ProjectEvent).where(ProjectEvent.project_id == project_id).order_by(ProjectEvent.id)
    return list(session.scalars(query))
