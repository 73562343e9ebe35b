"""The bundled sample-data loaders: Orchestra's sample experts, with stable Slack ids, loaded idempotently."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.db import make_engine
from store.enums import Role, TaskClass
from store.models import Base, Certification, Worker, WorkerCertification, Workflow
from workflows.bundled import BUNDLED_DIR
from workflows.bundled.journalism import load_sample_data as journalism_sample
from workflows.bundled.simple_workflow import load_sample_data as simple_sample


@pytest.fixture
def session() -> Iterator[Session]:
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


def _add_journalism_certifications(session: Session) -> None:
    """The certifications the loader engineer's `load_workflow` creates from journalism/workflow.json."""
    definition = json.loads((BUNDLED_DIR / "journalism" / "workflow.json").read_text())
    workflow = Workflow(slug=definition["slug"], name=definition["name"], description=definition["description"])
    session.add(workflow)
    session.flush()
    for cert in definition["certifications"]:
        session.add(Certification(workflow_id=workflow.id, slug=cert["slug"], name=cert["name"]))
    session.flush()


def _certifications(session: Session) -> set[tuple[str, str, str, Role, TaskClass]]:
    rows = session.execute(
        select(
            Worker.slack_user_id,
            Worker.username,
            Certification.slug,
            WorkerCertification.role,
            WorkerCertification.task_class,
        )
        .join(WorkerCertification, WorkerCertification.worker_id == Worker.id)
        .join(Certification, Certification.id == WorkerCertification.certification_id)
    ).all()
    return {tuple(row) for row in rows}  # type: ignore[misc]


def test_simple_sample_data_creates_the_demo_admin_once(session: Session) -> None:
    simple_sample.load(session)
    simple_sample.load(session)
    (demo,) = session.scalars(select(Worker)).all()
    assert (demo.slack_user_id, demo.username, demo.first_name, demo.last_name, demo.email) == (
        "UDEMO00001",
        "demo",
        "Demo",
        "User",
        "noreply-simple1@example.org",
    )
    assert demo.is_admin is True
    assert session.scalar(select(func.count()).select_from(WorkerCertification)) == 0


def test_journalism_sample_data_creates_six_staff_experts_with_real_certifications_once(session: Session) -> None:
    _add_journalism_certifications(session)
    journalism_sample.load(session)
    journalism_sample.load(session)

    workers = {w.slack_user_id: w for w in session.scalars(select(Worker))}
    assert {uid: (w.username, w.first_name, w.last_name, w.email) for uid, w in workers.items()} == {
        "UJEDITOR01": ("journalism-editor", "Journalism", "Editor", "noreply-journalism1@example.org"),
        "UJREPORT01": ("journalism-reporter-1", "Journalism", "Reporter1", "noreply-journalism2@example.org"),
        "UJREPORT02": ("journalism-reporter-2", "Journalism", "Reporter2", "noreply-journalism3@example.org"),
        "UJPHOTO001": ("journalism-photographer-1", "Journalism", "Photographer1", "noreply-journalism4@example.org"),
        "UJPHOTO002": ("journalism-photographer-2", "Journalism", "Photographer2", "noreply-journalism5@example.org"),
        "UJCOPYED01": ("journalism-copy-editor", "Journalism", "CopyEditor", "noreply-journalism6@example.org"),
    }
    assert all(w.is_staffer and not w.is_admin for w in workers.values())
    real, entry, reviewer = TaskClass.REAL, Role.ENTRY_LEVEL, Role.REVIEWER
    assert _certifications(session) == {
        ("UJEDITOR01", "journalism-editor", "editor", entry, real),
        ("UJREPORT01", "journalism-reporter-1", "reporter", entry, real),
        ("UJREPORT02", "journalism-reporter-2", "reporter", entry, real),
        ("UJREPORT02", "journalism-reporter-2", "reporter", reviewer, real),
        ("UJPHOTO001", "journalism-photographer-1", "photographer", entry, real),
        ("UJPHOTO002", "journalism-photographer-2", "photographer", entry, real),
        ("UJPHOTO002", "journalism-photographer-2", "photographer", reviewer, real),
        ("UJCOPYED01", "journalism-copy-editor", "copy_editor", entry, real),
    }
