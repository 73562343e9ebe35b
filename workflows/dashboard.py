"""The expert's dashboard (Orchestra's `tasks_assigned_to_worker`): what is theirs, what waits, what they can take.

Built with a fixed number of statements whatever the number of tasks: joins, correlated subqueries, limits
and aggregates, never a query per item.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from store.enums import AssignmentStatus, ProjectStatus, Role, TaskStatus
from store.models import (
    Certification,
    Iteration,
    Project,
    Step,
    Task,
    TaskAssignment,
    TaskTimer,
    Worker,
    WorkerCertification,
    step_certifications,
)
from workflows.next_task import available_tasks, not_on_task, qualified, status_for, without_certifications
from workflows.staffing import AvailableOffer, available_offers

RECENTLY_COMPLETED = 10
AVAILABLE_REVIEWS = 50
OPEN_ITEMS = 500


class Section(StrEnum):
    RETURNED = "returned"
    IN_PROGRESS = "in_progress"
    AWAITING_REVIEW = "awaiting_review"
    AVAILABLE_REVIEW = "available_review"
    PAUSED = "paused"
    COMPLETE = "complete"


class OpenAs(StrEnum):
    """What opening an item shows: the work (task modal) or the review (review modal)."""

    WORK = "work"
    REVIEW = "review"


@dataclass(frozen=True)
class DashboardItem:
    task_id: int
    assignment_id: int | None  # None for reviews the worker could take
    project_id: int
    project_description: str
    step_name: str
    priority: int
    section: Section
    open_as: OpenAs
    since: datetime  # when the task last changed status (picked up, submitted, returned, completed)
    feedback: str | None = None  # the reviewer's latest feedback, on returned work
    waiting_on_author: bool = False  # the worker returned it and waits for the changes
    is_processing: bool = False  # the worker's own assignment is the one being worked on (a timer can run)


@dataclass(frozen=True)
class Qualification:
    """One "Get a task" button: a certification (None: steps needing none) at a role, with what is available."""

    certification_slug: str | None
    certification_name: str
    role: Role
    available: int


@dataclass(frozen=True)
class RunningTimer:
    started_at: datetime
    label: str
    task_id: int | None


@dataclass(frozen=True)
class Dashboard:
    slack_user_id: str
    worker_id: int | None
    worker_name: str | None
    items: tuple[DashboardItem, ...] = ()
    qualifications: tuple[Qualification, ...] = ()
    timer: RunningTimer | None = None
    more_reviews: bool = False  # more reviews are available than listed
    offers: tuple[AvailableOffer, ...] = ()  # StaffBot's open offers to this expert ("Available tasks")

    @property
    def is_expert(self) -> bool:
        return self.worker_id is not None

    def section(self, section: Section) -> list[DashboardItem]:
        return [item for item in self.items if item.section is section]


def dashboard_for(session: Session, slack_user_id: str) -> Dashboard:
    """Everything the Home tab shows for one Slack user; a non-expert (or deactivated one) gets an empty one."""
    head = session.execute(
        select(Worker, TaskTimer.start_time, TaskTimer.description, Task.id, Step.name, Project.id,
               Project.short_description)
        .outerjoin(TaskTimer, and_(TaskTimer.worker_id == Worker.id, TaskTimer.start_time.is_not(None)))
        .outerjoin(TaskAssignment, TaskAssignment.id == TaskTimer.assignment_id)
        .outerjoin(Task, Task.id == TaskAssignment.task_id)
        .outerjoin(Step, Step.id == Task.step_id)
        .outerjoin(Project, Project.id == Task.project_id)
        .where(Worker.slack_user_id == slack_user_id)
    ).first()
    if head is None or not head[0].is_active:
        return Dashboard(slack_user_id, None, None)
    worker, started, description, timer_task, timer_step, timer_project, timer_project_description = head
    timer = None
    if started is not None:
        label = (f"{timer_step} · {_project_label(timer_project, timer_project_description)}"
                 if timer_task is not None else (description or "Time not linked to a task"))
        timer = RunningTimer(started, label, timer_task)
    items = [*_open_items(session, worker.id), *_available_reviews(session, worker.id)]
    more_reviews = sum(1 for item in items if item.section is Section.AVAILABLE_REVIEW) > AVAILABLE_REVIEWS
    if more_reviews:
        items = _drop_last_review(items)
    items.extend(_completed(session, worker.id))
    return Dashboard(slack_user_id, worker.id, worker.full_name, tuple(items),
                     tuple(qualifications(session, worker.id)), timer, more_reviews,
                     tuple(available_offers(session, worker.id)))


def _project_label(project_id: int, description: str | None) -> str:
    return description or f"Project {project_id}"


def _feedback_of_task() -> object:
    reviewer = aliased(TaskAssignment)
    return (
        select(Iteration.feedback)
        .join(reviewer, reviewer.id == Iteration.assignment_id)
        .where(reviewer.task_id == Task.id, Iteration.feedback.is_not(None), Iteration.feedback != "")
        .order_by(Iteration.id.desc())
        .limit(1)
        .correlate(Task)
        .scalar_subquery()
    )


def _open_items(session: Session, worker_id: int) -> list[DashboardItem]:
    """The worker's assignments on unfinished tasks of active or paused projects (Orchestra's states)."""
    lower = aliased(TaskAssignment)
    lower_processing = exists().where(
        lower.task_id == Task.id,
        lower.assignment_counter < TaskAssignment.assignment_counter,
        lower.status == AssignmentStatus.PROCESSING,
    )
    returned = and_(TaskAssignment.status == AssignmentStatus.PROCESSING,
                    Task.status == TaskStatus.POST_REVIEW_PROCESSING)
    rows = session.execute(
        select(TaskAssignment.id, TaskAssignment.assignment_counter, TaskAssignment.status, Task.id, Task.status,
               Task.updated_at, Project.id, Project.short_description, Project.priority, Project.status, Step.name,
               lower_processing.label("waiting_on_author"),
               case((returned, _feedback_of_task()), else_=None).label("feedback"))
        .join(Task, Task.id == TaskAssignment.task_id)
        .join(Project, Project.id == Task.project_id)
        .join(Step, Step.id == Task.step_id)
        .where(
            TaskAssignment.worker_id == worker_id,
            Task.status.not_in([TaskStatus.COMPLETE, TaskStatus.ABORTED]),
            Project.status.in_([ProjectStatus.ACTIVE, ProjectStatus.PAUSED]),
        )
        .order_by(Project.priority.desc(), Project.start_datetime, Task.id)
        .limit(OPEN_ITEMS)
    ).all()
    items = []
    for (assignment_id, counter, assignment_status, task_id, task_status, since, project_id, description,
         priority, project_status, step_name, waiting_on_author, feedback) in rows:
        processing = assignment_status is AssignmentStatus.PROCESSING
        if project_status is ProjectStatus.PAUSED:
            section = Section.PAUSED
        elif processing and task_status is TaskStatus.POST_REVIEW_PROCESSING:
            section = Section.RETURNED
        elif processing:
            section = Section.IN_PROGRESS
        else:
            section = Section.AWAITING_REVIEW
        items.append(DashboardItem(
            task_id=task_id, assignment_id=assignment_id, project_id=project_id,
            project_description=description or "", step_name=step_name, priority=priority, section=section,
            open_as=OpenAs.REVIEW if counter > 0 else OpenAs.WORK, since=since, feedback=feedback,
            waiting_on_author=bool(waiting_on_author) and not processing,
            is_processing=processing and project_status is ProjectStatus.ACTIVE,
        ))
    return items


def _available_reviews(session: Session, worker_id: int) -> list[DashboardItem]:
    """Tasks pending review in active projects the worker is qualified to review and not already on."""
    rows = session.execute(
        available_tasks(worker_id, Role.REVIEWER)
        .add_columns(Task.updated_at, Project.id, Project.short_description, Project.priority, Step.name)
        .limit(AVAILABLE_REVIEWS + 1)
    ).all()
    return [
        DashboardItem(task_id=task_id, assignment_id=None, project_id=project_id,
                      project_description=description or "", step_name=step_name, priority=priority,
                      section=Section.AVAILABLE_REVIEW, open_as=OpenAs.REVIEW, since=since)
        for task_id, since, project_id, description, priority, step_name in rows
    ]


def _drop_last_review(items: list[DashboardItem]) -> list[DashboardItem]:
    last = max(i for i, item in enumerate(items) if item.section is Section.AVAILABLE_REVIEW)
    return items[:last] + items[last + 1:]


def _completed(session: Session, worker_id: int) -> list[DashboardItem]:
    """The newest completed work (task complete, or the project completed around it)."""
    rows = session.execute(
        select(TaskAssignment.id, TaskAssignment.assignment_counter, Task.id, Task.updated_at, Project.id,
               Project.short_description, Project.priority, Step.name)
        .join(Task, Task.id == TaskAssignment.task_id)
        .join(Project, Project.id == Task.project_id)
        .join(Step, Step.id == Task.step_id)
        .where(
            TaskAssignment.worker_id == worker_id,
            or_(Task.status == TaskStatus.COMPLETE,
                and_(Project.status == ProjectStatus.COMPLETED, Task.status != TaskStatus.ABORTED)),
        )
        .order_by(Task.updated_at.desc(), Task.id.desc())
        .limit(RECENTLY_COMPLETED)
    ).all()
    return [
        DashboardItem(task_id=task_id, assignment_id=assignment_id, project_id=project_id,
                      project_description=description or "", step_name=step_name, priority=priority,
                      section=Section.COMPLETE, open_as=OpenAs.REVIEW if counter > 0 else OpenAs.WORK,
                      since=since)
        for assignment_id, counter, task_id, since, project_id, description, priority, step_name in rows
    ]


def qualifications(session: Session, worker_id: int) -> list[Qualification]:
    """One entry per certification held at each role, with how many tasks it would give now; plus steps
    needing no certification (entry level always; reviewer when some are waiting)."""
    held = session.execute(
        select(Certification.slug, func.min(Certification.name), WorkerCertification.role)
        .join(Certification, Certification.id == WorkerCertification.certification_id)
        .where(WorkerCertification.worker_id == worker_id)
        .group_by(Certification.slug, WorkerCertification.role)
        .order_by(WorkerCertification.role, func.min(Certification.name))
    ).all()
    counts: dict[tuple[str | None, Role], int] = {}
    for role in Role:
        counts.update(((slug, role), n) for slug, n in _counts_by_certification(session, worker_id, role))
    uncertified = session.execute(
        select(Task.status, func.count(Task.id))
        .join(Project, Project.id == Task.project_id)
        .join(Step, Step.id == Task.step_id)
        .where(Task.status.in_([status_for(role) for role in Role]), Project.status == ProjectStatus.ACTIVE,
               Step.is_human.is_(True), without_certifications(), not_on_task(worker_id))
        .group_by(Task.status)
    ).all()
    for status, n in uncertified:
        role = Role.ENTRY_LEVEL if status is TaskStatus.AWAITING_PROCESSING else Role.REVIEWER
        counts[(None, role)] = n
    result = [Qualification(slug, name, role, counts.get((slug, role), 0)) for slug, name, role in held]
    result.append(Qualification(None, "Any step", Role.ENTRY_LEVEL, counts.get((None, Role.ENTRY_LEVEL), 0)))
    if counts.get((None, Role.REVIEWER)):
        result.append(Qualification(None, "Any step", Role.REVIEWER, counts[(None, Role.REVIEWER)]))
    return result


def _counts_by_certification(session: Session, worker_id: int, role: Role) -> list[tuple[str, int]]:
    """For each certification slug, how many tasks requiring it the worker could take at `role`."""
    required = step_certifications.alias("counted")
    rows = session.execute(
        select(Certification.slug, func.count(func.distinct(Task.id)))
        .select_from(Task)
        .join(Project, Project.id == Task.project_id)
        .join(Step, Step.id == Task.step_id)
        .join(required, required.c.step_id == Task.step_id)
        .join(Certification, Certification.id == required.c.certification_id)
        .where(Task.status == status_for(role), Project.status == ProjectStatus.ACTIVE, Step.is_human.is_(True),
               qualified(worker_id, role), not_on_task(worker_id))
        .group_by(Certification.slug)
    ).all()
    return [(slug, n) for slug, n in rows]


def certification_name(session: Session, slug: str | None) -> str | None:
    """The display name of a certification slug (None for steps needing no certification)."""
    if slug is None:
        return None
    return session.scalar(select(Certification.name).where(Certification.slug == slug).limit(1)) or slug


def own_assignment_id(session: Session, worker_id: int, task_id: int) -> int | None:
    """The worker's assignment on a task, if they have one (the timer is started on it)."""
    return session.scalar(select(TaskAssignment.id).where(TaskAssignment.task_id == task_id,
                                                          TaskAssignment.worker_id == worker_id))


def people_concerned(session: Session, project_id: int, task_id: int | None,
                     worker_ids: tuple[int, ...] = ()) -> list[str]:
    """Slack ids of active workers on the task (or, without one, the whole project), plus `worker_ids`."""
    on_work = select(TaskAssignment.worker_id).join(Task, Task.id == TaskAssignment.task_id)
    on_work = on_work.where(Task.id == task_id) if task_id is not None else on_work.where(Task.project_id == project_id)
    rows = session.scalars(
        select(Worker.slack_user_id)
        .where(Worker.is_active.is_(True), or_(Worker.id.in_(on_work), Worker.id.in_(worker_ids)))
        .order_by(Worker.id)
    )
    return list(rows)
