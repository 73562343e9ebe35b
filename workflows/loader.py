"""Loading validated workflow definitions into the store (Orchestra's loadworkflow, with --force rules)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from store.models import Certification, Step, Workflow, WorkflowVersion, step_certifications
from workflows import dotted
from workflows.definition import VersionDef, WorkflowDef
from workflows.errors import NotFound, WorkflowError, WorkflowValidationError
from workflows.validation import Problem, check_forced_reload, validate_workflow_directory


@dataclass
class LoadResult:
    workflow: Workflow
    versions: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # versions already stored with the same content


def read_workflow(directory: str | Path) -> tuple[WorkflowDef, list[Problem]]:
    """Parse and validate a workflow directory; raise with every problem if it has errors."""
    definition, problems = validate_workflow_directory(directory)
    errors = [p for p in problems if p.severity == "error"]
    if errors or definition is None:
        raise WorkflowValidationError(f"{len(errors)} problem(s) in workflow {directory}", errors)
    return definition, [p for p in problems if p.severity == "warning"]


def load_workflow_directory(
    session: Session, directory: str | Path, *, version_slug: str | None = None, force: bool = False
) -> LoadResult:
    definition, warnings = read_workflow(directory)
    result = load_workflow(session, definition, version_slug=version_slug, force=force)
    result.warnings[:0] = warnings
    return result


def load_workflow(
    session: Session, definition: WorkflowDef, *, version_slug: str | None = None, force: bool = False
) -> LoadResult:
    """Create or update the workflow, its certifications and its versions (all, or `version_slug`)."""
    versions = definition.versions
    if version_slug is not None:
        versions = tuple(v for v in versions if v.slug == version_slug)
        if len(versions) != 1:
            raise WorkflowError(f"Invalid version requested: {version_slug}")
    workflow = session.scalar(select(Workflow).where(Workflow.slug == definition.slug))
    if workflow is None:
        workflow = Workflow(slug=definition.slug)
        session.add(workflow)
    workflow.name = definition.name
    workflow.description = definition.description
    workflow.code_directory = definition.directory
    fn = definition.sample_data_load_function
    workflow.sample_data_load_function = None if fn is None else {"path": fn.path, "kwargs": dict(fn.kwargs)}
    session.flush()
    certifications = _load_certifications(session, workflow, definition)
    result = LoadResult(workflow)
    for version in versions:
        if _is_stored_unchanged(session, workflow, version):
            result.unchanged.append(version.slug)
            continue
        result.warnings.extend(_load_version(session, workflow, version, certifications, force=force))
        result.versions.append(version.slug)
    return result


def _is_stored_unchanged(session: Session, workflow: Workflow, definition: VersionDef) -> bool:
    """Whether this version is already stored with exactly this content (loading it again changes nothing)."""
    stored = session.scalar(
        select(WorkflowVersion.definition).where(WorkflowVersion.workflow_id == workflow.id,
                                                 WorkflowVersion.slug == definition.slug)
    )
    return stored is not None and stored == json.loads(json.dumps(definition.to_json()))


def _load_certifications(session: Session, workflow: Workflow, definition: WorkflowDef) -> dict[str, Certification]:
    rows = session.scalars(select(Certification).where(Certification.workflow_id == workflow.id))
    existing = {c.slug: c for c in rows}
    for cert in definition.certifications:
        row = existing.get(cert.slug)
        if row is None:
            row = Certification(workflow_id=workflow.id, slug=cert.slug)
            session.add(row)
            existing[cert.slug] = row
        row.name = cert.name
        row.description = cert.description
    session.flush()
    for cert in definition.certifications:
        missing = [slug for slug in cert.required_certifications if slug not in existing]
        if missing:
            raise WorkflowError(f"Certification {cert.slug} requires non-existent certification.")
        existing[cert.slug].required_certifications = [existing[slug] for slug in cert.required_certifications]
    session.flush()
    return existing


def _load_version(
    session: Session,
    workflow: Workflow,
    definition: VersionDef,
    certifications: dict[str, Certification],
    *,
    force: bool,
) -> list[Problem]:
    """Create or (with `force`, under Orchestra's rules) update a version; returns the reload's warnings."""
    warnings: list[Problem] = []
    version = session.scalar(
        select(WorkflowVersion).where(WorkflowVersion.workflow_id == workflow.id,
                                      WorkflowVersion.slug == definition.slug)
    )
    if version is not None:
        if not force:
            raise WorkflowError(
                f"Version {definition.slug} of workflow {workflow.slug} already exists with different content: "
                "load it with --force to update it (steps may be added, not removed), or give the new content a "
                "new version slug."
            )
        problems = check_forced_reload(VersionDef.from_json(version.definition), definition,
                                       f"{definition.slug}/version.json")
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            raise WorkflowValidationError(errors[0].message, errors)
        warnings = [p for p in problems if p.severity != "error"]
        version.revision += 1
    else:
        version = WorkflowVersion(workflow_id=workflow.id, slug=definition.slug, revision=1)
        session.add(version)
    version.name = definition.name
    version.description = definition.description
    version.definition = definition.to_json()
    session.flush()

    steps = {s.slug: s for s in session.scalars(select(Step).where(Step.version_id == version.id))}
    for position, step_def in enumerate(definition.steps):
        step = steps.get(step_def.slug)
        if step is None:
            step = Step(version_id=version.id, slug=step_def.slug)
            session.add(step)
            steps[step_def.slug] = step
        step.name = step_def.name
        step.description = step_def.description
        step.is_human = step_def.is_human
        step.position = position
    session.flush()
    step_ids = [s.id for s in steps.values()]
    session.execute(delete(step_certifications).where(step_certifications.c.step_id.in_(step_ids)))
    rows = [
        {"step_id": steps[s.slug].id, "certification_id": certifications[slug].id}
        for s in definition.steps
        for slug in s.required_certifications
    ]
    if rows:
        session.execute(step_certifications.insert(), rows)
    session.flush()
    return warnings


def load_sample_data(session: Session, workflow_slug: str) -> str:
    """Run the workflow's `sample_data_load_function` as `fn(session, **kwargs)`."""
    workflow = session.scalar(select(Workflow).where(Workflow.slug == workflow_slug))
    if workflow is None:
        raise NotFound(
            f"Workflow {workflow_slug} has not been loaded into the database. "
            "Please load it before adding sample data."
        )
    fn = workflow.sample_data_load_function
    if not fn or not fn.get("path"):
        raise WorkflowError(f"Workflow {workflow_slug} does not provide sample data. Not loading sample data.")
    root = Path(workflow.code_directory).parent if workflow.code_directory else None
    dotted.resolve(fn["path"], root)(session, **(fn.get("kwargs") or {}))
    session.flush()
    return f"Successfully loaded sample data for {workflow_slug}"
