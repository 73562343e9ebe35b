"""Ready-made sanity check functions, so common rules need no code. Use them from a version.json:

    "sanity_checks": {
      "sanity_check_function": {"path": "workflows.sanity_checks.rules", "kwargs": {"rules": [
        {"rule": "task_in_status", "check_slug": "stale_reporting", "steps": ["reporting"],
         "statuses": ["processing"], "hours": 48},
        {"rule": "task_unstaffed", "check_slug": "nobody_on_it", "hours": 4},
        {"rule": "past_deadline", "check_slug": "late", "deadline_key": "deadline"}]}},
      "check_configurations": {"stale_reporting": {"handlers": [...], "repetition_seconds": 86400}, ...}
    }

Each function also works alone as the `sanity_check_function` (with its own kwargs). Durations are given as
any mix of `seconds`, `minutes`, `hours` and `days`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from store.enums import TaskStatus
from workflows.sanity import SanityProject

WAITING = (TaskStatus.AWAITING_PROCESSING, TaskStatus.PENDING_REVIEW)


def duration(seconds: float = 0, minutes: float = 0, hours: float = 0, days: float = 0) -> timedelta:
    return timedelta(seconds=seconds, minutes=minutes, hours=hours, days=days)


def _matching(project: SanityProject, steps: Iterable[str] | None) -> list[Any]:
    wanted = set(steps) if steps else None
    return [t for t in project.tasks if wanted is None or t.step_slug in wanted]


def task_in_status(project: SanityProject, check_slug: str = "task_in_status", steps: list[str] | None = None,
                   statuses: list[str] | None = None, **length: float) -> list[str]:
    """Fails when a task (of `steps`, or any) has been in one of `statuses` for longer than the duration."""
    wanted = {TaskStatus(s) for s in (statuses or [TaskStatus.PROCESSING.value])}
    limit = project.now - duration(**length)
    stale = [t for t in _matching(project, steps) if t.status in wanted and t.status_since < limit]
    return [check_slug] if stale else []


def task_unstaffed(project: SanityProject, check_slug: str = "task_unstaffed", steps: list[str] | None = None,
                   **length: float) -> list[str]:
    """Fails when a human task has waited for someone (unassigned, or awaiting a reviewer) longer than the duration."""
    limit = project.now - duration(**length)
    waiting = [t for t in _matching(project, steps) if t.is_human and t.status in WAITING and t.status_since < limit]
    return [check_slug] if waiting else []


def past_deadline(project: SanityProject, check_slug: str = "past_deadline", deadline_key: str = "deadline",
                  **grace: float) -> list[str]:
    """Fails when `project_data[deadline_key]` (an ISO date or datetime) is past, plus an optional grace."""
    value = project.project_data.get(deadline_key)
    if not value:
        return []
    deadline = _parse(str(value))
    return [check_slug] if deadline is not None and project.now > deadline + duration(**grace) else []


def _parse(text: str) -> datetime | None:
    """A deadline as the moment it passes; a bare date passes at the end of that day (UTC).

    The date is tried first: since Python 3.11 `datetime.fromisoformat` also reads a bare date, as midnight at
    the start of the day, which would make a project late all through its deadline day.
    """
    text = text.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)  # the whole day counts
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


RULES: dict[str, Callable[..., list[str]]] = {
    "task_in_status": task_in_status,
    "task_unstaffed": task_unstaffed,
    "past_deadline": past_deadline,
}


def rules(project: SanityProject, rules: list[dict[str, Any]] | None = None) -> list[str]:
    """Several ready-made rules at once: `[{"rule": "task_in_status", "check_slug": ..., ...}, ...]`."""
    failing: list[str] = []
    for spec in rules or []:
        kwargs = dict(spec)
        name = kwargs.pop("rule")
        failing.extend(RULES[name](project, **kwargs))
    return failing
