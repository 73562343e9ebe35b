"""Submission and creation dependencies, creation and assignment policies, completion_ends_project (§2.3 to §2.5)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from store.enums import ProjectStatus, TaskStatus
from store.models import Project
from tests.engine import machine_functions
from tests.support.world import ACTOR, World, human, machine
from workflows import assignment, submission
from workflows.errors import AssignmentPolicyError, CreationPolicyError, IllegalTaskSubmission, ProjectStatusError

WF = "deps"
NO_REVIEW = {"policy": "no_review"}
ONE_REVIEW = {"policy": "sampled_review", "rate": 1, "max_reviews": 1}
FN = "tests.engine.machine_functions"


@pytest.fixture(autouse=True)
def _reset_functions() -> None:
    machine_functions.reset()


def do(world: World, project: int, step: str, worker: int, data: dict[str, Any]) -> None:
    """Assign, then submit (no review) one task."""
    task = world.task_id(project, step)
    world.run(assignment.assign_task, task, worker, actor=ACTOR)
    world.run(submission.submit_task, task, worker, data, actor=ACTOR)


def policy(entry_level: dict[str, Any] | None = None, reviewer: dict[str, Any] | None = None) -> dict[str, Any]:
    roles = {}
    if entry_level is not None:
        roles["entry_level"] = entry_level
    if reviewer is not None:
        roles["reviewer"] = reviewer
    return {"policy_function": roles}


# --- submission dependencies -----------------------------------------------------------------------------


def test_a_task_cannot_be_submitted_before_its_submission_dependencies_are_complete(world: World) -> None:
    world.load(WF, [
        human("research", review_policy=NO_REVIEW),
        human("writing", review_policy=NO_REVIEW, submission_depends_on=["research"]),
        machine("publish", f"{FN}.succeed", creation_depends_on=["writing"]),
    ])
    ann, bob = world.worker("ann"), world.worker("bob")
    project = world.create(WF)
    assert world.status(project, "writing") is TaskStatus.AWAITING_PROCESSING  # created at once, not blocked
    writing = world.task_id(project, "writing")
    world.run(assignment.assign_task, writing, bob, actor=ACTOR)
    with pytest.raises(IllegalTaskSubmission, match="Submission prerequisites are not complete"):
        world.run(submission.submit_task, writing, bob, {"text": "early"}, actor=ACTOR)
    blocked = world.task(project, "writing")
    assert blocked["status"] == "Processing"
    assert blocked["assignments"][0]["in_progress_task_data"] == {}

    do(world, project, "research", ann, {"facts": 3})
    world.run(submission.submit_task, writing, bob, {"text": "on time"}, actor=ACTOR)
    world.drain()
    assert world.status(project, "writing") is TaskStatus.COMPLETE
    assert world.status(project, "publish") is TaskStatus.COMPLETE
    # submission dependencies are not prerequisites: publish sees only its creation dependency
    assert machine_functions.SEEN["succeed"]["prerequisites"] == {"writing": {"text": "on time"}}
    assert world.project_status(project) is ProjectStatus.COMPLETED


def test_completing_and_skipping_an_assigned_task_obeys_its_submission_dependencies(world: World) -> None:
    world.load(WF, [human("gate", review_policy=NO_REVIEW),
                    human("work", review_policy=NO_REVIEW, submission_depends_on=["gate"])])
    ann = world.worker("ann")
    project = world.create(WF)
    work = world.task_id(project, "work")
    world.run(assignment.assign_task, work, ann, actor=ACTOR)
    with pytest.raises(IllegalTaskSubmission, match="Submission prerequisites are not complete"):
        world.run(submission.complete_and_skip_task, work, actor=ACTOR)
    assert world.status(project, "work") is TaskStatus.PROCESSING
    do(world, project, "gate", world.worker("bob"), {"ok": True})
    world.run(submission.complete_and_skip_task, work, actor=ACTOR)
    assert world.status(project, "work") is TaskStatus.COMPLETE


def test_a_submission_dependency_listed_twice_is_one_prerequisite(world: World) -> None:
    world.load(WF, [human("gate", review_policy=NO_REVIEW),
                    human("work", review_policy=NO_REVIEW, submission_depends_on=["gate", "gate"])])
    ann, bob = world.worker("ann"), world.worker("bob")
    project = world.create(WF)
    do(world, project, "gate", ann, {"ok": True})
    do(world, project, "work", bob, {"text": "done"})
    assert world.status(project, "work") is TaskStatus.COMPLETE


# --- creation dependencies and prerequisites ---------------------------------------------------------------


def test_tasks_are_created_when_their_creation_dependencies_complete_and_receive_transitive_prerequisites(
    world: World,
) -> None:
    world.load(WF, [
        human("outline", review_policy=ONE_REVIEW),
        human("draft", review_policy=NO_REVIEW, creation_depends_on=["outline"]),
        human("side", review_policy=NO_REVIEW),
        machine("assemble", f"{FN}.succeed", creation_depends_on=["draft"]),
    ])
    ann, rev, bob = world.worker("ann"), world.worker("rev"), world.worker("bob")
    project = world.create(WF, data={"topic": "tides"})
    assert not world.has_task(project, "draft")
    assert not world.has_task(project, "assemble")

    outline = world.task_id(project, "outline")
    world.run(assignment.assign_task, outline, ann, actor=ACTOR)
    world.run(submission.submit_task, outline, ann, {"points": ["a"]}, actor=ACTOR, rng=lambda: 0.0)
    assert not world.has_task(project, "draft")  # pending review is not complete
    world.run(assignment.assign_task, outline, rev, actor=ACTOR)
    world.run(submission.accept_task, outline, rev, {"points": ["a", "b"]}, actor=ACTOR)
    assert world.status(project, "draft") is TaskStatus.AWAITING_PROCESSING
    assert not world.has_task(project, "assemble")

    do(world, project, "draft", bob, {"words": 900})
    world.drain()
    seen = machine_functions.SEEN["succeed"]
    # the closure of creation_depends_on, each with the data of its highest-counter assignment
    assert seen["prerequisites"] == {"draft": {"words": 900}, "outline": {"points": ["a", "b"]}}
    assert seen["project_data"] == {"topic": "tides", "project_id": project}
    assert "side" not in seen["prerequisites"]
    assert world.task(project, "assemble")["latest_data"]["seen"] == ["draft", "outline"]
    assert world.project_status(project) is ProjectStatus.ACTIVE  # side is still open


# --- creation policies ----------------------------------------------------------------------------------


def test_a_never_create_step_gets_no_task_and_the_project_completes_when_nothing_else_is_left(world: World) -> None:
    world.load(WF, [
        human("only", review_policy=NO_REVIEW),
        human("skipped", creation_depends_on=["only"],
              creation_policy={"policy_function": {"path": "orchestra.creation_policies.never_create"}}),
    ])
    ann = world.worker("ann")
    project = world.create(WF)
    do(world, project, "only", ann, {})
    assert not world.has_task(project, "skipped")
    assert set(world.info(project)["tasks"]) == {"only"}
    assert world.project_status(project) is ProjectStatus.COMPLETED
    completed = [e for e in world.events(project) if e["action"] == "project.complete"]
    assert completed[0]["before"] == {"status": "active"} and completed[0]["after"] == {"status": "completed"}


def test_a_project_whose_only_step_is_never_created_completes_at_once(world: World) -> None:
    world.load(WF, [human("nothing", creation_policy={"policy_function": {"path": "workflows.policies.never_create"}})])
    project = world.create(WF)
    assert world.info(project)["tasks"] == {}
    assert world.project_status(project) is ProjectStatus.COMPLETED


def test_a_custom_creation_policy_reads_project_data_and_prerequisites(world: World) -> None:
    world.load(WF, [
        human("intake", review_policy=NO_REVIEW),
        human("extra", creation_depends_on=["intake"],
              creation_policy={"policy_function": {"path": f"{FN}.only_if_flag", "kwargs": {"flag": "rush"}}}),
    ])
    ann = world.worker("ann")
    wanted, unwanted = world.create(WF, data={"rush": True}), world.create(WF, data={"rush": False})
    do(world, wanted, "intake", ann, {"form": 1})
    assert machine_functions.SEEN["only_if_flag"] == {"prerequisites": {"intake": {"form": 1}},
                                                     "project_data": {"rush": True}}
    do(world, unwanted, "intake", ann, {"form": 2})
    assert world.status(wanted, "extra") is TaskStatus.AWAITING_PROCESSING
    assert world.project_status(wanted) is ProjectStatus.ACTIVE
    assert not world.has_task(unwanted, "extra")
    assert world.project_status(unwanted) is ProjectStatus.COMPLETED


def test_a_failing_creation_policy_is_reported_and_nothing_is_created(world: World) -> None:
    world.load(WF, [human("root", creation_policy={"policy_function": {"path": f"{FN}.broken_policy"}})])
    with pytest.raises(CreationPolicyError, match="policy exploded"):
        world.create(WF)
    assert world.read(lambda s: s.scalar(select(func.count(Project.id)))) == 0


# --- assignment policies ---------------------------------------------------------------------------------


def test_specified_worker_assigns_the_named_worker_as_soon_as_the_task_exists(world: World) -> None:
    world.load(WF, [human("pinned", assignment_policy=policy(
        {"path": "orchestra.assignment_policies.specified_worker", "kwargs": {"username": "ann"}},
        {"path": "orchestra.assignment_policies.specified_worker", "kwargs": {"username": "rev"}},
    ))])
    world.worker("ann"), world.worker("rev")
    project = world.create(WF)
    task = world.task(project, "pinned")
    assert task["status"] == "Processing"
    assert task["assignments"][0]["worker"]["username"] == "ann"
    ann = task["assignments"][0]["worker"]["id"]
    world.run(submission.submit_task, task["id"], ann, {"v": 1}, actor=ACTOR, rng=lambda: 0.0)
    reviewed = world.task(project, "pinned")
    assert reviewed["status"] == "Reviewing"
    assert [a["worker"]["username"] for a in reviewed["assignments"]] == ["ann", "rev"]
    assert reviewed["assignments"][1]["in_progress_task_data"] == {"v": 1}


def test_specified_worker_naming_an_uncertified_worker_fails_the_whole_change(world: World) -> None:
    world.load(WF, [human("pinned", required_certifications=["cert"], assignment_policy=policy(
        {"path": "workflows.policies.specified_worker", "kwargs": {"username": "ann"}},
    ))], certifications=["cert"])
    world.worker("ann")
    with pytest.raises(AssignmentPolicyError, match="Worker not certified for this task"):
        world.create(WF)
    assert world.outbox() == []


def test_previously_completed_steps_gives_the_task_to_the_first_related_worker_who_qualifies(world: World) -> None:
    world.load(WF, [
        human("first", review_policy=NO_REVIEW),
        human("second", review_policy=NO_REVIEW),
        human("follow_up", required_certifications=["senior"], creation_depends_on=["first", "second"],
              assignment_policy=policy({"path": "orchestra.assignment_policies.previously_completed_steps",
                                        "kwargs": {"related_steps": ["first", "second"]}})),
    ], certifications=["senior"])
    junior = world.worker("junior")
    senior = world.worker("senior", "senior", workflow=WF)
    project = world.create(WF)
    do(world, project, "first", junior, {})
    do(world, project, "second", senior, {})
    follow_up = world.task(project, "follow_up")
    assert follow_up["status"] == "Processing"
    assert [a["worker"]["username"] for a in follow_up["assignments"]] == ["senior"]


def test_previously_completed_steps_leaves_the_task_waiting_when_nobody_qualifies(world: World) -> None:
    world.load(WF, [
        human("first", review_policy=NO_REVIEW),
        human("follow_up", required_certifications=["senior"], creation_depends_on=["first"],
              assignment_policy=policy({"path": "workflows.policies.previously_completed_steps",
                                        "kwargs": {"related_steps": ["first"]}})),
    ], certifications=["senior"])
    junior = world.worker("junior")
    project = world.create(WF)
    do(world, project, "first", junior, {})
    assert world.status(project, "follow_up") is TaskStatus.AWAITING_PROCESSING
    assert world.task(project, "follow_up")["assignments"] == []


def test_a_custom_policy_without_a_reviewer_role_gets_the_default_and_the_submission_goes_through(
    world: World,
) -> None:
    world.load(WF, [human("pinned", review_policy=ONE_REVIEW, assignment_policy=policy(
        {"path": "workflows.policies.specified_worker", "kwargs": {"username": "ann"}},
    ))])
    ann = world.worker("ann")
    project = world.create(WF)
    world.run(submission.submit_task, world.task_id(project, "pinned"), ann, {"v": 1}, actor=ACTOR, rng=lambda: 0.0)
    waiting = world.task(project, "pinned")
    assert waiting["status"] == "Pending Review"
    assert len(waiting["assignments"]) == 1


def test_anyone_certified_leaves_the_task_for_a_person_to_pick_up(world: World) -> None:
    world.load(WF, [human("open", assignment_policy=policy(
        {"path": "orchestra.assignment_policies.anyone_certified"},
        {"path": "orchestra.assignment_policies.anyone_certified"},
    ))])
    world.worker("ann")
    project = world.create(WF)
    assert world.status(project, "open") is TaskStatus.AWAITING_PROCESSING
    assert world.task(project, "open")["assignments"] == []


# --- completion_ends_project -------------------------------------------------------------------------------


def test_completing_a_step_that_ends_the_project_completes_it_and_leaves_other_tasks_as_they_are(
    world: World,
) -> None:
    world.load(WF, [
        human("decide", review_policy=NO_REVIEW, completion_ends_project=True),
        human("meanwhile"),
        human("after", creation_depends_on=["decide"]),
    ])
    ann, bob = world.worker("ann"), world.worker("bob")
    project = world.create(WF)
    world.run(assignment.assign_task, world.task_id(project, "meanwhile"), bob, actor=ACTOR)
    do(world, project, "decide", ann, {"verdict": "stop"})
    assert world.project_status(project) is ProjectStatus.COMPLETED
    assert world.status(project, "decide") is TaskStatus.COMPLETE
    assert world.status(project, "meanwhile") is TaskStatus.PROCESSING
    # as in Orchestra, the same pass still creates what became due before it ends the project
    assert world.status(project, "after") is TaskStatus.AWAITING_PROCESSING
    with pytest.raises(ProjectStatusError, match="completed"):
        world.run(submission.submit_task, world.task_id(project, "meanwhile"), bob, {}, actor=ACTOR)
