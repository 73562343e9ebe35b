"""SanityBot: run each active or paused project's sanity checks and report the failing ones to its channel.

A version's `sanity_checks.sanity_check_function` is called as `fn(project, **kwargs)` with a `SanityProject`
(plain data: the project, its tasks and their people, and `now`). It returns the checks that fail: slugs, or
objects/dicts with a `check_slug`. A check is handled when it never was for the project, or when its
configuration has `repetition_seconds` and that long has passed since it was last handled; handling posts
`'{mentions}: {message}'` to the project channel (through the outbox) and records the check.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.enums import ProjectStatus, TaskStatus
from store.models import Project, SanityCheckRecord, Task, TaskAssignment, Worker
from store.types import utcnow
from workflows.context import load_project
from workflows.definition import SanityChecks
from workflows.outbox_events import emit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SanityAssignment:
    counter: int
    status: str
    worker_username: str | None
    worker_slack_id: str | None


@dataclass(frozen=True)
class SanityTask:
    id: int
    step_slug: str
    step_name: str
    is_human: bool
    status: TaskStatus
    start_datetime: datetime
    status_since: datetime
    assignments: tuple[SanityAssignment, ...]


@dataclass(frozen=True)
class SanityProject:
    """What a sanity check function sees."""

    id: int
    short_description: str
    status: ProjectStatus
    priority: int
    project_data: dict[str, Any]
    start_datetime: datetime
    now: datetime
    tasks: tuple[SanityTask, ...] = field(default_factory=tuple)

    def task(self, step_slug: str) -> SanityTask | None:
        return next((t for t in self.tasks if t.step_slug == step_slug), None)


def projects_to_check(session: Session) -> list[int]:
    """Active and paused projects (their versions may or may not declare sanity checks)."""
    return list(session.scalars(select(Project.id).where(
        Project.status.in_([ProjectStatus.ACTIVE, ProjectStatus.PAUSED])).order_by(Project.id)))


def check_project(session: Session, project_id: int, *, now: datetime | None = None) -> list[str]:
    """Run one project's checks and handle those due; the slugs handled. Takes the project's row lock."""
    now = now or utcnow()
    project, info = load_project(session, project_id, lock=True)
    config: SanityChecks | None = info.definition.sanity_checks
    if config is None or not config.check_configurations or project.status not in (ProjectStatus.ACTIVE,
                                                                                  ProjectStatus.PAUSED):
        return []
    snapshot = sanity_project(session, project, info, now)
    ref = config.sanity_check_function
    returned = info.resolve(ref.path)(snapshot, **ref.kwargs) or []
    slugs = list(dict.fromkeys(_slug(check) for check in returned))
    if not slugs:
        return []
    latest = dict(session.execute(
        select(SanityCheckRecord.check_slug, func.max(SanityCheckRecord.handled_at))
        .where(SanityCheckRecord.project_id == project.id, SanityCheckRecord.check_slug.in_(slugs))
        .group_by(SanityCheckRecord.check_slug)
    ).all())
    handled = []
    for slug in slugs:
        check = config.check_configurations.get(slug)
        if check is None:
            log.warning("project %s: sanity check %r has no configuration; ignored", project.id, slug)
            continue
        last = latest.get(slug)
        if last is not None and (check.repetition_seconds is None
                                 or now - last <= timedelta(seconds=float(check.repetition_seconds))):
            continue
        for handler in check.handlers:
            mentions = " ".join(sorted({f"<@{a.worker_slack_id}>" for t in snapshot.tasks
                                        if t.step_slug in handler.steps for a in t.assignments
                                        if a.worker_slack_id}))
            text = f"{mentions}: {handler.message}" if mentions else handler.message
            emit(session, "sanity.alert", project_id=project.id, check_slug=slug, text=text)
        session.add(SanityCheckRecord(project_id=project.id, check_slug=slug, handled_at=now, created_at=now))
        handled.append(slug)
    session.flush()
    return handled


def _slug(check: Any) -> str:
    if isinstance(check, str):
        return check
    if isinstance(check, dict):
        return str(check["check_slug"])
    return str(check.check_slug)


def sanity_project(session: Session, project: Project, info: Any, now: datetime) -> SanityProject:
    rows = session.execute(
        select(Task, TaskAssignment, Worker)
        .outerjoin(TaskAssignment, TaskAssignment.task_id == Task.id)
        .outerjoin(Worker, Worker.id == TaskAssignment.worker_id)
        .where(Task.project_id == project.id)
        .order_by(Task.id, TaskAssignment.assignment_counter)
    ).all()
    tasks: dict[int, tuple[Task, list[SanityAssignment]]] = {}
    for task, assignment, worker in rows:
        entry = tasks.setdefault(task.id, (task, []))
        if assignment is not None:
            entry[1].append(SanityAssignment(assignment.assignment_counter, assignment.status.value,
                                             worker.username if worker else None,
                                             worker.slack_user_id if worker else None))
    snapshot_tasks = []
    for task, assignments in tasks.values():
        step = info.step_for_id(task.step_id)
        snapshot_tasks.append(SanityTask(task.id, step.slug, step.name, step.is_human, task.status,
                                         task.start_datetime, task.updated_at, tuple(assignments)))
    return SanityProject(project.id, project.short_description, project.status, project.priority,
                         dict(project.project_data or {}), project.start_datetime, now, tuple(snapshot_tasks))
