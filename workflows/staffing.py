"""StaffBot: find an expert for a task by offering it, in batches, to the qualified ones; first accept wins.

Who is a candidate (Orchestra's rule, with Tutti's decisions):
- the step's required certifications, all of them, at the role the counter needs (entry level for 0, reviewer
  otherwise), in a task class the project accepts, each with StaffBot enabled;
- Decision 2, a step with no required certifications: every active worker who has StaffBot enabled, meaning
  they hold at least one StaffBot-enabled certification (any workflow, any role). A worker with no
  certification at all never asked to be staffed (admins, staffers, people added only to be assigned by hand),
  so StaffBot leaves them alone; they can still be assigned directly;
- never a worker already on the task, nor (with `enforce_no_new_tasks_during_review`) one whose returned work
  is waiting for them;
- ordered by staffing priority (the highest among the certifications that qualify them), ties broken by the
  injected random source, one entry per worker.

Concurrency: every use case takes the task's row locks first (`load_task(lock=True)`: the project, then the task),
then touches the request, so use cases never wait on each other in opposite orders. The winner is set by a
conditional UPDATE (`winner_worker_id IS NULL`),
backed by a partial unique index on winning responses (Decision 12). A batch is claimed by a conditional
UPDATE of `last_inquiry_sent`, so two cron runs at once send one batch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, exists, func, insert, or_, select, update
from sqlalchemy.orm import Session

from store import events
from store.enums import (
    AssignmentStatus,
    InquiryMethod,
    ProjectStatus,
    Role,
    StaffingCause,
    StaffingStatus,
    TaskStatus,
)
from store.events import Actor
from store.models import (
    Project,
    Step,
    Task,
    TaskAssignment,
    TimeEntry,
    Worker,
    WorkerAvailability,
    WorkerCertification,
    Workflow,
    WorkflowVersion,
)
from store.models import StaffingInquiry as Inquiry
from store.models import StaffingRequest as Request
from store.models import StaffingResponse as Response
from store.types import utcnow
from workflows.assignment import assign_loaded, ensure_project_open, reassign_assignment, role_counter_required
from workflows.certification import accepted_task_classes
from workflows.context import TaskContext, load_task, task_details
from workflows.errors import NotFound, PermissionDenied, TaskAssignmentError, TuttiError
from workflows.outbox_events import emit
from workflows.workers import find_worker

log = logging.getLogger(__name__)

RandomSource = Callable[[], float]
OPEN = (StaffingStatus.SENDING_INQUIRIES, StaffingStatus.DONE_SENDING_INQUIRIES)


@dataclass(frozen=True)
class StaffingConfig:
    """StaffBot's knobs (from settings)."""

    batch_size: int = 5
    batch_seconds: float = 120.0
    reminder_seconds: float = 4 * 3600.0
    unstaffed_after_seconds: float = 1800.0
    warning_seconds: float = 3600.0
    max_autostaff_tasks_per_day: int = 4
    enforce_no_new_tasks_during_review: bool = True


@dataclass(frozen=True)
class StaffingStarted:
    """What `/staffbot staff|restaff` reports back."""

    request_id: int
    task_id: int
    counter: int
    is_restaff: bool

    @property
    def confirmation(self) -> str:
        verb = "restaffing" if self.is_restaff else "staffing"
        review = " (its review)" if self.counter > 0 and not self.is_restaff else ""
        return f"Got it! I will start {verb} task {self.task_id}{review}!"


class OfferState(StrEnum):
    """How an offer looks to the expert it was made to."""

    OPEN = "open"
    WON = "won"
    DECLINED = "declined"
    TAKEN = "taken"  # someone else holds the work the offer was for
    WITHDRAWN = "withdrawn"  # closed with nobody taking it: staffed again, or the task or project ended


@dataclass(frozen=True)
class OfferOutcome:
    """The result of clicking Accept or Decline."""

    state: OfferState
    inquiry_id: int
    task_id: int
    message: str


@dataclass(frozen=True)
class OfferView:
    """Everything an offer DM shows, and where it was posted."""

    inquiry_id: int
    request_id: int
    task_id: int
    project_id: int
    project_description: str
    workflow_name: str
    workflow_description: str
    step_name: str
    step_description: str
    is_review: bool
    is_restaff: bool
    detailed_description: str
    worker_slack_id: str
    worker_first_name: str
    state: OfferState
    winner_slack_id: str | None
    slack_channel: str | None
    slack_ts: str | None
    method: InquiryMethod
    project_channel_id: str | None


@dataclass(frozen=True)
class AvailableOffer:
    """One open offer to an expert, for their Home."""

    inquiry_id: int
    request_id: int
    task_id: int
    project_id: int
    project_description: str
    workflow_name: str
    step_name: str
    is_review: bool
    offered_at: datetime


@dataclass(frozen=True)
class BatchResult:
    request_id: int
    offered: int = 0
    autostaffed_worker_id: int | None = None
    closed: bool = False


# --- starting and closing requests -------------------------------------------------------------------------


def staff_task(session: Session, task_id: int, *, actor: Actor,
               cause: StaffingCause = StaffingCause.USER) -> StaffingStarted:
    """Start offering a task (or, when it is pending review, its next review: Decision 7) to qualified experts."""
    return staff_loaded(session, load_task(session, task_id, lock=True), actor=actor, cause=cause)


def staff_loaded(session: Session, ctx: TaskContext, *, actor: Actor,
                 cause: StaffingCause = StaffingCause.USER) -> StaffingStarted:
    """`staff_task` for a task already loaded and locked (the `staffbot_autoassign` policy calls this)."""
    ensure_project_open(ctx)
    if not ctx.step.is_human:
        raise TaskAssignmentError(f"Task {ctx.task.id} is a machine step; nobody needs to be staffed on it.")
    counter = role_counter_required(ctx)
    return _open_request(session, ctx, counter, cause, None, actor)


def restaff_task(session: Session, task_id: int, worker_ref: str | int, *, actor: Actor) -> StaffingStarted:
    """Offer a named worker's assignment to others; they keep it until someone accepts (Decision 7)."""
    ctx = load_task(session, task_id, lock=True)
    ensure_project_open(ctx)
    try:
        worker = find_worker(session, worker_ref)
    except NotFound:
        raise NotFound(f"Worker with username {worker_ref} does not exist") from None
    assignment = next((a for a in ctx.assignments if a.worker_id == worker.id), None)
    if assignment is None:
        raise NotFound(f"{worker.username} has no assignment on task {task_id}.")
    if ctx.task.status.is_final:
        raise TaskAssignmentError(f"Task {task_id} is {ctx.task.status.display.lower()}; nothing to restaff.")
    return _open_request(session, ctx, assignment.assignment_counter, StaffingCause.RESTAFF, worker.id, actor)


def _open_request(session: Session, ctx: TaskContext, counter: int, cause: StaffingCause,
                  replaced_worker_id: int | None, actor: Actor) -> StaffingStarted:
    close_open_requests(session, ctx.task.id, reason="superseded")
    request = Request(task_id=ctx.task.id, required_role_counter=counter, cause=cause,
                      status=StaffingStatus.SENDING_INQUIRIES, replaced_worker_id=replaced_worker_id,
                      requested_by=actor.id[:100], requested_from=actor.source, created_at=utcnow())
    session.add(request)
    session.flush()
    started = StaffingStarted(request.id, ctx.task.id, counter, cause is StaffingCause.RESTAFF)
    events.record(session, actor, "staffing.requested", project_id=ctx.project.id, task_id=ctx.task.id,
                  after={"request": request.id, "counter": counter, "cause": cause.value,
                         **({"replacing": replaced_worker_id} if replaced_worker_id else {})})
    emit(session, "staffing.requested", project_id=ctx.project.id, task_id=ctx.task.id, request_id=request.id,
         text=started.confirmation)
    return started


def close_open_requests(session: Session, task_id: int, *, reason: str, winner_worker_id: int | None = None,
                        keep: int | None = None) -> list[int]:
    """Close the task's open requests and queue an update of every offer they made; the ids closed."""
    query = select(Request.id, Task.project_id).join(Task, Task.id == Request.task_id).where(
        Request.task_id == task_id, Request.status.in_(OPEN))
    if keep is not None:
        query = query.where(Request.id != keep)
    rows = session.execute(query).all()
    if not rows:
        return []
    ids = [r[0] for r in rows]
    session.execute(update(Request).where(Request.id.in_(ids), Request.status.in_(OPEN))
                    .values(status=StaffingStatus.CLOSED, closed_at=utcnow())
                    .execution_options(synchronize_session=False))
    _queue_offer_updates(session, ids, rows[0][1], reason)
    return ids


def _queue_offer_updates(session: Session, request_ids: list[int], project_id: int, reason: str) -> None:
    inquiry_ids = session.scalars(select(Inquiry.id).where(Inquiry.request_id.in_(request_ids),
                                                           Inquiry.method == InquiryMethod.SLACK)
                                  .order_by(Inquiry.id)).all()
    for inquiry_id in inquiry_ids:
        emit(session, "staffing.offer_closed", project_id=project_id, inquiry_id=inquiry_id, reason=reason)


# --- candidates ---------------------------------------------------------------------------------------------


def _candidate_query(ctx: TaskContext, counter: int, request_id: int | None, *, enforce_no_new_tasks: bool) -> Any:
    """`(worker_id, priority)` of every eligible candidate, as one SELECT (its cost does not grow per worker)."""
    required = ctx.info.required_certification_ids[ctx.step.slug]
    classes = accepted_task_classes(ctx.project.task_class)
    wc = WorkerCertification
    query = (
        select(wc.worker_id, func.max(wc.staffing_priority).label("priority"))
        .join(Worker, Worker.id == wc.worker_id)
        .where(Worker.is_active.is_(True), wc.staffbot_enabled.is_(True), wc.task_class.in_(classes))
        .group_by(wc.worker_id)
    )
    if required:
        query = query.where(wc.certification_id.in_(required), wc.role == Role.for_counter(counter)).having(
            func.count(func.distinct(wc.certification_id)) == len(required))
    on_task = select(TaskAssignment.id).where(TaskAssignment.task_id == ctx.task.id,
                                              TaskAssignment.worker_id == wc.worker_id)
    query = query.where(~exists(on_task))
    if request_id is not None:
        inquired = select(Inquiry.id).where(Inquiry.request_id == request_id, Inquiry.worker_id == wc.worker_id)
        query = query.where(~exists(inquired))
    if enforce_no_new_tasks:
        returned = (select(TaskAssignment.id).join(Task, Task.id == TaskAssignment.task_id)
                    .where(TaskAssignment.worker_id == wc.worker_id,
                           TaskAssignment.status == AssignmentStatus.PROCESSING,
                           Task.status == TaskStatus.POST_REVIEW_PROCESSING))
        query = query.where(~exists(returned))
    return query


def candidates(session: Session, ctx: TaskContext, counter: int, rng: RandomSource, *,
               request_id: int | None = None, enforce_no_new_tasks: bool = True) -> list[int]:
    """Eligible worker ids, best first: staffing priority, then the random source (module docstring)."""
    rows = session.execute(_candidate_query(ctx, counter, request_id,
                                            enforce_no_new_tasks=enforce_no_new_tasks)).all()
    rows = sorted(rows, key=lambda r: r[0])  # a stable order before the random draw, so a seed reproduces
    keyed = [(-(priority or 0), rng(), worker_id) for worker_id, priority in rows]
    keyed.sort()
    return [worker_id for _, _, worker_id in keyed]


# --- the batch ----------------------------------------------------------------------------------------------


def due_request_ids(session: Session, config: StaffingConfig, *, now: datetime | None = None,
                    limit: int = 200) -> list[int]:
    """Open requests whose next batch is due, highest project priority first, then oldest.

    Requests of ended projects and tasks are due too: nothing is offered for them, but their round closes them,
    which takes the buttons off the offers already sent (ending a project does not touch StaffBot's requests).
    """
    now = now or utcnow()
    cutoff = now - timedelta(seconds=config.batch_seconds)
    return list(session.scalars(
        select(Request.id)
        .join(Task, Task.id == Request.task_id)
        .join(Project, Project.id == Task.project_id)
        .where(Request.status.in_(OPEN),
               or_(Request.last_inquiry_sent.is_(None), Request.last_inquiry_sent <= cutoff))
        .order_by(Project.priority.desc(), Request.created_at, Request.id)
        .limit(limit)
    ))


def run_batch(session: Session, request_id: int, config: StaffingConfig, rng: RandomSource, *,
              now: datetime | None = None) -> BatchResult | None:
    """One StaffBot round for a request: auto-staff if someone opted in has room, else offer the next batch.

    Returns None when the request is not due (closed, or another run just did this round).
    """
    now = now or utcnow()
    task_id = session.scalar(select(Request.task_id).where(Request.id == request_id))
    if task_id is None:
        return None
    ctx = load_task(session, task_id, lock=True)
    cutoff = now - timedelta(seconds=config.batch_seconds)
    claimed = session.execute(
        update(Request)
        .where(Request.id == request_id, Request.status.in_(OPEN),
               or_(Request.last_inquiry_sent.is_(None), Request.last_inquiry_sent <= cutoff))
        .values(last_inquiry_sent=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return None
    request = session.get(Request, request_id, populate_existing=True)
    assert request is not None
    if _is_moot(ctx, request):
        close_open_requests(session, ctx.task.id, reason="moot")
        return BatchResult(request_id, closed=True)

    winner = _autostaff(session, ctx, request, config, rng, now)
    if winner is not None:
        return BatchResult(request_id, autostaffed_worker_id=winner, closed=True)
    if request.status is not StaffingStatus.SENDING_INQUIRIES:
        return BatchResult(request_id)

    chosen = candidates(session, ctx, request.required_role_counter, rng, request_id=request.id,
                        enforce_no_new_tasks=config.enforce_no_new_tasks_during_review)[: config.batch_size]
    if chosen:
        session.execute(insert(Inquiry), [
            {"request_id": request.id, "worker_id": w, "method": InquiryMethod.SLACK, "created_at": now}
            for w in chosen
        ])
        inquiry_ids = session.scalars(select(Inquiry.id).where(Inquiry.request_id == request.id,
                                                               Inquiry.worker_id.in_(chosen))).all()
        for inquiry_id in sorted(inquiry_ids):
            emit(session, "staffing.offered", project_id=ctx.project.id, inquiry_id=inquiry_id)
    if len(chosen) < config.batch_size:
        request.status = StaffingStatus.DONE_SENDING_INQUIRIES
        if _offered_count(session, request):
            emit(session, "staffing.notice", project_id=ctx.project.id, task_id=ctx.task.id, request_id=request.id,
                 kind="exhausted", text=f"All staffing requests for task {ctx.task.id} have been sent!")
        if _all_declined(session, request):
            _give_up(session, ctx, request)
            return BatchResult(request_id, offered=len(chosen), closed=True)
    session.flush()
    return BatchResult(request_id, offered=len(chosen))


def _is_moot(ctx: TaskContext, request: Request) -> bool:
    """The task no longer needs what the request looks for (finished, assigned by hand, restaffed already)."""
    if ctx.task.status.is_final or ctx.project.status.is_over:
        return True
    by_counter = {a.assignment_counter: a for a in ctx.task.assignments}
    current = by_counter.get(request.required_role_counter)
    if request.cause is StaffingCause.RESTAFF:
        return current is None or current.worker_id != request.replaced_worker_id
    return current is not None


def _offered_count(session: Session, request: Request) -> int:
    return session.scalar(select(func.count(Inquiry.id)).where(Inquiry.request_id == request.id,
                                                               Inquiry.method == InquiryMethod.SLACK)) or 0


def _all_declined(session: Session, request: Request) -> bool:
    """Every expert offered this request answered no (also true when nobody could be offered it)."""
    inquired = _offered_count(session, request)
    declined = session.scalar(select(func.count(Response.id)).where(Response.request_id == request.id,
                                                                   Response.is_available.is_(False))) or 0
    return declined >= inquired


def _give_up(session: Session, ctx: TaskContext, request: Request) -> None:
    closed = session.execute(
        update(Request).where(Request.id == request.id, Request.status.in_(OPEN), Request.winner_worker_id.is_(None))
        .values(status=StaffingStatus.CLOSED, closed_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount
    if closed != 1:
        return
    inquired = _offered_count(session, request)
    text = (f"No worker has accepted to work on task {ctx.task.id}" if inquired
            else f"No qualified expert is available for task {ctx.task.id}; nobody could be offered it.")
    emit(session, "staffing.notice", project_id=ctx.project.id, task_id=ctx.task.id, request_id=request.id,
         kind="no_takers", text=text)
    events.record(session, Actor.job("staffbot"), "staffing.gave_up", project_id=ctx.project.id,
                  task_id=ctx.task.id, after={"request": request.id, "offered": inquired})


# --- auto-staffing ------------------------------------------------------------------------------------------


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def assignable_hours(session: Session, ctx: TaskContext) -> float | None:
    """The step's `assignable_hours_function(task_details, **kwargs)`, or None (never auto-staffed)."""
    ref = ctx.step.assignable_hours_function
    if ref is None:
        return None
    try:
        hours = ctx.info.resolve(ref.path)(task_details(session, ctx), **ref.kwargs)
    except Exception:
        log.exception("assignable_hours_function of task %s failed", ctx.task.id)
        return None
    return None if hours is None else float(hours)


def _autostaff(session: Session, ctx: TaskContext, request: Request, config: StaffingConfig, rng: RandomSource,
               now: datetime) -> int | None:
    """Reference §5.2's auto-staff pass: the first candidate who opted in and has room today gets the task."""
    task_hours = assignable_hours(session, ctx)
    if task_hours is None:
        return None
    today = now.date()
    eligible = _candidate_query(ctx, request.required_role_counter, None,
                                enforce_no_new_tasks=config.enforce_no_new_tasks_during_review).subquery()
    rows = session.execute(
        select(WorkerAvailability, Worker.max_autostaff_hours_per_day)
        .join(Worker, Worker.id == WorkerAvailability.worker_id)
        .where(WorkerAvailability.week_start == week_start(today),
               Worker.max_autostaff_hours_per_day > 0,
               WorkerAvailability.worker_id.in_(select(eligible.c.worker_id)))
    ).all()
    allowed = {a.worker_id: min(a.hours_on(today), cap) for a, cap in rows}
    allowed = {w: h for w, h in allowed.items() if h > 0}
    if not allowed:
        return None
    priorities = dict(session.execute(select(eligible.c.worker_id, eligible.c.priority)
                                      .where(eligible.c.worker_id.in_(list(allowed)))).all())
    order = sorted(allowed, key=lambda w: (-(priorities.get(w) or 0), rng(), w))
    for worker_id in order:
        if _room_today(session, worker_id, today, task_hours, allowed[worker_id], config):
            try:
                with session.begin_nested():
                    inquiry = Inquiry(request_id=request.id, worker_id=worker_id,
                                      method=InquiryMethod.PREVIOUSLY_OPTED_IN, created_at=now)
                    session.add(inquiry)
                    session.flush()
                    if not _win(session, ctx, request, inquiry, Actor.job("staffbot")):
                        raise TaskAssignmentError("the request was staffed meanwhile")
            except TuttiError as exc:
                log.info("auto-staffing task %s to worker %s failed: %s", ctx.task.id, worker_id, exc.message)
                continue
            emit(session, "staffing.autostaffed", project_id=ctx.project.id, task_id=ctx.task.id,
                 worker_id=worker_id, inquiry_id=inquiry.id)
            return worker_id
    return None


def _room_today(session: Session, worker_id: int, today: date, task_hours: float, allowed: float,
                config: StaffingConfig) -> bool:
    """Orchestra's `_can_handle_more_work_today`: the daily task cap, and hours won plus worked plus this task."""
    start = datetime(today.year, today.month, today.day, tzinfo=utcnow().tzinfo)
    won_task_ids = set(session.scalars(
        select(Request.task_id).join(Response, Response.request_id == Request.id)
        .where(Response.worker_id == worker_id, Response.is_winner.is_(True), Response.created_at >= start,
               Response.created_at < start + timedelta(days=1))
    ))
    if len(won_task_ids) + 1 > config.max_autostaff_tasks_per_day:
        return False
    assigned = 0.0
    for task_id in won_task_ids:
        assigned += assignable_hours(session, load_task(session, task_id)) or 0.0
    worked_query = select(func.coalesce(func.sum(TimeEntry.seconds), 0)).where(
        TimeEntry.worker_id == worker_id, TimeEntry.date == today)
    if won_task_ids:
        worked_query = worked_query.where(or_(TimeEntry.assignment_id.is_(None), ~TimeEntry.assignment_id.in_(
            select(TaskAssignment.id).where(TaskAssignment.task_id.in_(won_task_ids)))))
    worked = float(session.scalar(worked_query) or 0) / 3600.0
    return assigned + worked + task_hours <= allowed + 1e-9


# --- answering an offer -------------------------------------------------------------------------------------


def respond_to_offer(session: Session, inquiry_id: int, slack_user_id: str, *, accept: bool,
                     actor: Actor) -> OfferOutcome:
    """Accept (first accept wins; a late one is told it is taken, nothing changes) or decline an offer."""
    inquiry = session.get(Inquiry, inquiry_id)
    worker = session.scalar(select(Worker).where(Worker.slack_user_id == slack_user_id))
    if inquiry is None or worker is None or inquiry.worker_id != worker.id:
        raise PermissionDenied("This offer was not made to you.")
    request = session.get(Request, inquiry.request_id)
    assert request is not None
    ctx = load_task(session, request.task_id, lock=True)
    session.refresh(request)
    response = session.scalar(select(Response).where(Response.inquiry_id == inquiry.id))
    if response is not None and response.is_winner:
        if not accept:
            raise TaskAssignmentError("Cannot reject after accepting the task.")
        return OfferOutcome(OfferState.WON, inquiry.id, ctx.task.id, "You already have this task.")
    if not accept:
        return _decline(session, ctx, request, inquiry, response)
    if request.status is StaffingStatus.CLOSED or request.winner_worker_id is not None or _is_moot(ctx, request):
        return _too_late(ctx, request, inquiry)
    if not _win(session, ctx, request, inquiry, actor):
        return _too_late(ctx, request, inquiry)
    return OfferOutcome(OfferState.WON, inquiry.id, ctx.task.id, f"You got it! Task {ctx.task.id} is yours.")


def _win(session: Session, ctx: TaskContext, request: Request, inquiry: Inquiry, actor: Actor) -> bool:
    """Make `inquiry`'s worker the winner: claim the request, assign or reassign, close the rest."""
    won = session.execute(
        update(Request)
        .where(Request.id == request.id, Request.status.in_(OPEN), Request.winner_worker_id.is_(None))
        .values(winner_worker_id=inquiry.worker_id, status=StaffingStatus.CLOSED, closed_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        return False
    worker = session.get(Worker, inquiry.worker_id)
    assert worker is not None
    current = next((a for a in ctx.task.assignments if a.assignment_counter == request.required_role_counter), None)
    if current is not None:
        reassign_assignment(session, current.id, worker.id, actor=actor)
    else:
        assign_loaded(session, ctx, worker, actor=actor)
    now = utcnow()
    response = session.scalar(select(Response).where(Response.inquiry_id == inquiry.id))
    if response is None:
        session.add(Response(inquiry_id=inquiry.id, request_id=request.id, worker_id=worker.id, is_available=True,
                             is_winner=True, created_at=now, updated_at=now))
    else:
        response.is_available, response.is_winner, response.updated_at = True, True, now
    session.flush()
    events.record(session, actor, "staffing.accepted", project_id=ctx.project.id, task_id=ctx.task.id,
                  before={"request": request.id}, after={"winner": worker.slack_user_id, "method": inquiry.method.value,
                                                         "counter": request.required_role_counter})
    close_open_requests(session, ctx.task.id, reason="superseded", keep=request.id)
    _queue_offer_updates(session, [request.id], ctx.project.id, "taken")
    return True


def _too_late(ctx: TaskContext, request: Request, inquiry: Inquiry) -> OfferOutcome:
    state, _ = _closed_state(ctx, request)
    message = ("Sorry, this task has already been taken." if state is OfferState.TAKEN
               else "Sorry, this offer is no longer available.")
    return OfferOutcome(state, inquiry.id, ctx.task.id, message)


def _closed_state(ctx: TaskContext, request: Request) -> tuple[OfferState, int | None]:
    """Why a closed (or moot) request's offers are closed: taken (by whom), or withdrawn with nobody taking it.

    Taken means someone holds the work it was for: its winner, or whoever has the assignment now (e.g. assigned
    by hand). A request superseded by a new `/staffbot staff`, or whose task or project ended, was withdrawn.
    """
    if request.winner_worker_id is not None:
        return OfferState.TAKEN, request.winner_worker_id
    if ctx.task.status.is_final or ctx.project.status.is_over:
        return OfferState.WITHDRAWN, None
    holder = next((a.worker_id for a in ctx.task.assignments
                   if a.assignment_counter == request.required_role_counter), None)
    if holder is None or (request.cause is StaffingCause.RESTAFF and holder == request.replaced_worker_id):
        return OfferState.WITHDRAWN, None
    return OfferState.TAKEN, holder


def _decline(session: Session, ctx: TaskContext, request: Request, inquiry: Inquiry,
             response: Response | None) -> OfferOutcome:
    now = utcnow()
    if response is None:
        session.add(Response(inquiry_id=inquiry.id, request_id=request.id, worker_id=inquiry.worker_id,
                             is_available=False, is_winner=False, created_at=now, updated_at=now))
    else:
        response.is_available, response.updated_at = False, now
    session.flush()
    if request.status is StaffingStatus.CLOSED:
        return OfferOutcome(OfferState.TAKEN, inquiry.id, ctx.task.id, "No problem; this task is no longer open.")
    if _all_declined(session, request):
        if request.status is StaffingStatus.DONE_SENDING_INQUIRIES:
            _give_up(session, ctx, request)
        else:  # everyone so far said no: offer the next batch at the next run instead of waiting the interval
            request.last_inquiry_sent = None
    return OfferOutcome(OfferState.DECLINED, inquiry.id, ctx.task.id, "No problem, thanks for letting us know.")


# --- reading offers -----------------------------------------------------------------------------------------


def offer_view(session: Session, inquiry_id: int) -> OfferView:
    """An offer as its DM shows it, in its current state."""
    inquiry = session.get(Inquiry, inquiry_id)
    if inquiry is None:
        raise NotFound(f"Offer {inquiry_id} does not exist.")
    request = session.get(Request, inquiry.request_id)
    assert request is not None
    ctx = load_task(session, request.task_id)
    worker = session.get(Worker, inquiry.worker_id)
    assert worker is not None
    response = session.scalar(select(Response).where(Response.inquiry_id == inquiry.id))
    winner_id = request.winner_worker_id
    if response is not None and response.is_winner:
        state = OfferState.WON
    elif response is not None and not response.is_available:
        state = OfferState.DECLINED
    elif request.status is StaffingStatus.CLOSED or _is_moot(ctx, request):
        state, winner_id = _closed_state(ctx, request)
    else:
        state = OfferState.OPEN
    winner = session.get(Worker, winner_id) if winner_id else None
    workflow = ctx.project.version.workflow
    return OfferView(
        inquiry_id=inquiry.id, request_id=request.id, task_id=ctx.task.id, project_id=ctx.project.id,
        project_description=ctx.project.short_description, workflow_name=workflow.name,
        workflow_description=workflow.description, step_name=ctx.step.name, step_description=ctx.step.description,
        is_review=request.required_role_counter > 0, is_restaff=request.cause is StaffingCause.RESTAFF,
        detailed_description=detailed_description(session, ctx), worker_slack_id=worker.slack_user_id,
        worker_first_name=worker.first_name or worker.username, state=state,
        winner_slack_id=winner.slack_user_id if winner else None, slack_channel=inquiry.slack_channel,
        slack_ts=inquiry.slack_ts, method=inquiry.method, project_channel_id=ctx.project.slack_channel_id,
    )


def detailed_description(session: Session, ctx: TaskContext) -> str:
    """The step's `detailed_description_function(task_details, **kwargs)`; '' when absent or failing."""
    ref = ctx.step.detailed_description_function
    if ref is None:
        return ""
    try:
        return str(ctx.info.resolve(ref.path)(task_details(session, ctx), **ref.kwargs) or "")
    except Exception:
        log.exception("detailed_description_function of task %s failed", ctx.task.id)
        return ""


def record_offer_message(session: Session, inquiry_id: int, channel: str, ts: str) -> None:
    """Remember where an offer DM was posted, so it can be updated when the task is taken."""
    session.execute(update(Inquiry).where(Inquiry.id == inquiry_id).values(slack_channel=channel, slack_ts=ts)
                    .execution_options(synchronize_session=False))


def _still_wanted() -> Any:
    """SQL twin of `not _is_moot` for the assignments: nobody holds the work yet (or, for a restaff, the
    replaced worker still does)."""
    holder = select(TaskAssignment.id).where(TaskAssignment.task_id == Request.task_id,
                                             TaskAssignment.assignment_counter == Request.required_role_counter)
    return or_(and_(Request.cause != StaffingCause.RESTAFF, ~exists(holder)),
               and_(Request.cause == StaffingCause.RESTAFF,
                    exists(holder.where(TaskAssignment.worker_id == Request.replaced_worker_id))))


def available_offers(session: Session, worker_id: int) -> list[AvailableOffer]:
    """Open offers made to a worker that they have not answered, highest project priority first.

    Offers whose task was meanwhile assigned by other means are left out at once (the next batch closes them),
    so neither Home nor a reminder presents work somebody else already has.
    """
    answered = select(Response.id).where(Response.inquiry_id == Inquiry.id)
    rows = session.execute(
        select(Inquiry.id, Request.id, Task.id, Project.id, Project.short_description, Workflow.name, Step.name,
               Request.required_role_counter, Inquiry.created_at)
        .join(Request, Request.id == Inquiry.request_id)
        .join(Task, Task.id == Request.task_id)
        .join(Step, Step.id == Task.step_id)
        .join(Project, Project.id == Task.project_id)
        .join(WorkflowVersion, WorkflowVersion.id == Project.workflow_version_id)
        .join(Workflow, Workflow.id == WorkflowVersion.workflow_id)
        .where(Inquiry.worker_id == worker_id, Inquiry.method == InquiryMethod.SLACK, Request.status.in_(OPEN),
               Project.status.not_in([ProjectStatus.COMPLETED, ProjectStatus.ABORTED]),
               Task.status.not_in([TaskStatus.COMPLETE, TaskStatus.ABORTED]), ~exists(answered), _still_wanted())
        .order_by(Project.priority.desc(), Request.created_at, Request.id)
    ).all()
    return [AvailableOffer(inquiry_id=r[0], request_id=r[1], task_id=r[2], project_id=r[3],
                           project_description=r[4] or "", workflow_name=r[5], step_name=r[6], is_review=r[7] > 0,
                           offered_at=r[8]) for r in rows]
