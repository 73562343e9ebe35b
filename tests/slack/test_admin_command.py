"""`/tutti`: admins steer projects and experts from Slack; everyone else is refused politely."""

from __future__ import annotations

from sandbox.driver import Sandbox
from sandbox.state import User
from store.enums import ProjectStatus, TaskStatus
from tests.slack.conftest import ServedTutti, SlackWorld
from tests.slack.home_support import create, load_desk
from tests.support.world import ACTOR, machine
from workflows import assignment
from workflows.workers import find_worker


def admin_reply(sandbox: Sandbox, text: str, user: str = "UADMIN0001") -> str:
    reply = sandbox.as_user(user).slash("/tutti", text)
    assert reply is not None, "no reply to the command"
    return reply.text


def test_non_admins_are_refused_and_nothing_changes(slack_world: SlackWorld, served: ServedTutti,
                                                    sandbox: Sandbox) -> None:
    slack_world.load_bundled()
    project = slack_world.create("journalism")
    reply = admin_reply(sandbox, f"abort {project}", user="UJREPORT01")
    assert "for Tutti admins" in reply
    assert slack_world.project_status(project) is ProjectStatus.ACTIVE


def test_a_workspace_admin_pauses_resumes_and_aborts_a_project(slack_world: SlackWorld, served: ServedTutti,
                                                               sandbox: Sandbox) -> None:
    slack_world.load_bundled()
    project = slack_world.create("journalism")
    assert f"Project {project} paused" in admin_reply(sandbox, f"pause {project}")
    assert slack_world.project_status(project) is ProjectStatus.PAUSED
    assert "paused" in admin_reply(sandbox, "projects paused")
    assert f"Project {project} resumed" in admin_reply(sandbox, f"resume {project}")
    assert f"Project {project} aborted" in admin_reply(sandbox, f"abort {project}")
    assert slack_world.project_status(project) is ProjectStatus.ABORTED
    assert "cannot be aborted" in admin_reply(sandbox, f"abort {project}")


def test_an_admin_certifies_a_new_expert_who_can_then_be_assigned(slack_world: SlackWorld, served: ServedTutti,
                                                                  sandbox: Sandbox) -> None:
    slack_world.load_bundled()
    sandbox.seed_users([User(id="UNEWBIE001", name="newbie", real_name="New Bie", email="newbie@example.org")])
    reply = admin_reply(sandbox, "certify <@UNEWBIE001|newbie> journalism/editor")
    assert "is certified `journalism/editor`" in reply
    project = slack_world.create("journalism")
    task = slack_world.task_id(project, "article_planning")
    assert "now has the work" in admin_reply(sandbox, f"assign {task} <@UNEWBIE001>")
    assert slack_world.status(project, "article_planning") is TaskStatus.PROCESSING
    newbie = slack_world.run(lambda s: find_worker(s, "UNEWBIE001"))
    assert (newbie.first_name, newbie.last_name, newbie.email) == ("New", "Bie", "newbie@example.org")


def test_reviewer_certification_needs_the_entry_level_first(slack_world: SlackWorld, served: ServedTutti,
                                                            sandbox: Sandbox) -> None:
    slack_world.load_bundled()
    reply = admin_reply(sandbox, "certify <@UJEDITOR01> journalism/reporter reviewer")
    assert "needs the entry-level reporter certification" in reply


def test_an_admin_reassigns_work_and_retries_a_failed_machine_step(slack_world: SlackWorld, served: ServedTutti,
                                                                   sandbox: Sandbox) -> None:
    slack_world.load_bundled()
    project = slack_world.create("journalism")
    task = slack_world.task_id(project, "article_planning")
    editor = slack_world.run(lambda s: find_worker(s, "journalism-editor").id)
    slack_world.run(assignment.assign_task, task, editor, actor=ACTOR)
    slack_world.worker("backup", "editor", workflow="journalism")
    assert f"Task {task} is now with" in admin_reply(sandbox, f"reassign {task} <@UBACKUP>")
    assert slack_world.assignments(project, "article_planning")[0].worker.username == "backup"

    slack_world.load("broken", [machine("explode", "tests.engine.machine_functions.always_fail",
                                       retry={"max_attempts": 1, "backoff_seconds": 0})])
    broken = slack_world.create("broken")
    failed = slack_world.task_id(broken, "explode")
    assert slack_world.status(broken, "explode") is TaskStatus.FAILED
    assert f"Task {failed} will run again" in admin_reply(sandbox, f"retry {failed}")
    assert "not failed" in admin_reply(sandbox, f"retry {task}") or "human step" in admin_reply(sandbox,
                                                                                                  f"retry {task}")


def test_mistyped_commands_get_help(slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    assert "Tutti admin commands" in admin_reply(sandbox, "")
    assert "Unknown command `frobnicate`" in admin_reply(sandbox, "frobnicate")
    assert "Give a project id" in admin_reply(sandbox, "pause soon")
    assert "Mention the person" in admin_reply(sandbox, "assign 3 bob")


def test_ids_too_large_for_any_task_or_project_get_a_clear_answer(slack_world: SlackWorld, served: ServedTutti,
                                                                  sandbox: Sandbox) -> None:
    slack_world.load_bundled()
    huge = "99999999999999999999"
    assert f"There is no task id `{huge}`" in admin_reply(sandbox, f"assign {huge} <@UJREPORT02>")
    assert f"There is no project id `{huge}`" in admin_reply(sandbox, f"pause {huge}")


def test_help_and_the_project_list_show_angle_brackets_as_typed(slack_world: SlackWorld, served: ServedTutti,
                                                                 sandbox: Sandbox) -> None:
    help_text = admin_reply(sandbox, "help")
    assert "`/tutti pause|resume|abort <project id>`" in help_text and "`/tutti retry <task id>`" in help_text
    load_desk(slack_world)
    create(slack_world, description="Floods <!channel> & roads")
    listing = admin_reply(sandbox, "projects")
    assert "Floods <!channel> & roads" in listing and "@channel" not in listing


def test_assigning_a_held_task_tells_the_admin_who_holds_it(slack_world: SlackWorld, served: ServedTutti,
                                                           sandbox: Sandbox) -> None:
    slack_world.load_bundled()
    task = slack_world.task_id(slack_world.create("journalism"), "article_planning")
    assert "now has the work" in admin_reply(sandbox, f"assign {task} <@UJEDITOR01>")
    reply = admin_reply(sandbox, f"assign {task} <@UJREPORT01>")
    assert f"Task {task} (Article Planning) is already assigned to journalism-editor." in reply
