"""The project event log: every change says who, from where, and what it was before and after (Decision 13)."""

from __future__ import annotations

import itertools

from store.enums import EventSource
from store.events import Actor
from tests.support.world import ACTOR, World, human, machine
from workflows import assignment, projects, submission

WF = "logged"
SLACK_ANN = Actor("UANN", EventSource.SLACK)
SLACK_REV = Actor("UREV", EventSource.SLACK)


def test_every_change_of_a_project_is_logged_with_actor_source_before_and_after(world: World) -> None:
    world.load(WF, [
        machine("prepare", "tests.engine.machine_functions.succeed"),
        human("work", creation_depends_on=["prepare"],
              review_policy={"policy": "sampled_review", "rate": 1, "max_reviews": 1}),
    ])
    ann, rev = world.worker("ann"), world.worker("rev")
    project = world.create(WF)
    task = world.task_id(project, "work")
    world.run(assignment.assign_task, task, ann, actor=SLACK_ANN)
    world.run(submission.submit_task, task, ann, {"v": 1}, actor=SLACK_ANN, rng=lambda: 0.0)
    world.run(assignment.assign_task, task, rev, actor=SLACK_REV)
    world.run(submission.return_task, task, rev, "again", actor=SLACK_REV)
    world.run(submission.submit_task, task, ann, {"v": 2}, actor=SLACK_ANN)
    world.run(submission.accept_task, task, rev, actor=SLACK_REV)

    events = world.events(project)
    assert [(e["action"], e["actor"], e["source"]) for e in events] == [
        ("project.created", "test", EventSource.CLI),
        ("task.created", "test", EventSource.CLI),
        ("task.machine_completed", "machine-step", EventSource.JOB),
        ("task.created", "machine-step", EventSource.JOB),
        ("task.assigned", "UANN", EventSource.SLACK),
        ("task.submit", "UANN", EventSource.SLACK),
        ("task.assigned", "UREV", EventSource.SLACK),
        ("task.return", "UREV", EventSource.SLACK),
        ("task.submit", "UANN", EventSource.SLACK),
        ("task.accept", "UREV", EventSource.SLACK),
        ("project.complete", "UREV", EventSource.SLACK),
    ]
    assert all(e["created_at"] is not None for e in events)
    # status changes chain: each one starts where the previous one of the same task ended
    work = [e for e in events if e["task_id"] == task and e["action"] != "task.created"]
    statuses = [(e["before"]["status"], e["after"]["status"]) for e in work]
    assert statuses == [
        ("awaiting_processing", "processing"), ("processing", "pending_review"), ("pending_review", "reviewing"),
        ("reviewing", "post_review_processing"), ("post_review_processing", "reviewing"),
        ("reviewing", "complete"),
    ]
    for earlier, later in itertools.pairwise(statuses):
        assert earlier[1] == later[0]


def test_pause_resume_and_abort_are_logged_with_their_actor(world: World) -> None:
    world.load(WF, [human("only")])
    project = world.create(WF)
    admin = Actor("UADMIN", EventSource.API)
    world.run(projects.pause_project, project, actor=admin)
    world.run(projects.resume_project, project, actor=ACTOR)
    world.run(projects.abort_project, project, actor=admin)
    logged = [(e["action"], e["actor"], e["before"], e["after"]) for e in world.events(project)][2:]
    assert logged == [
        ("project.pause", "UADMIN", {"status": "active"}, {"status": "paused"}),
        ("project.resume", "test", {"status": "paused"}, {"status": "active"}),
        ("project.abort", "UADMIN", {"status": "active"}, {"status": "aborted"}),
        ("task.aborted", "UADMIN", {"status": "awaiting_processing"}, {"status": "aborted"}),
    ]


def test_saving_a_draft_is_logged_with_what_the_draft_was_before_and_after(world: World) -> None:
    world.load(WF, [human("only")])
    ann = world.worker("ann")
    project = world.create(WF)
    task = world.task_id(project, "only")
    world.run(assignment.assign_task, task, ann, actor=SLACK_ANN)
    world.run(submission.save_task, task, ann, {"text": "one"}, actor=SLACK_ANN)
    world.run(submission.save_task, task, ann, {"text": "two"}, actor=SLACK_ANN)
    saved = [e for e in world.events(project) if e["action"] == "task.saved"]
    assert [(e["actor"], e["source"]) for e in saved] == [("UANN", EventSource.SLACK)] * 2
    # every change has a before and an after (issue 2, requirement 4): here, the draft it replaced and the new one
    assert all(e["before"] is not None and e["after"] is not None for e in saved), saved
    assert "one" in str(saved[1]["before"]) and "two" in str(saved[1]["after"])
