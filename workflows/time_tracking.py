"""The per-worker timer and time entries (the timecard)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import TaskAssignment, TaskTimer, TimeEntry
from store.types import utcnow
from workflows.errors import NotFound, TimerError, ValidationError

MAX_ENTRY_SECONDS = 24 * 3600


def _own_assignment(session: Session, worker_id: int, assignment_id: int) -> TaskAssignment:
    assignment = session.get(TaskAssignment, assignment_id)
    if assignment is None or assignment.worker_id != worker_id:
        raise NotFound("Worker is not assigned to this task id.")
    return assignment


def get_timer(session: Session, worker_id: int, *, lock: bool = False) -> TaskTimer:
    """The worker's timer, created on first use."""
    query = select(TaskTimer).where(TaskTimer.worker_id == worker_id)
    if lock:
        query = query.with_for_update()
    timer = session.scalar(query)
    if timer is None:
        timer = TaskTimer(worker_id=worker_id, description="")
        session.add(timer)
        session.flush()
    return timer


def start_timer(session: Session, worker_id: int, assignment_id: int | None = None,
                *, now: datetime | None = None) -> TaskTimer:
    timer = get_timer(session, worker_id, lock=True)
    if timer.start_time is not None:
        raise TimerError("Timer has already started")
    if assignment_id is not None:
        _own_assignment(session, worker_id, assignment_id)
    timer.assignment_id = assignment_id
    timer.start_time = now or utcnow()
    return timer


def stop_timer(session: Session, worker_id: int, *, now: datetime | None = None) -> TimeEntry:
    """Stop the timer and turn the elapsed time into a time entry."""
    timer = get_timer(session, worker_id, lock=True)
    if timer.start_time is None:
        raise TimerError("Timer not started")
    stop = now or utcnow()
    entry = TimeEntry(
        worker_id=worker_id,
        assignment_id=timer.assignment_id,
        date=timer.start_time.date(),
        seconds=max(0, int((stop - timer.start_time).total_seconds())),
        description=timer.description or "",
        timer_start_time=timer.start_time,
        timer_stop_time=stop,
    )
    session.add(entry)
    timer.start_time = None
    timer.assignment_id = None
    timer.description = ""
    session.flush()
    return entry


def update_timer(session: Session, worker_id: int, *, description: str | None = None,
                 assignment_id: int | None = None) -> TaskTimer:
    timer = get_timer(session, worker_id, lock=True)
    if description is not None:
        timer.description = _description(description)
    if assignment_id is not None:
        _own_assignment(session, worker_id, assignment_id)
    timer.assignment_id = assignment_id
    return timer


def running_for(timer: TaskTimer, now: datetime | None = None) -> timedelta | None:
    return None if timer.start_time is None else (now or utcnow()) - timer.start_time


def add_time_entry(session: Session, worker_id: int, *, day: date, seconds: int, description: str = "",
                   assignment_id: int | None = None) -> TimeEntry:
    _check_seconds(seconds)
    if assignment_id is not None:
        _own_assignment(session, worker_id, assignment_id)
    entry = TimeEntry(worker_id=worker_id, assignment_id=assignment_id, date=day, seconds=seconds,
                      description=_description(description))
    session.add(entry)
    session.flush()
    return entry


def update_time_entry(session: Session, worker_id: int, entry_id: int, *, day: date | None = None,
                      seconds: int | None = None, description: str | None = None) -> TimeEntry:
    entry = _own_entry(session, worker_id, entry_id)
    if day is not None:
        entry.date = day
    if seconds is not None:
        _check_seconds(seconds)
        entry.seconds = seconds
    if description is not None:
        entry.description = _description(description)
    session.flush()
    return entry


def delete_time_entry(session: Session, worker_id: int, entry_id: int) -> None:
    session.delete(_own_entry(session, worker_id, entry_id))
    session.flush()


def time_entries(session: Session, worker_id: int, *, start: date | None = None, end: date | None = None,
                 assignment_id: int | None = None) -> list[TimeEntry]:
    query = select(TimeEntry).where(TimeEntry.worker_id == worker_id)
    if start is not None:
        query = query.where(TimeEntry.date >= start)
    if end is not None:
        query = query.where(TimeEntry.date <= end)
    if assignment_id is not None:
        query = query.where(TimeEntry.assignment_id == assignment_id)
    return list(session.scalars(query.order_by(TimeEntry.date, TimeEntry.id)))


def _own_entry(session: Session, worker_id: int, entry_id: int) -> TimeEntry:
    entry = session.get(TimeEntry, entry_id)
    if entry is None or entry.worker_id != worker_id:
        raise NotFound(f"Time entry {entry_id} is not one of yours.")
    return entry


def _check_seconds(seconds: int) -> None:
    if not 0 < seconds <= MAX_ENTRY_SECONDS:
        raise ValidationError("A time entry must be more than 0 minutes and at most 24 hours.")


def _description(text: str) -> str:
    if len(text) > 200:
        raise ValidationError("Descriptions are limited to 200 characters.")
    return text
