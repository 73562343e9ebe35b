""""Get a task": which open tasks a worker may take, and claiming the best one race-safely."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from store.enums import ProjectStatus, Role, TaskClass, TaskStatus
from store.events import Actor
from store.models import Certification, Project, Step, Task, TaskAssignment, WorkerCertification, step_certifications
from workflows.assignment import assign_task
from workflows.certification import accepted_task_classes
from workflows.errors import TuttiError

# How many candidates one claim tries before giving up: each lost race moves to the next one.
CANDIDATES = 20

ANY_STEP: Any = object()
"""Pass as `certification_slug` to count or take tasks of every step (certified or not)."""


def status_for(role: Role) -> TaskStatus:
    """Entry-level people take tasks awaiting processing; reviewers take tasks pending review."""
    return TaskStatus.AWAITING_PROCESSING if role is Role.ENTRY_LEVEL else TaskStatus.PENDING_REVIEW


def qualified(worker_id: int, role: Role) -> ColumnElement[bool]:
    """SQL for `is_worker_certified` on the enclosing query's Task and Project: every required cert at `role`.

    The task-class rule is `certification.accepted_task_classes`, spelled out per project class.
    """
    required = step_certifications.alias("required")
    held = aliased(WorkerCertification)
    class_ok = or_(*(
        and_(Project.task_class == project_class, held.task_class.in_(accepted_task_classes(project_class)))
        for project_class in TaskClass
    ))
    holds = exists().where(held.worker_id == worker_id, held.certification_id == required.c.certification_id,
                           held.role == role, class_ok).correlate_except(held)
    return ~exists().where(required.c.step_id == Task.step_id, ~holds).correlate_except(required)


def not_on_task(worker_id: int) -> ColumnElement[bool]:
    mine = aliased(TaskAssignment)
    return ~exists().where(mine.task_id == Task.id, mine.worker_id == worker_id)


def without_certifications() -> ColumnElement[bool]:
    """Steps anyone may take (no required certification, like the simple workflow's `rate`)."""
    required = step_certifications.alias("any_required")
    return ~exists().where(required.c.step_id == Task.step_id)


def requiring(certification_slug: str) -> ColumnElement[bool]:
    required = step_certifications.alias("slug_required")
    certification = aliased(Certification)
    return exists().where(required.c.step_id == Task.step_id,
                          required.c.certification_id == certification.id,
                          certification.slug == certification_slug).correlate_except(required, certification)


def available_tasks(worker_id: int, role: Role, certification_slug: str | Any | None = ANY_STEP) -> Select[Any]:
    """Open tasks in active projects the worker may take at `role`, best first (-priority, project start)."""
    query = (
        select(Task.id)
        .join(Project, Project.id == Task.project_id)
        .join(Step, Step.id == Task.step_id)
        .where(
            Task.status == status_for(role),
            Project.status == ProjectStatus.ACTIVE,
            Step.is_human.is_(True),
            qualified(worker_id, role),
            not_on_task(worker_id),
        )
        .order_by(Project.priority.desc(), Project.start_datetime, Task.start_datetime, Task.id)
    )
    if certification_slug is None:
        query = query.where(without_certifications())
    elif certification_slug is not ANY_STEP:
        query = query.where(requiring(certification_slug))
    return query


def claim_next_task(session: Session, worker_id: int, certification_slug: str | None, role: Role,
                    actor: Actor) -> TaskAssignment | None:
    """Assign the worker the best task they qualify for in that certification and role; None if none is left.

    Each candidate is assigned under its row lock (`assign_task`) in a savepoint; a candidate taken by someone
    else meanwhile fails the engine's checks, is rolled back, and the next one is tried.
    """
    candidates = list(session.scalars(available_tasks(worker_id, role, certification_slug).limit(CANDIDATES)))
    for task_id in candidates:
        savepoint = session.begin_nested()
        try:
            assignment = assign_task(session, task_id, worker_id, actor=actor)
        except (TuttiError, IntegrityError):
            savepoint.rollback()
            continue
        savepoint.commit()
        return assignment
    return None
