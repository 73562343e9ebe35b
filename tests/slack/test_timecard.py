"""The timecard modal: a week of entries, add / edit / delete with validation under the fields, paging weeks."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from sandbox.driver import Sandbox, UserSession
from store.models import Task
from store.types import utcnow
from tests.slack.conftest import ServedTutti, SlackWorld, double_click
from tests.support.world import ACTOR, human
from workflows import assignment, time_tracking


def entries(world: SlackWorld, worker: int) -> list[tuple[date, int, str]]:
    return world.read(lambda s: [(e.date, e.seconds, e.description)
                                 for e in time_tracking.time_entries(s, worker)])


def open_timecard(person: UserSession) -> None:
    person.open_home()
    person.click("Timecard", within="home")
    person.wait_for_modal("Timecard")


def test_adding_editing_and_deleting_entries_with_validation(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    worker = slack_world.worker("timekeeper")
    person = sandbox.as_user("UTIMEKEEPE")
    open_timecard(person)
    assert "No time recorded this week." in person.modal().text

    person.click("Add entry")
    person.wait_for_modal("Add time entry")
    person.fill("Hours", "0")
    person.fill("Minutes", "0")
    person.fill("Description", "x" * 201)
    person.submit()
    assert person.modal().errors == {
        "Hours": "An entry must be more than 0 minutes and at most 24 hours.",
        "Description": "Keep it to 200 characters (it has 201).",
    }
    assert entries(slack_world, worker) == []
    person.fill("Hours", "1")
    person.fill("Minutes", "30")
    person.fill("Description", "Research")
    person.submit()
    timecard = sandbox.wait_for(lambda: (m := person.modal()) and "Entry added." in m.text and m, "the week")
    assert timecard.title == "Timecard" and "1:30" in timecard.text and "Research" in timecard.text
    today = utcnow().date()
    assert entries(slack_world, worker) == [(today, 5400, "Research")]

    person.click("Edit")
    person.wait_for_modal("Edit time entry")
    person.fill("Minutes", "75")
    person.submit()
    assert person.modal().errors == {"Minutes": "Minutes must be a whole number from 0 to 59."}
    person.fill("Minutes", "45")
    person.fill("Description", "Research and calls")
    person.submit()
    sandbox.wait_for(lambda: "Entry saved." in person.modal().text or None, "the saved week")
    assert entries(slack_world, worker) == [(today, 6300, "Research and calls")]

    person.click("Delete")
    sandbox.wait_for(lambda: "Entry deleted." in person.modal().text or None, "the deletion")
    assert entries(slack_world, worker) == []


def test_weeks_run_monday_to_sunday_and_page_back_and_forth(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    worker = slack_world.worker("timekeeper")
    today = utcnow().date()
    last_week = today - timedelta(days=7)
    slack_world.run(time_tracking.add_time_entry, worker, day=last_week, seconds=600, description="Old work")
    person = sandbox.as_user("UTIMEKEEPE")
    open_timecard(person)
    monday = today - timedelta(days=today.weekday())
    assert f"Week of {monday:%a %d %b %Y}" in person.modal().text
    assert "Old work" not in person.modal().text
    person.click("Previous week")
    sandbox.wait_for(lambda: "Old work" in person.modal().text or None, "last week's entry")
    assert "0:10" in person.modal().text
    person.click("Next week")
    sandbox.wait_for(lambda: "No time recorded this week." in person.modal().text or None, "this week again")


def test_someone_cannot_edit_or_delete_another_persons_entry(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    owner = slack_world.worker("timekeeper")
    slack_world.worker("intruder")
    slack_world.run(time_tracking.add_time_entry, owner, day=utcnow().date(), seconds=600, description="Mine")
    owner_session = sandbox.as_user("UTIMEKEEPE")
    open_timecard(owner_session)
    view = sandbox.workspace.find_view(view_id=owner_session.modal().id)
    assert view is not None
    intruder = sandbox.as_user("UINTRUDER")
    view.user_id = intruder.user.id
    sandbox.workspace.modals[intruder.user.id] = [view]
    intruder.click("Delete")
    sandbox.wait_for(lambda: "is not one of yours" in intruder.modal().text or None, "the refusal")
    assert entries(slack_world, owner) == [(utcnow().date(), 600, "Mine")]


def test_a_double_clicked_delete_deletes_once_without_a_false_error(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    worker = slack_world.worker("timekeeper")
    slack_world.run(time_tracking.add_time_entry, worker, day=utcnow().date(), seconds=600, description="Twice")
    person = sandbox.as_user("UTIMEKEEPE")
    open_timecard(person)
    timecard = double_click(sandbox, person, "Delete")
    assert "Entry deleted." in timecard.text and "No time recorded this week." in timecard.text
    assert "is not one of yours" not in timecard.text
    assert entries(slack_world, worker) == []


def test_editing_an_entry_keeps_its_task_even_when_older_than_the_tasks_listed(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    slack_world.load("many", [human(f"step{n:03}", review_policy={"policy": "no_review"}) for n in range(101)])
    worker = slack_world.worker("timekeeper")
    project = slack_world.create("many")

    def assign_all(session: Any) -> list[int]:  # one more task than the entry modal can list
        tasks = session.scalars(select(Task.id).where(Task.project_id == project).order_by(Task.id)).all()
        assigned = [assignment.assign_task(session, task, worker, actor=ACTOR) for task in tasks]
        session.flush()
        return [a.id for a in assigned]

    oldest = slack_world.run(assign_all)[0]
    slack_world.run(time_tracking.add_time_entry, worker, day=utcnow().date(), seconds=600, description="Old",
                    assignment_id=oldest)
    person = sandbox.as_user("UTIMEKEEPE")
    open_timecard(person)
    person.click("Edit")
    edit = person.wait_for_modal("Edit time entry")
    chosen = next(b for b in edit.blocks if b.get("block_id") == "entry.task")["element"].get("initial_option")
    assert chosen is not None and chosen["value"] == str(oldest)  # the entry's own task stays chosen
    assert chosen["text"]["text"].startswith(f"Step000 · project {project}")  # labelled, however old
    person.fill("Description", "Old, typo fixed")
    person.submit()
    sandbox.wait_for(lambda: "Entry saved." in person.modal().text or None, "the saved week")
    assert f"Step000 · project {project}" in person.modal().text  # the week names the old task too
    assert slack_world.read(lambda s: [(e.description, e.assignment_id)
                                       for e in time_tracking.time_entries(s, worker)]) == [("Old, typo fixed", oldest)]
