"""The task state machine: one table of transitions and the one function that writes a task's status."""

from __future__ import annotations

from enum import StrEnum

from store.enums import ProjectStatus
from store.enums import TaskStatus as S
from store.models import Project, Task
from store.types import utcnow
from workflows.errors import ProjectStatusError, TaskStatusError


class TaskAction(StrEnum):
    """Everything that can move a task; buttons and commands are named after these."""

    ASSIGN = "assign"
    SUBMIT = "submit"
    ACCEPT = "accept"
    RETURN = "return"
    MACHINE_START = "machine_start"
    MACHINE_SUCCEED = "machine_succeed"
    MACHINE_FAIL = "machine_fail"
    SKIP = "skip"
    ABORT = "abort"
    REVERT = "revert"


_NOT_FINAL = frozenset(s for s in S if not s.is_final)

TRANSITIONS: dict[TaskAction, dict[S, frozenset[S]]] = {
    TaskAction.ASSIGN: {
        S.AWAITING_PROCESSING: frozenset({S.PROCESSING}),
        S.PENDING_REVIEW: frozenset({S.REVIEWING}),
    },
    TaskAction.SUBMIT: {
        S.PROCESSING: frozenset({S.PENDING_REVIEW, S.COMPLETE}),
        S.POST_REVIEW_PROCESSING: frozenset({S.REVIEWING}),
    },
    TaskAction.ACCEPT: {S.REVIEWING: frozenset({S.PENDING_REVIEW, S.COMPLETE})},
    TaskAction.RETURN: {S.REVIEWING: frozenset({S.POST_REVIEW_PROCESSING})},
    TaskAction.MACHINE_START: {
        S.AWAITING_PROCESSING: frozenset({S.PROCESSING}),
        S.FAILED: frozenset({S.PROCESSING}),
        S.PROCESSING: frozenset({S.PROCESSING}),
    },
    TaskAction.MACHINE_SUCCEED: {S.PROCESSING: frozenset({S.COMPLETE})},
    TaskAction.MACHINE_FAIL: {S.PROCESSING: frozenset({S.FAILED})},
    TaskAction.SKIP: {s: frozenset({S.COMPLETE}) for s in _NOT_FINAL},
    TaskAction.ABORT: {s: frozenset({S.ABORTED}) for s in _NOT_FINAL},
    TaskAction.REVERT: {
        s: frozenset({S.AWAITING_PROCESSING, S.PROCESSING, S.PENDING_REVIEW, S.REVIEWING, S.POST_REVIEW_PROCESSING})
        for s in S
        if s is not S.ABORTED
    },
}

_REFUSALS: dict[TaskAction, str] = {
    TaskAction.ASSIGN: "Status incompatible with new assignment",
    TaskAction.SUBMIT: "Task has illegal status for submit.",
    TaskAction.ACCEPT: "Task is not under review, so it cannot be accepted.",
    TaskAction.RETURN: "Task is not under review, so it cannot be returned.",
    TaskAction.MACHINE_START: "Task already picked up by another machine",
    TaskAction.MACHINE_SUCCEED: "Task is not being processed by a machine.",
    TaskAction.MACHINE_FAIL: "Task is not being processed by a machine.",
    TaskAction.SKIP: "Task is already finished.",
    TaskAction.ABORT: "Task is already finished.",
    TaskAction.REVERT: "Cannot revert aborted task.",
}


def can(action: TaskAction, status: S) -> bool:
    """Whether `action` is allowed from `status` (views use this to decide which buttons to draw)."""
    return status in TRANSITIONS[action]


def ensure_can(action: TaskAction, task: Task) -> None:
    if not can(action, task.status):
        if task.status is S.COMPLETE and action in (TaskAction.SUBMIT, TaskAction.ACCEPT, TaskAction.RETURN):
            raise TaskStatusError("Task already completed")
        if task.status is S.ABORTED and action is not TaskAction.REVERT:
            raise TaskStatusError("Task has been aborted.")
        raise TaskStatusError(_REFUSALS[action])


def move(task: Task, action: TaskAction, new_status: S) -> S:
    """The only writer of `Task.status`: checks the table, records the time, returns the old status."""
    allowed = TRANSITIONS[action].get(task.status)
    if allowed is None or new_status not in allowed:
        raise TaskStatusError(f"Cannot {action.value} a task from {task.status.display} to {new_status.display}.")
    previous = task.status
    task.status = new_status
    task.updated_at = utcnow()
    return previous


# --- projects -------------------------------------------------------------------------------------

P = ProjectStatus

PROJECT_TRANSITIONS: dict[str, dict[ProjectStatus, ProjectStatus]] = {
    "pause": {P.ACTIVE: P.PAUSED},
    "resume": {P.PAUSED: P.ACTIVE},
    "complete": {P.ACTIVE: P.COMPLETED, P.PAUSED: P.COMPLETED},
    "abort": {P.ACTIVE: P.ABORTED, P.PAUSED: P.ABORTED},
}


def move_project(project: Project, action: str) -> ProjectStatus:
    """The only writer of `Project.status`; returns the old status."""
    target = PROJECT_TRANSITIONS[action].get(project.status)
    if target is None:
        raise ProjectStatusError(f"Project {project.id} is {project.status.value} and cannot be {_PAST[action]}.")
    previous = project.status
    project.status = target
    if target.is_over:
        project.ended_at = utcnow()
    return previous


_PAST = {"pause": "paused", "resume": "resumed", "complete": "completed", "abort": "aborted"}
