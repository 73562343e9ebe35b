"""StaffBot's nudges: reminders to experts with unanswered offers, warnings about tasks nobody has taken.

Each run claims what is due with one conditional UPDATE, so two runs at once never send the same nudge twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import Session

from store import outbox
from store.enums import InquiryMethod, ProjectStatus, TaskStatus
from store.models import Project, Step, Task
from store.models import StaffingInquiry as Inquiry
from store.models import StaffingRequest as Request
from store.models import StaffingResponse as Response
from store.types import utcnow
from workflows.outbox_events import EVENT_TOPIC
from workflows.staffing import OPEN, StaffingConfig, available_offers


def remind_experts(session: Session, config: StaffingConfig, *, now: datetime | None = None) -> dict[int, int]:
    """Remind experts of offers left unanswered for `reminder_seconds`; `{worker_id: offers}` reminded.

    One conditional UPDATE ... RETURNING claims the due offers, so two runs at once remind nobody twice. The
    reminder speaks of all the expert's open offers, so all of them count as reminded: an expert whose offers
    came at different times gets one reminder per interval, not one each time another offer comes due.
    """
    now = now or utcnow()
    cutoff = now - timedelta(seconds=config.reminder_seconds)
    answered = select(Response.id).where(Response.inquiry_id == Inquiry.id)
    open_requests = select(Request.id).where(Request.status.in_(OPEN))
    unanswered = (Inquiry.method == InquiryMethod.SLACK, Inquiry.request_id.in_(open_requests), ~exists(answered))
    claimed = session.execute(
        update(Inquiry)
        .where(*unanswered,
               or_(and_(Inquiry.reminded_at.is_(None), Inquiry.created_at <= cutoff), Inquiry.reminded_at <= cutoff))
        .values(reminded_at=now)
        .returning(Inquiry.worker_id)
        .execution_options(synchronize_session=False)
    ).scalars().all()
    reminded: dict[int, int] = {}
    for worker_id in claimed:
        reminded[worker_id] = reminded.get(worker_id, 0) + 1
    if reminded:
        session.execute(update(Inquiry).where(*unanswered, Inquiry.worker_id.in_(sorted(reminded)))
                        .values(reminded_at=now).execution_options(synchronize_session=False))
    for worker_id in sorted(reminded):
        offers = len(available_offers(session, worker_id))
        if offers:
            outbox.add_message(session, EVENT_TOPIC, {"event": "staffing.reminder", "worker_id": worker_id,
                                                      "offers": offers})
    return reminded


@dataclass(frozen=True)
class UnstaffedTask:
    task_id: int
    project_id: int
    step_name: str
    project_description: str
    counter: int
    requested_at: datetime


def warn_unstaffed(session: Session, config: StaffingConfig, *, now: datetime | None = None,
                   destination: str | None = None) -> list[UnstaffedTask]:
    """Tasks whose offers found nobody for `unstaffed_after_seconds`; each warned at most once per interval.

    One message per step goes to `destination` (the staffing team's channel), through the outbox.
    """
    now = now or utcnow()
    cutoff = now - timedelta(seconds=config.unstaffed_after_seconds)
    repeat = now - timedelta(seconds=config.warning_seconds)
    offered = select(Inquiry.id).where(Inquiry.request_id == Request.id)
    live_tasks = select(Task.id).join(Project, Project.id == Task.project_id).where(
        Task.start_datetime < cutoff, Task.status.not_in([TaskStatus.COMPLETE, TaskStatus.ABORTED]),
        Project.status.not_in([ProjectStatus.COMPLETED, ProjectStatus.ABORTED]))
    claimed = session.execute(
        update(Request)
        .where(Request.status.in_(OPEN), Request.winner_worker_id.is_(None), Request.created_at < cutoff,
               Request.task_id.in_(live_tasks), exists(offered),
               or_(Request.last_warned_at.is_(None), Request.last_warned_at <= repeat))
        .values(last_warned_at=now)
        .returning(Request.id)
        .execution_options(synchronize_session=False)
    ).scalars().all()
    if not claimed:
        return []
    rows = session.execute(
        select(Request.task_id, Task.project_id, Step.name, Project.short_description, Request.required_role_counter,
               Request.created_at)
        .join(Task, Task.id == Request.task_id).join(Step, Step.id == Task.step_id)
        .join(Project, Project.id == Task.project_id)
        .where(Request.id.in_(claimed)).order_by(Step.name, Request.task_id)
    ).all()
    found = [UnstaffedTask(*row) for row in rows]
    by_step: dict[str, list[UnstaffedTask]] = {}
    for item in found:
        by_step.setdefault(item.step_name, []).append(item)
    for step_name, items in by_step.items():
        lines = [f"No winner request for task {i.task_id} - {i.step_name}"
                 f"{' [Review]' if i.counter else ''} (project {i.project_id}: {i.project_description})! "
                 f"Created at {i.requested_at:%Y-%m-%d %H:%M} UTC." for i in items]
        outbox.add_message(session, EVENT_TOPIC, {"event": "staffing.unstaffed", "step": step_name, "lines": lines,
                                                  "destination": destination})
    return found
