"""Doing the work: save a draft, submit, accept or return a review, complete-and-skip."""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store import events
from store.enums import AssignmentStatus, IterationStatus, TaskStatus
from store.events import Actor
from store.models import Iteration, Task, TaskAssignment, Worker
from store.types import utcnow
from workflows import lifecycle
from workflows.assignment import ensure_project_open
from workflows.context import TaskContext, current_assignment, ensure_unchanged, load_task
from workflows.errors import (
    FormErrors,
    IllegalTaskSubmission,
    NotAssignedToTask,
    TaskAssignmentError,
    ValidationError,
)
from workflows.forms import summary, undeclared_keys, undeclared_message, validate
from workflows.lifecycle import TaskAction
from workflows.outbox_events import emit
from workflows.policies import run_assignment_policy
from workflows.projects import create_subsequent_tasks
from workflows.review import RandomSource, is_review_needed

INTERNAL_KEY = "_orchestra_internal"


def _worker_assignment(session: Session, ctx: TaskContext, worker_id: int) -> TaskAssignment:
    mine = [a for a in ctx.task.assignments if a.worker_id == worker_id]
    if len(mine) != 1:
        raise _not_assigned(session, ctx, worker_id)
    return mine[0]


def _not_assigned(session: Session, ctx: TaskContext, worker_id: int) -> NotAssignedToTask:
    """The refusal, told to the worker and (naming them) to whoever acts for them, with who holds the task."""
    holders = [_holder(a) for a in sorted(ctx.task.assignments, key=lambda a: a.assignment_counter)
               if a.worker is not None]
    where = f"it is assigned to {' and '.join(holders)}" if holders else "nobody is assigned to it yet"
    worker = session.get(Worker, worker_id)
    name = worker.username if worker is not None else f"Worker {worker_id}"
    return NotAssignedToTask(f"You are not assigned to task {ctx.task.id}; {where}.",
                             operator_message=f"{name} is not assigned to task {ctx.task.id}; {where}.")


def _holder(assignment: TaskAssignment) -> str:
    assert assignment.worker is not None
    counter = assignment.assignment_counter
    role = "" if counter == 0 else " (review)" if counter == 1 else f" (review level {counter})"
    return assignment.worker.username + role


def save_task(session: Session, task_id: int, worker_id: int, data: dict[str, Any], *, actor: Actor,
              seen_version: str | None = None) -> TaskAssignment:
    """Keep a draft of the worker's data; no status changes. `seen_version`: refuse if the task changed since."""
    if not isinstance(data, dict):
        raise ValidationError("Task data must be a JSON object.")
    ctx = load_task(session, task_id, lock=True)
    ensure_project_open(ctx)
    ensure_unchanged(ctx, worker_id, seen_version)
    assignment = _worker_assignment(session, ctx, worker_id)
    if assignment.status is not AssignmentStatus.PROCESSING:
        raise TaskAssignmentError("Your part of this task is already submitted; there is no draft to save.")
    _check_declared(ctx, data)
    before = assignment.in_progress_task_data
    assignment.in_progress_task_data = dict(data)
    events.record(session, actor, "task.saved", project_id=ctx.project.id, task_id=ctx.task.id,
                  before={"data": before}, after={"data": assignment.in_progress_task_data})
    return assignment


def submit_task(
    session: Session,
    task_id: int,
    worker_id: int,
    data: dict[str, Any] | None = None,
    *,
    actor: Actor,
    rng: RandomSource = random.random,
    seen_version: str | None = None,
) -> Task:
    """Hand in work (first submission, or the fix after a return)."""
    return _decide(session, task_id, worker_id, TaskAction.SUBMIT, data, actor=actor, rng=rng,
                   seen_version=seen_version)


def accept_task(
    session: Session,
    task_id: int,
    worker_id: int,
    data: dict[str, Any] | None = None,
    *,
    actor: Actor,
    rng: RandomSource = random.random,
    seen_version: str | None = None,
) -> Task:
    """A reviewer approves the work; it completes or goes to the next review level."""
    return _decide(session, task_id, worker_id, TaskAction.ACCEPT, data, actor=actor, rng=rng,
                   seen_version=seen_version)


def return_task(
    session: Session,
    task_id: int,
    worker_id: int,
    feedback: str,
    data: dict[str, Any] | None = None,
    *,
    actor: Actor,
    seen_version: str | None = None,
) -> Task:
    """A reviewer sends the work one level down, with feedback (required)."""
    if not feedback or not feedback.strip():
        raise ValidationError("Feedback is required to return a task: say what needs to change.")
    return _decide(session, task_id, worker_id, TaskAction.RETURN, data, actor=actor, feedback=feedback.strip(),
                   seen_version=seen_version)


def _decide(
    session: Session,
    task_id: int,
    worker_id: int,
    action: TaskAction,
    data: dict[str, Any] | None,
    *,
    actor: Actor,
    rng: RandomSource = random.random,
    feedback: str | None = None,
    seen_version: str | None = None,
) -> Task:
    if data is not None and not isinstance(data, dict):
        raise ValidationError("Task data must be a JSON object.")
    ctx = load_task(session, task_id, lock=True)
    ensure_project_open(ctx)
    ensure_unchanged(ctx, worker_id, seen_version)
    _check_submission_dependencies(session, ctx)
    lifecycle.ensure_can(action, ctx.task)
    assignment = _worker_assignment(session, ctx, worker_id)
    if assignment.status is not AssignmentStatus.PROCESSING:
        raise IllegalTaskSubmission(f"Task {ctx.task.id} is not waiting on you: your part is already submitted.")
    if action is TaskAction.SUBMIT:
        _check_form(ctx, assignment.in_progress_task_data if data is None else data)
    return _apply(session, ctx, assignment, action, data, actor=actor, rng=rng, feedback=feedback)


def _check_form(ctx: TaskContext, data: dict[str, Any]) -> None:
    """A submission must satisfy the step's declared form (drafts, reviews and skips need not)."""
    _check_declared(ctx, data)
    problems = validate(ctx.step, data)
    if problems:
        raise FormErrors(summary(ctx.step, problems), problems)


def _check_declared(ctx: TaskContext, data: dict[str, Any]) -> None:
    """Work saved or submitted against a declared form holds only that form's fields."""
    unknown = [key for key in undeclared_keys(ctx.step, data) if key != INTERNAL_KEY]
    if unknown:
        raise ValidationError(undeclared_message(ctx.step, unknown))


def _check_submission_dependencies(session: Session, ctx: TaskContext) -> None:
    needed = ctx.step.submission_depends_on
    if not needed:
        return
    step_ids = list({ctx.info.step_ids[slug] for slug in needed})  # a slug listed twice is one prerequisite
    complete = session.scalar(
        select(func.count(Task.id)).where(
            Task.project_id == ctx.project.id, Task.step_id.in_(step_ids), Task.status == TaskStatus.COMPLETE
        )
    )
    if complete != len(step_ids):
        raise IllegalTaskSubmission("Submission prerequisites are not complete.")


def _apply(
    session: Session,
    ctx: TaskContext,
    assignment: TaskAssignment,
    action: TaskAction,
    data: dict[str, Any] | None,
    *,
    actor: Actor,
    rng: RandomSource,
    feedback: str | None,
) -> Task:
    task = ctx.task
    now = utcnow()
    payload = dict(assignment.in_progress_task_data if data is None else data)
    returned = action is TaskAction.RETURN
    iteration_status = IterationStatus.PROVIDED_REVIEW if returned else IterationStatus.REQUESTED_REVIEW

    if action is TaskAction.RETURN:
        new_status = TaskStatus.POST_REVIEW_PROCESSING
    elif task.status is TaskStatus.POST_REVIEW_PROCESSING:
        new_status = TaskStatus.REVIEWING
    else:
        reviewed = is_review_needed(ctx.step.review_policy, len(task.assignments), rng)
        new_status = TaskStatus.PENDING_REVIEW if reviewed else TaskStatus.COMPLETE

    assignment.in_progress_task_data = payload
    assignment.status = AssignmentStatus.SUBMITTED
    latest = assignment.iterations[-1]
    latest.status = iteration_status
    latest.submitted_data = payload
    latest.end_datetime = now
    latest.feedback = feedback
    previous = lifecycle.move(task, action, new_status)

    by_counter = {a.assignment_counter: a for a in task.assignments}
    next_worker_id: int | None = None
    if new_status in (TaskStatus.REVIEWING, TaskStatus.POST_REVIEW_PROCESSING):
        step = 1 if new_status is TaskStatus.REVIEWING else -1
        receiver = by_counter[assignment.assignment_counter + step]
        session.flush()  # the submitter's assignment stops processing before the receiver's starts (unique index)
        receiver.in_progress_task_data = payload
        receiver.status = AssignmentStatus.PROCESSING
        receiver.iterations.append(Iteration(start_datetime=now))
        next_worker_id = receiver.worker_id

    events.record(session, actor, f"task.{action.value}", project_id=ctx.project.id, task_id=task.id,
                  before={"status": previous.value, "counter": assignment.assignment_counter},
                  after={"status": new_status.value, **({"feedback": feedback} if feedback else {})})
    emit(session, "task.status_changed", project_id=ctx.project.id, task_id=task.id,
         previous_status=previous.value, status=new_status.value, worker_id=next_worker_id,
         submitter_id=assignment.worker_id, action=action.value, actor=actor.id)

    if new_status is TaskStatus.PENDING_REVIEW:
        run_assignment_policy(session, ctx, "reviewer", actor)
    elif new_status is TaskStatus.COMPLETE:
        create_subsequent_tasks(session, ctx.project, ctx.info, actor=actor)
    return task


def complete_and_skip_task(session: Session, task_id: int, *, actor: Actor, rng: RandomSource = random.random) -> Task:
    """Finish a task on someone's behalf: submit the current draft, or complete an unassigned task outright."""
    ctx = load_task(session, task_id, lock=True)
    ensure_project_open(ctx)
    lifecycle.ensure_can(TaskAction.SKIP, ctx.task)
    current = current_assignment(ctx.assignments)
    if current is not None and current.worker_id is not None:
        if current.status is not AssignmentStatus.PROCESSING:
            return ctx.task
        _check_submission_dependencies(session, ctx)  # it submits on the worker's behalf, under submit's rules
        data = {**current.in_progress_task_data, INTERNAL_KEY: {"complete_and_skip_task": True}}
        action = TaskAction.ACCEPT if ctx.task.status is TaskStatus.REVIEWING else TaskAction.SUBMIT
        return _apply(session, ctx, current, action, data, actor=actor, rng=rng, feedback=None)
    previous = lifecycle.move(ctx.task, TaskAction.SKIP, TaskStatus.COMPLETE)
    for assignment in ctx.task.assignments:
        assignment.status = AssignmentStatus.SUBMITTED
    events.record(session, actor, "task.skipped", project_id=ctx.project.id, task_id=ctx.task.id,
                  before={"status": previous.value}, after={"status": TaskStatus.COMPLETE.value})
    emit(session, "task.status_changed", project_id=ctx.project.id, task_id=ctx.task.id,
         previous_status=previous.value, status=TaskStatus.COMPLETE.value, action="skip", actor=actor.id)
    create_subsequent_tasks(session, ctx.project, ctx.info, actor=actor)
    return ctx.task
