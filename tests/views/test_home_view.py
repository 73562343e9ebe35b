"""The Home view as a pure function of a dashboard: sections, buttons, ids and the 100-block limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from store.enums import Role
from views.home import MAX_BLOCKS, home_view, parse_qualification, qualification_value
from views.ids import Action
from workflows.dashboard import Dashboard, DashboardItem, OpenAs, Qualification, RunningTimer, Section

NOW = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)


def item(task_id: int, section: Section, **kwargs: object) -> DashboardItem:
    defaults: dict[str, object] = dict(
        task_id=task_id, assignment_id=task_id, project_id=task_id, project_description=f"Project {task_id} text",
        step_name="Write", priority=1, section=section, open_as=OpenAs.WORK, since=NOW - timedelta(hours=3),
    )
    defaults.update(kwargs)
    return DashboardItem(**defaults)  # type: ignore[arg-type]


def dashboard(*items: DashboardItem, timer: RunningTimer | None = None,
              qualifications: tuple[Qualification, ...] = ()) -> Dashboard:
    return Dashboard("UANN", 1, "Ann", tuple(items), qualifications, timer)


def buttons(view: dict[str, object]) -> list[dict[str, object]]:
    found = []
    for block in view["blocks"]:  # type: ignore[attr-defined]
        if block.get("accessory"):
            found.append(block["accessory"])
        found.extend(block.get("elements", []) if block["type"] == "actions" else [])
    return found


def text_of(view: dict[str, object]) -> str:
    parts = []
    for block in view["blocks"]:  # type: ignore[attr-defined]
        text = block.get("text")
        parts.append(text["text"] if isinstance(text, dict) else "")
        parts.extend(e.get("text", "") for e in block.get("elements", []) if isinstance(e.get("text"), str))
    return "\n".join(parts)


def test_a_non_expert_gets_a_polite_message_and_no_buttons() -> None:
    view = home_view(Dashboard("UX", None, None), now=NOW)
    assert view["type"] == "home"
    assert "not set up as a Tutti expert" in text_of(view)
    assert buttons(view) == []


def test_returned_work_comes_first_with_the_feedback_quoted() -> None:
    view = home_view(dashboard(
        item(1, Section.RETURNED, feedback="Tighter lede.\nCheck the quote.", is_processing=True),
        item(2, Section.IN_PROGRESS, is_processing=True),
    ), now=NOW)
    text = text_of(view)
    assert text.index("Returned to you") < text.index("In progress")
    assert "> Tighter lede.\n> Check the quote." in text
    assert "returned <!date^" in text and "(3 h ago)" in text
    opens = [b for b in buttons(view) if b["text"]["text"] == "Open"]  # type: ignore[index]
    assert [(b["action_id"], b["value"]) for b in opens] == [(Action.TASK_OPEN, "1"), (Action.TASK_OPEN, "2")]


def test_reviews_open_the_review_modal_and_work_the_task_modal() -> None:
    view = home_view(dashboard(
        item(3, Section.AVAILABLE_REVIEW, open_as=OpenAs.REVIEW, assignment_id=None),
        item(4, Section.AWAITING_REVIEW),
        item(5, Section.COMPLETE, open_as=OpenAs.REVIEW),
    ), now=NOW)
    opens = {b["value"]: b["action_id"] for b in buttons(view) if b["text"]["text"] == "Open"}  # type: ignore[index]
    assert opens == {"3": Action.REVIEW_OPEN, "4": Action.TASK_OPEN, "5": Action.REVIEW_OPEN}
    text = text_of(view)
    for title in ("Reviews you can take", "Waiting for review", "Recently completed"):
        assert title in text


def test_the_running_timer_shows_with_stop_and_hides_start_buttons() -> None:
    started = NOW - timedelta(minutes=75)
    view = home_view(dashboard(item(1, Section.IN_PROGRESS, is_processing=True),
                               timer=RunningTimer(started, "Write · Floods", 1)), now=NOW)
    text = text_of(view)
    assert "Timer running* on Write · Floods" in text and "1:15 so far" in text
    actions = [b["action_id"] for b in buttons(view)]
    assert Action.TIMER_STOP in actions and Action.TIMER_START not in actions
    idle = home_view(dashboard(item(1, Section.IN_PROGRESS, is_processing=True)), now=NOW)
    start = [b for b in buttons(idle) if b["action_id"] == Action.TIMER_START]
    assert [b["value"] for b in start] == ["1"]
    assert Action.TIMECARD_OPEN in [b["action_id"] for b in buttons(idle)]


def test_get_a_task_buttons_carry_certification_and_role() -> None:
    quals = (Qualification("editor", "Editor", Role.ENTRY_LEVEL, 3),
             Qualification("editor", "Editor", Role.REVIEWER, 0),
             Qualification(None, "Any step", Role.ENTRY_LEVEL, 1))
    view = home_view(dashboard(qualifications=quals), now=NOW)
    got = [(b["text"]["text"], b["value"]) for b in buttons(view) if b["action_id"] == Action.TASK_NEXT]  # type: ignore[index]
    assert got == [("Get Editor task", "entry_level:editor"), ("Get Editor review", "reviewer:editor"),
                   ("Get a task", "entry_level:")]
    assert [parse_qualification(qualification_value(q)) for q in quals] == [
        ("editor", Role.ENTRY_LEVEL), ("editor", Role.REVIEWER), (None, Role.ENTRY_LEVEL)]
    assert "3 available" in text_of(view) and "none available now" in text_of(view)


def test_many_items_are_paged_within_100_blocks_and_every_item_appears_once() -> None:
    quals = tuple(Qualification(f"c{n}", f"Cert {n}", Role.ENTRY_LEVEL, n) for n in range(30))
    items = [item(n, Section.IN_PROGRESS, is_processing=True) for n in range(1, 120)]
    items += [item(n, Section.COMPLETE) for n in range(200, 210)]
    board = dashboard(*items, qualifications=quals)
    seen: list[str] = []
    page = 0
    while True:
        view = home_view(board, page=page, notice="A notice", now=NOW)
        assert len(view["blocks"]) <= MAX_BLOCKS
        assert len({b["block_id"] for b in view["blocks"] if "block_id" in b}) == len(
            [b for b in view["blocks"] if "block_id" in b])
        seen.extend(b["value"] for b in buttons(view) if b["action_id"] == Action.TASK_OPEN)  # type: ignore[misc]
        nav = {b["action_id"]: b["value"] for b in buttons(view) if b["action_id"] in (Action.HOME_PAGE,
                                                                                      Action.HOME_PAGE_BACK)}
        if page > 0:
            assert nav[Action.HOME_PAGE_BACK] == str(page - 1)
        if Action.HOME_PAGE not in nav:
            break
        assert nav[Action.HOME_PAGE] == str(page + 1)
        page += 1
    assert sorted(seen, key=int) == [str(i.task_id) for i in items]
    beyond = home_view(board, page=page + 5, now=NOW)  # a stale page number shows the last page
    assert beyond["blocks"][-1] == home_view(board, page=page, now=NOW)["blocks"][-1]


def test_long_texts_are_cut_to_block_kit_limits() -> None:
    view = home_view(dashboard(item(1, Section.RETURNED, project_description="x" * 5000, feedback="y" * 9000,
                                    step_name="s" * 200)), now=NOW)
    for block in view["blocks"]:
        text = block.get("text")
        if isinstance(text, dict):
            assert len(text["text"]) <= 3000
