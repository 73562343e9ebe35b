"""Giving work to people: assign, reassign, and the rules about which assignment a task needs next."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import events
from store.enums import AssignmentStatus, Role, TaskStatus
from store.events import Actor
from store.models import Iteration, Task, TaskAssignment, Worker
from store.types import utcnow
from workflows import lifecycle
from workflows.certification import is_worker_certified
from workflows.context import TaskContext, current_assignment, load_task
from workflows.errors import (
    NotFound,
    ProjectStatusError,
    TaskAlreadyAssigned,
    TaskAssignmentError,
    TaskStatusError,
    WorkerCertificationError,
)
from workflows.lifecycle import TaskAction
from workflows.outbox_events import emit


def role_counter_required(ctx: TaskContext) -> int:
    """The assignment counter a new assignment would get; raises if the task takes none now."""
    status = ctx.task.status
    assignments = ctx.assignments
    if status is TaskStatus.AWAITING_PROCESSING:
        if any(a.assignment_counter == 0 for a in assignments):
            raise TaskAssignmentError("Task is in incorrect state")
        return 0
    if status is TaskStatus.PENDING_REVIEW:
        counters = {a.assignment_counter for a in assignments}
        return next((c for c in range(len(assignments)) if c not in counters), len(assignments))
    raise not_assignable(ctx)


def not_assignable(ctx: TaskContext) -> TaskStatusError:
    """Why the task takes no new assignment in its status: who holds it, or which status it is in."""
    task = ctx.task
    named = f"Task {task.id} ({ctx.step.name})"
    holder = current_assignment(ctx.assignments)
    if task.status in _HELD and holder is not None and holder.worker is not None:
        status = "" if task.status is TaskStatus.PROCESSING else f" ({task.status.display})"
        return TaskAlreadyAssigned(f"{named} is already assigned to {holder.worker.username}{status}.",
                                   task_id=task.id, holder=holder.worker.username)
    return TaskStatusError(f"{named} is {task.status.display}; only a task awaiting processing or pending review "
                           "takes a new assignment.")


_HELD = frozenset({TaskStatus.PROCESSING, TaskStatus.REVIEWING, TaskStatus.POST_REVIEW_PROCESSING})


def _get_worker(session: Session, worker_id: int) -> Worker:
    worker = session.get(Worker, worker_id)
    if worker is None:
        raise NotFound(f"Worker {worker_id} does not exist.")
    if not worker.is_active:
        raise TaskAssignmentError(f"{worker.username} is deactivated and cannot take work.")
    return worker


def ensure_project_open(ctx: TaskContext) -> None:
    if ctx.project.status.is_over:
        raise ProjectStatusError(f"Project {ctx.project.id} is {ctx.project.status.value}; its tasks cannot change.")


def worker_may_take(session: Session, ctx: TaskContext, worker: Worker, role: Role) -> None:
    """Raise unless `worker` may hold the `role` assignment of this task."""
    required = ctx.info.required_certification_ids[ctx.step.slug]
    if not is_worker_certified(session, worker.id, required, role, ctx.project.task_class):
        raise WorkerCertificationError("Worker not certified for this task.")
    if any(a.worker_id == worker.id for a in ctx.task.assignments):
        raise _already_on_task(ctx, worker, role)


def _already_on_task(ctx: TaskContext, worker: Worker, role: Role) -> TaskAssignmentError:
    why = "its review needs someone else" if role is Role.REVIEWER else "one worker holds one assignment per task"
    return TaskAssignmentError(f"{worker.username} already holds an assignment on task {ctx.task.id} "
                               f"({ctx.step.name}); {why}.")


def assign_task(session: Session, task_id: int, worker_id: int, *, actor: Actor) -> TaskAssignment:
    """Give the task's next assignment (core work or the next review) to a worker."""
    ctx = load_task(session, task_id, lock=True)
    return assign_loaded(session, ctx, _get_worker(session, worker_id), actor=actor)


def assign_loaded(session: Session, ctx: TaskContext, worker: Worker, *, actor: Actor) -> TaskAssignment:
    """`assign_task` for a task already loaded and locked (policies call this inside other use cases)."""
    ensure_project_open(ctx)
    if not ctx.step.is_human:
        raise TaskAssignmentError("Machine steps run by themselves; they cannot be assigned to a worker.")
    if not lifecycle.can(TaskAction.ASSIGN, ctx.task.status):
        raise not_assignable(ctx)
    counter = role_counter_required(ctx)
    worker_may_take(session, ctx, worker, Role.for_counter(counter))

    previous = current_assignment(ctx.assignments)
    now = utcnow()
    assignment = TaskAssignment(
        task_id=ctx.task.id,
        worker_id=worker.id,
        assignment_counter=counter,
        status=AssignmentStatus.PROCESSING,
        in_progress_task_data=dict(previous.in_progress_task_data) if previous else {},
        start_datetime=now,
    )
    assignment.iterations.append(Iteration(start_datetime=now))
    ctx.task.assignments.append(assignment)
    new_status = TaskStatus.PROCESSING if counter == 0 else TaskStatus.REVIEWING
    old_status = lifecycle.move(ctx.task, TaskAction.ASSIGN, new_status)

    events.record(session, actor, "task.assigned", project_id=ctx.project.id, task_id=ctx.task.id,
                  before={"status": old_status.value},
                  after={"status": new_status.value, "worker": worker.slack_user_id, "counter": counter})
    emit(session, "team.joined", project_id=ctx.project.id, task_id=ctx.task.id, worker_id=worker.id)
    emit(session, "task.status_changed", project_id=ctx.project.id, task_id=ctx.task.id,
         previous_status=old_status.value, status=new_status.value, worker_id=worker.id, actor=actor.id)
    return assignment


def reassign_assignment(session: Session, assignment_id: int, worker_id: int, *, actor: Actor) -> TaskAssignment:
    """Hand an existing assignment, with its data and history, to another certified worker."""
    task_id = session.scalar(select(TaskAssignment.task_id).where(TaskAssignment.id == assignment_id))
    if task_id is None:
        raise NotFound(f"Assignment {assignment_id} does not exist.")
    ctx = load_task(session, task_id, lock=True)
    ensure_project_open(ctx)
    assignment = next(a for a in ctx.task.assignments if a.id == assignment_id)
    if assignment.worker_id is None:
        raise TaskAssignmentError("Machine assignments cannot be reassigned.")
    if ctx.task.status.is_final:
        raise TaskAssignmentError(f"Task {ctx.task.id} is {ctx.task.status.display.lower()}; nothing to reassign.")
    worker = _get_worker(session, worker_id)
    required = ctx.info.required_certification_ids[ctx.step.slug]
    if not is_worker_certified(session, worker.id, required, Role.for_counter(assignment.assignment_counter),
                               ctx.project.task_class):
        raise WorkerCertificationError("Worker not certified for this assignment.")
    if any(a.worker_id == worker.id for a in ctx.task.assignments):
        raise _already_on_task(ctx, worker, Role.for_counter(assignment.assignment_counter))

    old_worker_id = assignment.worker_id
    assignment.worker_id = worker.id
    events.record(session, actor, "task.reassigned", project_id=ctx.project.id, task_id=ctx.task.id,
                  before={"worker_id": old_worker_id}, after={"worker_id": worker.id,
                                                             "counter": assignment.assignment_counter})
    emit(session, "task.reassigned", project_id=ctx.project.id, task_id=ctx.task.id,
         assignment_id=assignment.id, worker_id=worker.id, previous_worker_id=old_worker_id)
    emit(session, "team.joined", project_id=ctx.project.id, task_id=ctx.task.id, worker_id=worker.id)
    if not has_open_work(session, ctx.project.id, old_worker_id):
        emit(session, "team.left", project_id=ctx.project.id, task_id=ctx.task.id, worker_id=old_worker_id)
    return assignment


def has_open_work(session: Session, project_id: int, worker_id: int) -> bool:
    """Whether the worker still holds an assignment on an unfinished task of the project."""
    return session.scalar(
        select(TaskAssignment.id)
        .join(Task, Task.id == TaskAssignment.task_id)
        .where(
            Task.project_id == project_id,
            TaskAssignment.worker_id == worker_id,
            Task.status.not_in([TaskStatus.COMPLETE, TaskStatus.ABORTED]),
        )
        .limit(1)
    ) is not None

