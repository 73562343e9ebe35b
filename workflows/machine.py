"""Machine steps: claim in one transaction, run outside it, record in another."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from store import events
from store.enums import AssignmentStatus, IterationStatus, ProjectStatus, TaskStatus
from store.events import Actor
from store.models import Iteration, Task, TaskAssignment
from store.types import utcnow
from workflows import dotted, lifecycle
from workflows.context import TaskContext, load_task, prerequisite_data
from workflows.errors import MachineExecutionError
from workflows.lifecycle import TaskAction
from workflows.outbox_events import emit, schedule_machine_step
from workflows.projects import create_subsequent_tasks


@dataclass(frozen=True)
class MachineRun:
    """Everything needed to run a claimed machine step without a database session."""

    task_id: int
    path: str
    kwargs: dict[str, Any]
    project_data: dict[str, Any]
    prerequisites: dict[str, Any]
    search_root: str | None = None
    backoff_seconds: float = 2.0
    max_backoff_seconds: float = 300.0

    def retry_delay(self, attempt: int) -> float:
        """Exponential backoff from the step's `retry` policy, capped at its maximum."""
        return min(self.max_backoff_seconds, self.backoff_seconds * 2 ** max(0, attempt - 1))

    def execute(self) -> dict[str, Any]:
        result = dotted.resolve(self.path, self.search_root)(self.project_data, self.prerequisites, **self.kwargs)
        if not isinstance(result, dict):
            raise MachineExecutionError(f"{self.path} returned {type(result).__name__}, not a dict.")
        return result


def claim_machine_task(session: Session, task_id: int, *, attempt: int = 1) -> MachineRun | None:
    """Mark the task as being processed by a machine; None when there is nothing to run (done, aborted, paused)."""
    ctx = load_task(session, task_id, lock=True)
    step = ctx.step
    if step.is_human:
        raise MachineExecutionError("Step worker type is not machine")
    if ctx.task.status.is_final or ctx.project.status is not ProjectStatus.ACTIVE:
        return None
    machine = ctx.task.assignments[0] if ctx.task.assignments else None
    if machine is not None and machine.status is AssignmentStatus.PROCESSING and attempt <= 1:
        raise MachineExecutionError("Task already picked up by another machine")
    now = utcnow()
    if machine is None:
        machine = TaskAssignment(task_id=ctx.task.id, worker_id=None, assignment_counter=0,
                                 status=AssignmentStatus.PROCESSING, in_progress_task_data={}, start_datetime=now)
        machine.iterations.append(Iteration(start_datetime=now))
        ctx.task.assignments.append(machine)
    else:
        machine.status = AssignmentStatus.PROCESSING
    if ctx.task.status is not TaskStatus.PROCESSING:
        lifecycle.move(ctx.task, TaskAction.MACHINE_START, TaskStatus.PROCESSING)
    ctx.task.last_error = None
    session.flush()
    assert step.execution_function is not None
    project_data = {**ctx.project.project_data, "project_id": ctx.project.id}
    return MachineRun(
        task_id=ctx.task.id,
        path=step.execution_function.path,
        kwargs=dict(step.execution_function.kwargs),
        project_data=project_data,
        prerequisites=prerequisite_data(session, ctx.project, ctx.info, step.slug),
        search_root=ctx.info.search_root,
        backoff_seconds=step.retry.backoff_seconds,
        max_backoff_seconds=step.retry.max_backoff_seconds,
    )


def record_machine_success(session: Session, task_id: int, result: dict[str, Any], *, actor: Actor) -> Task:
    """Store the result, complete the task and create what depends on it."""
    ctx = load_task(session, task_id, lock=True)
    if ctx.task.status is TaskStatus.COMPLETE:
        # Completed by hand (complete-and-skip) while the machine ran: what depends on it already has its data,
        # so the late result is kept in the log, not swapped in under it.
        events.record(session, actor, "task.machine_result_ignored", project_id=ctx.project.id,
                      task_id=ctx.task.id, after={"result": result})
        return ctx.task
    machine = _machine_assignment(ctx)
    machine.status = AssignmentStatus.SUBMITTED
    machine.in_progress_task_data = result
    if ctx.task.status is TaskStatus.ABORTED:
        session.flush()
        return ctx.task
    iteration = machine.iterations[-1]
    iteration.status = IterationStatus.REQUESTED_REVIEW
    iteration.submitted_data = result
    iteration.end_datetime = utcnow()
    previous = lifecycle.move(ctx.task, TaskAction.MACHINE_SUCCEED, TaskStatus.COMPLETE)
    session.flush()
    events.record(session, actor, "task.machine_completed", project_id=ctx.project.id, task_id=ctx.task.id,
                  before={"status": previous.value}, after={"status": TaskStatus.COMPLETE.value})
    emit(session, "task.status_changed", project_id=ctx.project.id, task_id=ctx.task.id,
         previous_status=previous.value, status=TaskStatus.COMPLETE.value, action="machine", actor=actor.id)
    create_subsequent_tasks(session, ctx.project, ctx.info, actor=actor)
    return ctx.task


def record_machine_attempt_failure(
    session: Session, task_id: int, error: str, *, attempt: int, final: bool, actor: Actor
) -> Task:
    """Note a failed attempt; after the last one the task is FAILED and the team and admins are told."""
    ctx = load_task(session, task_id, lock=True)
    if ctx.task.status is not TaskStatus.PROCESSING:
        return ctx.task
    machine = _machine_assignment(ctx)
    machine.status = AssignmentStatus.FAILED
    ctx.task.last_error = error[:4000]
    if not final:
        events.record(session, actor, "task.machine_attempt_failed", project_id=ctx.project.id,
                      task_id=ctx.task.id, after={"attempt": attempt, "error": error[:500]})
        session.flush()
        return ctx.task
    previous = lifecycle.move(ctx.task, TaskAction.MACHINE_FAIL, TaskStatus.FAILED)
    session.flush()
    events.record(session, actor, "task.machine_failed", project_id=ctx.project.id, task_id=ctx.task.id,
                  before={"status": previous.value},
                  after={"status": TaskStatus.FAILED.value, "attempts": attempt, "error": error[:500]})
    emit(session, "task.failed", project_id=ctx.project.id, task_id=ctx.task.id, error=error[:1000],
         attempts=attempt)
    return ctx.task


def retry_machine_task(session: Session, task_id: int, *, actor: Actor) -> Task:
    """An admin asks for another run of a failed machine step."""
    ctx = load_task(session, task_id, lock=True)
    if ctx.step.is_human:
        raise MachineExecutionError(f"Task {task_id} is a human step; only machine steps can be retried.")
    if ctx.task.status is not TaskStatus.FAILED:
        raise MachineExecutionError(
            f"Task {task_id} is {ctx.task.status.display.lower()}, not failed; there is nothing to retry."
        )
    if ctx.project.status is not ProjectStatus.ACTIVE:
        raise MachineExecutionError(f"Project {ctx.project.id} is {ctx.project.status.value}; resume it first.")
    retry = ctx.step.retry
    schedule_machine_step(session, project_id=ctx.project.id, task_id=ctx.task.id, retry=retry)
    events.record(session, actor, "task.machine_retry_requested", project_id=ctx.project.id, task_id=ctx.task.id)
    return ctx.task


def _machine_assignment(ctx: TaskContext) -> TaskAssignment:
    if not ctx.task.assignments:
        raise MachineExecutionError(f"Task {ctx.task.id} has not been claimed by a machine.")
    return ctx.task.assignments[0]
