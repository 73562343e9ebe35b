"""Built-in creation and assignment policies (Orchestra's, under Tutti's names).

Assignment policies are called as `fn(context, **kwargs)` with a `PolicyContext`; creation policies as
Orchestra's `fn(prerequisite_data, project_data, **kwargs) -> bool`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.events import Actor
from store.models import Task, TaskAssignment
from workflows.catalog import VersionInfo
from workflows.context import TaskContext
from workflows.definition import FunctionRef
from workflows.errors import AssignmentPolicyError, CreationPolicyError, TuttiError

log = logging.getLogger(__name__)


@dataclass
class PolicyContext:
    """What an assignment policy may look at and do."""

    session: Session
    task: TaskContext
    role: str
    actor: Actor

    def assign(self, worker_ref: str | int) -> None:
        from workflows.assignment import assign_loaded
        from workflows.workers import find_worker

        assign_loaded(self.session, self.task, find_worker(self.session, worker_ref), actor=self.actor)


def run_assignment_policy(session: Session, ctx: TaskContext, role: str, actor: Actor) -> None:
    """Apply the step's policy for `role` (entry_level at creation, reviewer on every review request)."""
    policy = ctx.step.assignment_policy
    if policy is None:
        return
    ref: FunctionRef = policy.entry_level if role == "entry_level" else policy.reviewer
    try:
        fn = ctx.info.resolve(ref.path)
        fn(PolicyContext(session, ctx, role, actor), **ref.kwargs)
    except AssignmentPolicyError:
        raise
    except TuttiError as exc:
        raise AssignmentPolicyError(f"Assignment policy {ref.path} failed: {exc.message}") from exc
    except Exception as exc:
        raise AssignmentPolicyError(f"Assignment policy {ref.path} failed: {exc}") from exc


def check_creation_policy(info: VersionInfo, ref: FunctionRef, prerequisites: dict[str, Any],
                          project_data: dict[str, Any]) -> bool:
    try:
        fn: Callable[..., Any] = info.resolve(ref.path)
        return bool(fn(prerequisites, project_data, **ref.kwargs))
    except Exception as exc:
        raise CreationPolicyError(f"Creation policy {ref.path} failed: {exc}") from exc


# --- assignment policies ---------------------------------------------------------------------------


def anyone_certified(context: PolicyContext, **kwargs: Any) -> None:
    """Leave the task for a person (or StaffBot) to pick up."""


def specified_worker(context: PolicyContext, username: str | None = None, slack_user_id: str | None = None,
                     **kwargs: Any) -> None:
    """Assign the named worker."""
    ref = slack_user_id or username
    if not ref:
        raise AssignmentPolicyError("specified_worker needs a username or slack_user_id.")
    context.assign(ref)


def previously_completed_steps(context: PolicyContext, related_steps: list[str] | None = None,
                               **kwargs: Any) -> None:
    """Give the task to whoever did the core work of one of `related_steps`, first one that qualifies."""
    if not related_steps:
        raise AssignmentPolicyError("No related steps given")
    info = context.task.info
    for slug in related_steps:
        if not info.step(slug).is_human:
            raise AssignmentPolicyError("Machine step should not be member of assignment policy")
    step_ids = [info.step_ids[slug] for slug in related_steps]
    worker_ids = context.session.scalars(
        select(TaskAssignment.worker_id)
        .join(Task, Task.id == TaskAssignment.task_id)
        .where(
            Task.project_id == context.task.project.id,
            Task.step_id.in_(step_ids),
            TaskAssignment.assignment_counter == 0,
        )
        .order_by(Task.id)
    ).all()
    for worker_id in worker_ids:
        if worker_id is None:
            continue
        try:
            context.assign(worker_id)
            return
        except TuttiError as exc:
            log.info("previously_completed_steps skipped worker %s: %s", worker_id, exc.message)


def staffbot_autoassign(context: PolicyContext, **kwargs: Any) -> None:
    """Ask StaffBot to staff the counter the task needs now (0 at creation, the next review when pending review)."""
    from store.enums import StaffingCause
    from workflows.staffing import staff_loaded

    staff_loaded(context.session, context.task, actor=context.actor, cause=StaffingCause.TASK_POLICY)


# --- creation policies ----------------------------------------------------------------------------


def always_create(prerequisite_data: dict[str, Any], project_data: dict[str, Any], **kwargs: Any) -> bool:
    return True


def never_create(prerequisite_data: dict[str, Any], project_data: dict[str, Any], **kwargs: Any) -> bool:
    return False
