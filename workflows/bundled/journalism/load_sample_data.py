"""Sample data for the journalism workflow: Orchestra's six journalism experts and their certifications."""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from store.enums import Role, TaskClass
from workflows.workers import certify, upsert_worker

WORKFLOW_SLUG = "journalism"


class SampleWorker(NamedTuple):
    slack_user_id: str
    username: str
    last_name: str
    email: str
    certifications: tuple[tuple[str, Role], ...]


SAMPLE_WORKERS = (
    SampleWorker(
        "UJEDITOR01",
        "journalism-editor",
        "Editor",
        "noreply-journalism1@example.org",
        (("editor", Role.ENTRY_LEVEL),),
    ),
    SampleWorker(
        "UJREPORT01",
        "journalism-reporter-1",
        "Reporter1",
        "noreply-journalism2@example.org",
        (("reporter", Role.ENTRY_LEVEL),),
    ),
    SampleWorker(
        "UJREPORT02",
        "journalism-reporter-2",
        "Reporter2",
        "noreply-journalism3@example.org",
        (("reporter", Role.ENTRY_LEVEL), ("reporter", Role.REVIEWER)),
    ),
    SampleWorker(
        "UJPHOTO001",
        "journalism-photographer-1",
        "Photographer1",
        "noreply-journalism4@example.org",
        (("photographer", Role.ENTRY_LEVEL),),
    ),
    SampleWorker(
        "UJPHOTO002",
        "journalism-photographer-2",
        "Photographer2",
        "noreply-journalism5@example.org",
        (("photographer", Role.ENTRY_LEVEL), ("photographer", Role.REVIEWER)),
    ),
    SampleWorker(
        "UJCOPYED01",
        "journalism-copy-editor",
        "CopyEditor",
        "noreply-journalism6@example.org",
        (("copy_editor", Role.ENTRY_LEVEL),),
    ),
)


def load(session: Session, **kwargs: Any) -> None:
    """Create (or refresh) the sample experts with real certifications; the workflow must be loaded first."""
    for sample in SAMPLE_WORKERS:
        worker = upsert_worker(
            session,
            slack_user_id=sample.slack_user_id,
            username=sample.username,
            first_name="Journalism",
            last_name=sample.last_name,
            email=sample.email,
            is_admin=False,
            is_staffer=True,
        )
        # Entry level comes before reviewer in each tuple: a reviewer must hold the entry-level cert.
        for certification, role in sample.certifications:
            certify(session, worker, WORKFLOW_SLUG, certification, role, TaskClass.REAL)
