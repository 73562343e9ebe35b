"""Reverting a task to an earlier iteration: dry run, commit, reverted status rules (§2.14)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from store.enums import TaskStatus
from store.models import TimeEntry
from tests.support.world import ACTOR, World, human
from workflows import assignment, projects, revert, submission, time_tracking
from workflows.errors import InvalidRevertError, NotFound

WF = "revertible"


def history(world: World) -> tuple[int, int, int, int, list[int]]:
    """ann submits, rev returns, ann resubmits, rev is reviewing: four iterations, oldest first."""
    world.load(WF, [human("work", review_policy={"policy": "sampled_review", "rate": 1, "max_reviews": 1}),
                    human("next", creation_depends_on=["work"])])
    ann, rev = world.worker("ann"), world.worker("rev")
    project = world.create(WF)
    task = world.task_id(project, "work")
    world.run(assignment.assign_task, task, ann, actor=ACTOR)
    world.run(submission.submit_task, task, ann, {"v": 1}, actor=ACTOR, rng=lambda: 0.0)
    world.run(assignment.assign_task, task, rev, actor=ACTOR)
    world.run(submission.return_task, task, rev, "fix it", {"v": 1, "note": "x"}, actor=ACTOR)
    world.run(submission.submit_task, task, ann, {"v": 2}, actor=ACTOR)
    iterations = sorted((it for a in world.task(project, "work")["assignments"] for it in a["iterations"]),
                        key=lambda it: it["start_datetime"])
    return project, task, ann, rev, [it["id"] for it in iterations]


def do_revert(world: World, task: int, iteration: int, *, before: bool = False, commit: bool = False) -> dict[str, Any]:
    return world.run(revert.revert_task, task, iteration, revert_before=before, commit=commit, actor=ACTOR)


def changes(audit: dict[str, Any]) -> tuple[list[int], list[list[int]]]:
    return ([a["change"] for a in audit["assignments"]],
            [[it["change"] for it in a["iterations"]] for a in audit["assignments"]])


@pytest.mark.parametrize(
    ("index", "before", "status", "assignment_changes", "iteration_changes"),
    [
        (0, False, "Processing", [1, 2], [[1, 2], [2, 2]]),
        (1, False, "Reviewing", [1, 1], [[0, 2], [1, 2]]),
        (2, False, "Post-review Processing", [1, 1], [[0, 1], [0, 2]]),
        (0, True, "Awaiting Processing", [2, 2], [[2, 2], [2, 2]]),
        (1, True, "Pending Review", [1, 2], [[0, 2], [2, 2]]),
    ],
    ids=["to-first-submission", "to-the-return", "to-the-resubmission", "before-everything",
         "before-the-first-review"],
)
def test_a_dry_run_reports_every_change_and_the_reverted_status_without_changing_anything(
    world: World, index: int, before: bool, status: str, assignment_changes: list[int],
    iteration_changes: list[list[int]],
) -> None:
    project, task, _, _, iterations = history(world)
    snapshot = world.info(project)
    events = len(world.events(project))
    audit = do_revert(world, task, iterations[index], before=before)
    assert audit["reverted_status"] == status
    assert changes(audit) == (assignment_changes, iteration_changes)
    assert audit["task"]["status"] == "Reviewing"
    assert world.info(project) == snapshot
    assert len(world.events(project)) == events


def test_committing_a_revert_to_the_first_submission_removes_the_review_and_reopens_the_work(world: World) -> None:
    project, task, ann, rev, iterations = history(world)
    do_revert(world, task, iterations[0], commit=True)
    work = world.task(project, "work")
    assert work["status"] == "Processing"
    [entry] = work["assignments"]
    assert entry["worker"]["username"] == "ann" and entry["status"] == "Processing"
    [it] = entry["iterations"]
    assert (it["id"], it["status"], it["end_datetime"], it["submitted_data"]) == (iterations[0], "Processing", None, {})
    assert entry["in_progress_task_data"] == {"v": 2}  # left untouched on purpose
    [event] = [e for e in world.events(project) if e["action"] == "task.reverted"]
    assert event["before"] == {"status": "reviewing"}
    assert event["after"] == {"status": "processing", "iteration_id": iterations[0], "revert_before": False}
    # the work can go on: a fresh review level replaces the deleted one
    world.run(submission.submit_task, task, ann, {"v": 3}, actor=ACTOR, rng=lambda: 0.0)
    world.run(assignment.assign_task, task, rev, actor=ACTOR)
    assert world.status(project, "work") is TaskStatus.REVIEWING
    assert [a["worker"]["username"] for a in world.task(project, "work")["assignments"]] == ["ann", "rev"]


def test_committing_a_revert_to_the_resubmission_puts_the_task_back_into_post_review_processing(
    world: World,
) -> None:
    project, task, ann, _, iterations = history(world)
    do_revert(world, task, iterations[2], commit=True)
    work = world.task(project, "work")
    assert work["status"] == "Post-review Processing"
    entry, review = work["assignments"]
    assert (entry["status"], review["status"]) == ("Processing", "Submitted")
    assert [it["id"] for it in review["iterations"]] == [iterations[1]]
    assert review["iterations"][0]["feedback"] == "fix it"
    assert entry["iterations"][1]["status"] == "Processing" and entry["iterations"][1]["submitted_data"] == {}
    world.run(submission.submit_task, task, ann, {"v": 4}, actor=ACTOR)
    assert world.status(project, "work") is TaskStatus.REVIEWING
    assert world.task(project, "work")["assignments"][1]["in_progress_task_data"] == {"v": 4}


def test_committing_a_revert_before_the_first_review_leaves_the_task_pending_review(world: World) -> None:
    project, task, _, _, iterations = history(world)
    do_revert(world, task, iterations[1], before=True, commit=True)
    work = world.task(project, "work")
    assert work["status"] == "Pending Review"
    [entry] = work["assignments"]
    assert entry["status"] == "Submitted"
    assert [it["id"] for it in entry["iterations"]] == [iterations[0]]
    assert entry["iterations"][0]["status"] == "Requested Review"


def test_committing_a_revert_before_everything_leaves_the_task_awaiting_a_worker(world: World) -> None:
    project, task, _, rev, iterations = history(world)
    do_revert(world, task, iterations[0], before=True, commit=True)
    work = world.task(project, "work")
    assert work["status"] == "Awaiting Processing"
    assert work["assignments"] == []
    world.run(assignment.assign_task, task, rev, actor=ACTOR)
    assert world.status(project, "work") is TaskStatus.PROCESSING


def test_revert_before_is_only_allowed_on_the_first_iteration_of_an_assignment(world: World) -> None:
    project, task, _, _, iterations = history(world)
    snapshot = world.info(project)
    for index in (2, 3):
        with pytest.raises(InvalidRevertError, match="Cannot revert before an iteration that isn't the first"):
            do_revert(world, task, iterations[index], before=True, commit=True)
    assert world.info(project) == snapshot


def test_an_iteration_of_another_task_cannot_be_the_target(world: World) -> None:
    _, _, _, _, iterations = history(world)
    other = world.task_id(world.create(WF), "work")
    with pytest.raises(NotFound, match=f"Iteration {iterations[0]} does not belong to task {other}"):
        do_revert(world, other, iterations[0])


def test_reverting_a_completed_task_keeps_the_tasks_created_downstream(world: World) -> None:
    project, task, _, rev, iterations = history(world)
    world.run(submission.accept_task, task, rev, actor=ACTOR)
    assert world.status(project, "next") is TaskStatus.AWAITING_PROCESSING
    audit = do_revert(world, task, iterations[3], commit=True)
    assert audit["reverted_status"] == "Reviewing"
    assert world.status(project, "work") is TaskStatus.REVIEWING
    assert world.status(project, "next") is TaskStatus.AWAITING_PROCESSING
    review = world.task(project, "work")["assignments"][1]
    assert review["status"] == "Processing"
    assert review["iterations"][-1]["status"] == "Processing"


def test_the_revert_before_rule_is_checked_before_the_aborted_rule(world: World) -> None:
    project, task, _, _, iterations = history(world)
    world.run(projects.abort_project, project, actor=ACTOR)
    with pytest.raises(InvalidRevertError, match="Cannot revert before an iteration that isn't the first"):
        do_revert(world, task, iterations[2], before=True)
    with pytest.raises(InvalidRevertError, match="Cannot revert aborted task"):
        do_revert(world, task, iterations[0], before=True, commit=True)
    assert world.status(project, "work") is TaskStatus.ABORTED


@pytest.mark.parametrize("end", [projects.abort_project, projects.complete_project], ids=["aborted", "completed"])
def test_a_task_of_a_finished_project_cannot_be_reverted(world: World, end: Any) -> None:
    project, task, _, rev, iterations = history(world)
    world.run(submission.accept_task, task, rev, actor=ACTOR)  # complete, and stays so when the project is aborted
    world.run(end, project, actor=ACTOR)
    status = world.project_status(project).value
    with pytest.raises(InvalidRevertError, match=f"Project {project} is {status}; its tasks cannot be reverted"):
        do_revert(world, task, iterations[0])
    with pytest.raises(InvalidRevertError, match=f"Project {project} is {status}"):
        do_revert(world, task, iterations[0], commit=True)
    assert world.status(project, "work") is TaskStatus.COMPLETE


def test_a_revert_removes_the_time_logged_on_the_assignments_it_deletes(world: World) -> None:
    project, task, ann, rev, iterations = history(world)
    review = world.task(project, "work")["assignments"][1]["id"]
    work = world.task(project, "work")["assignments"][0]["id"]
    world.run(time_tracking.add_time_entry, rev, day=date(2026, 11, 30), seconds=3600, assignment_id=review)
    world.run(time_tracking.add_time_entry, ann, day=date(2026, 11, 30), seconds=1800, assignment_id=work)
    do_revert(world, task, iterations[0], commit=True)  # deletes the review assignment, keeps the work
    entries = world.read(lambda s: [(e.worker_id, e.assignment_id, e.seconds) for e in s.scalars(select(TimeEntry))])
    assert entries == [(ann, work, 1800)]
