"""The Home tab, published when an expert opens it."""

from __future__ import annotations

from typing import Any

from sandbox.driver import Sandbox
from tests.slack.conftest import ServedTutti, SlackWorld
from tests.support.world import ACTOR
from workflows import assignment
from workflows.workers import find_worker


def test_opening_home_shows_the_experts_work(slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    slack_world.load_bundled()
    project = slack_world.create("journalism")
    editor = slack_world.run(lambda s: find_worker(s, "journalism-editor").id)
    slack_world.run(assignment.assign_task, slack_world.task_id(project, "article_planning"), editor, actor=ACTOR)
    alice = sandbox.as_user("UJEDITOR01")
    alice.open_home()
    home = alice.home()
    assert home is not None
    assert "In progress" in home.text
    assert "Article Planning" in home.text


# --- sections -------------------------------------------------------------------------------------------

from store.enums import TaskStatus  # noqa: E402
from tests.slack.home_support import assign, create, load_desk, load_open_step  # noqa: E402
from workflows import projects, submission  # noqa: E402


def section_of(text: str, title: str, titles: tuple[str, ...] = (
        "Returned to you", "In progress", "Waiting for review", "Reviews you can take", "Paused projects",
        "Recently completed")) -> str:
    """The text of one Home section (up to the next section title)."""
    start = text.index(title)
    ends = [text.index(t, start + 1) for t in titles if t != title and t in text[start + 1:]]
    return text[start:min(ends, default=len(text))]


def test_a_non_expert_is_told_politely(slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    admin = sandbox.as_user("UADMIN0001")
    admin.open_home()
    home = admin.home()
    assert home is not None
    assert "not set up as a Tutti expert" in home.text
    assert "Get a task" not in home.text


def test_a_return_by_the_reviewer_puts_the_work_first_on_the_authors_home_with_the_feedback(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    load_desk(slack_world)
    ann = slack_world.worker("ann", "writer", workflow="desk")
    rev = slack_world.worker("rev", "writer", workflow="desk", reviewer=("writer",))
    other = create(slack_world, description="Other story")
    assign(slack_world, other, "write", ann)
    project = create(slack_world, priority=3, description="Floods downtown")
    task = assign(slack_world, project, "write", ann)
    slack_world.run(submission.submit_task, task, ann, {}, actor=ACTOR)
    slack_world.run(assignment.assign_task, task, rev, actor=ACTOR)
    author = sandbox.as_user("UANN")
    author.open_home()
    before = author.home()
    assert before is not None and "Waiting for review" in before.text and "Returned to you" not in before.text

    slack_world.run(submission.return_task, task, rev, "Needs a stronger lede.", actor=ACTOR)
    slack_world.settle()  # the refresh job republishes the Homes of the people on the task

    home = author.home()
    assert home is not None
    returned = section_of(home.text, "Returned to you")
    assert "Floods downtown" in returned and "Needs a stronger lede." in returned
    assert home.text.index("Returned to you") < home.text.index("In progress")
    assert "Other story" in section_of(home.text, "In progress")
    reviewer = sandbox.as_user("UREV")
    reviewer_home = reviewer.home()
    assert reviewer_home is not None
    assert "waiting for the author" in section_of(reviewer_home.text, "Waiting for review")


def test_reviews_you_can_take_lists_pending_reviews_you_qualify_for(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    load_desk(slack_world)
    ann = slack_world.worker("ann", "writer", workflow="desk", reviewer=("writer",))
    slack_world.worker("rev", "writer", workflow="desk", reviewer=("writer",))
    slack_world.worker("newbie", "writer", workflow="desk")
    task = assign(slack_world, create(slack_world, description="Budget vote"), "write", ann)
    slack_world.run(submission.submit_task, task, ann, {}, actor=ACTOR)

    reviewer = sandbox.as_user("UREV")
    reviewer.open_home()
    home = reviewer.home()
    assert home is not None and "Budget vote" in section_of(home.text, "Reviews you can take")
    assert "*Writer* reviews · 1 available" in home.text
    review_buttons = [b for b in home.blocks if b.get("accessory", {}).get("action_id") == "review.open"]
    assert [b["accessory"]["value"] for b in review_buttons] == [str(task)]

    author = sandbox.as_user("UANN")  # on the task already: not offered their own work
    author.open_home()
    assert "Reviews you can take" not in (author.home() or before_none()).text
    newbie = sandbox.as_user("UNEWBIE")  # entry level only
    newbie.open_home()
    assert "Reviews you can take" not in (newbie.home() or before_none()).text


def before_none() -> Any:
    raise AssertionError("no Home published")


def test_completed_and_paused_work_have_their_sections(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    load_open_step(slack_world)
    ann = slack_world.worker("ann")
    done = create(slack_world, "open", description="Sunset photo")
    task = assign(slack_world, done, "rate", ann)
    slack_world.run(submission.submit_task, task, ann, {}, actor=ACTOR)
    assert slack_world.status(done, "rate") is TaskStatus.COMPLETE
    paused = create(slack_world, "open", description="Harbour photo")
    assign(slack_world, paused, "rate", ann)
    slack_world.run(projects.pause_project, paused, actor=ACTOR)

    user = sandbox.as_user("UANN")
    user.open_home()
    home = user.home()
    assert home is not None
    assert "Sunset photo" in section_of(home.text, "Recently completed")
    assert "Harbour photo" in section_of(home.text, "Paused projects")
    assert "In progress" not in home.text
    slack_world.run(projects.resume_project, paused, actor=ACTOR)
    slack_world.settle()  # project.status_changed refreshes the team's Homes
    home = user.home()
    assert home is not None and "Harbour photo" in section_of(home.text, "In progress")


def test_a_reassignment_refreshes_both_the_old_and_the_new_workers_home(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    load_desk(slack_world)
    ann = slack_world.worker("ann", "writer", workflow="desk")
    bob = slack_world.worker("bob", "writer", workflow="desk")
    project = create(slack_world, description="Harbour fire")
    assign(slack_world, project, "write", ann)
    old, new = sandbox.as_user("UANN"), sandbox.as_user("UBOB")
    old.open_home()
    new.open_home()
    assert "Harbour fire" in (old.home() or before_none()).text
    [current] = slack_world.assignments(project, "write")
    slack_world.run(assignment.reassign_assignment, current.id, bob, actor=ACTOR)
    slack_world.settle()
    assert "Harbour fire" not in (old.home() or before_none()).text
    assert "Harbour fire" in section_of((new.home() or before_none()).text, "In progress")
