"""Ready-made sanity rules, as a project manager reads them (pure: no database)."""

from __future__ import annotations

from datetime import UTC, datetime

from store.enums import ProjectStatus
from workflows.sanity import SanityProject
from workflows.sanity_checks import past_deadline


def project_due(deadline: str, now: datetime) -> SanityProject:
    return SanityProject(id=1, short_description="Story", status=ProjectStatus.ACTIVE, priority=0,
                         project_data={"due": deadline}, start_datetime=now, now=now)


def test_a_date_only_deadline_is_not_late_during_the_deadline_day() -> None:
    during_the_day = datetime(2024, 5, 10, 15, 0, tzinfo=UTC)
    assert past_deadline(project_due("2024-05-10", during_the_day), deadline_key="due") == []


def test_a_date_only_deadline_is_late_once_the_day_is_over() -> None:
    next_day = datetime(2024, 5, 11, 0, 1, tzinfo=UTC)
    assert past_deadline(project_due("2024-05-10", next_day), deadline_key="due") == ["past_deadline"]


def test_a_deadline_with_a_time_is_late_right_after_that_time() -> None:
    assert past_deadline(project_due("2024-05-10T12:00:00Z", datetime(2024, 5, 10, 12, 1, tzinfo=UTC)),
                         deadline_key="due") == ["past_deadline"]
    assert past_deadline(project_due("2024-05-10T12:00:00Z", datetime(2024, 5, 10, 11, 59, tzinfo=UTC)),
                         deadline_key="due") == []
