"""Home stays within Slack's 100 blocks: more work than fits is paged with Next / Previous page."""

from __future__ import annotations

import re

from sandbox.driver import Sandbox
from tests.slack.conftest import ServedTutti, SlackWorld
from tests.slack.home_support import assign, create, load_desk

ITEMS = 60  # in progress, with Open + Start timer each: 120 blocks would be needed on one page


def test_more_items_than_fit_in_100_blocks_are_paged(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    load_desk(slack_world)
    ann = slack_world.worker("ann", "writer", workflow="desk")
    for n in range(ITEMS):
        assign(slack_world, create(slack_world, description=f"Story number {n:02d}"), "write", ann)
    user = sandbox.as_user("UANN")
    user.open_home()
    seen: list[str] = []
    pages = 0
    while True:
        home = user.home()
        assert home is not None
        assert len(home.blocks) <= 100
        pages += 1
        seen.extend(re.findall(r"Story number \d\d", home.text))
        assert f"Page {pages} of" in home.text
        if "Next page" not in home.text:
            break
        user.click("Next page")
    assert pages >= 3
    assert sorted(seen) == [f"Story number {n:02d}" for n in range(ITEMS)]
    user.click("Previous page")
    home = user.home()
    assert home is not None and f"Page {pages - 1} of {pages}" in home.text
