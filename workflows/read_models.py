"""Read models in Orchestra's client-API shapes (`project_information` and its serializers)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from store.enums import ProjectStatus, TaskStatus
from store.models import Iteration, Project, Task, TaskAssignment, TimeEntry, Worker, Workflow, WorkflowVersion
from workflows.catalog import VersionInfo, version_info
from workflows.context import current_assignment, latest_data, load_task
from workflows.errors import NotFound


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def worker_json(assignment: TaskAssignment) -> dict[str, Any]:
    worker = assignment.worker
    if worker is None:
        return dict.fromkeys(("id", "username", "first_name", "last_name", "slack_username", "slack_user_id"))
    return {
        "id": worker.id,
        "username": worker.username,
        "first_name": worker.first_name,
        "last_name": worker.last_name,
        "slack_username": worker.slack_username,
        "slack_user_id": worker.slack_user_id,
    }


def iteration_json(iteration: Iteration) -> dict[str, Any]:
    return {
        "id": iteration.id,
        "start_datetime": iso(iteration.start_datetime),
        "end_datetime": iso(iteration.end_datetime),
        "status": iteration.status.display,
        "assignment": iteration.assignment_id,
        "submitted_data": iteration.submitted_data,
        "feedback": iteration.feedback,
    }


def assignment_json(assignment: TaskAssignment, recorded_seconds: float | None = None) -> dict[str, Any]:
    return {
        "id": assignment.id,
        "start_datetime": iso(assignment.start_datetime),
        "worker": worker_json(assignment),
        "task": assignment.task_id,
        "status": assignment.status.display,
        "in_progress_task_data": assignment.in_progress_task_data,
        "iterations": [iteration_json(it) for it in assignment.iterations],
        "recorded_work_time": recorded_seconds,
    }


def task_json(task: Task, info: VersionInfo, recorded: dict[int, float] | None = None) -> dict[str, Any]:
    assignments = sorted(task.assignments, key=lambda a: a.assignment_counter)
    recorded = recorded or {}
    return {
        "id": task.id,
        "step_slug": info.step_slugs[task.step_id],
        "project": task.project_id,
        "status": task.status.display,
        "latest_data": latest_data(assignments),
        "assignments": [assignment_json(a, recorded.get(a.id)) for a in assignments],
        "start_datetime": iso(task.start_datetime),
    }


def project_json(project: Project, workflow_slug: str, version_slug: str) -> dict[str, Any]:
    return {
        "id": project.id,
        "workflow_slug": workflow_slug,
        "workflow_version_slug": version_slug,
        "short_description": project.short_description,
        "start_datetime": iso(project.start_datetime),
        "priority": project.priority,
        "project_data": project.project_data,
        "scratchpad_url": project.scratchpad_url,
        "task_class": project.task_class.orchestra_code,
        "status": project.status.orchestra_code,
        "slack_group_id": project.slack_channel_id,
    }


def project_information(session: Session, project_ids: list[int]) -> dict[str, dict[str, Any]]:
    """Orchestra's `project_information`: `{"<id>": {project, tasks: {slug: task}, steps}}`; unknown ids omitted."""
    if not project_ids:
        return {}
    rows = session.execute(
        select(Project, WorkflowVersion, Workflow.slug)
        .join(WorkflowVersion, WorkflowVersion.id == Project.workflow_version_id)
        .join(Workflow, Workflow.id == WorkflowVersion.workflow_id)
        .where(Project.id.in_(project_ids))
    ).all()
    if not rows:
        return {}
    tasks_by_project: dict[int, list[Task]] = defaultdict(list)
    tasks = session.scalars(
        select(Task)
        .where(Task.project_id.in_([p.id for p, _, _ in rows]))
        .options(
            selectinload(Task.assignments).selectinload(TaskAssignment.iterations),
            selectinload(Task.assignments).joinedload(TaskAssignment.worker),
        )
        .order_by(Task.id)
    ).all()
    for task in tasks:
        tasks_by_project[task.project_id].append(task)
    recorded = _recorded_seconds(session, [a.id for t in tasks for a in t.assignments])
    result: dict[str, dict[str, Any]] = {}
    for project, version, workflow_slug in rows:
        info = version_info(session, version)
        result[str(project.id)] = {
            "project": project_json(project, workflow_slug, version.slug),
            "tasks": {info.step_slugs[t.step_id]: task_json(t, info, recorded) for t in tasks_by_project[project.id]},
            "steps": [
                {"id": info.step_ids[s.slug], "slug": s.slug, "description": s.description,
                 "is_human": s.is_human, "name": s.name}
                for s in info.definition.topological_order()
            ],
        }
    return result


def _recorded_seconds(session: Session, assignment_ids: list[int]) -> dict[int, float]:
    if not assignment_ids:
        return {}
    rows = session.execute(
        select(TimeEntry.assignment_id, func.sum(TimeEntry.seconds))
        .where(TimeEntry.assignment_id.in_(assignment_ids))
        .group_by(TimeEntry.assignment_id)
    ).all()
    return {assignment_id: float(total) for assignment_id, total in rows}


# --- what notices need --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonRef:
    worker_id: int
    slack_user_id: str
    name: str


@dataclass(frozen=True)
class ProjectSummary:
    id: int
    description: str
    workflow_name: str
    version_slug: str
    status: ProjectStatus
    slack_channel_id: str | None
    slack_channel_name: str | None
    priority: int


@dataclass(frozen=True)
class TaskSummary:
    id: int
    step_slug: str
    step_name: str
    status: TaskStatus
    project: ProjectSummary
    people: tuple[PersonRef, ...]  # by assignment counter; index 0 is the core expert
    current: PersonRef | None
    last_feedback: str | None
    last_error: str | None


def project_summary(session: Session, project_id: int) -> ProjectSummary:
    row = session.execute(
        select(Project, WorkflowVersion, Workflow.name)
        .join(WorkflowVersion, WorkflowVersion.id == Project.workflow_version_id)
        .join(Workflow, Workflow.id == WorkflowVersion.workflow_id)
        .where(Project.id == project_id)
    ).first()
    if row is None:
        raise NotFound(f"Project {project_id} does not exist.")
    project, version, workflow_name = row
    return ProjectSummary(project.id, project.short_description, workflow_name, version.slug, project.status,
                          project.slack_channel_id, project.slack_channel_name, project.priority)


def task_summary(session: Session, task_id: int) -> TaskSummary:
    """A task with its people, for notices and views."""
    ctx = load_task(session, task_id)
    assignments = ctx.assignments
    people = tuple(_person(a.worker) for a in assignments if a.worker is not None)
    current = current_assignment(assignments)
    feedback = None
    for assignment in assignments:
        for iteration in assignment.iterations:
            if iteration.feedback:
                feedback = iteration.feedback
    step = ctx.step
    return TaskSummary(
        id=ctx.task.id, step_slug=step.slug, step_name=step.name, status=ctx.task.status,
        project=project_summary(session, ctx.project.id), people=people,
        current=_person(current.worker) if current is not None and current.worker is not None else None,
        last_feedback=feedback, last_error=ctx.task.last_error,
    )


def _person(worker: Worker) -> PersonRef:
    return PersonRef(worker.id, worker.slack_user_id, worker.full_name)


def admins(session: Session) -> list[PersonRef]:
    return [_person(w) for w in session.scalars(select(Worker).where(Worker.is_admin.is_(True),
                                                                   Worker.is_active.is_(True)))]


def worker_ref(session: Session, worker_id: int) -> PersonRef:
    worker = session.get(Worker, worker_id)
    if worker is None:
        raise NotFound(f"Worker {worker_id} does not exist.")
    return _person(worker)


def workflow_types(session: Session) -> dict[str, Any]:
    """Orchestra's `workflow_types`: `{slug: {name, versions: {slug: {name, description}}}}`."""
    workflows: dict[str, Any] = {}
    rows = session.execute(
        select(Workflow.slug, Workflow.name, WorkflowVersion.slug, WorkflowVersion.name, WorkflowVersion.description)
        .outerjoin(WorkflowVersion, WorkflowVersion.workflow_id == Workflow.id)
        .order_by(Workflow.slug, WorkflowVersion.slug)
    ).all()
    for slug, name, version_slug, version_name, description in rows:
        entry = workflows.setdefault(slug, {"name": name, "versions": {}})
        if version_slug is not None:
            entry["versions"][version_slug] = {"name": version_name, "description": description}
    return workflows
