"""A step's declared form: show paths, validation rules, and submit refusing incomplete work."""

from __future__ import annotations

from typing import Any

import pytest

from store.enums import TaskStatus
from tests.support.world import ACTOR, World, human
from workflows import assignment, submission
from workflows.definition import StepDef
from workflows.errors import FormErrors, ValidationError
from workflows.forms import show_context, show_values, validate


def step(*fields: dict[str, Any], show: list[dict[str, Any]] | None = None) -> StepDef:
    return StepDef.model_validate(human("work", user_interface={"slack": {"fields": list(fields), "show": show or []}}))


def field(key: str, kind: str, **keys: Any) -> dict[str, Any]:
    return {"key": key, "label": key.title(), "type": kind, **keys}


CONTEXT = show_context(
    {"id": 7, "short_description": "Floods", "priority": 3, "task_class": "real", "status": "Active"},
    {"url": "https://example.org", "nested": {"list": [1, 2]}},
    {"crawl": {"image": "https://example.org/a.png", "error_message": None}},
)


def test_show_values_resolve_dotted_paths_and_skip_missing_values() -> None:
    shown = show_values(step(show=[
        {"label": "Project", "path": "project.short_description"},
        {"label": "Page", "path": "project_data.url", "kind": "link"},
        {"label": "Image", "path": "prerequisites.crawl.image", "kind": "image"},
        {"label": "Problem", "path": "prerequisites.crawl.error_message"},
        {"label": "Absent", "path": "prerequisites.other.thing"},
        {"label": "Data", "path": "project_data.nested", "kind": "json"},
    ]), CONTEXT)
    assert shown == [
        ("Project", "text", "Floods"),
        ("Page", "link", "https://example.org"),
        ("Image", "image", "https://example.org/a.png"),
        ("Data", "json", {"list": [1, 2]}),
    ]


def test_a_step_without_fields_accepts_anything() -> None:
    assert validate(StepDef.model_validate(human("plain")), {"whatever": 1}) == {}


def test_required_fields_are_named_in_the_message() -> None:
    form = step(field("who", "text"), field("notes", "long_text", required=False), field("ok", "checkbox"),
                field("photos", "files"))
    assert validate(form, {"who": "   ", "notes": ""}) == {
        "who": "“Who” is required.",
        "ok": "Tick “Ok” to continue.",
        "photos": "Attach at least one file to “Photos”.",
    }


def test_text_lengths_are_checked() -> None:
    form = step(field("title", "text", min_length=3, max_length=5))
    assert validate(form, {"title": "ab"}) == {"title": "“Title” needs at least 3 characters (it has 2)."}
    assert validate(form, {"title": "abcdef"}) == {"title": "“Title” takes at most 5 characters (it has 6)."}
    assert validate(form, {"title": "abcd"}) == {}


@pytest.mark.parametrize(("value", "message"), [
    ("abc", "“Hours” must be a number."),
    ("1.5", "“Hours” must be a whole number."),
    (0, "“Hours” must be at least 1."),
    ("11", "“Hours” must be at most 10."),
    (True, "“Hours” must be a number."),
    ("4", None),
    (4, None),
])
def test_numbers_are_checked_for_kind_and_range(value: Any, message: str | None) -> None:
    form = step(field("hours", "number", min_value=1, max_value=10))
    assert validate(form, {"hours": value}).get("hours") == message


def test_decimal_numbers_accept_fractions() -> None:
    assert validate(step(field("rate", "number", decimal=True, max_value=1)), {"rate": "0.25"}) == {}


def test_choices_must_be_among_the_options() -> None:
    form = step(field("rating", "select", options=["a", "b"]), field("tags", "multi_select", options=["x", "y"]))
    assert validate(form, {"rating": "c", "tags": ["x", "z"]}) == {
        "rating": "Pick one of the choices offered for “Rating”: “a”, “b”.",
        "tags": "“Tags” has choices that are not offered: z (it offers: “x”, “y”).",
    }
    assert validate(form, {"rating": "a", "tags": ["x", "y"]}) == {}


def test_a_refused_choice_lists_the_choices_only_when_there_are_few() -> None:
    many = [f"option {n}" for n in range(11)]
    form = step(field("few", "select", options=many[:10]), field("many", "select", options=many))
    problems = validate(form, {"few": "other", "many": "other"})
    assert problems["few"].endswith("“option 8”, “option 9”.")
    assert problems["many"] == "Pick one of the choices offered for “Many”."


@pytest.mark.parametrize(("kind", "bad", "good"), [
    ("url", "example.org", "https://example.org/page"),
    ("email", "someone", "someone@example.org"),
    ("date", "2024-02-30", "2024-02-29"),
    ("user", "alice", "UALICE01"),
])
def test_formats_are_checked(kind: str, bad: str, good: str) -> None:
    form = step(field("value", kind))
    assert "Value" in validate(form, {"value": bad})["value"]
    assert validate(form, {"value": good}) == {}


def test_files_respect_max_files() -> None:
    form = step(field("photos", "files", max_files=2))
    three = [{"id": f"p/{n}.jpg", "name": f"{n}.jpg"} for n in range(3)]
    assert validate(form, {"photos": three}) == {"photos": "“Photos” takes at most 2 files (3 attached)."}
    assert validate(form, {"photos": three[:2]}) == {}
    assert validate(form, {"photos": [{"name": "no id"}]}) == {"photos": "“Photos” has an entry that is not a file."}


def test_submit_refuses_incomplete_work_with_every_problem_but_saving_a_draft_is_fine(world: World) -> None:
    world.load("forms", [human("write", user_interface={"slack": {"fields": [
        field("title", "text", max_length=5), field("body", "long_text")]}}, review_policy={"policy": "no_review"})])
    worker = world.worker("writer")
    project = world.create("forms")
    task = world.task_id(project, "write")
    world.run(assignment.assign_task, task, worker, actor=ACTOR)
    world.run(submission.save_task, task, worker, {"title": "too long"}, actor=ACTOR)
    with pytest.raises(FormErrors) as raised:
        world.run(submission.submit_task, task, worker, actor=ACTOR)  # the draft is what gets submitted
    assert isinstance(raised.value, ValidationError)
    assert raised.value.field_errors == {"title": "“Title” takes at most 5 characters (it has 8).",
                                         "body": "“Body” is required."}
    assert "“Title” takes at most 5" in raised.value.message
    assert world.status(project, "write") is TaskStatus.PROCESSING
    world.run(submission.submit_task, task, worker, {"title": "Short", "body": "Text"}, actor=ACTOR)
    assert world.status(project, "write") is TaskStatus.COMPLETE


def test_reviewers_accept_and_return_without_the_form_being_checked(world: World) -> None:
    world.load("forms", [human("write", user_interface={"slack": {"fields": [field("body", "long_text")]}},
                               review_policy={"policy": "sampled_review", "rate": 1, "max_reviews": 1})])
    author, reviewer = world.worker("author"), world.worker("reviewer")
    project = world.create("forms")
    task = world.task_id(project, "write")
    world.run(assignment.assign_task, task, author, actor=ACTOR)
    world.run(submission.submit_task, task, author, {"body": "Text"}, actor=ACTOR)
    world.run(assignment.assign_task, task, reviewer, actor=ACTOR)
    world.run(submission.return_task, task, reviewer, "Shorter", {"body": ""}, actor=ACTOR)
    with pytest.raises(FormErrors):
        world.run(submission.submit_task, task, author, actor=ACTOR)  # the fix is checked again
    world.run(submission.submit_task, task, author, {"body": "Better"}, actor=ACTOR)
    world.run(submission.accept_task, task, reviewer, {"body": ""}, actor=ACTOR)
    assert world.status(project, "write") is TaskStatus.COMPLETE
