"""Weekly availability: the hours per day an expert can work, which StaffBot's auto-staffing respects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import WEEKDAYS, Worker, WorkerAvailability
from store.types import utcnow
from workflows.errors import NotFound, ValidationError
from workflows.staffing import week_start

MAX_HOURS = 24.0


@dataclass(frozen=True)
class WeekAvailability:
    """Hours for Monday..Sunday of the week starting `week_start`."""

    week_start: date
    hours: tuple[float, ...]

    def day(self, index: int) -> date:
        return self.week_start + timedelta(days=index)


@dataclass(frozen=True)
class Availability:
    """What the availability editor shows: this week, next week, and the daily auto-staffing cap."""

    weeks: tuple[WeekAvailability, ...]
    max_autostaff_hours_per_day: float


def availability_for(session: Session, worker_id: int, today: date | None = None) -> Availability:
    """This week's and next week's declared hours (zeros when none were declared)."""
    worker = session.get(Worker, worker_id)
    if worker is None:
        raise NotFound(f"Worker {worker_id} does not exist.")
    first = week_start(today or utcnow().date())
    starts = (first, first + timedelta(days=7))
    rows = {a.week_start: a for a in session.scalars(
        select(WorkerAvailability).where(WorkerAvailability.worker_id == worker_id,
                                         WorkerAvailability.week_start.in_(starts)))}
    weeks = tuple(
        WeekAvailability(start, tuple(float(getattr(rows[start], f"hours_{d}")) for d in WEEKDAYS)
                         if start in rows else (0.0,) * 7)
        for start in starts
    )
    return Availability(weeks, float(worker.max_autostaff_hours_per_day or 0.0))


def set_availability(session: Session, worker_id: int, start: date, hours: list[float] | tuple[float, ...]) -> None:
    """Declare the hours for each day (Monday first) of the week starting `start`; 0 to 24 each."""
    if start.weekday() != 0:
        raise ValidationError("A week starts on a Monday.")
    if len(hours) != 7:
        raise ValidationError("Give hours for each of the seven days.")
    for value in hours:
        if not 0 <= value <= MAX_HOURS:
            raise ValidationError("Hours per day are between 0 and 24.")
    row = session.scalar(select(WorkerAvailability).where(WorkerAvailability.worker_id == worker_id,
                                                          WorkerAvailability.week_start == start).with_for_update())
    if row is None:
        row = WorkerAvailability(worker_id=worker_id, week_start=start)
        session.add(row)
    for day, value in zip(WEEKDAYS, hours, strict=True):
        setattr(row, f"hours_{day}", float(value))
    row.updated_at = utcnow()
    session.flush()


def set_autostaff_cap(session: Session, worker_id: int, hours: float) -> None:
    """How many hours a day StaffBot may fill for this expert without asking (0 turns auto-staffing off)."""
    if not 0 <= hours <= MAX_HOURS:
        raise ValidationError("Hours per day are between 0 and 24.")
    worker = session.get(Worker, worker_id)
    if worker is None:
        raise NotFound(f"Worker {worker_id} does not exist.")
    worker.max_autostaff_hours_per_day = float(hours)
    session.flush()
