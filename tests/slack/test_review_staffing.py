"""StaffBot offers that end without a winner: what the expert's DM says, and that its buttons go away."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from sandbox.driver import Sandbox
from store.enums import TaskStatus
from store.models import StaffingInquiry, StaffingRequest
from store.types import utcnow
from tests.slack.conftest import ServedTutti, SlackWorld
from tests.slack.test_staffbot import (
    buttons,
    offer,
    offers,
    reporting_ready,
    reporting_task,
    rounds,
    set_priority,
    staff,
    worker_id,
)
from tests.support.world import ACTOR
from workflows import assignment, projects, staffing


def offered(world: SlackWorld, sandbox: Sandbox) -> tuple[int, int]:
    """A reporting task offered to reporters 1 and 2 (batch of two; reporter3 is ranked last)."""
    project, task = reporting_task(world)
    set_priority(world, "reporter3", -1)
    staff(sandbox, f"staff {task}")
    rounds(world).run_batches()
    world.settle()
    assert buttons(offer(sandbox, "UJREPORT01", task)) == ["Accept", "Decline"]
    return project, task


def later(minutes: int = 10) -> datetime:
    return utcnow() + timedelta(minutes=minutes)


def test_offers_for_an_aborted_project_lose_their_buttons(slack_world: SlackWorld, served: ServedTutti,
                                                          sandbox: Sandbox) -> None:
    project, task = offered(slack_world, sandbox)
    slack_world.run(projects.abort_project, project, actor=ACTOR)
    slack_world.settle()
    rounds(slack_world).run_batches(later())
    slack_world.settle()
    for user in ("UJREPORT01", "UJREPORT02"):
        closed = offer(sandbox, user, task)
        assert buttons(closed) == [], f"{user} can still accept a task of an aborted project"
        assert "no longer available" in closed.text and "taken" not in closed.text


def test_a_late_accept_on_an_aborted_project_says_it_is_no_longer_available(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    project, task = offered(slack_world, sandbox)
    stale = offer(sandbox, "UJREPORT01", task)
    slack_world.run(projects.abort_project, project, actor=ACTOR)
    slack_world.settle()
    sandbox.as_user("UJREPORT01").click("Accept", within=stale)
    answered = offer(sandbox, "UJREPORT01", task)
    assert "no longer available" in answered.text and "taken" not in answered.text
    assert buttons(answered) == []
    assert slack_world.assignments(project, "reporting") == []


def test_staffing_again_withdraws_the_earlier_offers_instead_of_calling_them_taken(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    _, task = offered(slack_world, sandbox)
    staff(sandbox, f"staff {task}")  # the staffer starts over: the first round's offers are superseded
    slack_world.settle()
    first = offer(sandbox, "UJREPORT01", task)
    assert buttons(first) == []
    assert "taken" not in first.text and "no longer available" in first.text
    rounds(slack_world).run_batches(later())
    slack_world.settle()
    fresh = [m for m in offers(sandbox, "UJREPORT01", task) if buttons(m)]
    assert len(fresh) == 1  # and the new round offers it again


def test_an_offer_for_a_task_assigned_by_hand_names_who_has_it(slack_world: SlackWorld, served: ServedTutti,
                                                               sandbox: Sandbox) -> None:
    project, task = offered(slack_world, sandbox)
    slack_world.run(assignment.assign_task, task, worker_id(slack_world, "reporter3"), actor=ACTOR)
    slack_world.settle()
    rounds(slack_world).run_batches(later())
    slack_world.settle()
    assert slack_world.status(project, "reporting") is TaskStatus.PROCESSING
    closed = offer(sandbox, "UJREPORT01", task)
    assert buttons(closed) == [] and "has been taken by @reporter3" in closed.text


def test_a_task_assigned_by_hand_is_neither_listed_nor_reminded_as_available(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    _, task = offered(slack_world, sandbox)
    slack_world.run(assignment.assign_task, task, worker_id(slack_world, "reporter3"), actor=ACTOR)
    slack_world.settle()
    reporter1 = worker_id(slack_world, "journalism-reporter-1")
    assert slack_world.run(staffing.available_offers, reporter1) == []
    staff_rounds = rounds(slack_world, reminder_seconds=60)
    staff_rounds.send_reminders(later(5))  # before the next batch noticed the assignment
    slack_world.settle()
    reminders = [m for m in sandbox.as_user("UJREPORT01").dms() if "still available for you" in m.text]
    assert reminders == []


def test_a_restaff_offer_is_listed_while_the_replaced_worker_still_holds_the_task(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    _, task = reporting_task(slack_world)
    slack_world.run(assignment.assign_task, task, worker_id(slack_world, "journalism-reporter-2"), actor=ACTOR)
    staff(sandbox, f"restaff {task} <@UJREPORT02>")
    rounds(slack_world).run_batches()
    slack_world.settle()
    listed = slack_world.run(staffing.available_offers, worker_id(slack_world, "journalism-reporter-1"))
    assert [o.task_id for o in listed] == [task]


def second_reporting_task(world: SlackWorld) -> int:
    """Another journalism project's reporting task, waiting for a reporter."""
    return reporting_ready(world)[1]


def offered_minutes_ago(world: SlackWorld, task: int, minutes: int) -> None:
    def do(session: Any) -> None:
        requests = select(StaffingRequest.id).where(StaffingRequest.task_id == task)
        session.execute(update(StaffingInquiry).where(StaffingInquiry.request_id.in_(requests))
                        .values(created_at=utcnow() - timedelta(minutes=minutes)))

    world.run(do)


def test_an_expert_with_offers_made_at_different_times_is_reminded_once_per_interval(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    _, first = reporting_task(slack_world)
    second = second_reporting_task(slack_world)
    staff_rounds = rounds(slack_world, batch_size=5, reminder_seconds=3600)
    for task in (first, second):
        staff(sandbox, f"staff {task}")
    staff_rounds.run_batches()
    slack_world.settle()
    offered_minutes_ago(slack_world, first, 61)
    offered_minutes_ago(slack_world, second, 51)
    now = utcnow()

    def reminders() -> list[str]:
        slack_world.settle()
        return [m.text for m in sandbox.as_user("UJREPORT01").dms() if "still available for you" in m.text]

    staff_rounds.send_reminders(now)
    assert len(reminders()) == 1 and "2 tasks are still available" in reminders()[0]  # both offers, one DM
    staff_rounds.send_reminders(now + timedelta(minutes=11))  # the second offer is an hour old now
    assert len(reminders()) == 1
    staff_rounds.send_reminders(now + timedelta(minutes=61))  # an hour after the reminder: again, once
    assert len(reminders()) == 2
