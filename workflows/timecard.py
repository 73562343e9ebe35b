"""The timecard: a worker's time entries for one week, the tasks they may book time on, and editing an entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from store.models import Project, Step, Task, TaskAssignment
from workflows import time_tracking
from workflows.errors import NotFound, ValidationError

MAX_CHOICES = 100


@dataclass(frozen=True)
class EntryRow:
    id: int
    day: date
    seconds: int
    description: str
    assignment_id: int | None
    task_label: str | None


@dataclass(frozen=True)
class TaskChoice:
    assignment_id: int
    label: str


@dataclass(frozen=True)
class Week:
    monday: date
    entries: list[EntryRow]

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def total_seconds(self) -> int:
        return sum(e.seconds for e in self.entries)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def task_choices(session: Session, worker_id: int) -> list[TaskChoice]:
    """The worker's newest assignments, newest first, labelled by step and project (what time can be booked on)."""
    return _labelled(session, TaskAssignment.worker_id == worker_id, limit=MAX_CHOICES)


def _labelled(session: Session, condition: ColumnElement[bool], *, limit: int | None = None) -> list[TaskChoice]:
    rows = session.execute(
        select(TaskAssignment.id, Step.name, Project.id, Project.short_description)
        .join(Task, Task.id == TaskAssignment.task_id)
        .join(Step, Step.id == Task.step_id)
        .join(Project, Project.id == Task.project_id)
        .where(condition)
        .order_by(TaskAssignment.start_datetime.desc(), TaskAssignment.id.desc())
        .limit(limit)
    ).all()
    return [TaskChoice(a_id, f"{step} · project {p_id} {desc or ''}".strip()) for a_id, step, p_id, desc in rows]


def _labels(session: Session, worker_id: int, assignment_ids: set[int]) -> dict[int, str]:
    """Labels of the worker's own assignments among `assignment_ids`, however old."""
    if not assignment_ids:
        return {}
    own = (TaskAssignment.worker_id == worker_id) & TaskAssignment.id.in_(assignment_ids)
    return {c.assignment_id: c.label for c in _labelled(session, own)}


def week_of(session: Session, worker_id: int, day: date) -> Week:
    """The worker's entries from the Monday to the Sunday of `day`'s week."""
    monday = monday_of(day)
    entries = time_tracking.time_entries(session, worker_id, start=monday, end=monday + timedelta(days=6))
    labels = _labels(session, worker_id, {e.assignment_id for e in entries if e.assignment_id is not None})
    return Week(monday, [EntryRow(e.id, e.date, e.seconds, e.description or "", e.assignment_id,
                                  labels.get(e.assignment_id) if e.assignment_id else None) for e in entries])


def entry_row(session: Session, worker_id: int, entry_id: int) -> EntryRow:
    """One of the worker's own entries (NotFound for anyone else's)."""
    for entry in time_tracking.time_entries(session, worker_id):
        if entry.id == entry_id:
            labels = _labels(session, worker_id, {entry.assignment_id} if entry.assignment_id else set())
            return EntryRow(entry.id, entry.date, entry.seconds, entry.description or "", entry.assignment_id,
                            labels.get(entry.assignment_id) if entry.assignment_id else None)
    raise NotFound(f"Time entry {entry_id} is not one of yours.")


def save_entry(session: Session, worker_id: int, entry_id: int | None, *, day: date, seconds: int,
               description: str, assignment_id: int | None) -> int:
    """Add an entry, or change one of the worker's own; returns its id."""
    if assignment_id is not None and not _labels(session, worker_id, {assignment_id}):
        raise ValidationError("Pick one of your own tasks.")
    if entry_id is None:
        return time_tracking.add_time_entry(session, worker_id, day=day, seconds=seconds, description=description,
                                            assignment_id=assignment_id).id
    entry = time_tracking.update_time_entry(session, worker_id, entry_id, day=day, seconds=seconds,
                                            description=description)
    entry.assignment_id = assignment_id
    session.flush()
    return entry.id
