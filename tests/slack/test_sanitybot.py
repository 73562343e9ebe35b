"""SanityBot through the sandbox: a version's checks post to the project channel, once or with repetition."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update

from jobs.sanity import run_sanity_checks
from sandbox.driver import Sandbox
from store.models import Task
from store.types import utcnow
from tests.slack.conftest import ServedTutti, SlackWorld
from tests.support.world import ACTOR, human
from workflows import assignment, projects
from workflows.read_models import project_summary
from workflows.workers import find_worker


def channel_texts(world: SlackWorld, sandbox: Sandbox, project: int) -> list[str]:
    channel = world.read(project_summary, project).slack_channel_id
    assert channel
    with sandbox.workspace.lock:
        messages = list(sandbox.workspace.messages.get(channel, []))
    return [sandbox.message_view(m).text for m in messages]


def load(world: SlackWorld, function: dict[str, Any], configurations: dict[str, Any]) -> None:
    world.load("desk", [human("write", required_certifications=["writer"]), human("edit")],
               certifications=["writer"],
               sanity_checks={"sanity_check_function": function, "check_configurations": configurations})


def handler(message: str, steps: list[str]) -> dict[str, Any]:
    return {"type": "slack_project_channel", "message": message, "steps": steps}


def test_a_check_without_repetition_fires_once_and_one_with_repetition_again_after_its_interval(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    load(slack_world, {"path": "tests.slack.staffing_functions.flag"}, {
        "once": {"handlers": [handler("Please look at this project.", ["write"])]},
        "often": {"handlers": [handler("Still stuck!", ["write"])], "repetition_seconds": 3600},
    })
    slack_world.worker("ann", "writer", workflow="desk")
    project = slack_world.create("desk", data={"failing": ["once", "often"]})
    slack_world.run(assignment.assign_task, slack_world.task_id(project, "write"),
                    slack_world.run(lambda s: find_worker(s, "ann").id), actor=ACTOR)
    database = slack_world.tutti.database
    start = utcnow()
    assert run_sanity_checks(database, start) == 2
    assert run_sanity_checks(database, start + timedelta(minutes=30)) == 0  # within the hour: nothing
    assert run_sanity_checks(database, start + timedelta(minutes=61)) == 1  # "often" again, "once" never
    slack_world.settle()
    texts = channel_texts(slack_world, sandbox, project)
    assert sum(t == "@ann: Please look at this project." for t in texts) == 1
    assert sum(t == "@ann: Still stuck!" for t in texts) == 2

    slack_world.run(projects.pause_project, project, actor=ACTOR)  # paused projects are checked too
    assert run_sanity_checks(database, start + timedelta(minutes=122)) == 1
    slack_world.run(projects.abort_project, project, actor=ACTOR)  # ended ones are not
    assert run_sanity_checks(database, start + timedelta(minutes=183)) == 0


def test_the_ready_made_stale_task_check_needs_no_code(slack_world: SlackWorld, served: ServedTutti,
                                                       sandbox: Sandbox) -> None:
    rules = [
        {"rule": "task_in_status", "check_slug": "stale_writing", "steps": ["write"], "statuses": ["processing"],
         "hours": 48},
        {"rule": "task_unstaffed", "check_slug": "nobody_editing", "steps": ["edit"], "hours": 4},
        {"rule": "past_deadline", "check_slug": "late", "deadline_key": "due"},
    ]
    load(slack_world, {"path": "workflows.sanity_checks.rules", "kwargs": {"rules": rules}}, {
        "stale_writing": {"handlers": [handler("Writing has been going on for two days.", ["write"])]},
        "nobody_editing": {"handlers": [handler("Nobody has picked up the edit.", ["edit"])]},
        "late": {"handlers": [handler("This project is past its deadline.", [])]},
    })
    slack_world.worker("ann", "writer", workflow="desk")
    project = slack_world.create("desk", data={"due": (utcnow() + timedelta(days=3)).date().isoformat()})
    write = slack_world.task_id(project, "write")
    slack_world.run(assignment.assign_task, write, slack_world.run(lambda s: find_worker(s, "ann").id), actor=ACTOR)
    database = slack_world.tutti.database
    now = utcnow()
    assert run_sanity_checks(database, now + timedelta(hours=1)) == 0
    slack_world.run(lambda s: s.execute(update(Task).where(Task.id == write)
                                        .values(updated_at=now - timedelta(hours=49))))
    assert run_sanity_checks(database, now) == 1
    slack_world.settle()
    assert "@ann: Writing has been going on for two days." in channel_texts(slack_world, sandbox, project)
    assert run_sanity_checks(database, now + timedelta(days=5)) == 2  # the edit waited 5 days; the deadline passed
    slack_world.settle()
    texts = channel_texts(slack_world, sandbox, project)
    assert "Nobody has picked up the edit." in texts and "This project is past its deadline." in texts
