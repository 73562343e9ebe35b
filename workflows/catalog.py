"""Parsed workflow versions, cached per (version id, revision), with the step and certification ids."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Certification, Step, Workflow, WorkflowVersion, step_certifications
from workflows import dotted
from workflows.definition import StepDef, VersionDef


@dataclass(frozen=True)
class VersionInfo:
    """Everything the engine needs about a version, built once per revision."""

    version_id: int
    revision: int
    workflow_id: int
    definition: VersionDef
    step_ids: dict[str, int]
    step_slugs: dict[int, str]
    required_certification_ids: dict[str, frozenset[int]] = field(default_factory=dict)
    search_root: str | None = None

    def resolve(self, path: str) -> Callable[..., Any]:
        """The function a dotted path in this version names (external workflows import from their folder)."""
        return dotted.resolve(path, self.search_root)

    def step(self, slug: str) -> StepDef:
        return self.definition.step(slug)

    def step_for_id(self, step_id: int) -> StepDef:
        return self.definition.step(self.step_slugs[step_id])


_lock = threading.Lock()
_cache: dict[tuple[object, ...], VersionInfo] = {}
_engine_keys: dict[int, tuple[object, str]] = {}


def version_info(session: Session, version: WorkflowVersion) -> VersionInfo:
    """The cached definition of `version`; rebuilt when a forced reload bumps its revision."""
    key = (_database_key(session), version.id, version.revision, version.created_at)
    info = _cache.get(key)
    if info is not None:
        return info
    info = _build(session, version)
    with _lock:
        _cache[key] = info
    return info


def _database_key(session: Session) -> str:
    """Which database the session talks to (rendering an engine's URL is slow, so it is done once per engine)."""
    engine = session.get_bind().engine
    key = _engine_keys.get(id(engine))
    if key is None or key[0] is not engine:
        key = _engine_keys[id(engine)] = (engine, str(engine.url))
    return key[1]


def version_info_by_id(session: Session, version_id: int) -> VersionInfo:
    version = session.get(WorkflowVersion, version_id)
    assert version is not None
    return version_info(session, version)


def _build(session: Session, version: WorkflowVersion) -> VersionInfo:
    stored, code_directory = session.execute(
        select(WorkflowVersion.definition, Workflow.code_directory)
        .join(Workflow, Workflow.id == WorkflowVersion.workflow_id)
        .where(WorkflowVersion.id == version.id)
    ).one()
    definition = VersionDef.from_json(stored)
    rows = session.execute(select(Step.id, Step.slug).where(Step.version_id == version.id)).all()
    step_ids = {slug: step_id for step_id, slug in rows}
    certs = session.execute(
        select(step_certifications.c.step_id, step_certifications.c.certification_id)
        .join(Step, Step.id == step_certifications.c.step_id)
        .where(Step.version_id == version.id)
    ).all()
    by_step: dict[str, set[int]] = {slug: set() for slug in step_ids}
    slugs = {step_id: slug for slug, step_id in step_ids.items()}
    for step_id, cert_id in certs:
        by_step[slugs[step_id]].add(cert_id)
    return VersionInfo(
        version_id=version.id,
        revision=version.revision,
        workflow_id=version.workflow_id,
        definition=definition,
        step_ids=step_ids,
        step_slugs=slugs,
        required_certification_ids={slug: frozenset(ids) for slug, ids in by_step.items()},
        search_root=str(Path(code_directory).parent) if code_directory else None,
    )


def certification_ids(session: Session, workflow_id: int) -> dict[str, int]:
    rows = session.execute(
        select(Certification.slug, Certification.id).where(Certification.workflow_id == workflow_id)
    ).all()
    return {slug: cert_id for slug, cert_id in rows}


def clear() -> None:
    """Forget cached versions (tests that recreate databases reuse ids)."""
    with _lock:
        _cache.clear()
