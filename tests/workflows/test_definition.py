"""The typed definition models: Orchestra's JSON in, typed frozen values out, and back again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from workflows.definition import (
    AssignmentPolicy,
    FunctionRef,
    ReviewPolicy,
    StepDef,
    VersionDef,
)
from workflows.errors import NotFound

FIXTURES = Path(__file__).parent / "fixtures"


def journalism() -> VersionDef:
    return VersionDef.from_json((FIXTURES / "fixture_journalism" / "v1" / "version.json").read_text())


def test_a_version_round_trips_through_json_unchanged():
    version = journalism()
    assert VersionDef.from_json(version.to_json()) == version
    assert VersionDef.from_json(json.dumps(version.to_json())) == version


def test_orchestra_policy_names_become_tutti_builtins():
    photography = journalism().step("photography")
    assert photography.assignment_policy == AssignmentPolicy(
        entry_level=FunctionRef(
            path="workflows.policies.previously_completed_steps", kwargs={"related_steps": ["article_planning"]}
        ),
        reviewer=FunctionRef(path="workflows.policies.staffbot_autoassign"),
    )


def test_human_steps_default_to_one_full_review_and_anyone_certified():
    step = StepDef.model_validate({"slug": "s", "name": "S", "description": "d"})
    assert step.review_policy == ReviewPolicy(policy="sampled_review", rate=1, max_reviews=1)
    assert step.assignment_policy == AssignmentPolicy(
        entry_level=FunctionRef(path="workflows.policies.anyone_certified"),
        reviewer=FunctionRef(path="workflows.policies.anyone_certified"),
    )
    assert step.creation_policy.function.path == "workflows.policies.always_create"


def test_machine_steps_have_no_review_or_assignment_policy():
    step = journalism().step("document_creation")
    assert (step.review_policy, step.assignment_policy, step.slack_ui) == (None, None, None)


def test_topological_order_is_breadth_first_in_declaration_order():
    order = [step.slug for step in journalism().topological_order()]
    assert order == [
        "document_creation",
        "article_planning",
        "reporting",
        "photography",
        "photo_adjustment",
        "copy_editing",
    ]


def test_prerequisites_are_the_transitive_creation_dependencies():
    version = journalism()
    assert version.prerequisite_slugs("copy_editing") == (
        "document_creation",
        "article_planning",
        "reporting",
        "photography",
        "photo_adjustment",
    )
    assert version.creation_dependents("article_planning") == ("reporting", "photography")
    assert version.submission_dependents("reporting") == ()


def test_asking_for_an_unknown_step_raises_not_found():
    with pytest.raises(NotFound, match=r"Version v1 has no step nope\."):
        journalism().step("nope")


def test_models_are_frozen():
    step = journalism().step("reporting")
    with pytest.raises(ValidationError):
        step.slug = "other"  # type: ignore[misc]
