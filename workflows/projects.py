"""Project use cases: create, create what became due, pause, resume, complete, abort."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from store import events, outbox
from store.enums import AssignmentStatus, ProjectStatus, TaskClass, TaskStatus
from store.events import Actor
from store.models import Project, Task, TaskAssignment, Workflow, WorkflowVersion
from workflows import lifecycle
from workflows.catalog import VersionInfo, version_info
from workflows.context import TaskContext, load_project, prerequisite_data
from workflows.errors import IdempotencyConflict, NotFound, TaskDependencyError, ValidationError
from workflows.lifecycle import TaskAction
from workflows.outbox_events import MACHINE_TOPIC, emit, schedule_machine_step
from workflows.policies import check_creation_policy, run_assignment_policy

ALWAYS_CREATE = "workflows.policies.always_create"


@dataclass(frozen=True)
class ProjectRequest:
    """What a client asks for when it starts a project."""

    workflow_slug: str
    version_slug: str
    description: str = ""
    priority: int = 0
    project_data: dict[str, Any] | None = None
    task_class: TaskClass = TaskClass.REAL

    def fingerprint(self) -> str:
        body = json.dumps(
            [self.workflow_slug, self.version_slug, self.description, self.priority,
             self.project_data or {}, self.task_class.value],
            sort_keys=True, separators=(",", ":"), default=str,
        )
        return hashlib.sha256(body.encode()).hexdigest()


@dataclass(frozen=True)
class CreatedProject:
    project: Project
    created: bool


_VERSION_BY_SLUGS = (  # built once: every project creation runs it
    select(WorkflowVersion)
    .join(Workflow, Workflow.id == WorkflowVersion.workflow_id)
    .where(Workflow.slug == bindparam("workflow_slug"), WorkflowVersion.slug == bindparam("version_slug"))
    .options(defer(WorkflowVersion.definition))
)


def find_version(session: Session, workflow_slug: str, version_slug: str) -> WorkflowVersion:
    version = session.scalar(_VERSION_BY_SLUGS, {"workflow_slug": workflow_slug, "version_slug": version_slug})
    if version is None:
        raise _no_such_version(session, workflow_slug, version_slug)
    return version


def _no_such_version(session: Session, workflow_slug: str, version_slug: str) -> NotFound:
    """The refusal of an unknown workflow or version, listing what is loaded to choose from."""
    workflows = list(session.scalars(select(Workflow.slug).order_by(Workflow.slug)))
    if workflow_slug not in workflows:
        loaded = f"Loaded workflows: {_listed(workflows)}." if workflows else "No workflows are loaded yet."
        return NotFound(f"Workflow {workflow_slug} does not exist. {loaded}")
    versions = session.scalars(select(WorkflowVersion.slug).join(Workflow, Workflow.id == WorkflowVersion.workflow_id)
                               .where(Workflow.slug == workflow_slug).order_by(WorkflowVersion.slug))
    return NotFound(f"Version {version_slug} of workflow {workflow_slug} does not exist. "
                    f"Its versions: {_listed(list(versions))}.")


def _listed(slugs: list[str], limit: int = 20) -> str:
    more = f" and {len(slugs) - limit} more" if len(slugs) > limit else ""
    return ", ".join(slugs[:limit]) + more


def create_project(
    session: Session,
    request: ProjectRequest,
    *,
    actor: Actor,
    client_id: str | None = None,
    idempotency_key: str | None = None,
) -> CreatedProject:
    """Start a project and its first tasks; with an idempotency key a retry returns the same project."""
    if request.project_data is not None and not isinstance(request.project_data, dict):
        raise ValidationError("project_data must be a JSON object.")
    fingerprint = request.fingerprint() if idempotency_key else None
    if idempotency_key:
        existing = _by_idempotency_key(session, client_id, idempotency_key)
        if existing is not None:
            return _replay(existing, fingerprint)
    version = find_version(session, request.workflow_slug, request.version_slug)
    info = version_info(session, version)
    project = Project(
        workflow_version_id=version.id,
        short_description=request.description,
        priority=request.priority,
        project_data=dict(request.project_data or {}),
        task_class=request.task_class,
        status=ProjectStatus.ACTIVE,
        client_id=client_id,
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
    )
    project.version = version
    project.tasks = []
    if idempotency_key:
        try:
            with session.begin_nested():
                session.add(project)
        except IntegrityError:
            existing = _by_idempotency_key(session, client_id, idempotency_key)
            if existing is None:
                raise
            return _replay(existing, fingerprint)
    else:
        session.add(project)  # inserted with its first tasks, in one flush
    statuses: dict[int, TaskStatus] = {}
    created = _add_due_tasks(session, project, info, statuses)
    # The project's event comes first in the log; it and its tasks' events and outbox rows are inserted at commit,
    # one statement per table.
    events.record(session, actor, "project.created", project_id=project.id,
                  after={"workflow": request.workflow_slug, "version": request.version_slug,
                         "description": request.description, "priority": request.priority})
    emit(session, "project.created", project_id=project.id)
    _start_tasks(session, project, info, created, statuses, actor)
    return CreatedProject(project, created=True)


def _by_idempotency_key(session: Session, client_id: str | None, key: str) -> Project | None:
    query = select(Project).where(Project.idempotency_key == key)
    query = query.where(Project.client_id.is_(None) if client_id is None else Project.client_id == client_id)
    return session.scalar(query)


def _replay(existing: Project, fingerprint: str | None) -> CreatedProject:
    if existing.request_fingerprint != fingerprint:
        raise IdempotencyConflict(
            "This Idempotency-Key was already used with a different request; use a new key for a new project."
        )
    return CreatedProject(existing, created=False)


def create_subsequent_tasks(session: Session, project: Project, info: VersionInfo, *, actor: Actor) -> list[Task]:
    """Create every task whose creation dependencies are complete; complete the project when nothing is left."""
    if project.status is not ProjectStatus.ACTIVE:
        return []
    statuses: dict[int, TaskStatus] = dict(
        session.execute(select(Task.step_id, Task.status).where(Task.project_id == project.id)).all()
    )
    created = _add_due_tasks(session, project, info, statuses)
    _start_tasks(session, project, info, created, statuses, actor)
    return created


def _add_due_tasks(session: Session, project: Project, info: VersionInfo,
                   statuses: dict[int, TaskStatus]) -> list[Task]:
    """Insert the tasks that became due (flushing the project too, if it is new); `statuses` gains them."""
    completed = {info.step_slugs[sid] for sid, status in statuses.items() if status is TaskStatus.COMPLETE}
    created: list[Task] = []
    for step in info.definition.steps:
        step_id = info.step_ids[step.slug]
        if step_id in statuses or not all(dep in completed for dep in step.creation_depends_on):
            continue
        if step.creation_policy.function.path != ALWAYS_CREATE:
            try:
                prerequisites = prerequisite_data(session, project, info, step.slug)
            except TaskDependencyError:
                continue
            if not check_creation_policy(info, step.creation_policy.function, prerequisites, project.project_data):
                continue
        task = Task(step_id=step_id, status=TaskStatus.AWAITING_PROCESSING)
        task.assignments = []
        task.project = project  # a new project gets its id in the same flush; an old one's tasks are not loaded
        session.add(task)
        created.append(task)
        statuses[step_id] = TaskStatus.AWAITING_PROCESSING
    if created or project.id is None:
        session.flush()
    return created


def _start_tasks(session: Session, project: Project, info: VersionInfo, created: list[Task],
                 statuses: dict[int, TaskStatus], actor: Actor) -> None:
    """Log and announce new tasks, assign or schedule them; complete the project when nothing is left to do."""
    completed = {info.step_slugs[sid] for sid, status in statuses.items() if status is TaskStatus.COMPLETE}
    ends_project = any(info.step(slug).completion_ends_project for slug in completed)
    for task in created:
        step = info.step_for_id(task.step_id)
        events.record(session, actor, "task.created", project_id=project.id, task_id=task.id,
                      after={"step": step.slug, "status": task.status.value})
        emit(session, "task.created", project_id=project.id, task_id=task.id)
        if step.is_human:
            run_assignment_policy(session, TaskContext(task, project, info), "entry_level", actor)
        else:
            schedule_machine_step(session, project_id=project.id, task_id=task.id, retry=step.retry)
        statuses[task.step_id] = task.status
    unfinished = [s for s in statuses.values() if not s.is_final]
    if ends_project or not unfinished:
        _change_status(session, project, "complete", actor)


def _change_status(session: Session, project: Project, action: str, actor: Actor) -> ProjectStatus:
    previous = lifecycle.move_project(project, action)
    events.record(session, actor, f"project.{action}", project_id=project.id,
                  before={"status": previous.value}, after={"status": project.status.value})
    emit(session, "project.status_changed", project_id=project.id, previous_status=previous.value,
         status=project.status.value)
    return previous


def pause_project(session: Session, project_id: int, *, actor: Actor) -> Project:
    project, _ = load_project(session, project_id, lock=True)
    _change_status(session, project, "pause", actor)
    return project


def resume_project(session: Session, project_id: int, *, actor: Actor) -> Project:
    """Reactivate a paused project and create (and run) what became due while it was paused."""
    project, info = load_project(session, project_id, lock=True)
    _change_status(session, project, "resume", actor)
    for task_id, step_id in _machine_runs_dropped_while_paused(session, project, info):
        schedule_machine_step(session, project_id=project.id, task_id=task_id, retry=info.step_for_id(step_id).retry)
    create_subsequent_tasks(session, project, info, actor=actor)
    return project


def _machine_runs_dropped_while_paused(session: Session, project: Project, info: VersionInfo) -> list[tuple[int, int]]:
    """(task id, step id) of machine steps that are due to run but have no run waiting in the outbox.

    A run that comes due while its project is paused finds nothing to do and is dropped: a first run (the task
    awaits processing) or a retry after a failed attempt (processing, with the machine's assignment failed).
    """
    machine_step_ids = [info.step_ids[s.slug] for s in info.definition.steps if not s.is_human]
    if not machine_step_ids:
        return []
    rows = session.execute(
        select(Task.id, Task.step_id, Task.status, TaskAssignment.status)
        .outerjoin(TaskAssignment, (TaskAssignment.task_id == Task.id) & (TaskAssignment.assignment_counter == 0))
        .where(Task.project_id == project.id, Task.step_id.in_(machine_step_ids),
               Task.status.in_([TaskStatus.AWAITING_PROCESSING, TaskStatus.PROCESSING]))
    ).all()
    waiting = {int(p["task_id"]) for p in outbox.waiting_payloads(session, MACHINE_TOPIC, project.id)}
    return [(task_id, step_id) for task_id, step_id, status, machine in rows
            if task_id not in waiting
            and (status is TaskStatus.AWAITING_PROCESSING or machine is AssignmentStatus.FAILED)]


def complete_project(session: Session, project_id: int, *, actor: Actor) -> Project:
    project, _ = load_project(session, project_id, lock=True)
    _change_status(session, project, "complete", actor)
    return project


def abort_project(session: Session, project_id: int, *, actor: Actor) -> Project:
    """End a project at once: unfinished tasks are aborted, finished ones stay as they are."""
    project, info = load_project(session, project_id, lock=True)
    _change_status(session, project, "abort", actor)
    abort_fn = info.definition.abort_completion_function
    if abort_fn is not None:
        info.resolve(abort_fn.path)(project_view(project), **abort_fn.kwargs)
    tasks = session.scalars(select(Task).where(Task.project_id == project.id).with_for_update()).all()
    for task in tasks:
        if task.status.is_final:
            continue
        previous = lifecycle.move(task, TaskAction.ABORT, TaskStatus.ABORTED)
        events.record(session, actor, "task.aborted", project_id=project.id, task_id=task.id,
                      before={"status": previous.value}, after={"status": TaskStatus.ABORTED.value})
    return project


def project_view(project: Project) -> dict[str, Any]:
    """A plain copy of a project for user code (abort functions) that must not touch the session."""
    return {
        "id": project.id,
        "short_description": project.short_description,
        "priority": project.priority,
        "project_data": dict(project.project_data),
        "status": project.status.value,
        "task_class": project.task_class.value,
    }


def record_project_channel(session: Session, project_id: int, channel_id: str, channel_name: str) -> bool:
    """Remember the project's Slack channel; False if it already had one (a concurrent creation won)."""
    project, _ = load_project(session, project_id, lock=True)
    if project.slack_channel_id is not None:
        return False
    project.slack_channel_id = channel_id
    project.slack_channel_name = channel_name
    events.record(session, Actor.job("slack"), "project.channel_created", project_id=project.id,
                  after={"channel_id": channel_id, "name": channel_name})
    return True
