"""Reverting a task to an earlier iteration (Orchestra's revert_task_to_iteration), dry run or commit."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from store import events
from store.enums import AssignmentStatus, IterationStatus, TaskStatus
from store.events import Actor
from store.models import Iteration, TaskAssignment, TimeEntry
from workflows import lifecycle
from workflows.context import load_task
from workflows.errors import InvalidRevertError, NotFound
from workflows.lifecycle import TaskAction
from workflows.read_models import assignment_json, iteration_json, task_json


class Change(IntEnum):
    UNCHANGED = 0
    REVERTED = 1
    DELETED = 2


def revert_task(
    session: Session,
    task_id: int,
    iteration_id: int,
    *,
    revert_before: bool = False,
    commit: bool = False,
    actor: Actor,
) -> dict[str, Any]:
    """Return the audit of reverting to `iteration_id`; apply it only when `commit` is true."""
    ctx = load_task(session, task_id, lock=commit)
    assignments = ctx.assignments
    target = next((it for a in assignments for it in a.iterations if it.id == iteration_id), None)
    if target is None:
        raise NotFound(f"Iteration {iteration_id} does not belong to task {task_id}.")
    if revert_before and target.assignment.iterations[0].id != target.id:
        raise InvalidRevertError("Cannot revert before an iteration that isn't the first of its assignment.")
    if ctx.task.status is TaskStatus.ABORTED:
        raise InvalidRevertError("Cannot revert aborted task.")
    if ctx.project.status.is_over:  # a reopened task there could never be finished (no task of it may change)
        raise InvalidRevertError(f"Project {ctx.project.id} is {ctx.project.status.value}; its tasks cannot be "
                                 "reverted.")

    def change_of(iteration: Iteration) -> Change:
        if revert_before:
            return Change.DELETED if iteration.id == target.id or iteration.start_datetime >= target.start_datetime \
                else Change.UNCHANGED
        if iteration.id == target.id:
            return Change.REVERTED
        return Change.DELETED if iteration.start_datetime > target.start_datetime else Change.UNCHANGED

    iteration_changes = {it.id: change_of(it) for a in assignments for it in a.iterations}
    assignment_changes: dict[int, Change] = {}
    for assignment in assignments:
        changes = [iteration_changes[it.id] for it in assignment.iterations]
        if changes and all(c is Change.DELETED for c in changes):
            assignment_changes[assignment.id] = Change.DELETED
        elif any(c is not Change.UNCHANGED for c in changes):
            assignment_changes[assignment.id] = Change.REVERTED
        else:
            assignment_changes[assignment.id] = Change.UNCHANGED
    remaining = sorted(
        (it for a in assignments for it in a.iterations if iteration_changes[it.id] is not Change.DELETED),
        key=lambda it: (it.start_datetime, it.id),
        reverse=True,
    )
    reverted_status = _reverted_status(remaining, revert_before)
    audit = {
        "task": task_json(ctx.task, ctx.info),
        "assignments": [
            {
                "assignment": assignment_json(a),
                "change": int(assignment_changes[a.id]),
                "iterations": [{"iteration": iteration_json(it), "change": int(iteration_changes[it.id])}
                               for it in a.iterations],
            }
            for a in assignments
        ],
        "reverted_status": reverted_status.display,
    }
    if commit:
        _apply(session, ctx.task.assignments, assignment_changes, iteration_changes, target)
        previous = lifecycle.move(ctx.task, TaskAction.REVERT, reverted_status)
        session.flush()
        events.record(session, actor, "task.reverted", project_id=ctx.project.id, task_id=ctx.task.id,
                      before={"status": previous.value},
                      after={"status": reverted_status.value, "iteration_id": iteration_id,
                             "revert_before": revert_before})
    return audit


def _reverted_status(remaining: list[Iteration], revert_before: bool) -> TaskStatus:
    if not remaining:
        return TaskStatus.AWAITING_PROCESSING
    if revert_before:
        return TaskStatus.PENDING_REVIEW
    if len(remaining) == 1:
        return TaskStatus.PROCESSING
    if remaining[1].status is IterationStatus.REQUESTED_REVIEW:
        return TaskStatus.REVIEWING
    return TaskStatus.POST_REVIEW_PROCESSING


def _apply(
    session: Session,
    assignments: list[TaskAssignment],
    assignment_changes: dict[int, Change],
    iteration_changes: dict[int, Change],
    target: Iteration,
) -> None:
    # Demote and delete before promoting: at most one assignment per task may be processing at any moment
    # (a unique index says so), so the one that becomes processing is written after the others are flushed.
    promote: list[TaskAssignment] = []
    # The time logged on deleted assignments goes with them (Orchestra soft-deletes both); a timer on one keeps
    # running, unlinked.
    deleted = [a.id for a in assignments if assignment_changes[a.id] is Change.DELETED]
    if deleted:
        session.execute(delete(TimeEntry).where(TimeEntry.assignment_id.in_(deleted)))
    for assignment in list(assignments):
        change = assignment_changes[assignment.id]
        if change is Change.DELETED:
            assignments.remove(assignment)
            session.delete(assignment)
        elif change is Change.REVERTED:
            for iteration in list(assignment.iterations):
                if iteration_changes[iteration.id] is Change.DELETED:
                    assignment.iterations.remove(iteration)
            if target in assignment.iterations:
                target.status = IterationStatus.PROCESSING
                target.end_datetime = None
                target.submitted_data = {}
                target.feedback = None
            latest = assignment.iterations[-1] if assignment.iterations else None
            assignment.status = AssignmentStatus.SUBMITTED
            if latest is not None and latest.status is IterationStatus.PROCESSING:
                promote.append(assignment)
    session.flush()
    for assignment in promote:
        assignment.status = AssignmentStatus.PROCESSING
    session.flush()
