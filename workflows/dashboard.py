"""The expert's dashboard: what is theirs to do, what waits on others, what they can take next."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.enums import AssignmentStatus, ProjectStatus, TaskStatus
from store.models import Project, Step, Task, TaskAssignment, Worker, WorkflowVersion


class ItemState(StrEnum):
    RETURNED = "returned"
    IN_PROGRESS = "in_progress"
    AWAITING_REVIEW = "awaiting_review"
    COMPLETE = "complete"


@dataclass(frozen=True)
class DashboardItem:
    task_id: int
    assignment_id: int
    project_id: int
    project_description: str
    step_name: str
    priority: int
    state: ItemState
    is_review: bool
    since: datetime


@dataclass(frozen=True)
class Dashboard:
    slack_user_id: str
    worker_name: str | None
    items: list[DashboardItem] = field(default_factory=list)

    @property
    def is_expert(self) -> bool:
        return self.worker_name is not None

    def section(self, state: ItemState) -> list[DashboardItem]:
        return [item for item in self.items if item.state is state]


def dashboard_for(session: Session, slack_user_id: str) -> Dashboard:
    worker = session.scalar(select(Worker).where(Worker.slack_user_id == slack_user_id))
    if worker is None:
        return Dashboard(slack_user_id, None)
    rows = session.execute(
        select(TaskAssignment, Task, Project, Step)
        .join(Task, Task.id == TaskAssignment.task_id)
        .join(Project, Project.id == Task.project_id)
        .join(WorkflowVersion, WorkflowVersion.id == Project.workflow_version_id)
        .join(Step, Step.id == Task.step_id)
        .where(TaskAssignment.worker_id == worker.id, Task.status != TaskStatus.ABORTED,
               Project.status != ProjectStatus.ABORTED)
        .order_by(Project.priority.desc(), Project.start_datetime)
    ).all()
    items = []
    for assignment, task, project, step in rows:
        if assignment.status is AssignmentStatus.PROCESSING:
            state = ItemState.RETURNED if task.status is TaskStatus.POST_REVIEW_PROCESSING else ItemState.IN_PROGRESS
        elif task.status is TaskStatus.COMPLETE:
            state = ItemState.COMPLETE
        else:
            state = ItemState.AWAITING_REVIEW
        items.append(DashboardItem(task.id, assignment.id, project.id, project.short_description, step.name,
                                   project.priority, state, assignment.assignment_counter > 0,
                                   assignment.start_datetime))
    return Dashboard(slack_user_id, worker.full_name, items)
