"""Assigning and reassigning work: certification, task class, counters, data and the team (reference §2.6, §2.13)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from store.enums import TaskClass, TaskStatus
from store.models import Worker
from tests.support.world import ACTOR, World, human, machine
from workflows import assignment, projects, submission, workers
from workflows.errors import (
    NotFound,
    ProjectStatusError,
    TaskAssignmentError,
    TaskStatusError,
    WorkerCertificationError,
)

WF = "certs"
TWO_REVIEWS = {"policy": "sampled_review", "rate": 1, "max_reviews": 2}


@pytest.fixture
def wf(world: World) -> World:
    world.load(WF, [
        human("both", required_certifications=["cert1", "cert2"], review_policy=TWO_REVIEWS),
        human("open"),
        machine("robot", "tests.engine.machine_functions.succeed"),
    ], certifications=["cert1", "cert2"])
    return world


def assign(world: World, project: int, step: str, worker: int) -> None:
    world.run(assignment.assign_task, world.task_id(project, step), worker, actor=ACTOR)


def test_a_worker_holding_every_required_certification_gets_the_task(wf: World) -> None:
    ann = wf.worker("ann", "cert1", "cert2", workflow=WF)
    project = wf.create(WF)
    assign(wf, project, "both", ann)

    task = wf.task(project, "both")
    assert task["status"] == "Processing"
    [only] = task["assignments"]
    assert only["worker"]["username"] == "ann"
    assert only["status"] == "Processing"
    assert only["in_progress_task_data"] == {}
    [iteration] = only["iterations"]
    assert iteration["status"] == "Processing"
    assert iteration["start_datetime"] == only["start_datetime"]
    assert iteration["end_datetime"] is None
    assigned = [e for e in wf.events(project) if e["action"] == "task.assigned"]
    assert assigned[-1]["before"] == {"status": "awaiting_processing"}
    assert assigned[-1]["after"] == {"status": "processing", "worker": "UANN", "counter": 0}
    names = [(p["event"], p.get("worker_id")) for p in wf.emitted(project)]
    assert ("task.status_changed", ann) in names and ("team.joined", ann) in names


def test_a_worker_missing_one_required_certification_is_refused_and_nothing_changes(wf: World) -> None:
    half = wf.worker("half", "cert1", workflow=WF)
    nobody = wf.worker("nobody")
    project = wf.create(WF)
    for worker in (half, nobody):
        with pytest.raises(WorkerCertificationError, match="Worker not certified for this task"):
            assign(wf, project, "both", worker)
    task = wf.task(project, "both")
    assert task["status"] == "Awaiting Processing"
    assert task["assignments"] == []


def test_a_step_without_required_certifications_accepts_any_worker(wf: World) -> None:
    nobody = wf.worker("nobody")
    project = wf.create(WF)
    assign(wf, project, "open", nobody)
    assert wf.status(project, "open") is TaskStatus.PROCESSING
    assert wf.task(project, "open")["assignments"][0]["worker"]["username"] == "nobody"


def test_a_review_needs_reviewer_certifications_for_every_required_certification(wf: World) -> None:
    ann = wf.worker("ann", "cert1", "cert2", workflow=WF)
    entry_only = wf.worker("bob", "cert1", "cert2", workflow=WF)
    half_reviewer = wf.worker("cat", "cert1", "cert2", workflow=WF, reviewer=("cert1",))
    reviewer = wf.worker("dan", "cert1", "cert2", workflow=WF, reviewer=("cert1", "cert2"))
    project = wf.create(WF)
    assign(wf, project, "both", ann)
    wf.run(submission.submit_task, wf.task_id(project, "both"), ann, {"draft": 1}, actor=ACTOR)
    for worker in (entry_only, half_reviewer):
        with pytest.raises(WorkerCertificationError, match="Worker not certified for this task"):
            assign(wf, project, "both", worker)
    assert wf.status(project, "both") is TaskStatus.PENDING_REVIEW
    assign(wf, project, "both", reviewer)
    assert wf.status(project, "both") is TaskStatus.REVIEWING


@pytest.mark.parametrize(
    ("project_class", "training_cert", "allowed"),
    [
        (TaskClass.REAL, True, False),
        (TaskClass.REAL, False, True),
        (TaskClass.TRAINING, True, True),
        (TaskClass.TRAINING, False, True),
    ],
    ids=["real-project-refuses-training-cert", "real-project-takes-real-cert",
         "training-project-takes-training-cert", "training-project-takes-real-cert"],
)
def test_the_project_task_class_decides_which_certifications_count(
    wf: World, project_class: TaskClass, training_cert: bool, allowed: bool
) -> None:
    worker = wf.worker("ann", "cert1", "cert2", workflow=WF, training=training_cert)
    project = wf.create(WF, task_class=project_class)
    if allowed:
        assign(wf, project, "both", worker)
        assert wf.status(project, "both") is TaskStatus.PROCESSING
    else:
        with pytest.raises(WorkerCertificationError):
            assign(wf, project, "both", worker)
        assert wf.status(project, "both") is TaskStatus.AWAITING_PROCESSING


def test_a_worker_cannot_review_their_own_work(wf: World) -> None:
    ann = wf.worker("ann", "cert1", "cert2", workflow=WF, reviewer=("cert1", "cert2"))
    project = wf.create(WF)
    assign(wf, project, "both", ann)
    wf.run(submission.submit_task, wf.task_id(project, "both"), ann, {}, actor=ACTOR)
    with pytest.raises(TaskAssignmentError, match=r"ann already holds an assignment on task \d+ \(Both\); its "
                                                  r"review needs someone else"):
        assign(wf, project, "both", ann)
    assert wf.status(project, "both") is TaskStatus.PENDING_REVIEW
    assert len(wf.task(project, "both")["assignments"]) == 1


def test_a_task_that_is_not_waiting_for_a_worker_cannot_be_assigned(wf: World) -> None:
    ann, bob = wf.worker("ann"), wf.worker("bob")
    project = wf.create(WF)
    assign(wf, project, "open", ann)
    with pytest.raises(TaskStatusError, match=r"Task \d+ \(Open\) is already assigned to ann\."):
        assign(wf, project, "open", bob)
    wf.run(submission.submit_task, wf.task_id(project, "open"), ann, {}, actor=ACTOR, rng=lambda: 0.99)
    assert wf.status(project, "open") is TaskStatus.PENDING_REVIEW
    carl = wf.worker("carl")
    assign(wf, project, "open", carl)
    wf.run(submission.accept_task, wf.task_id(project, "open"), carl, actor=ACTOR)
    assert wf.status(project, "open") is TaskStatus.COMPLETE
    with pytest.raises(TaskStatusError, match=r"Task \d+ \(Open\) is Complete; only a task awaiting processing "
                                              "or pending review takes a new assignment"):
        assign(wf, project, "open", bob)
    assert [a["worker"]["username"] for a in wf.task(project, "open")["assignments"]] == ["ann", "carl"]


def test_assignment_counters_go_up_one_per_review_level_and_each_reviewer_gets_the_latest_data(wf: World) -> None:
    ann = wf.worker("ann", "cert1", "cert2", workflow=WF)
    r1 = wf.worker("rev1", "cert1", "cert2", workflow=WF, reviewer=("cert1", "cert2"))
    r2 = wf.worker("rev2", "cert1", "cert2", workflow=WF, reviewer=("cert1", "cert2"))
    project = wf.create(WF)
    task = wf.task_id(project, "both")
    assign(wf, project, "both", ann)
    wf.run(submission.submit_task, task, ann, {"text": "by ann"}, actor=ACTOR)
    assign(wf, project, "both", r1)
    assert wf.task(project, "both")["assignments"][1]["in_progress_task_data"] == {"text": "by ann"}
    wf.run(submission.accept_task, task, r1, {"text": "edited by rev1"}, actor=ACTOR)
    assign(wf, project, "both", r2)
    assignments = wf.task(project, "both")["assignments"]
    assert [a["worker"]["username"] for a in assignments] == ["ann", "rev1", "rev2"]
    assert [a["status"] for a in assignments] == ["Submitted", "Submitted", "Processing"]
    assert assignments[2]["in_progress_task_data"] == {"text": "edited by rev1"}
    counters = [e["after"]["counter"] for e in wf.events(project) if e["action"] == "task.assigned"]
    assert counters == [0, 1, 2]


def test_a_deactivated_worker_cannot_take_work(wf: World) -> None:
    ann = wf.worker("ann")

    def deactivate(session: object) -> None:
        session.get(Worker, ann).is_active = False  # type: ignore[attr-defined]

    wf.run(deactivate)
    project = wf.create(WF)
    with pytest.raises(TaskAssignmentError, match="ann is deactivated and cannot take work"):
        assign(wf, project, "open", ann)
    assert wf.status(project, "open") is TaskStatus.AWAITING_PROCESSING


def test_unknown_workers_and_tasks_are_named_in_the_error(wf: World) -> None:
    ann = wf.worker("ann")
    project = wf.create(WF)
    with pytest.raises(NotFound, match="Worker 9999 does not exist"):
        assign(wf, project, "open", 9999)
    with pytest.raises(NotFound, match="Task 9999 does not exist"):
        wf.run(assignment.assign_task, 9999, ann, actor=ACTOR)


def test_a_machine_step_cannot_be_assigned_to_a_person(wf: World) -> None:
    ann = wf.worker("ann")
    project = wf.create(WF, drain=False)
    with pytest.raises(TaskAssignmentError, match="Machine steps run by themselves"):
        assign(wf, project, "robot", ann)
    assert wf.task(project, "robot")["assignments"] == []


def test_tasks_of_an_aborted_project_cannot_be_assigned(wf: World) -> None:
    ann = wf.worker("ann")
    project = wf.create(WF)
    wf.run(projects.abort_project, project, actor=ACTOR)
    with pytest.raises(ProjectStatusError, match="aborted"):
        assign(wf, project, "open", ann)


# --- reassignment ------------------------------------------------------------------------------------


def test_reassigning_keeps_status_data_and_iterations_and_the_old_worker_leaves_the_team(wf: World) -> None:
    ann = wf.worker("ann", "cert1", "cert2", workflow=WF)
    bob = wf.worker("bob", "cert1", "cert2", workflow=WF)
    project = wf.create(WF)
    task = wf.task_id(project, "both")
    assign(wf, project, "both", ann)
    wf.run(submission.save_task, task, ann, {"draft": "half done"}, actor=ACTOR)
    before = wf.task(project, "both")["assignments"][0]

    wf.run(assignment.reassign_assignment, before["id"], bob, actor=ACTOR)

    after = wf.task(project, "both")
    assert after["status"] == "Processing"
    [moved] = after["assignments"]
    assert moved["id"] == before["id"]
    assert moved["worker"]["username"] == "bob"
    assert moved["in_progress_task_data"] == {"draft": "half done"}
    assert moved["iterations"] == before["iterations"]
    # bob can now work on it; ann cannot
    wf.run(submission.save_task, task, bob, {"draft": "bob's"}, actor=ACTOR)
    with pytest.raises(TaskAssignmentError):
        wf.run(submission.save_task, task, ann, {"draft": "ann's"}, actor=ACTOR)
    emitted = [(p["event"], p.get("worker_id")) for p in wf.emitted(project)]
    assert ("task.reassigned", bob) in emitted
    assert emitted[-2:] == [("team.joined", bob), ("team.left", ann)]
    reassigned = [e for e in wf.events(project) if e["action"] == "task.reassigned"]
    assert reassigned[0]["before"] == {"worker_id": ann}
    assert reassigned[0]["after"] == {"worker_id": bob, "counter": 0}


def test_the_old_worker_stays_on_the_team_while_holding_other_open_work(wf: World) -> None:
    ann = wf.worker("ann", "cert1", "cert2", workflow=WF)
    bob = wf.worker("bob", "cert1", "cert2", workflow=WF)
    project = wf.create(WF)
    assign(wf, project, "both", ann)
    assign(wf, project, "open", ann)
    assignment_id = wf.task(project, "both")["assignments"][0]["id"]
    wf.run(assignment.reassign_assignment, assignment_id, bob, actor=ACTOR)
    events = [p["event"] for p in wf.emitted(project)]
    assert "team.left" not in events
    assert events[-1] == "team.joined"


def test_reassigning_to_an_uncertified_worker_or_one_already_on_the_task_is_refused(wf: World) -> None:
    ann = wf.worker("ann", "cert1", "cert2", workflow=WF, reviewer=("cert1", "cert2"))
    entry_only = wf.worker("bob", "cert1", "cert2", workflow=WF)
    reviewer = wf.worker("rev", "cert1", "cert2", workflow=WF, reviewer=("cert1", "cert2"))
    other = wf.worker("other", "cert1", "cert2", workflow=WF, reviewer=("cert1", "cert2"))
    project = wf.create(WF)
    task = wf.task_id(project, "both")
    assign(wf, project, "both", ann)
    wf.run(submission.submit_task, task, ann, {}, actor=ACTOR)
    assign(wf, project, "both", reviewer)
    review_assignment = wf.task(project, "both")["assignments"][1]["id"]
    with pytest.raises(WorkerCertificationError, match="Worker not certified for this assignment"):
        wf.run(assignment.reassign_assignment, review_assignment, entry_only, actor=ACTOR)
    with pytest.raises(TaskAssignmentError, match=r"ann already holds an assignment on task .*; its review needs"):
        wf.run(assignment.reassign_assignment, review_assignment, ann, actor=ACTOR)
    assert wf.task(project, "both")["assignments"][1]["worker"]["username"] == "rev"
    wf.run(assignment.reassign_assignment, review_assignment, other, actor=ACTOR)
    assert wf.task(project, "both")["assignments"][1]["worker"]["username"] == "other"
    assert wf.status(project, "both") is TaskStatus.REVIEWING


def test_a_worker_named_by_a_shared_or_stale_slack_name_is_never_guessed(world: World) -> None:
    def add(session: Session, slack_id: str, username: str, slack_name: str) -> None:
        session.add(Worker(slack_user_id=slack_id, username=username, slack_username=slack_name))

    world.run(add, "U1", "alice", "alice")
    world.run(add, "U2", "bob", "alice")  # Slack still shows bob's old display name
    world.run(add, "U3", "carol", "sam")
    world.run(add, "U4", "dan", "sam")
    assert world.run(lambda s: workers.find_worker(s, "alice").username) == "alice"
    assert world.run(lambda s: workers.find_worker(s, "@U2").username) == "bob"
    with pytest.raises(NotFound, match="More than one worker goes by sam; use their username or Slack user id"):
        world.run(workers.find_worker, "sam")
