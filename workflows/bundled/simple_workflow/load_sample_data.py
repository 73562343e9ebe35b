"""Sample data for the simple workflow: Orchestra's demo user, an admin with no certifications."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from workflows.workers import upsert_worker

DEMO_SLACK_USER_ID = "UDEMO00001"


def load(session: Session, **kwargs: Any) -> None:
    """Create (or refresh) the demo worker; loading twice changes nothing."""
    upsert_worker(
        session,
        slack_user_id=DEMO_SLACK_USER_ID,
        username="demo",
        first_name="Demo",
        last_name="User",
        email="noreply-simple1@example.org",
        is_admin=True,
        is_staffer=False,
    )
