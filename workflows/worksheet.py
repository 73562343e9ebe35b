"""What a person sees when they open a task or a review: a plain read model of one task, from their side."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.enums import AssignmentStatus, IterationStatus, Role, TaskStatus
from store.models import TaskTimer, Worker
from workflows.assignment import role_counter_required, worker_may_take
from workflows.context import current_assignment, load_task, prerequisite_data, version_of
from workflows.definition import StepDef
from workflows.errors import TaskDependencyError, TuttiError
from workflows.forms import show_context, show_values


@dataclass(frozen=True)
class Round:
    """One iteration of the work: who held it, when, how it ended, and the reviewer's feedback."""

    counter: int
    worker_name: str
    slack_user_id: str | None
    started: datetime
    ended: datetime | None
    status: IterationStatus
    feedback: str | None


@dataclass(frozen=True)
class Worksheet:
    task_id: int
    project_id: int
    project_description: str
    step: StepDef
    status: TaskStatus
    shown: list[tuple[str, str, Any]]
    rounds: list[Round]
    my_assignment_id: int | None
    my_counter: int | None
    my_status: AssignmentStatus | None
    draft: dict[str, Any]
    under_review: dict[str, Any]
    timer_here: bool
    timer_elsewhere: bool
    can_take_review: bool
    take_refusal: str | None
    version: str
    feedback: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_working(self) -> bool:
        """The work (first time, or the fix after a return) is theirs to do now."""
        return self.my_status is AssignmentStatus.PROCESSING and self.status in (
            TaskStatus.PROCESSING, TaskStatus.POST_REVIEW_PROCESSING)

    @property
    def is_reviewing(self) -> bool:
        """The person holds a review of this task and must decide now."""
        return self.my_status is AssignmentStatus.PROCESSING and self.status is TaskStatus.REVIEWING

    @property
    def is_involved(self) -> bool:
        return self.my_assignment_id is not None


def submission_sheet(session: Session, task_id: int, worker_id: int) -> Worksheet:
    """Just what checking a submission needs (one query): who works on it, the form, the draft, the version.

    A submission is answered before it is stored, so this is read while Slack waits; nothing shown in the
    modal (prerequisites, history, timer) is loaded.
    """
    ctx = load_task(session, task_id)
    mine = next((a for a in ctx.assignments if a.worker_id == worker_id), None)
    return Worksheet(
        task_id=ctx.task.id, project_id=ctx.project.id, project_description=ctx.project.short_description,
        step=ctx.step, status=ctx.task.status, shown=[], rounds=[],
        my_assignment_id=mine.id if mine else None, my_counter=mine.assignment_counter if mine else None,
        my_status=mine.status if mine else None, draft=dict(mine.in_progress_task_data) if mine else {},
        under_review={}, timer_here=False, timer_elsewhere=False, can_take_review=False, take_refusal=None,
        version=version_of(ctx),
    )


def worksheet(session: Session, task_id: int, worker_id: int) -> Worksheet:
    """Task `task_id` as worker `worker_id` sees it (NotFound when the task does not exist)."""
    ctx = load_task(session, task_id)
    assignments = ctx.assignments
    mine = next((a for a in assignments if a.worker_id == worker_id), None)
    project = ctx.project
    try:
        prerequisites = prerequisite_data(session, project, ctx.info, ctx.step.slug)
    except TaskDependencyError:
        prerequisites = {}
    show_ctx = show_context(
        {"id": project.id, "short_description": project.short_description, "priority": project.priority,
         "task_class": project.task_class.value, "status": project.status.display},
        project.project_data or {}, prerequisites)
    names = {w.id: w for w in session.scalars(
        select(Worker).where(Worker.id.in_([a.worker_id for a in assignments if a.worker_id])))}
    rounds = []
    for assignment in assignments:
        person = names.get(assignment.worker_id or 0)
        for iteration in assignment.iterations:
            rounds.append(Round(assignment.assignment_counter, person.full_name if person else "a machine",
                                person.slack_user_id if person else None, iteration.start_datetime,
                                iteration.end_datetime, iteration.status, iteration.feedback))
    rounds.sort(key=lambda r: (r.started, r.counter))
    feedback = next((r.feedback for r in reversed(rounds) if r.feedback), None)
    current = current_assignment(assignments)
    timer = session.get(TaskTimer, worker_id)
    running = timer is not None and timer.start_time is not None
    timer_here = running and mine is not None and timer.assignment_id == mine.id  # type: ignore[union-attr]

    can_take, refusal = False, None
    if ctx.task.status is TaskStatus.PENDING_REVIEW and mine is None:
        worker = session.get(Worker, worker_id)
        try:
            if worker is None:
                raise TuttiError("You are not a Tutti expert.")
            role_counter_required(ctx)
            worker_may_take(session, ctx, worker, Role.REVIEWER)
            can_take = True
        except TuttiError as exc:
            refusal = exc.message
    return Worksheet(
        task_id=ctx.task.id,
        project_id=project.id,
        project_description=project.short_description,
        step=ctx.step,
        status=ctx.task.status,
        shown=show_values(ctx.step, show_ctx),
        rounds=rounds,
        my_assignment_id=mine.id if mine else None,
        my_counter=mine.assignment_counter if mine else None,
        my_status=mine.status if mine else None,
        draft=dict(mine.in_progress_task_data) if mine else {},
        under_review=dict(current.in_progress_task_data) if current else {},
        timer_here=timer_here,
        timer_elsewhere=running and not timer_here,
        can_take_review=can_take,
        take_refusal=refusal,
        version=version_of(ctx),
        feedback=feedback,
    )


def current_version(session: Session, task_id: int) -> str:
    return version_of(load_task(session, task_id))
