"""Validating workflow directories: every problem at once, each with its file and JSON location."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.container import Tutti
from store.models import WorkflowVersion
from workflows import dotted
from workflows.definition import VersionDef
from workflows.errors import DottedPathError
from workflows.loader import load_workflow, read_workflow
from workflows.validation import Problem, check_forced_reload, json_path, validate_workflow_directory

FIXTURES = Path(__file__).parent / "fixtures"
ANGULAR = "Ignored: Tutti renders steps in Slack"


def problems(name: str, **options: bool) -> list[tuple[str, ...]]:
    """The problems of a fixture directory as (file, location, message[, 'warning']) tuples."""
    workflow, found = validate_workflow_directory(FIXTURES / name, **options)
    if any(problem.severity == "error" for problem in found):
        assert workflow is None
    return [
        (p.file, p.location, p.message) if p.severity == "error" else (p.file, p.location, p.message, p.severity)
        for p in found
    ]


# --- directories that load --------------------------------------------------------------------------------


def test_an_orchestra_journalism_directory_loads_with_warnings_for_its_angular_keys_only():
    workflow, found = validate_workflow_directory(FIXTURES / "fixture_journalism")
    assert found == [
        Problem("v1/version.json", "$.steps[1].user_interface.angular_module", ANGULAR, "warning"),
        Problem("v1/version.json", "$.steps[1].user_interface.angular_directive", ANGULAR, "warning"),
        Problem("v1/version.json", "$.steps[1].user_interface.javascript_includes", ANGULAR, "warning"),
        Problem("v1/version.json", "$.steps[2].user_interface.angular_module", ANGULAR, "warning"),
        Problem("v1/version.json", "$.steps[2].user_interface.angular_directive", ANGULAR, "warning"),
        Problem("v1/version.json", "$.steps[5].user_interface.angular_module", ANGULAR, "warning"),
        Problem("v1/version.json", "$.steps[5].user_interface.angular_directive", ANGULAR, "warning"),
        Problem("v1/version.json", "$.steps[5].user_interface.stylesheet_includes", ANGULAR, "warning"),
    ]
    assert workflow is not None
    assert workflow.slug == "fixture_journalism"
    assert workflow.directory == str((FIXTURES / "fixture_journalism").resolve())
    assert [cert.slug for cert in workflow.certifications] == ["editor", "reporter", "photographer", "copy_editor"]
    assert workflow.certification("copy_editor").required_certifications == ("editor",)
    assert workflow.sample_data_load_function is not None
    assert workflow.sample_data_load_function.kwargs == {"workers": 6}
    version = workflow.version("v1")
    assert version.step_slugs == (
        "document_creation",
        "article_planning",
        "reporting",
        "photography",
        "photo_adjustment",
        "copy_editing",
    )
    adjustment = version.step("photo_adjustment")
    assert (adjustment.retry.max_attempts, adjustment.retry.backoff_seconds) == (5, 1.0)
    assert adjustment.execution_function is not None
    assert adjustment.execution_function.kwargs == {"quality": 80}
    assert version.step("copy_editing").completion_ends_project is True
    assert version.sanity_checks is not None
    assert version.sanity_checks.check_configurations["stale-reporting"].handlers[0].steps == ("reporting",)


def test_an_orchestra_simple_workflow_without_slack_forms_loads_unchanged():
    workflow, found = validate_workflow_directory(FIXTURES / "fixture_simple")
    assert found == [
        Problem("v1/version.json", "$.steps[1].user_interface.angular_module", ANGULAR, "warning"),
        Problem("v1/version.json", "$.steps[1].user_interface.angular_directive", ANGULAR, "warning"),
        Problem("v1/version.json", "$.steps[1].user_interface.javascript_includes", ANGULAR, "warning"),
    ]
    assert workflow is not None
    rate = workflow.version("v1").step("rate")
    assert rate.review_policy is not None and rate.review_policy.policy == "no_review"
    assert rate.slack_ui is None
    assert rate.user_interface["angular_directive"] == "rate"
    crawl = workflow.version("v1").step("crawl")
    assert crawl.execution_function is not None
    assert dotted.resolve(crawl.execution_function.path)({"image": "x.png"}, {}) == {
        "status": "success",
        "image": "x.png",
    }


# --- Orchestra's loader errors ----------------------------------------------------------------------------


def test_a_missing_directory_is_reported_in_orchestras_words():
    path = FIXTURES / "invalid_dir"
    assert validate_workflow_directory(path) == (None, [Problem(str(path), "$", "Workflow directory does not exist.")])


def test_a_directory_without_workflow_json_is_reported_in_orchestras_words():
    path = FIXTURES / "no_manifest_dir"
    assert validate_workflow_directory(path) == (
        None,
        [Problem(str(path), "$", 'No "workflow.json" manifest file found.')],
    )


def test_a_directory_without_versions_is_reported_and_subdirectories_without_version_json_are_ignored():
    path = FIXTURES / "no_version_dir"
    assert validate_workflow_directory(path) == (
        None,
        [Problem(str(path), "$", f"Workflow directory {path} does not contain any versions")],
    )


def test_a_certification_requiring_a_missing_certification_is_reported_at_the_requirement():
    assert problems("bad_certification_dir") == [
        (
            "workflow.json",
            "$.certifications[0].required_certifications[0]",
            "Certification certification1 requires non-existent certification.",
        )
    ]


# --- the dependency graph ---------------------------------------------------------------------------------


def test_a_cycle_with_a_root_is_named_and_the_steps_behind_it_are_unreachable():
    assert problems("cycle_with_root") == [
        (
            "v1/version.json",
            "$.steps[1].creation_depends_on",
            "creation_depends_on forms a cycle: a -> c -> b -> a (each step waits for the next)",
        ),
        (
            "v1/version.json",
            "$.steps[4].creation_depends_on",
            "Step 'd' can never be created: it depends on 'c', which is in a creation_depends_on cycle",
        ),
        (
            "v1/version.json",
            "$.steps[5].creation_depends_on",
            "Step 'e' can never be created: it depends on 'd', which can never be created",
        ),
    ]


def test_a_version_without_a_root_gets_orchestras_message_and_each_cycle_is_named():
    assert problems("no_root") == [
        ("v1/version.json", "$.steps", "All no_root_v1 workflow steps have dependencies. There is no start point."),
        (
            "v1/version.json",
            "$.steps[0].creation_depends_on",
            "creation_depends_on forms a cycle: s1 -> s2 -> s1 (each step waits for the next)",
        ),
        (
            "v1/version.json",
            "$.steps[2].creation_depends_on",
            "creation_depends_on forms a cycle: s3 -> s3 (each step waits for the next)",
        ),
    ]


# --- keys ---------------------------------------------------------------------------------------------------


def test_unknown_keys_are_errors_at_every_level_of_both_files():
    assert problems("unknown_keys") == [
        ("workflow.json", "$.certifications[0].level", "Unknown key 'level'"),
        ("workflow.json", "$.owner", "Unknown key 'owner'"),
        ("v1/version.json", "$.notes", "Unknown key 'notes'"),
        ("v1/version.json", "$.steps[0].is_machine", "Unknown key 'is_machine'"),
        ("v1/version.json", "$.steps[0].assignment_policy.policy_function.reviwer", "Unknown key 'reviwer'"),
        ("v1/version.json", "$.steps[0].slack_ui", "Unknown key 'slack_ui'"),
        ("v1/version.json", "$.steps[0].user_interface.react_component", "Unknown key 'react_component'"),
        ("v1/version.json", "$.steps[0].user_interface.slack.fields[0].maxlength", "Unknown key 'maxlength'"),
    ]


def test_machine_steps_with_human_keys_and_human_steps_with_machine_keys_are_errors():
    assert problems("human_machine_keys") == [
        ("v1/version.json", "$.steps[0].required_certifications", "A machine step cannot have required_certifications"),
        ("v1/version.json", "$.steps[0].assignment_policy", "A machine step cannot have assignment_policy"),
        ("v1/version.json", "$.steps[0].review_policy", "A machine step cannot have review_policy"),
        ("v1/version.json", "$.steps[0].user_interface", "A machine step cannot have user_interface"),
        (
            "v1/version.json",
            "$.steps[1].detailed_description_function",
            "Ignored: machine steps are never staffed",
            "warning",
        ),
        ("v1/version.json", "$.steps[2]", "A machine step needs an execution_function"),
        (
            "v1/version.json",
            "$.steps[3].execution_function",
            'A human step cannot have an execution_function (set "is_human": false for a machine step)',
        ),
        ("v1/version.json", "$.steps[3].retry", "A human step cannot have retry; retries are for machine steps"),
        ("v1/version.json", "$.steps[4].retry.max_attempts", "Input should be greater than or equal to 1"),
        ("v1/version.json", "$.steps[5].is_human", "Expected true or false"),
    ]


# --- policies -----------------------------------------------------------------------------------------------


def test_each_malformed_policy_is_reported_where_it_is_wrong():
    assert problems("malformed_policies") == [
        ("v1/version.json", "$.steps[1].review_policy", "sampled_review needs 'rate'"),
        ("v1/version.json", "$.steps[1].review_policy", "sampled_review needs 'max_reviews'"),
        ("v1/version.json", "$.steps[2].review_policy.rate", "Input should be less than or equal to 1"),
        ("v1/version.json", "$.steps[2].review_policy.max_reviews", "Input should be greater than or equal to 0"),
        ("v1/version.json", "$.steps[3].review_policy.policy", "Input should be 'sampled_review' or 'no_review'"),
        ("v1/version.json", "$.steps[3].review_policy.rate", "Expected a number"),
        ("v1/version.json", "$.steps[3].review_policy.max_reviews", "Expected a whole number"),
        ("v1/version.json", "$.steps[4].assignment_policy", "Missing required key 'policy_function'"),
        ("v1/version.json", "$.steps[4].assignment_policy.entry_level", "Unknown key 'entry_level'"),
        ("v1/version.json", "$.steps[4].creation_policy", "Missing required key 'policy_function'"),
        (
            "v1/version.json",
            "$.steps[5].assignment_policy.policy_function.entry_level.path",
            "'workflows.policies.always_create' is a creation policy, not an assignment policy",
        ),
        (
            "v1/version.json",
            "$.steps[5].creation_policy.policy_function.path",
            "'workflows.policies.anyone_certified' is an assignment policy, not a creation policy",
        ),
        (
            "v1/version.json",
            "$.steps[6].assignment_policy.policy_function.entry_level.kwargs.user",
            "Ignored: specified_worker takes no 'user'",
            "warning",
        ),
        (
            "v1/version.json",
            "$.steps[6].assignment_policy.policy_function.entry_level",
            "specified_worker needs kwargs 'username' or 'slack_user_id'",
        ),
        (
            "v1/version.json",
            "$.steps[6].assignment_policy.policy_function.reviewer.kwargs",
            "specified_worker takes 'username' or 'slack_user_id', not both",
        ),
        (
            "v1/version.json",
            "$.steps[7].assignment_policy.policy_function.entry_level.kwargs.related_steps[0]",
            "'machine' is a machine step; related_steps must be human steps",
        ),
        (
            "v1/version.json",
            "$.steps[7].assignment_policy.policy_function.entry_level.kwargs.related_steps[1]",
            "'nope' is not a step of this version",
        ),
        (
            "v1/version.json",
            "$.steps[7].assignment_policy.policy_function.reviewer.kwargs.related_steps",
            "related_steps must be a non-empty list of step slugs",
        ),
        (
            "v1/version.json",
            "$.steps[8].assignment_policy.policy_function.entry_level",
            "previously_completed_steps needs kwargs 'related_steps', a list of human steps",
        ),
        (
            "v1/version.json",
            "$.steps[8].assignment_policy.policy_function.reviewer.kwargs.related_steps",
            "Ignored: staffbot_autoassign takes no 'related_steps'",
            "warning",
        ),
    ]


# --- dotted paths -------------------------------------------------------------------------------------------


def test_dotted_paths_that_do_not_import_are_not_callable_or_do_not_fit_their_call_are_errors():
    p = "bad_dotted_paths"
    assert problems(p) == [
        (
            "workflow.json",
            "$.sample_data_load_function.path",
            f"'{p}.load_sample_data.load' does not exist: '{p}' has no module or attribute 'load_sample_data'",
        ),
        (
            "v1/version.json",
            "$.abort_completion_function.path",
            f"'{p}.v1.steps.NOT_CALLABLE' is not callable (it is of type int)",
        ),
        (
            "v1/version.json",
            "$.steps[0].execution_function.path",
            "'no_such_package.steps.run' does not import: no module named 'no_such_package'",
        ),
        (
            "v1/version.json",
            "$.steps[1].execution_function.path",
            f"'{p}.v1.steps.missing' does not exist: '{p}.v1.steps' has no attribute 'missing'",
        ),
        (
            "v1/version.json",
            "$.steps[2].execution_function.path",
            f"'{p}.v1.steps.NOT_CALLABLE' is not callable (it is of type int)",
        ),
        (
            "v1/version.json",
            "$.steps[3].execution_function.path",
            f"importing '{p}.v1.broken' for '{p}.v1.broken.run' failed: RuntimeError: this module cannot be imported",
        ),
        (
            "v1/version.json",
            "$.steps[4].execution_function.path",
            f"importing '{p}.v1.needs_missing' for '{p}.v1.needs_missing.run' failed: "
            "No module named 'tutti_no_such_dependency'",
        ),
        (
            "v1/version.json",
            "$.steps[5].execution_function",
            f"'{p}.v1.steps.one_argument' cannot be called as fn(project_data, prerequisites, **kwargs): "
            "too many positional arguments",
        ),
        (
            "v1/version.json",
            "$.steps[6].execution_function",
            f"'{p}.v1.steps.strict_kwargs' cannot be called as fn(project_data, prerequisites, **kwargs): "
            "missing a required argument: 'size'",
        ),
        (
            "v1/version.json",
            "$.steps[7].execution_function.path",
            "'run' is not a dotted path like 'package.module.function'",
        ),
        (
            "v1/version.json",
            "$.steps[8].assignment_policy.policy_function.entry_level.path",
            f"'{p}.v1.steps.nobody' does not exist: '{p}.v1.steps' has no attribute 'nobody'",
        ),
        (
            "v1/version.json",
            "$.steps[8].creation_policy.policy_function",
            f"'{p}.v1.steps.create_sometimes' cannot be called as fn(prerequisite_data, project_data, **kwargs): "
            "got an unexpected keyword argument 'x'",
        ),
        (
            "v1/version.json",
            "$.steps[8].detailed_description_function.path",
            f"'{p}.v1.steps.describe' does not exist: '{p}.v1.steps' has no attribute 'describe'",
        ),
    ]


def test_without_importing_functions_only_the_definition_itself_is_checked():
    workflow, found = validate_workflow_directory(FIXTURES / "bad_dotted_paths", import_functions=False)
    assert found == []
    assert workflow is not None


# --- the Slack UI -------------------------------------------------------------------------------------------


def test_form_field_problems_are_reported_per_field():
    fields = "$.steps[3].user_interface.slack.fields"
    show = "$.steps[3].user_interface.slack.show"
    assert problems("form_fields") == [
        (
            "v1/version.json",
            f"{show}[0].path",
            "A show path starts with 'project.', 'project_data.' or 'prerequisites.<step>' and continues with "
            "dot-separated names, not 'task.data'",
        ),
        (
            "v1/version.json",
            f"{show}[1].path",
            "'project.owner' is not a project field; use one of project.id, project.priority, "
            "project.short_description, project.status, project.task_class",
        ),
        ("v1/version.json", f"{show}[2].kind", "Input should be 'text', 'link', 'image', 'images' or 'json'"),
        (
            "v1/version.json",
            f"{fields}[2].key",
            "'Rating' is not a field key: use a-z, 0-9 and '_', starting with a letter",
        ),
        ("v1/version.json", f"{fields}[3].options", "A select field needs 1 to 100 options, not 0"),
        ("v1/version.json", f"{fields}[4].options[2].value", "Duplicate option value 'a' (also options[0])"),
        ("v1/version.json", f"{fields}[5].options", "Only select and multi_select fields take options"),
        ("v1/version.json", f"{fields}[6].min_length", "min_length (50) is greater than max_length (10)"),
        ("v1/version.json", f"{fields}[7].max_length", "Input should be less than or equal to 3000"),
        ("v1/version.json", f"{fields}[8].min_value", "min_value must be a whole number unless decimal is true"),
        ("v1/version.json", f"{fields}[9].min_value", "Only number fields take min_value"),
        ("v1/version.json", f"{fields}[9].decimal", "Only number fields take decimal"),
        ("v1/version.json", f"{fields}[10].max_files", "Input should be less than or equal to 10"),
        ("v1/version.json", f"{fields}[11].options[0].label", "String should have at most 75 characters"),
        (
            "v1/version.json",
            f"{fields}[12].type",
            "Input should be 'text', 'long_text', 'number', 'select', 'multi_select', 'date', 'url', 'email', "
            "'user', 'files' or 'checkbox'",
        ),
        ("v1/version.json", f"{fields}[1].key", "Duplicate form field key 'title' (also fields[0])"),
    ]


def test_show_paths_may_only_name_transitive_creation_prerequisites():
    assert problems("show_paths") == [
        (
            "v1/version.json",
            "$.steps[3].user_interface.slack.show[2].path",
            "'prerequisites.side.answer' refers to 'side', which is not a creation prerequisite of 'shows' "
            "(its prerequisites: first, second)",
        ),
        (
            "v1/version.json",
            "$.steps[3].user_interface.slack.review_show[0].path",
            "'prerequisites.nope' refers to 'nope', which is not a creation prerequisite of 'shows' "
            "(its prerequisites: first, second)",
        ),
    ]


# --- everything at once -------------------------------------------------------------------------------------


def test_problems_in_every_file_are_reported_together_with_their_file_and_location():
    assert problems("many_problems") == [
        ("workflow.json", "$.certifications[1].slug", "Duplicate certification slug 'writer' (also certifications[0])"),
        (
            "workflow.json",
            "$.certifications[2].required_certifications",
            "required_certifications forms a cycle: editor -> chief -> editor; nobody could ever be certified",
        ),
        (
            "v1/version.json",
            "$.sanity_checks.check_configurations['bad-handler'].handlers[0].type",
            "Input should be 'slack_project_channel'",
        ),
        (
            "v1/version.json",
            "$.sanity_checks.check_configurations['bad-handler'].repetition_seconds",
            "Input should be greater than 0",
        ),
        (  # found on the raw sanity checks, although the 'bad-handler' configuration above does not parse
            "v1/version.json",
            "$.sanity_checks.check_configurations['late-edit'].handlers[0].steps[1]",
            "Sanity check 'late-edit' mentions non-existent step 'review'",
        ),
        (
            "v1/version.json",
            "$.steps[0].todolist_templates_to_apply",
            "Tutti has no todo-list templates yet; todolist_templates_to_apply must be empty",
        ),
        (
            "v1/version.json",
            "$.steps[0].required_certifications[1]",
            "write.required_certifications contains a non-existent slug.",
        ),
        (
            "v1/version.json",
            "$.steps[1].creation_depends_on[1]",
            "edit.creation_depends_on contains a non-existent slug.",
        ),
        (
            "v1/version.json",
            "$.steps[1].submission_depends_on[0]",
            "Step 'edit' can never be submitted: it waits for 'publish', which cannot be created before 'edit' "
            "is complete",
        ),
        ("v1/version.json", "$.steps[2].review_policy.rate", "Input should be less than or equal to 1"),
        ("v1/version.json", "$.steps[3].slug", "Duplicate step slug 'write' (also steps[0])"),
        ("v1/version.json", "$.steps[4].slug", "'bad slug!' is not a slug: use letters, digits, '_' and '-'"),
        (
            "v2/version.json",
            "$",
            "Invalid JSON: Expecting property name enclosed in double quotes (line 5, column 18)",
        ),
        ("v3/version.json", "$.steps[0].name", "Duplicate key 'name': JSON keeps only the last value"),
        ("v3/version.json", "$.slug", "Version slug 'v1' is also used by v1/version.json"),
    ]


def test_sanity_checks_naming_unknown_steps_are_errors(tmp_path: Path):
    directory = tmp_path / "sanity"
    (directory / "v1").mkdir(parents=True)
    (directory / "workflow.json").write_text(
        '{"slug": "sanity", "name": "n", "description": "d", "certifications": []}'
    )
    (directory / "v1" / "version.json").write_text(
        '{"slug": "v1", "name": "n", "description": "d", "steps": [{"slug": "s", "name": "n", "description": "d"}],'
        ' "sanity_checks": {"sanity_check_function": {"path": "json.loads"},'
        ' "check_configurations": {"late": {"handlers": [{"type": "slack_project_channel", "message": "m",'
        ' "steps": ["s", "t"]}]}}}}'
    )
    workflow, found = validate_workflow_directory(directory)
    assert (workflow, found) == (
        None,
        [
            Problem(
                "v1/version.json",
                "$.sanity_checks.check_configurations.late.handlers[0].steps[1]",
                "Sanity check 'late' mentions non-existent step 't'",
            )
        ],
    )


# --- forced reloads -----------------------------------------------------------------------------------------


def _journalism() -> VersionDef:
    return VersionDef.from_json((FIXTURES / "fixture_journalism" / "v1" / "version.json").read_text())


def _with_steps(version: VersionDef, steps: list[dict]) -> VersionDef:
    return VersionDef.from_json({**version.to_json(), "steps": steps})


def test_a_forced_reload_may_add_steps():
    old = _journalism()
    steps = old.to_json()["steps"]
    steps.append({"slug": "fact_check", "name": "Fact check", "description": "d", "creation_depends_on": ["reporting"]})
    assert check_forced_reload(old, _with_steps(old, steps)) == []


def test_a_forced_reload_may_not_remove_steps():
    old = _journalism()
    steps = [step for step in old.to_json()["steps"] if step["slug"] != "copy_editing"]
    assert check_forced_reload(old, _with_steps(old, steps), "v1/version.json") == [
        Problem(
            "v1/version.json",
            "$.steps",
            "Even with --force, you cannot remove steps from a workflow.Drop and recreate the database to reset, "
            "or create a new version for your workflow.",
        )
    ]


def test_a_forced_reload_may_not_add_a_creation_dependency_but_may_drop_one_with_a_warning():
    old = _journalism()
    steps = old.to_json()["steps"]
    steps[3]["creation_depends_on"] = ["article_planning", "reporting"]  # photography now waits for reporting
    steps[5]["creation_depends_on"] = ["photo_adjustment"]  # copy_editing no longer waits for reporting
    assert check_forced_reload(old, _with_steps(old, steps)) == [
        Problem(
            "version.json",
            "$.steps[3].creation_depends_on",
            "Even with --force, you cannot change the topology of a workflow. Drop and recreate the database to "
            "reset, or create a new version for your workflow.",
        ),
        Problem(
            "version.json",
            "$.steps[5].creation_depends_on",
            "Removed creation dependencies of 'copy_editing': reporting",
            "warning",
        ),
    ]


# --- dotted paths and JSON paths ----------------------------------------------------------------------------


def test_orchestras_policy_names_resolve_to_tuttis_builtins():
    assert dotted.canonical("orchestra.assignment_policies.anyone_certified") == "workflows.policies.anyone_certified"
    assert dotted.canonical("orchestra.creation_policies.always_create") == "workflows.policies.always_create"
    assert dotted.canonical("my.own.policy") == "my.own.policy"


def test_a_search_root_makes_a_workflow_package_importable(tmp_path: Path):
    package = tmp_path / "tutti_search_root_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("def run(project_data, prerequisites):\n    return {'ok': True}\n")
    assert dotted.check("tutti_search_root_pkg.run") is not None
    assert dotted.resolve("tutti_search_root_pkg.run", tmp_path)({}, {}) == {"ok": True}


def test_a_workflow_package_shadowed_by_an_installed_module_is_refused(tmp_path: Path):
    (tmp_path / "json").mkdir()
    (tmp_path / "json" / "__init__.py").write_text("def dumps(value):\n    return 'mine'\n")
    with pytest.raises(DottedPathError, match=r"'json\.dumps' resolves to another package named 'json'"):
        dotted.resolve("json.dumps", tmp_path)


def test_json_paths_bracket_keys_that_are_not_identifiers():
    assert json_path(()) == "$"
    assert json_path(("steps", 2, "review_policy", "rate")) == "$.steps[2].review_policy.rate"
    assert (
        json_path(("check_configurations", "late-edit", "handlers", 0))
        == "$.check_configurations['late-edit'].handlers[0]"
    )


BUNDLED = Path(__file__).parents[2] / "workflows" / "bundled"


@pytest.mark.parametrize(
    "directory", sorted(p for p in BUNDLED.iterdir() if (p / "workflow.json").is_file()), ids=lambda p: p.name
)
def test_each_bundled_workflow_validates_without_errors(directory: Path):
    workflow, found = validate_workflow_directory(directory)
    assert [p for p in found if p.severity == "error"] == []
    assert workflow is not None


def test_missing_required_keys_are_reported_on_the_object_that_lacks_them():
    assert problems("missing_keys") == [
        ("workflow.json", "$", "Missing required key 'name'"),
        ("workflow.json", "$", "Missing required key 'certifications'"),
        ("v1/version.json", "$.steps[0]", "Missing required key 'name'"),
        ("v1/version.json", "$.steps[1].execution_function", "Missing required key 'path'"),
        ("v1/version.json", "$.steps[2]", "Expected a JSON object"),
        ("v2/version.json", "$", "Missing required key 'description'"),
        ("v2/version.json", "$", "Missing required key 'steps'"),
    ]


def test_a_file_that_is_not_json_is_reported_with_its_line_and_column(tmp_path: Path):
    (tmp_path / "broken" / "v1").mkdir(parents=True)
    (tmp_path / "broken" / "workflow.json").write_text('{\n  "slug": "broken",\n  "name": \'single quotes\'\n}\n')
    (tmp_path / "broken" / "v1" / "version.json").write_text("")
    assert validate_workflow_directory(tmp_path / "broken") == (
        None,
        [
            Problem("workflow.json", "$", "Invalid JSON: Expecting value (line 3, column 11)"),
            Problem("v1/version.json", "$", "Invalid JSON: Expecting value (line 1, column 1)"),
        ],
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("null", "Expected a JSON object"),
        ("[1, 2]", "Expected a JSON object"),
        ('{"slug": ' + "[" * 100_000 + "]" * 100_000 + "}", "Invalid JSON: it is nested too deeply"),
        ('{"slug": "v1", "limit": Infinity}', "Invalid JSON: Infinity is not a JSON number; write a number or null"),
        ('{"slug": "v1", "name": "\\ud800"}', "Invalid JSON: a string holds an unpaired surrogate escape"),
    ],
    ids=["null", "array", "deep", "infinity", "surrogate"],
)
def test_a_version_file_that_is_not_a_storable_json_object_is_one_clear_problem(tmp_path: Path, text: str,
                                                                             message: str):
    (tmp_path / "odd" / "v1").mkdir(parents=True)
    (tmp_path / "odd" / "workflow.json").write_text(
        '{"slug": "odd", "name": "Odd", "description": "", "certifications": []}')
    (tmp_path / "odd" / "v1" / "version.json").write_text(text)
    workflow, found = validate_workflow_directory(tmp_path / "odd")
    assert workflow is None
    assert [(p.file, p.location) for p in found] == [("v1/version.json", "$")]
    assert found[0].message.startswith(message)


def test_a_module_that_exits_when_imported_is_a_problem_not_an_exit(tmp_path: Path):
    (tmp_path / "quitting_pkg").mkdir()
    (tmp_path / "quitting_pkg" / "__init__.py").write_text("import sys\nsys.exit(3)\n")
    with pytest.raises(DottedPathError, match=r"importing 'quitting_pkg' for 'quitting_pkg\.fn' failed: SystemExit"):
        dotted.resolve("quitting_pkg.fn", str(tmp_path))


def test_loading_with_force_may_drop_a_creation_dependency_and_says_so(tutti: Tutti):
    first, _ = read_workflow(FIXTURES / "fixture_journalism")
    version = first.version("v1")
    steps = version.to_json()["steps"]
    steps[5]["creation_depends_on"] = ["photo_adjustment"]  # copy_editing no longer waits for reporting
    second = first.model_copy(update={"versions": (_with_steps(version, steps),)})
    with tutti.database.unit_of_work() as uow:
        load_workflow(uow.session, first)
        uow.commit()
    with tutti.database.unit_of_work() as uow:
        result = load_workflow(uow.session, second, force=True)
        uow.commit()
    assert [(w.file, w.location, w.message) for w in result.warnings] == [
        ("v1/version.json", "$.steps[5].creation_depends_on", "Removed creation dependencies of 'copy_editing': "
                                                              "reporting"),
    ]
    with tutti.database.read() as session:
        stored = session.scalar(select(WorkflowVersion.definition).where(WorkflowVersion.slug == "v1"))
    assert VersionDef.from_json(stored).step("copy_editing").creation_depends_on == ("photo_adjustment",)


def test_certification_problems_are_all_reported_even_when_one_field_is_malformed(tmp_path: Path):
    (tmp_path / "certs" / "v1").mkdir(parents=True)
    (tmp_path / "certs" / "workflow.json").write_text(json.dumps({
        "slug": "certs", "name": "Certs", "description": "",
        "certifications": [
            {"slug": "a", "name": "A", "description": "", "required_certifications": "c"},  # not a list
            {"slug": "b", "name": "B", "description": "", "required_certifications": ["missing"]},
            {"slug": "b", "name": "B again", "description": "", "required_certifications": []},
            {"slug": "e", "name": "E", "description": "", "required_certifications": ["f"]},
            {"slug": "f", "name": "F", "description": "", "required_certifications": ["e"]},
        ],
    }))
    (tmp_path / "certs" / "v1" / "version.json").write_text(json.dumps({
        "slug": "v1", "name": "V1", "description": "", "steps": [
            {"slug": "s", "name": "S", "description": "", "is_human": True, "required_certifications": []}]}))
    _, found = validate_workflow_directory(tmp_path / "certs")
    assert [(p.location, p.message) for p in found if p.file == "workflow.json"] == [
        ("$.certifications[0].required_certifications", "Expected a JSON list"),
        ("$.certifications[2].slug", "Duplicate certification slug 'b' (also certifications[1])"),
        ("$.certifications[1].required_certifications[0]", "Certification b requires non-existent certification."),
        ("$.certifications[3].required_certifications",
         "required_certifications forms a cycle: e -> f -> e; nobody could ever be certified"),
    ]


def test_a_form_fields_contradictory_limits_are_reported_along_with_its_malformed_keys(tmp_path: Path):
    (tmp_path / "form" / "v1").mkdir(parents=True)
    (tmp_path / "form" / "workflow.json").write_text(
        '{"slug": "form", "name": "Form", "description": "", "certifications": []}')
    field = {"key": "amount", "label": "Amount", "type": "number", "decimal": "yes", "min_value": 10, "max_value": 1}
    choice = {"key": "pick", "label": "Pick", "type": "select", "options": ["a", "a"], "max_length": "long"}
    (tmp_path / "form" / "v1" / "version.json").write_text(json.dumps({
        "slug": "v1", "name": "V1", "description": "", "steps": [
            {"slug": "s", "name": "S", "description": "", "is_human": True, "required_certifications": [],
             "user_interface": {"slack": {"fields": [field, choice]}}}]}))
    _, found = validate_workflow_directory(tmp_path / "form")
    fields = "$.steps[0].user_interface.slack.fields"
    assert sorted((p.location, p.message) for p in found) == sorted([
        (f"{fields}[0].decimal", "Expected true or false"),
        (f"{fields}[0].min_value", "min_value (10) is greater than max_value (1)"),
        (f"{fields}[1].max_length", "Expected a whole number"),
        (f"{fields}[1].options[1].value", "Duplicate option value 'a' (also options[0])"),
        (f"{fields}[1].max_length", "Only text and long_text fields take max_length"),
    ])


def test_a_step_without_a_readable_slug_is_not_taken_for_a_missing_start_point(tmp_path: Path):
    (tmp_path / "noslug" / "v1").mkdir(parents=True)
    (tmp_path / "noslug" / "workflow.json").write_text(
        '{"slug": "noslug", "name": "No slug", "description": "", "certifications": []}')
    (tmp_path / "noslug" / "v1" / "version.json").write_text(json.dumps({
        "slug": "v1", "name": "V1", "description": "", "steps": [
            {"slug": None, "name": "First", "description": "", "is_human": True, "required_certifications": []},
            {"slug": "second", "name": "Second", "description": "", "is_human": True, "required_certifications": [],
             "creation_depends_on": ["first"]}]}))
    _, found = validate_workflow_directory(tmp_path / "noslug")
    assert [(p.location, p.message) for p in found] == [
        ("$.steps[0].slug", "Expected a string"),
        ("$.steps[1].creation_depends_on[0]", "second.creation_depends_on contains a non-existent slug."),
    ]


def test_a_step_that_does_not_parse_still_has_its_dotted_paths_checked(tmp_path: Path):
    """One pass lists everything: the typo in a step and the module it names that does not exist."""
    directory = tmp_path / "typos"
    (directory / "v1").mkdir(parents=True)
    (directory / "workflow.json").write_text('{"slug": "typos", "name": "n", "description": "d", "certifications": []}')
    (directory / "v1" / "version.json").write_text(json.dumps({"slug": "v1", "name": "n", "description": "d", "steps": [
        {"slug": "crawl", "name": "n", "description": "d", "is_human": False, "colour": "red",
         "execution_function": {"path": "nope.module.fn"}},
        {"slug": "rate", "name": "n", "description": "d", "creation_depends_on": ["crawl"], "review_policy": 3,
         "creation_policy": {"policy_function": {"path": "workflows.policies.always_create"}},
         "assignment_policy": {"policy_function": {"entry_level": {"path": "nope.policies.pick"}}}},
    ]}))
    workflow, found = validate_workflow_directory(directory)
    assert workflow is None
    paths = {(p.location, p.message) for p in found if "nope" in p.message}
    assert paths == {
        ("$.steps[0].execution_function.path", "'nope.module.fn' does not import: no module named 'nope'"),
        ("$.steps[1].assignment_policy.policy_function.entry_level.path",
         "'nope.policies.pick' does not import: no module named 'nope'"),
    }
    assert any(p.location == "$.steps[0].colour" for p in found)  # the typo is reported too
    assert any(p.location.startswith("$.steps[1].review_policy") for p in found)
