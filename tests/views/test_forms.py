"""Form builders: exact Block Kit for each field type, reading state back, and Slack's limits by construction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sandbox.blockkit import validate_view
from store.enums import AssignmentStatus, IterationStatus, TaskStatus
from tests.support.world import human
from views.forms import form_blocks, input_block, read_state, show_blocks, submitted_blocks
from views.review_modal import review_modal
from views.task_modal import parse_metadata, task_modal
from workflows.definition import FormField, StepDef
from workflows.worksheet import Round, Worksheet


def field(key: str, kind: str, **keys: Any) -> FormField:
    return FormField.model_validate({"key": key, "label": key.title(), "type": kind, **keys})


def step(*fields: FormField, show: list[dict[str, Any]] | None = None) -> StepDef:
    return StepDef.model_validate(human("work", user_interface={"slack": {
        "fields": [f.model_dump(exclude_defaults=True) for f in fields], "show": show or []}}))


def sheet(form: StepDef, *, draft: dict[str, Any] | None = None, shown: list[Any] | None = None,
          status: TaskStatus = TaskStatus.PROCESSING) -> Worksheet:
    return Worksheet(task_id=5, project_id=2, project_description="Floods", step=form, status=status,
                     shown=shown or [], rounds=[], my_assignment_id=9, my_counter=0,
                     my_status=AssignmentStatus.PROCESSING, draft=draft or {}, under_review=draft or {},
                     timer_here=False, timer_elsewhere=False, can_take_review=False, take_refusal=None,
                     version="abc")


def test_a_required_long_text_is_a_multiline_input_prefilled_from_the_draft() -> None:
    block = input_block(field("article", "long_text", max_length=500, min_length=10, hint="All of it",
                              placeholder="Write"), "Draft text")
    assert block == {
        "type": "input", "block_id": "article", "optional": False,
        "label": {"type": "plain_text", "text": "Article", "emoji": True},
        "hint": {"type": "plain_text", "text": "All of it", "emoji": True},
        "element": {"type": "plain_text_input", "action_id": "form.value", "multiline": True, "min_length": 10,
                    "max_length": 500, "initial_value": "Draft text",
                    "placeholder": {"type": "plain_text", "text": "Write", "emoji": True}},
    }


def test_each_field_type_gets_its_slack_element() -> None:
    kinds = {
        "text": "plain_text_input", "number": "number_input", "date": "datepicker", "url": "url_text_input",
        "email": "email_text_input", "user": "users_select", "files": "file_input", "checkbox": "checkboxes",
    }
    for kind, element in kinds.items():
        assert input_block(field("value", kind), None)["element"]["type"] == element
    select = input_block(field("pick", "select", options=["a", "b"], required=False), "b")
    assert select["optional"] is True
    assert select["element"]["type"] == "static_select"
    assert select["element"]["initial_option"] == {"text": {"type": "plain_text", "text": "b", "emoji": True},
                                                   "value": "b"}
    multi = input_block(field("tags", "multi_select", options=["x", "y"]), ["y"])["element"]
    assert multi["type"] == "multi_static_select" and [o["value"] for o in multi["initial_options"]] == ["y"]
    number = input_block(field("hours", "number", decimal=True, min_value=0, max_value=8.5), 2.5)["element"]
    assert number == {"type": "number_input", "action_id": "form.value", "is_decimal_allowed": True,
                      "min_value": "0", "max_value": "8.5", "initial_value": "2.5"}
    files = input_block(field("photos", "files", max_files=3), [{"id": "p/a.jpg", "name": "a.jpg"}])
    assert files["element"] == {"type": "file_input", "action_id": "form.value", "max_files": 3}
    assert files["optional"] is True  # files attached before count
    assert "Already attached: a.jpg" in files["hint"]["text"]
    assert input_block(field("ok", "checkbox"), True)["element"]["initial_options"][0]["value"] == "yes"
    assert input_block(field("day", "date"), "2024-05-01")["element"]["initial_date"] == "2024-05-01"


def test_state_values_read_back_into_task_data() -> None:
    form = step(field("title", "text"), field("hours", "number"), field("pick", "select", options=["a"]),
                field("tags", "multi_select", options=["x", "y"]), field("day", "date"), field("who", "user"),
                field("photos", "files"), field("ok", "checkbox"), field("bad", "number"))
    slack_file = {"id": "F1", "name": "a.jpg", "url_private": "https://files/a.jpg"}
    values = {
        "title": {"form.value": {"type": "plain_text_input", "value": "Hello"}},
        "hours": {"form.value": {"type": "number_input", "value": "3"}},
        "pick": {"form.value": {"type": "static_select", "selected_option": {"value": "a"}}},
        "tags": {"form.value": {"type": "multi_static_select", "selected_options": [{"value": "y"}]}},
        "day": {"form.value": {"type": "datepicker", "selected_date": "2024-05-01"}},
        "who": {"form.value": {"type": "users_select", "selected_user": "U123"}},
        "photos": {"form.value": {"type": "file_input", "files": [slack_file]}},
        "ok": {"form.value": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}},
        "bad": {"form.value": {"type": "number_input", "value": "abc"}},
    }
    assert read_state(form, values) == {"title": "Hello", "hours": 3, "pick": "a", "tags": ["y"],
                                        "day": "2024-05-01", "who": "U123", "photos": [slack_file], "ok": True,
                                        "bad": "abc"}


def test_show_items_render_as_text_links_images_and_code() -> None:
    blocks = show_blocks([("Who", "text", "<b>Mayor</b> & co"), ("Page", "link", "https://e.org/x"),
                          ("Image", "image", "https://e.org/a.png"), ("Data", "json", {"a": 1}),
                          ("Photos", "images", [f"https://e.org/{n}.png" for n in range(12)])], budget=100)
    assert blocks[0]["text"]["text"] == "*Who*\n&lt;b&gt;Mayor&lt;/b&gt; &amp; co"
    assert blocks[1]["text"]["text"] == "*Page*\n<https://e.org/x|https://e.org/x>"
    assert blocks[2] == {"type": "image", "image_url": "https://e.org/a.png", "alt_text": "Image",
                         "title": {"type": "plain_text", "text": "Image", "emoji": True}}
    assert blocks[3]["text"]["text"] == '*Data*\n```{\n  "a": 1\n}```'
    images = [b for b in blocks[4:] if b["type"] == "image"]
    assert len(images) == 10 and "2 more image(s)" in blocks[-1]["elements"][0]["text"]


def test_the_task_modal_stays_within_slacks_limits_however_much_there_is_to_show() -> None:
    form = step(*(field(f"f{n}", "long_text") for n in range(10)))
    shown = [(f"Item {n}", "text", "x" * 5000) for n in range(200)]
    view = task_modal(sheet(form, shown=shown, draft={"f0": "y" * 4000}))
    assert validate_view(view) == []  # size as well as counts
    assert "more items not shown here" in view["blocks"][-13]["elements"][0]["text"]
    many = task_modal(sheet(form, shown=[(f"Item {n}", "text", "short") for n in range(200)]))
    assert validate_view(many) == [] and len(many["blocks"]) == 100
    assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"] == [f"f{n}" for n in range(10)]
    assert parse_metadata(view["private_metadata"]) == (5, "abc")
    assert view["submit"]["text"] == "Submit"


def test_the_review_modal_shows_the_submitted_values_read_only_within_limits() -> None:
    form = step(field("article", "long_text"), field("photos", "files"), field("site", "url"))
    data = {"article": "Text " * 1000, "site": "https://e.org",
            "photos": [{"id": f"p/{n}.jpg", "name": f"{n}.jpg", "url": f"https://f/{n}.jpg",
                        "content_type": "image/jpeg"} for n in range(12)]}
    rounds = [Round(n % 2, "Riley", "UR", datetime(2024, 1, 1, tzinfo=UTC), None, IterationStatus.PROVIDED_REVIEW,
                    "Fix " * 2000) for n in range(30)]
    review = sheet(form, draft=data, status=TaskStatus.REVIEWING)
    review = Worksheet(**{**review.__dict__, "rounds": rounds, "my_counter": 1})
    view = review_modal(review)
    assert validate_view(view) == []
    assert not any(b["type"] == "input" for b in view["blocks"])
    assert [e["text"]["text"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]] == [
        "Accept", "Return"]
    assert sum(b["type"] == "image" for b in view["blocks"]) == 10
    assert "20 earlier rounds not shown" in str(view["blocks"])
    blocks = submitted_blocks(form, data, budget=3)
    assert len(blocks) == 3 and "not shown here" in blocks[-1]["elements"][0]["text"]


def test_form_blocks_follow_the_fields_order() -> None:
    form = step(field("b", "text"), field("a", "text", required=False))
    assert [(b["block_id"], b["optional"]) for b in form_blocks(form, {})] == [("b", False), ("a", True)]


def test_numbers_are_shown_in_full_never_rounded_or_in_exponent_form() -> None:
    amount = input_block(field("amount", "number", decimal=True), 12345.67)["element"]
    assert amount["initial_value"] == "12345.67"
    count = input_block(field("count", "number", min_value=0, max_value=10000000), 1234567)["element"]
    assert (count["min_value"], count["max_value"], count["initial_value"]) == ("0", "10000000", "1234567")
    tiny = input_block(field("rate", "number", decimal=True, max_value=1e9), 0.0000001)["element"]
    assert (tiny["max_value"], tiny["initial_value"]) == ("1000000000", "0.0000001")


def test_the_review_modal_keeps_accept_and_return_however_many_fields_were_submitted() -> None:
    form = step(*(field(f"f{n}", "text") for n in range(120)))
    review = sheet(form, draft={f"f{n}": "v" for n in range(120)}, status=TaskStatus.REVIEWING)
    rounds = [Round(0, "Riley", "UA", datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC),
                    IterationStatus.REQUESTED_REVIEW, None),
              Round(1, "Robin", "UR", datetime(2024, 1, 2, tzinfo=UTC), None, IterationStatus.PROCESSING, None)]
    view = review_modal(Worksheet(**{**review.__dict__, "rounds": rounds, "my_counter": 1}))
    assert validate_view(view) == [] and len(view["blocks"]) == 100
    assert view["blocks"][-1]["type"] == "actions"
    assert [e["text"]["text"] for e in view["blocks"][-1]["elements"]] == ["Accept", "Return"]
