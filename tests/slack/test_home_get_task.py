""""Get a task" on Home: one button per certification and role, the best task, told the result, once per click."""

from __future__ import annotations

from handlers.slack.home import HomeListeners
from handlers.slack.services import SlackServices
from sandbox.driver import Sandbox
from store.enums import TaskStatus
from tests.slack.conftest import ServedTutti, SlackWorld
from tests.slack.home_support import assign, create, load_desk, load_open_step
from tests.support.world import ACTOR
from workflows import submission


def test_one_button_per_certification_and_role_plus_steps_needing_none(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    load_desk(slack_world)
    slack_world.worker("ann", "writer", workflow="desk", reviewer=("writer",))
    create(slack_world)
    create(slack_world)
    user = sandbox.as_user("UANN")
    user.open_home()
    home = user.home()
    assert home is not None
    buttons = [b["accessory"]["text"]["text"] for b in home.blocks
               if b.get("accessory", {}).get("action_id") == "task.next"]
    assert buttons == ["Get Writer task", "Get Writer review", "Get a task"]
    assert "*Writer* tasks · 2 available" in home.text
    assert "*Writer* reviews · none available now" in home.text


def test_get_a_task_assigns_the_highest_priority_task_and_says_so(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    load_desk(slack_world)
    ann = slack_world.worker("ann", "writer", workflow="desk")
    create(slack_world, priority=1, description="Low story")
    high = create(slack_world, priority=7, description="High story")
    user = sandbox.as_user("UANN")
    user.open_home()
    user.click("Get Writer task")
    modal = user.wait_for_modal("Get a task")
    assert "You got a new task" in modal.text and "High story" in modal.text
    assert slack_world.status(high, "write") is TaskStatus.PROCESSING
    assert [a.worker_id for a in slack_world.assignments(high, "write")] == [ann]
    user.close()
    home = user.home()
    assert home is not None
    assert "High story" in home.text[home.text.index("In progress"):]
    assert "*Writer* tasks · 1 available" in home.text


def test_nothing_available_is_said_plainly(slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    load_desk(slack_world)
    slack_world.worker("ann", "writer", workflow="desk", reviewer=("writer",))
    user = sandbox.as_user("UANN")
    user.open_home()
    user.click("Get Writer review")
    modal = user.wait_for_modal("Get a task")
    assert "No *Writer* reviews are available right now" in modal.text


def test_a_reviewer_gets_the_review_and_it_shows_in_progress(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    load_desk(slack_world)
    ann = slack_world.worker("ann", "writer", workflow="desk")
    rev = slack_world.worker("rev", "writer", workflow="desk", reviewer=("writer",))
    project = create(slack_world, description="Council budget")
    task = assign(slack_world, project, "write", ann)
    slack_world.run(submission.submit_task, task, ann, {}, actor=ACTOR)
    user = sandbox.as_user("UREV")
    user.open_home()
    user.click("Get Writer review")
    assert "You got a new review" in user.wait_for_modal("Get a task").text
    assert slack_world.status(project, "write") is TaskStatus.REVIEWING
    assert [a.worker_id for a in slack_world.assignments(project, "write")] == [ann, rev]
    home = user.home()
    assert home is not None
    opens = [e for b in home.blocks for e in [b.get("accessory") or {}, *b.get("elements", [])]
             if e.get("text", {}).get("text") == "Open"]
    assert opens and opens[0]["action_id"] == "review.open" and opens[0]["value"] == str(task)


def test_steps_without_certifications_are_offered_to_everyone(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    load_open_step(slack_world)
    nobody = slack_world.worker("nobody")
    project = create(slack_world, "open", description="Rate this image")
    user = sandbox.as_user("UNOBODY")
    user.open_home()
    assert "*Any step* (no certification needed) tasks · 1 available" in (user.home() or _none()).text
    user.click("Get a task")
    assert "Rate this image" in user.wait_for_modal("Get a task").text
    assert [a.worker_id for a in slack_world.assignments(project, "rate")] == [nobody]


def test_a_double_clicked_get_a_task_assigns_one_task(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    load_desk(slack_world)
    ann = slack_world.worker("ann", "writer", workflow="desk")
    first, second = create(slack_world), create(slack_world)
    user = sandbox.as_user("UANN")
    user.open_home()
    sandbox.faults.duplicate_next("interaction")
    outcome = user.click("Get Writer task")
    assert outcome.ok and outcome.answer is not None and outcome.answer.duplicate is not None
    sandbox.settle()
    mine = [p for p in (first, second) if [a.worker_id for a in slack_world.assignments(p, "write")] == [ann]]
    assert len(mine) == 1
    assert len(sandbox.calls("views.open")) == 1  # the second click is answered by the first one's result


def test_a_replayed_click_has_one_effect(slack_world: SlackWorld, sandbox: Sandbox) -> None:
    load_desk(slack_world)
    ann = slack_world.worker("ann", "writer", workflow="desk")
    projects = [create(slack_world) for _ in range(2)]
    listeners = HomeListeners(SlackServices(slack_world.tutti.database, "http://tutti.test", lambda: 0.5))
    body = {"user": {"id": "UANN"}, "trigger_id": sandbox.trigger_id("UANN"),
            "view": {"id": "VHOME", "hash": "1700000000.abc"},
            "actions": [{"action_id": "task.next", "value": "entry_level:writer", "action_ts": "1700000001.1"}]}
    acks: list[bool] = []
    for _ in range(2):  # Slack delivering the same interaction twice
        listeners.get_task(lambda *a, **k: acks.append(True), body, slack_world.tutti.slack_client)
    assert acks == [True, True]
    taken = [p for p in projects if slack_world.assignments(p, "write")]
    assert len(taken) == 1
    assert [a.worker_id for a in slack_world.assignments(taken[0], "write")] == [ann]
    assert len(sandbox.calls("views.open")) == 1


def _none() -> object:
    raise AssertionError("no Home published")
