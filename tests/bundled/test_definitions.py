"""The bundled workflow definitions: Orchestra's format and content, importable functions, tidy Slack forms."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

from workflows.bundled import BUNDLED_DIR, bundled_workflow_dirs

FIELD_TYPES = {
    "text",
    "long_text",
    "number",
    "select",
    "multi_select",
    "date",
    "url",
    "email",
    "user",
    "files",
    "checkbox",
}
SHOW_KINDS = {"text", "link", "image", "images", "json"}
RATINGS = [
    "1: This image is very not awesome",
    "2: This image is slightly not awesome",
    "3: This image is neither awesome nor not awesome",
    "4: This image is slightly awesome",
    "5: This image is very awesome",
]
SAMPLED_ONCE = {"policy": "sampled_review", "rate": 1, "max_reviews": 1}
NO_REVIEW = {"policy": "no_review"}


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def _workflow(name: str) -> dict[str, Any]:
    return _load(BUNDLED_DIR / name / "workflow.json")


def _version(name: str) -> dict[str, Any]:
    return _load(BUNDLED_DIR / name / "v1" / "version.json")


def _steps(name: str) -> dict[str, dict[str, Any]]:
    return {step["slug"]: step for step in _version(name)["steps"]}


def _function_paths(workflow: dict[str, Any], version: dict[str, Any]) -> list[str]:
    """Every dotted function path a definition names (Slack `show` paths are data paths, not functions)."""
    specs: list[Any] = [workflow.get("sample_data_load_function")]
    specs += [version.get("abort_completion_function")]
    specs += [version.get("sanity_checks", {}).get("sanity_check_function")]
    for step in version["steps"]:
        specs += [step.get(key) for key in step if key.endswith("_function")]
        specs += [step.get("creation_policy", {}).get("policy_function")]
        specs += list(step.get("assignment_policy", {}).get("policy_function", {}).values())
    return [spec["path"] for spec in specs if spec]


def _prerequisite_slugs(steps: dict[str, dict[str, Any]], slug: str) -> set[str]:
    found: set[str] = set()
    pending = list(steps[slug].get("creation_depends_on", []))
    while pending:
        current = pending.pop()
        if current not in found:
            found.add(current)
            pending += steps[current].get("creation_depends_on", [])
    return found


def test_the_bundled_directory_lists_both_workflows() -> None:
    assert [path.name for path in bundled_workflow_dirs()] == ["journalism", "simple_workflow"]
    assert all((path / "v1" / "version.json").is_file() for path in bundled_workflow_dirs())


@pytest.mark.parametrize("directory", bundled_workflow_dirs(), ids=lambda p: p.name)
def test_every_function_path_in_a_bundled_workflow_imports_and_is_callable(directory: Path) -> None:
    paths = _function_paths(_load(directory / "workflow.json"), _load(directory / "v1" / "version.json"))
    assert paths, "a bundled workflow names at least its sample data loader"
    for path in paths:
        module_name, _, attribute = path.rpartition(".")
        assert path.startswith(("workflows.bundled.", "workflows.policies."))
        assert callable(getattr(importlib.import_module(module_name), attribute)), path


@pytest.mark.parametrize("directory", bundled_workflow_dirs(), ids=lambda p: p.name)
def test_human_steps_declare_only_a_slack_interface_with_known_types_and_reachable_paths(directory: Path) -> None:
    version = _load(directory / "v1" / "version.json")
    steps = {step["slug"]: step for step in version["steps"]}
    for slug, step in steps.items():
        if not step.get("is_human", True):
            assert "user_interface" not in step and "review_policy" not in step
            assert not step.get("required_certifications")
            continue
        ui = step["user_interface"]
        assert list(ui) == ["slack"], f"{slug} keeps only the Slack interface"
        prerequisites = _prerequisite_slugs(steps, slug)
        for item in ui["slack"]["show"]:
            assert set(item) == {"label", "path", "kind"} and item["kind"] in SHOW_KINDS
            root, _, rest = item["path"].partition(".")
            if root == "prerequisites":
                assert rest.split(".")[0] in prerequisites, f"{slug} shows {item['path']}"
            else:
                assert item["path"] == "project.short_description" or root == "project_data"
        keys = [field["key"] for field in ui["slack"]["fields"]]
        assert len(keys) == len(set(keys)), f"{slug} has duplicate field keys"
        for field in ui["slack"]["fields"]:
            assert field["type"] in FIELD_TYPES
            assert isinstance(field["required"], bool) and field["label"] and field["hint"]


def test_simple_workflow_matches_orchestras() -> None:
    workflow = _workflow("simple_workflow")
    assert (workflow["slug"], workflow["name"], workflow["description"]) == (
        "simple_workflow",
        "Simple Workflow",
        "Crawl a web page for an image and rate it.",
    )
    assert workflow["certifications"] == []
    version = _version("simple_workflow")
    assert (version["slug"], version["name"], version["description"]) == (
        "v1",
        "Simple Workflow Version 1",
        "Crawl a web page for an image and rate it.",
    )
    crawl, rate = _version("simple_workflow")["steps"]
    assert (crawl["slug"], crawl["name"], crawl["description"], crawl["is_human"]) == (
        "crawl",
        "Web Crawling",
        "Find an awesome image on a website.",
        False,
    )
    assert crawl["execution_function"] == {"path": "workflows.bundled.simple_workflow.v1.crawl.crawl_page"}
    assert (rate["slug"], rate["name"], rate["description"], rate["is_human"]) == (
        "rate",
        "Image Rating",
        "Rate the image that we found.",
        True,
    )
    assert rate["creation_depends_on"] == ["crawl"]
    assert rate.get("required_certifications", []) == []
    assert rate["review_policy"] == NO_REVIEW


def test_rating_form_shows_the_crawled_image_and_offers_orchestras_five_ratings() -> None:
    slack = _steps("simple_workflow")["rate"]["user_interface"]["slack"]
    assert {"label": "Image", "path": "prerequisites.crawl.image", "kind": "image"} in slack["show"]
    (rating,) = slack["fields"]
    assert (rating["key"], rating["type"], rating["required"]) == ("rating", "select", True)
    assert [option["value"] for option in rating["options"]] == RATINGS


def test_journalism_workflow_has_orchestras_four_certifications() -> None:
    workflow = _workflow("journalism")
    assert (workflow["slug"], workflow["name"], workflow["description"]) == (
        "journalism",
        "Journalism Workflow",
        "Create polished newspaper articles from scratch.",
    )
    assert [(c["slug"], c["name"], c["description"]) for c in workflow["certifications"]] == [
        ("editor", "Editor", "Trained in planning story ideas"),
        ("reporter", "Reporter", "Trained in researching and writing articles"),
        ("photographer", "Photographer", "Trained in taking photos for articles"),
        ("copy_editor", "Copy Editor", "Trained in assembling photos and text into article layout"),
    ]
    assert all(not c.get("required_certifications") for c in workflow["certifications"])


def test_journalism_steps_match_orchestras_names_dependencies_certifications_and_reviews() -> None:
    version = _version("journalism")
    assert (version["slug"], version["name"], version["description"]) == (
        "v1",
        "Journalism Workflow Version 1",
        "Create polished newspaper articles from scratch.",
    )
    expected = [
        (
            "document_creation",
            "Document Creation",
            "Create google documents for the project in the relevant folder.",
            False,
            [],
            [],
            None,
        ),
        (
            "article_planning",
            "Article Planning",
            "Plan out the high-level idea for the story.",
            True,
            ["document_creation"],
            ["editor"],
            NO_REVIEW,
        ),
        (
            "reporting",
            "Reporting",
            "Research and draft the article text",
            True,
            ["article_planning"],
            ["reporter"],
            SAMPLED_ONCE,
        ),
        (
            "photography",
            "Photography",
            "Take and edit photos to accompany the article.",
            True,
            ["article_planning"],
            ["photographer"],
            SAMPLED_ONCE,
        ),
        (
            "photo_adjustment",
            "Photo Adjustment",
            "Automatically crop and rescale images",
            False,
            ["photography"],
            [],
            None,
        ),
        (
            "copy_editing",
            "Copy Editing",
            "caption photos and generate a headline for the story.",
            True,
            ["photo_adjustment", "reporting"],
            ["copy_editor"],
            NO_REVIEW,
        ),
    ]
    actual = [
        (
            s["slug"],
            s["name"],
            s["description"],
            s["is_human"],
            s.get("creation_depends_on", []),
            s.get("required_certifications", []),
            s.get("review_policy"),
        )
        for s in version["steps"]
    ]
    assert actual == expected
    assert not any(s.get("completion_ends_project") for s in version["steps"])
    assert not any("assignment_policy" in s or "creation_policy" in s for s in version["steps"])


def _fields(step: str) -> dict[str, dict[str, Any]]:
    return {f["key"]: f for f in _steps("journalism")[step]["user_interface"]["slack"]["fields"]}


def _shown(step: str) -> dict[str, str]:
    return {s["path"]: s["kind"] for s in _steps("journalism")[step]["user_interface"]["slack"]["show"]}


def test_journalism_forms_ask_each_expert_for_their_part() -> None:
    planning = _fields("article_planning")
    assert list(planning) == ["who", "what", "when", "where", "notes"]
    for key in ("who", "what", "when", "where"):
        assert planning[key]["type"] == "text" and planning[key]["required"]
    assert planning["notes"]["type"] == "long_text" and not planning["notes"]["required"]

    reporting = _fields("reporting")
    assert list(reporting) == ["article", "notes"]
    assert reporting["article"]["type"] == "long_text" and reporting["article"]["required"]
    assert _shown("reporting")["prerequisites.document_creation.articleURL"] == "link"
    assert _shown("reporting")["prerequisites.article_planning.who"] == "text"

    photography = _fields("photography")
    assert list(photography) == ["photos", "notes"]
    assert photography["photos"]["type"] == "files" and photography["photos"]["required"]
    assert photography["photos"]["max_files"] == 10
    assert _shown("photography")["prerequisites.article_planning.what"] == "text"

    copy_editing = _fields("copy_editing")
    assert list(copy_editing) == ["headline", "captions"]
    assert copy_editing["headline"]["type"] == "text" and copy_editing["headline"]["required"]
    assert copy_editing["captions"]["type"] == "long_text" and copy_editing["captions"]["required"]
    assert copy_editing["captions"]["hint"] == "One caption per line, in the order of the photos"
    assert _shown("copy_editing")["prerequisites.photo_adjustment.photos_for_caption"] == "images"
    assert _shown("copy_editing")["prerequisites.document_creation.articleURL"] == "link"


def test_sample_data_loaders_are_named_by_each_workflow() -> None:
    assert _workflow("simple_workflow")["sample_data_load_function"] == {
        "path": "workflows.bundled.simple_workflow.load_sample_data.load"
    }
    assert _workflow("journalism")["sample_data_load_function"] == {
        "path": "workflows.bundled.journalism.load_sample_data.load"
    }


@pytest.mark.parametrize("directory", bundled_workflow_dirs(), ids=lambda p: p.name)
def test_each_bundled_version_parses_with_the_engines_definition_models(directory: Path) -> None:
    definition = pytest.importorskip("workflows.definition")
    version = definition.VersionDef.from_json((directory / "v1" / "version.json").read_text())
    raw = _load(directory / "v1" / "version.json")
    assert [step.slug for step in version.steps] == [step["slug"] for step in raw["steps"]]
    for step, raw_step in zip(version.steps, raw["steps"], strict=True):
        if raw_step.get("is_human", True):
            assert step.slack_ui is not None
            assert [field.key for field in step.slack_ui.fields] == [
                field["key"] for field in raw_step["user_interface"]["slack"]["fields"]
            ]
