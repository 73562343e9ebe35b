"""The typed definition models: Orchestra's JSON in, typed frozen values out, and back again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from workflows.definition import (
    AssignmentPolicy,
    FormField,
    FunctionRef,
    Option,
    RetryPolicy,
    ReviewPolicy,
    ShowItem,
    SlackUI,
    StepDef,
    VersionDef,
    WorkflowDef,
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


def _version(*steps: dict) -> dict:
    return {"slug": "v", "name": "V", "description": "d", "steps": list(steps)}


def _step(slug: str, *deps: str, **extra: object) -> dict:
    return {"slug": slug, "name": slug, "description": "d", "creation_depends_on": list(deps), **extra}


def test_topological_order_follows_dependencies_not_declaration_order():
    version = VersionDef.from_json(_version(_step("c", "a", "b"), _step("b", "a"), _step("a"), _step("z")))
    assert [step.slug for step in version.topological_order()] == ["a", "z", "b", "c"]
    assert version.prerequisite_slugs("c") == ("b", "a")
    assert version.prerequisite_slugs("a") == ()
    assert version.creation_dependents("a") == ("c", "b")


def test_the_graph_is_computed_once_per_version():
    version = journalism()
    assert version.topological_order() is version.topological_order()
    assert version.prerequisite_slugs("copy_editing") is version.prerequisite_slugs("copy_editing")


def test_a_stored_definition_with_a_cycle_or_unknown_dependency_is_refused():
    with pytest.raises(ValidationError) as caught:
        VersionDef.from_json(_version(_step("a"), _step("b", "c"), _step("c", "b"), _step("d", "x")))
    assert [(error["loc"], error["msg"]) for error in caught.value.errors()] == [
        (("steps", 3, "creation_depends_on", 0), "d.creation_depends_on contains a non-existent slug."),
        (
            ("steps", 1, "creation_depends_on"),
            "creation_depends_on forms a cycle: b -> c -> b (each step waits for the next)",
        ),
    ]


def test_a_version_needs_at_least_one_step():
    with pytest.raises(ValidationError) as caught:
        VersionDef.from_json(_version())
    assert [(error["loc"], error["msg"]) for error in caught.value.errors()] == [
        (("steps",), "A version needs at least one step")
    ]


def test_a_step_built_in_python_keeps_its_slack_ui_through_json():
    ui = SlackUI(
        show=(ShowItem(label="Image", path="prerequisites.crawl.image", kind="image"),),
        fields=(FormField(key="rating", label="Rating", type="select", options=(Option(value="1", label="One"),)),),
    )
    crawl = StepDef(
        slug="crawl",
        name="Crawl",
        description="d",
        is_human=False,
        execution_function=FunctionRef(path="json.loads"),
        retry=RetryPolicy(max_attempts=5),
    )
    rate = StepDef(slug="rate", name="Rate", description="d", creation_depends_on=("crawl",), slack_ui=ui)
    version = VersionDef(slug="v1", name="V1", description="d", steps=(crawl, rate))
    data = version.to_json()
    assert data["steps"][1]["user_interface"] == {
        "slack": {
            "show": [{"label": "Image", "path": "prerequisites.crawl.image", "kind": "image"}],
            "fields": [
                {"key": "rating", "label": "Rating", "type": "select", "options": [{"value": "1", "label": "One"}]}
            ],
        }
    }
    assert data["steps"][0]["retry"] == {"max_attempts": 5, "backoff_seconds": 2.0, "max_backoff_seconds": 300.0}
    assert VersionDef.from_json(data) == version


def test_a_slack_ui_may_be_given_as_a_dict_in_python():
    step = StepDef.model_validate(
        {
            "slug": "s",
            "name": "S",
            "description": "d",
            "slack_ui": {"fields": [{"key": "a", "label": "A", "type": "date"}]},
        }
    )
    assert step.slack_ui == SlackUI(fields=(FormField(key="a", label="A", type="date"),))


def test_an_option_may_be_written_as_a_bare_string():
    field = FormField.model_validate({"key": "size", "label": "Size", "type": "select", "options": ["S", "M"]})
    assert field.options == (Option(value="S", label="S"), Option(value="M", label="M"))


def test_a_decimal_number_field_may_have_fractional_limits():
    field = FormField(key="ratio", label="Ratio", type="number", decimal=True, min_value=0.5, max_value=1.5)
    assert (field.min_value, field.max_value) == (0.5, 1.5)


def test_a_checkbox_takes_no_options():
    with pytest.raises(ValidationError, match="Only select and multi_select fields take options"):
        FormField.model_validate({"key": "ok", "label": "OK", "type": "checkbox", "options": ["yes"]})


def test_retry_backoff_may_not_exceed_its_maximum():
    with pytest.raises(ValidationError, match=r"max_backoff_seconds \(5\) is less than backoff_seconds \(10\)"):
        RetryPolicy(backoff_seconds=10, max_backoff_seconds=5)


def test_a_review_rate_must_be_a_number_not_a_string_or_boolean():
    assert ReviewPolicy.model_validate({"policy": "sampled_review", "rate": 1, "max_reviews": 2}).rate == 1.0
    for rate in ("1", True):
        with pytest.raises(ValidationError, match="Input should be a valid number"):
            ReviewPolicy.model_validate({"policy": "sampled_review", "rate": rate, "max_reviews": 1})


def test_a_missing_reviewer_role_gets_the_default_policy():
    step = StepDef.model_validate(
        {
            "slug": "s",
            "name": "S",
            "description": "d",
            "assignment_policy": {
                "policy_function": {
                    "entry_level": {
                        "path": "orchestra.assignment_policies.specified_worker",
                        "kwargs": {"username": "ann"},
                    }
                }
            },
        }
    )
    assert step.assignment_policy == AssignmentPolicy(
        entry_level=FunctionRef(path="workflows.policies.specified_worker", kwargs={"username": "ann"}),
        reviewer=FunctionRef(path="workflows.policies.anyone_certified"),
    )


def test_a_workflow_names_an_unknown_version_in_orchestras_words():
    workflow = WorkflowDef(slug="w", name="W", description="d", certifications=(), versions=(journalism(),))
    assert workflow.version("v1").slug == "v1"
    with pytest.raises(NotFound, match="Invalid version requested: v2"):
        workflow.version("v2")


def test_a_step_that_must_wait_for_itself_or_its_own_dependents_to_submit_is_refused():
    with pytest.raises(ValidationError) as caught:
        VersionDef.from_json(_version(_step("a", submission_depends_on=["a", "b"]), _step("b", "a")))
    assert [(error["loc"], error["msg"]) for error in caught.value.errors()] == [
        (("steps", 0, "submission_depends_on", 0), "Step 'a' can never be submitted: it waits for itself"),
        (
            ("steps", 0, "submission_depends_on", 1),
            "Step 'a' can never be submitted: it waits for 'b', which cannot be created before 'a' is complete",
        ),
    ]
