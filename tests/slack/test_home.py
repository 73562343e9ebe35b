"""The Home tab, published when an expert opens it."""

from __future__ import annotations

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
