"""The timer from Home: start it on a task in progress, see it running, stop it into a time entry."""

from __future__ import annotations

from datetime import timedelta

from sandbox.driver import Sandbox
from store.models import TaskTimer
from tests.slack.conftest import ServedTutti, SlackWorld
from tests.slack.home_support import assign, create, load_desk
from workflows import time_tracking


def test_start_and_stop_the_timer_from_home(slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    load_desk(slack_world)
    ann = slack_world.worker("ann", "writer", workflow="desk")
    task = assign(slack_world, create(slack_world, description="Floods downtown"), "write", ann)
    user = sandbox.as_user("UANN")
    user.open_home()
    assert "No timer running" in (user.home() or _none()).text
    user.click("Start timer")
    home = user.home()
    assert home is not None
    assert "Timer running* on Write Story · Floods downtown" in home.text
    assert "0:00 so far" in home.text and "Start timer" not in home.text
    assert "Your timer is running on this task" in home.text

    def backdate(session: object) -> None:  # pretend 90 minutes passed
        timer = session.get(TaskTimer, ann)  # type: ignore[attr-defined]
        timer.start_time -= timedelta(minutes=90)

    slack_world.run(backdate)
    user.click("Refresh")
    assert "1:30 so far" in (user.home() or _none()).text
    user.click("Stop timer")
    home = user.home()
    assert home is not None
    assert "Timer stopped: 1:30 recorded" in home.text and "No timer running" in home.text
    [entry] = slack_world.read(lambda s: [(e.seconds, e.assignment_id) for e in time_tracking.time_entries(s, ann)])
    assert entry[0] >= 90 * 60
    assert entry[1] == slack_world.assignments(slack_world.read(lambda s: _project_of(s, task)), "write")[0].id


def test_a_double_clicked_start_starts_once_and_a_second_start_is_explained(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    load_desk(slack_world)
    ann = slack_world.worker("ann", "writer", workflow="desk")
    assign(slack_world, create(slack_world), "write", ann)
    user = sandbox.as_user("UANN")
    user.open_home()
    sandbox.faults.duplicate_next("interaction")
    user.click("Start timer")
    sandbox.settle()
    home = user.home()
    assert home is not None and "Timer running" in home.text
    assert "already running" not in home.text  # the duplicate was recognised, not refused by the engine


def test_stopping_a_timer_that_is_not_running_is_harmless(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    load_desk(slack_world)
    ann = slack_world.worker("ann", "writer", workflow="desk")
    assign(slack_world, create(slack_world), "write", ann)
    user = sandbox.as_user("UANN")
    user.open_home()
    user.click("Start timer")
    slack_world.run(lambda s: time_tracking.stop_timer(s, ann))  # stopped elsewhere (the timecard, another tab)
    user.click("Stop timer")
    assert "Your timer is not running." in (user.home() or _none()).text


def _project_of(session: object, task_id: int) -> int:
    from store.models import Task

    task = session.get(Task, task_id)  # type: ignore[attr-defined]
    return task.project_id


def _none() -> object:
    raise AssertionError("no Home published")


def test_home_shows_the_running_timer_on_a_project_with_a_very_long_description(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    load_desk(slack_world)
    ann = slack_world.worker("ann", "writer", workflow="desk")
    assign(slack_world, create(slack_world, description="A flood downtown. " * 200), "write", ann)
    user = sandbox.as_user("UANN")
    user.open_home()
    user.click("Start timer")
    home = sandbox.wait_for(lambda: (h := user.home()) and "Timer running" in h.text and h, "the running timer")
    assert "Start timer" not in home.text and "A flood downtown." in home.text
