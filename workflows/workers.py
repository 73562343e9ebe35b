"""Experts and their certifications."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.enums import Role, TaskClass
from store.models import Certification, Worker, WorkerCertification, Workflow
from store.types import MAX_INTEGER
from workflows.errors import NotFound, WorkerCertificationError


def upsert_worker(
    session: Session,
    *,
    slack_user_id: str,
    username: str,
    first_name: str = "",
    last_name: str = "",
    email: str | None = None,
    is_admin: bool | None = None,
    is_staffer: bool | None = None,
) -> Worker:
    """Create the worker for a Slack user, or update the one that exists (matched by Slack id, then username)."""
    worker = session.scalar(select(Worker).where(Worker.slack_user_id == slack_user_id))
    if worker is None:
        worker = session.scalar(select(Worker).where(Worker.username == username))
    if worker is None:
        worker = Worker(slack_user_id=slack_user_id, username=username)
        session.add(worker)
    worker.slack_user_id = slack_user_id
    worker.username = username
    worker.first_name = first_name
    worker.last_name = last_name
    worker.email = email
    if worker.slack_username is None:
        worker.slack_username = username
    if is_admin is not None:
        worker.is_admin = is_admin
    if is_staffer is not None:
        worker.is_staffer = is_staffer
    session.flush()
    return worker


def find_worker(session: Session, ref: str | int) -> Worker:
    """A worker by id, Slack user id, username or Slack username."""
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        worker = session.get(Worker, int(ref)) if 0 < int(ref) <= MAX_INTEGER else None
    else:
        name = ref.removeprefix("@")
        matches = session.scalars(
            select(Worker).where(
                (Worker.slack_user_id == name) | (Worker.username == name) | (Worker.slack_username == name)
            )
        ).all()
        # Slack user ids and usernames are unique; a Slack display name may be shared or stale, so it counts last.
        worker = next((w for w in matches if w.slack_user_id == name), None) \
            or next((w for w in matches if w.username == name), None)
        if worker is None and len(matches) > 1:
            raise NotFound(f"More than one worker goes by {ref}; use their username or Slack user id.")
        worker = worker or (matches[0] if matches else None)
    if worker is None:
        raise NotFound(f"Worker {ref} does not exist.")
    return worker


def certify(
    session: Session,
    worker: Worker,
    workflow_slug: str,
    certification_slug: str,
    role: Role = Role.ENTRY_LEVEL,
    task_class: TaskClass = TaskClass.REAL,
    *,
    staffbot_enabled: bool = True,
    staffing_priority: int = 0,
) -> WorkerCertification:
    """Grant a certification; reviewers must be entry level first, and required certifications must be held."""
    certification = session.scalar(
        select(Certification)
        .join(Workflow, Workflow.id == Certification.workflow_id)
        .where(Workflow.slug == workflow_slug, Certification.slug == certification_slug)
    )
    if certification is None:
        raise NotFound(f"Certification {workflow_slug}/{certification_slug} does not exist.")
    held = {
        (c.certification_id, c.role, c.task_class)
        for c in session.scalars(select(WorkerCertification).where(WorkerCertification.worker_id == worker.id))
    }
    if role is Role.REVIEWER and (certification.id, Role.ENTRY_LEVEL, task_class) not in held:
        raise WorkerCertificationError(
            f"{worker.username} needs the entry-level {certification.slug} certification "
            f"({task_class.value}) before becoming a reviewer."
        )
    missing = [
        required.slug
        for required in certification.required_certifications
        if (required.id, role, task_class) not in held
    ]
    if missing:
        raise WorkerCertificationError(
            f"{certification.slug} requires {', '.join(sorted(missing))} at the {role.value} level first."
        )
    existing = session.scalar(
        select(WorkerCertification).where(
            WorkerCertification.worker_id == worker.id,
            WorkerCertification.certification_id == certification.id,
            WorkerCertification.role == role,
            WorkerCertification.task_class == task_class,
        )
    )
    if existing is None:
        existing = WorkerCertification(
            worker_id=worker.id, certification_id=certification.id, role=role, task_class=task_class
        )
        session.add(existing)
    existing.staffbot_enabled = staffbot_enabled
    existing.staffing_priority = staffing_priority
    session.flush()
    return existing
