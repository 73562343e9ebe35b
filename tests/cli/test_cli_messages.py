"""What the command line says when it refuses: the situation, with the names and the command that help."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import main
from store.models import Worker
from tests.support.world import ACTOR, World, human
from workflows import assignment, submission
from workflows.errors import NotAssignedToTask

TUTTI = str(Path(sys.executable).with_name("tutti"))


class Cli:
    """`tutti` in this process, on the test's database."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def __call__(self, *args: str) -> Result:
        return CliRunner().invoke(main, list(args), env=self.env, catch_exceptions=False)

    def error(self, *args: str) -> str:
        """The one line a refused command prints on stderr."""
        result = self(*args)
        assert result.exit_code != 0, result.output
        [line] = result.stderr.strip().splitlines()
        return line


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "TUTTI_FILES_DIR": str(tmp_path / "files"), "REDIS_URL": "",
            "TUTTI_SLACK_ENABLED": "0"}


@pytest.fixture
def cli(env: dict[str, str]) -> Cli:
    return Cli(env)


@pytest.fixture
def planning(world: World) -> int:
    """The article_planning task of a fresh journalism project, waiting for an editor."""
    world.load_bundled()
    return world.task_id(world.create("journalism"), "article_planning")


def worker_id(world: World, username: str) -> int:
    return world.read(lambda s: s.query(Worker.id).filter(Worker.username == username).scalar())


def test_assigning_a_held_task_says_who_holds_it_and_how_to_hand_it_over(cli: Cli, planning: int) -> None:
    assert cli("tasks", "assign", str(planning), "--worker", "journalism-editor").exit_code == 0
    held = (f"Error: Task {planning} (Article Planning) is already assigned to journalism-editor; use "
            f"`tutti tasks reassign {planning} --worker NAME` to hand it to someone else.")
    assert cli.error("tasks", "assign", str(planning), "--worker", "journalism-reporter-1") == held
    assert cli.error("tasks", "assign", str(planning), "--worker", "journalism-editor") == held


def test_assigning_a_finished_task_names_its_status(cli: Cli, world: World, planning: int) -> None:
    editor = worker_id(world, "journalism-editor")
    world.run(assignment.assign_task, planning, editor, actor=ACTOR)
    world.run(submission.submit_task, planning, editor, {"who": "a", "what": "b", "when": "c", "where": "d"},
              actor=ACTOR)
    assert cli.error("tasks", "assign", str(planning), "--worker", "journalism-reporter-1") == (
        f"Error: Task {planning} (Article Planning) is Complete; only a task awaiting processing or pending "
        "review takes a new assignment.")


def test_assign_names_the_worker_given_by_id(cli: Cli, world: World, planning: int) -> None:
    editor = worker_id(world, "journalism-editor")
    assigned = cli("tasks", "assign", str(planning), "--worker", str(editor))
    assert assigned.stdout == f"Task {planning} (core work) assigned to journalism-editor.\n"


def test_submitting_for_a_worker_not_on_the_task_names_them_and_who_is(cli: Cli, world: World,
                                                                        planning: int) -> None:
    cli("tasks", "assign", str(planning), "--worker", "journalism-editor")
    assert cli.error("tasks", "submit", str(planning), "--worker", "journalism-reporter-1", "--data", "{}") == (
        f"Error: journalism-reporter-1 is not assigned to task {planning}; it is assigned to journalism-editor.")
    # The same refusal, as Slack shows it to the reporter who pressed Submit.
    with pytest.raises(NotAssignedToTask) as refused:
        world.run(submission.submit_task, planning, worker_id(world, "journalism-reporter-1"), {}, actor=ACTOR)
    assert refused.value.message == (
        f"You are not assigned to task {planning}; it is assigned to journalism-editor.")


def test_an_unknown_workflow_lists_the_loaded_ones(cli: Cli, world: World) -> None:
    assert cli.error("projects", "create", "simple", "v1") == (
        "Error: Workflow simple does not exist. No workflows are loaded yet.")
    world.load_bundled(sample_data=False)
    assert cli.error("projects", "create", "simple", "v1") == (
        "Error: Workflow simple does not exist. Loaded workflows: journalism, simple_workflow.")
    assert cli.error("projects", "create", "simple_workflow", "v2") == (
        "Error: Version v2 of workflow simple_workflow does not exist. Its versions: v1.")


@pytest.mark.parametrize(("args", "message"), [
    (("projects", "show", "abc"), "'abc' is not a project id (a whole number from 1 to 2147483647)"),
    (("projects", "show", "99999999999999999999999"),
     "'99999999999999999999999' is not a project id (a whole number from 1 to 2147483647)"),
    (("tasks", "show", "0"), "'0' is not a task id (a whole number from 1 to 2147483647)"),
    (("tasks", "list", "--project", "x"), "'x' is not a project id (a whole number from 1 to 2147483647)"),
])
def test_an_id_that_is_not_one_says_what_an_id_looks_like(cli: Cli, args: tuple[str, ...], message: str) -> None:
    result = cli(*args)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1].endswith(message)


def test_loading_the_same_workflows_again_succeeds_and_says_they_are_unchanged(cli: Cli) -> None:
    assert cli("workflows", "load", "--bundled").exit_code == 0
    again = cli("workflows", "load", "--bundled")
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines() == ["journalism v1: already loaded and unchanged.",
                                         "simple_workflow v1: already loaded and unchanged."]
    assert cli("workflows", "sample-data", "journalism").exit_code == 0


def test_loading_different_content_as_an_existing_version_names_it_and_mentions_force(cli: Cli,
                                                                                      world: World) -> None:
    directory = world.write_workflow("notes", [human("draft")])
    assert cli("workflows", "load", str(directory)).stdout == "Loaded notes versions v1.\n"
    world.write_workflow("notes", [human("draft"), human("check", creation_depends_on=["draft"])])
    assert cli.error("workflows", "load", str(directory)) == (
        "Error: Version v1 of workflow notes already exists with different content: load it with --force to "
        "update it (steps may be added, not removed), or give the new content a new version slug.")
    assert cli("workflows", "load", str(directory), "--force").stdout == "Loaded notes versions v1.\n"


def test_a_refused_choice_lists_the_choices(cli: Cli, world: World) -> None:
    world.load_bundled()
    rate = world.task_id(world.create("simple_workflow"), "rate")
    cli("tasks", "assign", str(rate), "--worker", "demo")
    assert cli("tasks", "save", str(rate), "--worker", "demo", "--data", '{"rating": "great"}').exit_code == 0
    assert cli.error("tasks", "submit", str(rate), "--worker", "demo") == (
        "Error: The form is not complete: Pick one of the choices offered for “How awesome is this image?”: "
        "“1: This image is very not awesome”, “2: This image is slightly not awesome”, "
        "“3: This image is neither awesome nor not awesome”, “4: This image is slightly awesome”, "
        "“5: This image is very awesome”.")


def test_a_closed_pipe_ends_the_listing_quietly(env: dict[str, str], world: World) -> None:
    world.load_bundled()
    world.create("journalism")
    reader, writer = os.pipe()
    os.close(reader)  # like `tutti tasks list | head -1` once head has what it wants
    try:
        result = subprocess.run([TUTTI, "tasks", "list"], env={**os.environ, **env}, stdout=writer,
                                stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(writer)
    assert result.stderr == ""
    assert result.returncode == 1  # click's exit for a closed pipe, without a word
