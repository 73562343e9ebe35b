"""StaffBot through the sandbox: /staffbot, batched offer DMs, first accept wins, restaffing, reviews, auto-staffing,
reminders and unstaffed warnings."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from jobs.staffing import StaffingRounds
from sandbox.driver import MessageView, Sandbox
from store.enums import StaffingStatus, TaskStatus
from store.models import StaffingRequest, WorkerCertification
from store.types import utcnow
from tests.slack.conftest import ServedTutti, SlackWorld
from tests.support.world import ACTOR, human
from workflows import assignment, availability, staffing, submission
from workflows.read_models import project_summary
from workflows.staffing import OfferState, StaffingConfig, week_start
from workflows.workers import find_worker

STAFFER = "UJEDITOR01"  # the journalism sample workers are staffers
PLANNING = {"who": "The mayor", "what": "A vote", "when": "Today", "where": "City hall"}


def rounds(world: SlackWorld, channel: str | None = None, **config: Any) -> StaffingRounds:
    return StaffingRounds(world.tutti.database, StaffingConfig(**{"batch_size": 2, **config}),
                          staffing_channel_id=channel, rng=random.Random(3).random)


def worker_id(world: SlackWorld, ref: str) -> int:
    return world.run(lambda s: find_worker(s, ref).id)


def set_priority(world: SlackWorld, username: str, priority: int) -> None:
    def do(session: Any) -> None:
        worker = find_worker(session, username)
        session.execute(update(WorkerCertification).where(WorkerCertification.worker_id == worker.id)
                        .values(staffing_priority=priority))

    world.run(do)


def reporting_task(world: SlackWorld) -> tuple[int, int]:
    """A journalism project whose reporting task is waiting for a reporter, plus a third reporter."""
    world.load_bundled()
    world.worker("reporter3", "reporter", workflow="journalism")
    return reporting_ready(world)


def reporting_ready(world: SlackWorld) -> tuple[int, int]:
    """A new journalism project (bundled workflows loaded) whose reporting task is waiting for a reporter."""
    project = world.create("journalism")
    planning = world.task_id(project, "article_planning")
    editor = worker_id(world, "journalism-editor")
    world.run(assignment.assign_task, planning, editor, actor=ACTOR)
    world.run(submission.submit_task, planning, editor, PLANNING, actor=ACTOR)
    world.drain()
    world.settle()
    return project, world.task_id(project, "reporting")


def offers(sandbox: Sandbox, user: str, task_id: int) -> list[MessageView]:
    return [m for m in sandbox.as_user(user).dms() if f"(task {task_id})" in m.text and m.is_bot
            and "Project description" in m.text]


def offer(sandbox: Sandbox, user: str, task_id: int) -> MessageView:
    found = offers(sandbox, user, task_id)
    assert len(found) == 1, f"{user} has {len(found)} offers for task {task_id}"
    return found[0]


def buttons(message: MessageView) -> list[str]:
    return [e.get("text", {}).get("text") for b in message.blocks if b.get("type") == "actions"
            for e in b.get("elements", [])]


def channel_of(world: SlackWorld, project: int) -> str:
    channel = world.read(project_summary, project).slack_channel_id
    assert channel
    return channel


def channel_says(sandbox: Sandbox, channel: str, text: str) -> bool:
    """Whether the bot posted `text` in a channel (read as the workspace, whoever is a member)."""
    with sandbox.workspace.lock:
        messages = list(sandbox.workspace.messages.get(channel, []))
    return any(text in sandbox.message_view(m).text for m in messages)


def staff(sandbox: Sandbox, text: str, user: str = STAFFER) -> str:
    reply = sandbox.as_user(user).slash("/staffbot", text)
    assert reply is not None, "no reply to /staffbot"
    return reply.text


def test_staffing_offers_a_batch_and_the_first_accept_wins(slack_world: SlackWorld, served: ServedTutti,
                                                           sandbox: Sandbox) -> None:
    project, task = reporting_task(slack_world)
    set_priority(slack_world, "reporter3", -1)  # ranked last: with a batch of two it is never asked
    assert f"Got it! I will start staffing task {task}!" in staff(sandbox, f"staff {task}")
    slack_world.settle()
    channel = channel_of(slack_world, project)
    assert channel_says(sandbox, channel, f"I will start staffing task {task}")

    assert rounds(slack_world).run_batches() == 1
    slack_world.settle()
    first, second = offer(sandbox, "UJREPORT01", task), offer(sandbox, "UJREPORT02", task)
    assert "Reporting" in first.text and "Research and draft" in first.text and "[Review]" not in first.text
    assert buttons(first) == ["Accept", "Decline"]
    assert offers(sandbox, "UREPORTER3", task) == []

    sandbox.as_user("UJREPORT01").click("Decline", within=first)
    declined = offer(sandbox, "UJREPORT01", task)
    assert "You declined" in declined.text and buttons(declined) == []
    sandbox.as_user("UJREPORT02").click("Accept", within=second)
    won = offer(sandbox, "UJREPORT02", task)
    assert "You got it!" in won.text and buttons(won) == []
    slack_world.settle()

    assert slack_world.status(project, "reporting") is TaskStatus.PROCESSING
    assert slack_world.assignments(project, "reporting")[0].worker.username == "journalism-reporter-2"
    assert "UJREPORT02" in sandbox.channel(channel).members
    assert rounds(slack_world).run_batches() == 0  # closed: nobody else is asked
    slack_world.settle()
    assert offers(sandbox, "UREPORTER3", task) == []
    assert "You declined" in offer(sandbox, "UJREPORT01", task).text


def test_restaffing_replaces_the_worker_when_someone_accepts(slack_world: SlackWorld, served: ServedTutti,
                                                              sandbox: Sandbox) -> None:
    project, task = reporting_task(slack_world)
    reporter2 = worker_id(slack_world, "journalism-reporter-2")
    slack_world.run(assignment.assign_task, task, reporter2, actor=ACTOR)
    slack_world.settle()
    channel = channel_of(slack_world, project)
    assert "UJREPORT02" in sandbox.channel(channel).members

    assert f"I will start restaffing task {task}" in staff(sandbox, f"restaff {task} <@UJREPORT02>")
    rounds(slack_world).run_batches()
    slack_world.settle()
    assert offers(sandbox, "UJREPORT02", task) == []  # on the task already
    mine, theirs = offer(sandbox, "UREPORTER3", task), offer(sandbox, "UJREPORT01", task)
    assert slack_world.assignments(project, "reporting")[0].worker.username == "journalism-reporter-2"  # keeps it

    sandbox.as_user("UREPORTER3").click("Accept", within=mine)
    slack_world.settle()
    assert slack_world.assignments(project, "reporting")[0].worker.username == "reporter3"
    members = sandbox.channel(channel).members
    assert "UREPORTER3" in members and "UJREPORT02" not in members  # Decision 10
    taken = offer(sandbox, "UJREPORT01", task)
    assert "has been taken by" in taken.text and buttons(taken) == [] and taken.edited

    late = slack_world.run(staffing.respond_to_offer, _inquiry_id(theirs), "UJREPORT01", accept=True, actor=ACTOR)
    assert late.state is OfferState.TAKEN
    assert slack_world.assignments(project, "reporting")[0].worker.username == "reporter3"


def _inquiry_id(message: MessageView) -> int:
    for block in message.blocks:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            return int(element["value"])
    raise AssertionError("the offer has no buttons")


def test_a_review_is_staffed_by_staffbot(slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    project, task = reporting_task(slack_world)
    reporter1 = worker_id(slack_world, "journalism-reporter-1")
    slack_world.run(assignment.assign_task, task, reporter1, actor=ACTOR)
    slack_world.run(submission.submit_task, task, reporter1, {"article": "Text"}, actor=ACTOR)
    assert slack_world.status(project, "reporting") is TaskStatus.PENDING_REVIEW

    assert "(its review)" in staff(sandbox, f"staff {task}")  # Decision 7
    rounds(slack_world).run_batches()
    slack_world.settle()
    review = offer(sandbox, "UJREPORT02", task)  # the only reporter reviewer
    assert "[Review]" in review.text
    assert offers(sandbox, "UREPORTER3", task) == [] and offers(sandbox, "UJREPORT01", task) == []
    sandbox.as_user("UJREPORT02").click("Accept", within=review)
    assert slack_world.status(project, "reporting") is TaskStatus.REVIEWING
    assert [a.worker.username for a in slack_world.assignments(project, "reporting")] == [
        "journalism-reporter-1", "journalism-reporter-2"]


def load_autostaffed(world: SlackWorld, hours: float | None = None) -> None:
    policy = {"policy_function": {"entry_level": {"path": "orchestra.bots.assignment_policies.staffbot_autoassign"},
                                  "reviewer": {"path": "orchestra.bots.assignment_policies.staffbot_autoassign"}}}
    step = human("write", required_certifications=["writer"], assignment_policy=policy,
                 review_policy={"policy": "sampled_review", "rate": 1, "max_reviews": 1})
    if hours is not None:
        step["assignable_hours_function"] = {"path": "tests.slack.staffing_functions.hours",
                                             "kwargs": {"hours": hours}}
        step["detailed_description_function"] = {"path": "tests.slack.staffing_functions.describe"}
    world.load("desk", [step], certifications=["writer"])


def test_staffbot_autoassign_staffs_on_creation_and_on_review(slack_world: SlackWorld, served: ServedTutti,
                                                              sandbox: Sandbox) -> None:
    load_autostaffed(slack_world)
    slack_world.worker("ann", "writer", workflow="desk")
    slack_world.worker("rev", "writer", workflow="desk", reviewer=("writer",))
    project = slack_world.create("desk")
    task = slack_world.task_id(project, "write")
    slack_world.settle()
    assert channel_says(sandbox, channel_of(slack_world, project), f"I will start staffing task {task}")
    rounds(slack_world).run_batches()
    slack_world.settle()
    sandbox.as_user("UANN").click("Accept", within=offer(sandbox, "UANN", task))
    ann = worker_id(slack_world, "ann")
    slack_world.run(submission.submit_task, task, ann, {}, actor=ACTOR)
    slack_world.settle()
    rounds(slack_world).run_batches()
    slack_world.settle()
    review = next(m for m in offers(sandbox, "UREV", task) if "[Review]" in m.text)
    sandbox.as_user("UREV").click("Accept", within=review)
    assert slack_world.status(project, "write") is TaskStatus.REVIEWING
    causes = slack_world.read(lambda s: [r.cause.value for r in s.scalars(select(StaffingRequest)
                                                                           .order_by(StaffingRequest.id))])
    assert causes == ["task_policy", "task_policy"]


def declare(world: SlackWorld, username: str, hours_today: float, cap: float) -> None:
    worker = worker_id(world, username)
    today = utcnow().date()
    week = [0.0] * 7
    week[today.weekday()] = hours_today
    world.run(availability.set_availability, worker, week_start(today), week)
    world.run(availability.set_autostaff_cap, worker, cap)


def test_auto_staffing_respects_availability_and_the_daily_cap(slack_world: SlackWorld, served: ServedTutti,
                                                               sandbox: Sandbox) -> None:
    load_autostaffed(slack_world, hours=3)
    slack_world.worker("ann", "writer", workflow="desk")
    slack_world.worker("bob", "writer", workflow="desk")
    declare(slack_world, "ann", hours_today=7, cap=8)  # room for two 3-hour tasks today
    projects = [slack_world.create("desk") for _ in range(3)]
    staff_rounds = rounds(slack_world, max_autostaff_tasks_per_day=4)
    staff_rounds.run_batches()
    slack_world.settle()
    owners = [[a.worker.username for a in slack_world.assignments(p, "write")] for p in projects]
    assert owners == [["ann"], ["ann"], []]  # the third would exceed her 7 hours
    dms = sandbox.as_user("UANN").dms()
    assert sum("StaffBot gave you" in m.text for m in dms) == 2
    third = slack_world.task_id(projects[2], "write")
    assert offer(sandbox, "UBOB", third) and offers(sandbox, "UANN", third)  # the third is offered instead

    capped = rounds(slack_world, max_autostaff_tasks_per_day=1)  # a daily task cap of one: bob gets one at most
    declare(slack_world, "bob", hours_today=24, cap=24)
    more = [slack_world.create("desk") for _ in range(2)]
    capped.run_batches()
    slack_world.settle()
    assert [[a.worker.username for a in slack_world.assignments(p, "write")] for p in more] == [["bob"], []]


def test_reminders_and_unstaffed_warnings_respect_their_intervals(slack_world: SlackWorld, served: ServedTutti,
                                                                  sandbox: Sandbox) -> None:
    _, task = reporting_task(slack_world)
    staffing_channel = sandbox.create_channel("staffing", members=["UADMIN0001"]).id
    staff(sandbox, f"staff {task}")
    staff_rounds = rounds(slack_world, channel=staffing_channel, batch_size=5, reminder_seconds=3600,
                          unstaffed_after_seconds=1800, warning_seconds=7200)
    staff_rounds.run_batches()
    slack_world.settle()
    start = utcnow()

    def reminders(user: str) -> int:
        return sum("still available for you" in m.text for m in sandbox.as_user(user).dms())

    def warnings() -> int:
        return sum(f"No winner request for task {task}" in m.text
                   for m in sandbox.as_user("UADMIN0001").messages(staffing_channel))

    _backdate(slack_world, task, minutes=45)
    assert staff_rounds.send_reminders(start + timedelta(minutes=30)) == 0
    assert staff_rounds.send_reminders(start + timedelta(minutes=61)) == 3
    assert staff_rounds.send_reminders(start + timedelta(minutes=90)) == 0  # not again within the hour
    assert staff_rounds.warn_unstaffed(start + timedelta(minutes=10)) == 1  # the request is 45 minutes old
    assert staff_rounds.warn_unstaffed(start + timedelta(minutes=70)) == 0  # not again within two hours
    slack_world.settle()
    assert reminders("UJREPORT01") == 1 and warnings() == 1
    sandbox.as_user("UJREPORT01").click("Decline", within=offer(sandbox, "UJREPORT01", task))
    assert staff_rounds.send_reminders(start + timedelta(minutes=125)) == 2  # the decliner is not reminded
    assert staff_rounds.warn_unstaffed(start + timedelta(minutes=135)) == 1
    slack_world.settle()
    assert reminders("UJREPORT01") == 1 and reminders("UJREPORT02") == 2 and warnings() == 2


def _backdate(world: SlackWorld, task: int, minutes: int) -> None:
    def do(session: Any) -> None:
        from store.models import Task

        earlier = utcnow() - timedelta(minutes=minutes)
        session.execute(update(StaffingRequest).where(StaffingRequest.task_id == task).values(created_at=earlier))
        session.execute(update(Task).where(Task.id == task).values(start_datetime=earlier))

    world.run(do)


def test_staffbot_refuses_non_staffers_politely(slack_world: SlackWorld, served: ServedTutti,
                                                sandbox: Sandbox) -> None:
    _, task = reporting_task(slack_world)
    slack_world.worker("outsider", "reporter", workflow="journalism")
    reply = staff(sandbox, f"staff {task}", user="UOUTSIDER")
    assert "for staffers and Tutti admins" in reply
    assert slack_world.read(lambda s: s.scalars(select(StaffingRequest)).all()) == []
    assert "Use `/staffbot`" in staff(sandbox, "help")
    assert "couldn't process your command" in staff(sandbox, "staff soon")
    assert "does not exist" in staff(sandbox, "staff 9999")
    planning = slack_world.task_id(_, "article_planning")
    assert staff(sandbox, f"staff {planning}").startswith(
        f":warning: Task {planning} (Article Planning) is Complete; only a task awaiting processing or pending review")


def test_staffing_a_step_without_certifications_asks_staffbot_enabled_workers(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    slack_world.load("open", [human("anything")], certifications=["writer"])
    slack_world.worker("ann", "writer", workflow="open")
    slack_world.worker("nocert")  # never certified: StaffBot leaves them alone (Decision 2, as documented)
    project = slack_world.create("open")
    task = slack_world.task_id(project, "anything")
    staff(sandbox, f"staff {task}", user="UADMIN0001")
    rounds(slack_world, batch_size=5).run_batches()
    slack_world.settle()
    assert offer(sandbox, "UANN", task)
    assert offers(sandbox, "UNOCERT", task) == []
    request = slack_world.read(lambda s: s.scalars(select(StaffingRequest)).one().status)
    assert request is StaffingStatus.DONE_SENDING_INQUIRIES
    sandbox.as_user("UANN").click("Decline", within=offer(sandbox, "UANN", task))
    slack_world.settle()
    assert channel_says(sandbox, channel_of(slack_world, project), f"No worker has accepted to work on task {task}")


def test_available_offers_list_open_unanswered_offers(slack_world: SlackWorld, served: ServedTutti,
                                                      sandbox: Sandbox) -> None:
    _, task = reporting_task(slack_world)
    staff(sandbox, f"staff {task}")
    rounds(slack_world, batch_size=5).run_batches()
    reporter1 = worker_id(slack_world, "journalism-reporter-1")
    listed = slack_world.read(staffing.available_offers, reporter1)
    assert [(o.task_id, o.step_name, o.is_review) for o in listed] == [(task, "Reporting", False)]
    slack_world.settle()
    sandbox.as_user("UJREPORT01").click("Decline", within=offer(sandbox, "UJREPORT01", task))
    assert slack_world.read(staffing.available_offers, reporter1) == []


def test_home_lists_available_tasks_and_edits_availability(slack_world: SlackWorld, served: ServedTutti,
                                                            sandbox: Sandbox) -> None:
    project, task = reporting_task(slack_world)
    staff(sandbox, f"staff {task}")
    rounds(slack_world, batch_size=5).run_batches()
    slack_world.settle()
    reporter = sandbox.as_user("UJREPORT01")
    reporter.open_home()
    home = reporter.home()
    assert home is not None and "Available tasks" in home.text and f"*Reporting* (task {task})" in home.text
    reporter.click("Accept", within="home")
    assert slack_world.assignments(project, "reporting")[0].worker.username == "journalism-reporter-1"
    slack_world.settle()
    assert "has been taken by" in offer(sandbox, "UJREPORT02", task).text

    reporter.click("Set my availability", within="home")
    modal = reporter.wait_for_modal("Your availability")
    today = utcnow().date()
    label = next(line for line in modal.text.splitlines() if line.startswith("This week") and f"{today:%d %b}" in line)
    reporter.fill(label, "6.5")
    reporter.fill("Auto-staff me up to (hours a day, 0 = never)", "4")
    reporter.submit()
    saved = slack_world.read(availability.availability_for, worker_id(slack_world, "journalism-reporter-1"))
    assert saved.weeks[0].hours[today.weekday()] == 6.5 and saved.max_autostaff_hours_per_day == 4.0
    reporter.click("Set my availability", within="home")
    reporter.fill("Auto-staff me up to (hours a day, 0 = never)", "30")
    reporter.submit()
    assert "Between 0 and 24" in " ".join(reporter.wait_for_modal("Your availability").errors.values())


def test_a_task_id_too_large_for_any_task_gets_a_clear_answer(slack_world: SlackWorld, served: ServedTutti,
                                                              sandbox: Sandbox) -> None:
    slack_world.load_bundled()
    huge = "99999999999999999999"
    assert f"There is no task `{huge}`" in staff(sandbox, f"staff {huge}")
    assert f"There is no task `{huge}`" in staff(sandbox, f"restaff {huge} @journalism-reporter-1")
    assert slack_world.read(lambda s: s.scalars(select(StaffingRequest)).all()) == []


def test_help_shows_the_placeholders_to_fill_in(slack_world: SlackWorld, served: ServedTutti,
                                                sandbox: Sandbox) -> None:
    slack_world.load_bundled()
    reply = staff(sandbox, "help")
    assert "`/staffbot staff <task-id>`" in reply
    assert "`/staffbot restaff <task-id> <@person or username>`" in reply
