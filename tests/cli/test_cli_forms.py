"""Work given on the command line against a declared form holds only that form's fields."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import main
from tests.support.world import World, human

Cli = Callable[..., Result]
PLAN = {"who": "Residents", "what": "Flooding", "when": "Monday", "where": "Downtown"}
UNKNOWN = ("Error: The form of “Article Planning” has no fields extra, source; "
           "its fields are: who, what, when, where, notes.")


@pytest.fixture
def cli(database_url: str, tmp_path: Path) -> Cli:
    env = {"DATABASE_URL": database_url, "TUTTI_FILES_DIR": str(tmp_path / "files"), "REDIS_URL": "",
           "TUTTI_SLACK_ENABLED": "0"}

    def run(*args: str) -> Result:
        return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)

    return run


def test_submit_and_save_refuse_keys_the_form_does_not_declare(cli: Cli, world: World) -> None:
    world.load_bundled()
    project = world.create("journalism")
    task = world.task_id(project, "article_planning")
    cli("tasks", "assign", str(task), "--worker", "journalism-editor")
    extra = json.dumps({**PLAN, "extra": 1, "source": "tip"})

    submitted = cli("tasks", "submit", str(task), "--worker", "journalism-editor", "--data", extra)
    assert submitted.exit_code == 1 and submitted.stderr.strip() == UNKNOWN
    saved = cli("tasks", "save", str(task), "--worker", "journalism-editor", "--data", extra)
    assert saved.exit_code == 1 and saved.stderr.strip() == UNKNOWN
    assert world.task(project, "article_planning")["status"] == "Processing"
    assert world.task(project, "article_planning")["latest_data"] == {}

    done = cli("tasks", "submit", str(task), "--worker", "journalism-editor", "--data", json.dumps(PLAN))
    assert done.stdout == f"Task {task} is now Complete.\n"
    assert world.task(project, "article_planning")["latest_data"] == PLAN


def test_steps_without_a_declared_form_take_any_json_object(cli: Cli, world: World) -> None:
    world.load("freeform", [human("write", review_policy={"policy": "no_review"})])
    world.worker("wendy")
    project = world.create("freeform")
    task = world.task_id(project, "write")
    cli("tasks", "assign", str(task), "--worker", "wendy")
    data = {"anything": 1, "nested": {"goes": True}}
    assert cli("tasks", "submit", str(task), "--worker", "wendy", "--data", json.dumps(data)).exit_code == 0
    assert world.task(project, "write")["latest_data"] == data


def test_a_reviewer_may_still_accept_with_edited_data_of_any_shape(cli: Cli, world: World) -> None:
    world.load_bundled()
    project = world.create("journalism")
    planning = world.task_id(project, "article_planning")
    cli("tasks", "assign", str(planning), "--worker", "journalism-editor")
    cli("tasks", "submit", str(planning), "--worker", "journalism-editor", "--data", json.dumps(PLAN))
    world.drain()
    reporting = world.task_id(project, "reporting")
    cli("tasks", "assign", str(reporting), "--worker", "journalism-reporter-1")
    cli("tasks", "submit", str(reporting), "--worker", "journalism-reporter-1", "--data", '{"article": "Text."}')
    cli("tasks", "assign", str(reporting), "--worker", "journalism-reporter-2")
    edited = {"article": "Better text.", "reviewer_note": "tightened"}
    accepted = cli("tasks", "accept", str(reporting), "--worker", "journalism-reporter-2", "--data",
                     json.dumps(edited))
    assert accepted.exit_code == 0, accepted.output
    assert world.task(project, "reporting")["latest_data"] == edited
