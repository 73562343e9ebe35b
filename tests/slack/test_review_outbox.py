"""The outbox when Slack is slow or things end: nothing said about a project is lost while its channel is being
created, and messages about things that ended do not pile up as dead."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from sandbox.driver import Sandbox
from store.enums import OutboxStatus
from store.models import OutboxMessage
from tests.slack.conftest import SlackWorld
from tests.slack.test_staffbot import channel_of, channel_says
from tests.support.world import ACTOR, human
from workflows import staffing


def advance(world: SlackWorld, seconds: float) -> None:
    """Let `seconds` pass for the outbox: every pending message becomes due that much sooner."""
    def do(session: Any) -> None:
        for message in session.scalars(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)):
            message.available_at -= timedelta(seconds=seconds)

    world.run(do)


def run_for(world: SlackWorld, seconds: int, step: int = 2) -> None:
    for _ in range(0, seconds, step):
        world.tutti.dispatcher.sweep()
        advance(world, step)
    world.tutti.dispatcher.sweep()


def test_a_slack_outage_while_the_channel_is_created_loses_no_project_message(slack_world: SlackWorld,
                                                                              sandbox: Sandbox) -> None:
    slack_world.load("desk", [human("write")])
    sandbox.faults.fail("conversations.create", error="internal_error", times=5, status=500)  # about a minute
    project = slack_world.create("desk", drain=False)
    task = slack_world.task_id(project, "write")
    slack_world.run(staffing.staff_task, task, actor=ACTOR)
    run_for(slack_world, 150)
    slack_world.settle()
    assert [(m["topic"], m["last_error"]) for m in slack_world.outbox() if m["status"] is OutboxStatus.DEAD] == []
    assert channel_says(sandbox, channel_of(slack_world, project), f"I will start staffing task {task}")


def test_messages_waiting_for_a_channel_that_will_never_exist_give_up(slack_world: SlackWorld,
                                                                      sandbox: Sandbox) -> None:
    slack_world.load("desk", [human("write")])
    sandbox.faults.fail("conversations.create", error="internal_error", times=100, status=500)
    project = slack_world.create("desk", drain=False)
    slack_world.run(staffing.staff_task, slack_world.task_id(project, "write"), actor=ACTOR)
    run_for(slack_world, 3600, step=60)
    assert slack_world.outbox("slack.create_channel", project)[0]["status"] is OutboxStatus.DEAD
    notices = slack_world.outbox("slack.staffing_notice", project)
    assert notices and all(n["status"] is OutboxStatus.DEAD for n in notices)  # bounded: no endless retrying


def deliver_all_but(world: SlackWorld, skip: Any) -> None:
    """Deliver what is due, except messages `skip(topic, payload)` holds back (as a rate limit would)."""
    dispatcher = world.tutti.dispatcher
    for _ in range(20):
        with world.tutti.database.read() as session:
            due = [m.id for m in session.scalars(select(OutboxMessage)
                                                 .where(OutboxMessage.status == OutboxStatus.PENDING))
                   if not skip(m.topic, m.payload)]
        if not due:
            return
        for message_id in due:
            dispatcher.deliver(message_id)


def test_a_sanity_alert_delivered_after_its_project_ended_is_dropped_not_dead(slack_world: SlackWorld,
                                                                              sandbox: Sandbox) -> None:
    from jobs.sanity import run_sanity_checks
    from workflows import projects

    slack_world.load("desk", [human("write")], sanity_checks={
        "sanity_check_function": {"path": "tests.slack.staffing_functions.flag"},
        "check_configurations": {"late": {"handlers": [{"type": "slack_project_channel", "message": "Late!",
                                                        "steps": ["write"]}]}}})
    project = slack_world.create("desk", data={"failing": ["late"]}, drain=False)
    slack_world.settle()
    channel = channel_of(slack_world, project)
    assert run_sanity_checks(slack_world.tutti.database) == 1
    slack_world.run(projects.abort_project, project, actor=ACTOR)

    def sanity(topic: str, payload: dict[str, Any]) -> bool:
        return topic == "slack.sanity_alert" or payload.get("event") == "sanity.alert"

    deliver_all_but(slack_world, sanity)  # the alert is held back until the channel is archived
    assert sandbox.channel(channel).is_archived
    slack_world.settle()
    assert [(m["topic"], m["last_error"]) for m in slack_world.outbox() if m["status"] is OutboxStatus.DEAD] == []
    assert not channel_says(sandbox, channel, "Late!")


def test_notices_held_back_until_their_project_ended_and_its_channel_was_archived_are_dropped_not_dead(
        slack_world: SlackWorld, sandbox: Sandbox) -> None:
    from workflows import assignment, projects

    slack_world.load("desk", [human("write"), human("edit")])
    ann = slack_world.worker("ann")
    project = slack_world.create("desk", drain=False)
    slack_world.settle()
    channel = channel_of(slack_world, project)
    slack_world.run(assignment.assign_task, slack_world.task_id(project, "write"), ann, actor=ACTOR)
    slack_world.run(staffing.staff_task, slack_world.task_id(project, "edit"), actor=ACTOR)
    slack_world.run(projects.abort_project, project, actor=ACTOR)

    def channel_posts(topic: str, payload: dict[str, Any]) -> bool:  # as the channel's rate limit would
        return topic in ("slack.task_notice", "slack.staffing_notice", "slack.invite")

    deliver_all_but(slack_world, channel_posts)
    assert sandbox.channel(channel).is_archived
    slack_world.settle()
    assert [(m["topic"], m["last_error"]) for m in slack_world.outbox() if m["status"] is OutboxStatus.DEAD] == []
