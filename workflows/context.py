"""Loading a task with everything a use case needs, in one round trip, optionally locked."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, defer, joinedload

from store.enums import AssignmentStatus, TaskStatus
from store.models import Project, Task, TaskAssignment, WorkflowVersion
from workflows.catalog import VersionInfo, version_info
from workflows.definition import StepDef
from workflows.errors import NotFound, TaskChanged, TaskDependencyError


@dataclass
class TaskContext:
    task: Task
    project: Project
    info: VersionInfo

    @property
    def step(self) -> StepDef:
        return self.info.step_for_id(self.task.step_id)

    @property
    def assignments(self) -> list[TaskAssignment]:
        return sorted(self.task.assignments, key=lambda a: a.assignment_counter)


# Built once: these run on every transition, and building a statement costs as much Python as executing it.
_LOCK_PROJECT_OF_TASK = (
    select(Project.id).join(Task, Task.project_id == Project.id).where(Task.id == bindparam("task_id"))
    .with_for_update(of=Project)
)
_TASK_WITH_PROJECT = (
    select(Task, Project, WorkflowVersion)
    .join(Project, Project.id == Task.project_id)
    .join(WorkflowVersion, WorkflowVersion.id == Project.workflow_version_id)
    .where(Task.id == bindparam("task_id"))
    .options(
        joinedload(Task.assignments).joinedload(TaskAssignment.iterations),
        defer(WorkflowVersion.definition),  # the catalog holds the parsed definition
    )
)
_TASK_WITH_PROJECT_LOCKED = _TASK_WITH_PROJECT.with_for_update(of=Task)
_PROJECT_WITH_VERSION = (
    select(Project, WorkflowVersion)
    .join(WorkflowVersion, WorkflowVersion.id == Project.workflow_version_id)
    .where(Project.id == bindparam("project_id"))
    .options(defer(WorkflowVersion.definition))
)
_PROJECT_WITH_VERSION_LOCKED = _PROJECT_WITH_VERSION.with_for_update(of=Project)


def load_task(session: Session, task_id: int, *, lock: bool = False) -> TaskContext:
    """The task, its project and its version; `lock` takes the project's and then the task's row locks.

    Every change to a project's tasks locks the project row first (as pause and abort do), so changes within one
    project are serialised: two last tasks completing at once cannot both miss that the project is finished, and a
    pause cannot slip between a transition's check and its write. SQLite's BEGIN IMMEDIATE already serialises.
    """
    params = {"task_id": task_id}
    if lock and session.get_bind().dialect.name != "sqlite":
        session.execute(_LOCK_PROJECT_OF_TASK, params)
    row = session.execute(_TASK_WITH_PROJECT_LOCKED if lock else _TASK_WITH_PROJECT, params).unique().first()
    if row is None:
        raise NotFound(f"Task {task_id} does not exist.")
    task, project, version = row
    return TaskContext(task=task, project=project, info=version_info(session, version))


def load_project(session: Session, project_id: int, *, lock: bool = False) -> tuple[Project, VersionInfo]:
    query = _PROJECT_WITH_VERSION_LOCKED if lock else _PROJECT_WITH_VERSION
    row = session.execute(query, {"project_id": project_id}).first()
    if row is None:
        raise NotFound(f"Project {project_id} does not exist.")
    project, version = row
    return project, version_info(session, version)


TASK_CHANGED = "This task changed since you opened it, so nothing was done. Look at the latest work, then try again."


def version_of(ctx: TaskContext) -> str:
    """A short fingerprint of the task's state; a form opened on an older state is stale."""
    parts = [ctx.task.status.value] + [
        f"{a.assignment_counter}:{a.worker_id}:{a.status.value}:{len(a.iterations)}" for a in ctx.assignments
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]


def ensure_unchanged(ctx: TaskContext, worker_id: int, seen_version: str | None) -> None:
    """Refuse when the worker still holds work on the task but it changed since they saw `seen_version`.

    When they no longer hold it, the use case's own refusal says more. Called under the task's lock."""
    if not seen_version:
        return
    mine = next((a for a in ctx.task.assignments if a.worker_id == worker_id), None)
    if mine is not None and mine.status is AssignmentStatus.PROCESSING and version_of(ctx) != seen_version:
        raise TaskChanged(TASK_CHANGED)


def current_assignment(assignments: list[TaskAssignment]) -> TaskAssignment | None:
    """The processing assignment if there is one, else the highest counter (Orchestra's rule)."""
    for assignment in assignments:
        if assignment.status is AssignmentStatus.PROCESSING:
            return assignment
    return max(assignments, key=lambda a: a.assignment_counter, default=None)


def latest_data(assignments: list[TaskAssignment]) -> dict[str, Any] | None:
    current = current_assignment(assignments)
    return None if current is None else current.in_progress_task_data


def prerequisite_data(session: Session, project: Project, info: VersionInfo, step_slug: str) -> dict[str, Any]:
    """`{slug: latest data}` for every transitive creation dependency; each must be complete."""
    slugs = info.definition.prerequisite_slugs(step_slug)
    if not slugs:
        return {}
    step_ids = [info.step_ids[s] for s in slugs]
    rows = session.execute(
        select(Task.step_id, Task.status, TaskAssignment.assignment_counter, TaskAssignment.in_progress_task_data)
        .outerjoin(TaskAssignment, TaskAssignment.task_id == Task.id)
        .where(Task.project_id == project.id, Task.step_id.in_(step_ids))
    ).all()
    found: dict[int, tuple[int, dict[str, Any]]] = {}
    statuses: dict[int, TaskStatus] = {}
    for step_id, status, counter, data in rows:
        statuses[step_id] = status
        if counter is not None and (step_id not in found or counter > found[step_id][0]):
            found[step_id] = (counter, data or {})
    result: dict[str, Any] = {}
    for slug, step_id in zip(slugs, step_ids, strict=True):
        if statuses.get(step_id) is not TaskStatus.COMPLETE:
            raise TaskDependencyError(f"Task dependency is not satisfied: {slug} is not complete.")
        result[slug] = found.get(step_id, (0, {}))[1]
    return result


def task_details(session: Session, ctx: TaskContext) -> dict[str, Any]:
    """Orchestra's `get_task_details` shape, given to description functions and Slack views."""
    try:
        prerequisites = prerequisite_data(session, ctx.project, ctx.info, ctx.step.slug)
    except TaskDependencyError:
        prerequisites = {}
    workflow = ctx.project.version.workflow
    return {
        "workflow": {"slug": workflow.slug, "name": workflow.name},
        "workflow_version": {"slug": ctx.project.version.slug, "name": ctx.project.version.name},
        "step": {"slug": ctx.step.slug, "name": ctx.step.name},
        "task_id": ctx.task.id,
        "project": {
            "id": ctx.project.id,
            "details": ctx.project.short_description,
            "scratchpad_url": ctx.project.scratchpad_url,
            "project_data": ctx.project.project_data,
            "status": ctx.project.status.display,
        },
        "prerequisites": prerequisites,
    }
