"""Who may work on what: the certification rule with Tutti's task-class decision."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.enums import Role, TaskClass
from store.models import WorkerCertification


def accepted_task_classes(project_task_class: TaskClass) -> tuple[TaskClass, ...]:
    """A real project needs real certifications; a training project accepts training or real ones."""
    if project_task_class is TaskClass.REAL:
        return (TaskClass.REAL,)
    return (TaskClass.TRAINING, TaskClass.REAL)


def is_worker_certified(
    session: Session,
    worker_id: int,
    required_certification_ids: frozenset[int],
    role: Role,
    project_task_class: TaskClass,
    *,
    require_staffbot_enabled: bool = False,
) -> bool:
    """The worker holds every required certification at `role`; a step with none accepts everyone."""
    if not required_certification_ids:
        return True
    query = select(func.count(func.distinct(WorkerCertification.certification_id))).where(
        WorkerCertification.worker_id == worker_id,
        WorkerCertification.role == role,
        WorkerCertification.task_class.in_(accepted_task_classes(project_task_class)),
        WorkerCertification.certification_id.in_(required_certification_ids),
    )
    if require_staffbot_enabled:
        query = query.where(WorkerCertification.staffbot_enabled.is_(True))
    return session.scalar(query) == len(required_certification_ids)
