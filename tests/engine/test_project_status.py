"""Pausing, resuming and aborting projects (§2.12 with Decisions 4 and 5)."""

from __future__ import annotations

from typing import Any

import pytest

from store.enums import ProjectStatus, TaskStatus
from tests.engine import machine_functions
from tests.support.world import ACTOR, World, human, machine
from workflows import assignment, projects, revert, submission
from workflows import machine as machine_steps
from workflows.context import load_project
from workflows.errors import ProjectStatusError

WF = "status"
FN = "tests.engine.machine_functions"
NO_REVIEW = {"policy": "no_review"}


@pytest.fixture(autouse=True)
def _reset_functions() -> None:
    machine_functions.reset()


def do(world: World, project: int, step: str, worker: int, data: dict[str, Any] | None = None) -> None:
    task = world.task_id(project, step)
    world.run(assignment.assign_task, task, worker, actor=ACTOR)
    world.run(submission.submit_task, task, worker, data or {}, actor=ACTOR)


# --- pause and resume --------------------------------------------------------------------------------------


def test_a_paused_project_gets_no_new_tasks_until_it_resumes(world: World) -> None:
    world.load(WF, [
        human("first", review_policy=NO_REVIEW),
        human("second", review_policy=NO_REVIEW, creation_depends_on=["first"]),
        machine("robot", f"{FN}.succeed", creation_depends_on=["first"]),
    ])
    ann = world.worker("ann")
    project = world.create(WF)
    world.run(projects.pause_project, project, actor=ACTOR)
    assert world.project_status(project) is ProjectStatus.PAUSED
    do(world, project, "first", ann, {"x": 1})  # work in hand may still be handed in
    world.drain()
    assert world.status(project, "first") is TaskStatus.COMPLETE
    assert not world.has_task(project, "second")
    assert not world.has_task(project, "robot")
    assert "succeed" not in machine_functions.CALLS

    world.run(projects.resume_project, project, actor=ACTOR)
    world.drain()
    assert world.project_status(project) is ProjectStatus.ACTIVE
    assert world.status(project, "second") is TaskStatus.AWAITING_PROCESSING
    assert world.status(project, "robot") is TaskStatus.COMPLETE
    assert machine_functions.SEEN["succeed"]["prerequisites"] == {"first": {"x": 1}}
    changes = [(e["before"], e["after"]) for e in world.events(project) if e["action"] in
               ("project.pause", "project.resume")]
    assert changes == [({"status": "active"}, {"status": "paused"}), ({"status": "paused"}, {"status": "active"})]


def test_a_machine_step_waiting_when_the_project_pauses_runs_only_after_resume(world: World) -> None:
    world.load(WF, [machine("robot", f"{FN}.succeed"), human("after", creation_depends_on=["robot"])])
    project = world.create(WF, drain=False)
    world.run(projects.pause_project, project, actor=ACTOR)
    world.drain()
    assert "succeed" not in machine_functions.CALLS
    assert world.status(project, "robot") is TaskStatus.AWAITING_PROCESSING
    assert world.task(project, "robot")["assignments"] == []

    world.run(projects.resume_project, project, actor=ACTOR)
    world.drain()
    assert machine_functions.CALLS["succeed"] == 1
    assert world.status(project, "robot") is TaskStatus.COMPLETE
    assert world.status(project, "after") is TaskStatus.AWAITING_PROCESSING


def test_a_machine_retry_that_falls_due_while_paused_runs_after_resume_and_only_once(world: World) -> None:
    world.load(WF, [machine("flaky", f"{FN}.fail_until_allowed", retry={"max_attempts": 3, "backoff_seconds": 10}),
                    human("after", creation_depends_on=["flaky"])])
    project = world.create(WF)  # the first attempt fails; a retry waits ten seconds
    [retry] = world.outbox("machine.run")
    world.run(projects.pause_project, project, actor=ACTOR)
    machine_functions.SEEN["allow"] = True
    world.make_due(retry["id"])
    world.drain()  # the retry comes due while paused and finds nothing to do
    assert world.status(project, "flaky") is TaskStatus.PROCESSING
    assert not world.has_task(project, "after")

    world.run(projects.resume_project, project, actor=ACTOR)
    world.drain()
    assert world.status(project, "flaky") is TaskStatus.COMPLETE
    assert world.status(project, "after") is TaskStatus.AWAITING_PROCESSING
    assert [m["status"] for m in world.outbox("machine.run")] == ["delivered", "delivered"]


def test_resuming_leaves_a_machine_retry_that_is_still_waiting_alone(world: World) -> None:
    world.load(WF, [machine("flaky", f"{FN}.fail_until_allowed", retry={"max_attempts": 3, "backoff_seconds": 10})])
    project = world.create(WF)
    world.run(projects.pause_project, project, actor=ACTOR)
    world.run(projects.resume_project, project, actor=ACTOR)  # the retry has not come due: nothing to add
    assert len(world.outbox("machine.run")) == 1
    machine_functions.SEEN["allow"] = True
    world.make_due(world.outbox("machine.run")[0]["id"])
    world.drain()
    assert world.status(project, "flaky") is TaskStatus.COMPLETE
    assert machine_functions.CALLS["fail_until_allowed"] == 2


def test_pausing_twice_or_resuming_an_active_project_is_refused(world: World) -> None:
    world.load(WF, [human("only")])
    project = world.create(WF)
    with pytest.raises(ProjectStatusError, match="cannot be resumed"):
        world.run(projects.resume_project, project, actor=ACTOR)
    world.run(projects.pause_project, project, actor=ACTOR)
    with pytest.raises(ProjectStatusError, match="cannot be paused"):
        world.run(projects.pause_project, project, actor=ACTOR)
    assert world.project_status(project) is ProjectStatus.PAUSED


# --- abort ----------------------------------------------------------------------------------------------------


def three_tasks(world: World, **version_keys: Any) -> tuple[int, int, int]:
    """A project with `done` complete, `busy` processing and `waiting` awaiting processing."""
    world.load(WF, [
        human("done", review_policy=NO_REVIEW),
        human("busy"),
        human("waiting"),
        human("later", creation_depends_on=["busy"]),
    ], **version_keys)
    ann, bob = world.worker("ann"), world.worker("bob")
    project = world.create(WF, data={"client": "acme"})
    do(world, project, "done", ann, {"kept": True})
    world.run(assignment.assign_task, world.task_id(project, "busy"), bob, actor=ACTOR)
    return project, ann, bob


def test_aborting_keeps_completed_tasks_aborts_the_rest_and_announces_it_once(world: World) -> None:
    project, _, _ = three_tasks(world, abort_completion_function={"path": f"{FN}.remember_abort",
                                                                   "kwargs": {"why": "client left"}})
    world.run(projects.abort_project, project, actor=ACTOR)

    assert world.project_status(project) is ProjectStatus.ABORTED
    assert world.status(project, "done") is TaskStatus.COMPLETE
    assert world.status(project, "busy") is TaskStatus.ABORTED
    assert world.status(project, "waiting") is TaskStatus.ABORTED
    assert world.task(project, "done")["latest_data"] == {"kept": True}
    changed = [p for p in world.emitted(project) if p["event"] == "project.status_changed"]
    assert changed == [{"event": "project.status_changed", "project_id": project,
                        "previous_status": "active", "status": "aborted"}]
    aborted = {(e["task_id"], e["before"]["status"]) for e in world.events(project) if e["action"] == "task.aborted"}
    assert aborted == {(world.task_id(project, "busy"), "processing"),
                       (world.task_id(project, "waiting"), "awaiting_processing")}
    hook = machine_functions.SEEN["abort"]
    assert hook["kwargs"] == {"why": "client left"}
    assert hook["project"]["id"] == project and hook["project"]["project_data"] == {"client": "acme"}
    assert world.info(project)["project"]["status"] == 2


def test_aborting_is_all_or_nothing(world: World) -> None:
    project, _, _ = three_tasks(world, abort_completion_function={"path": f"{FN}.abort_explodes"})
    before = world.info(project)
    with pytest.raises(Exception, match="abort hook failed"):
        world.run(projects.abort_project, project, actor=ACTOR)
    assert world.info(project) == before
    assert world.project_status(project) is ProjectStatus.ACTIVE
    assert "task.aborted" not in [e["action"] for e in world.events(project)]


def test_an_aborted_project_never_becomes_completed_and_its_tasks_cannot_change(world: World) -> None:
    project, ann, bob = three_tasks(world)
    busy, waiting = world.task_id(project, "busy"), world.task_id(project, "waiting")
    world.run(projects.abort_project, project, actor=ACTOR)
    before = world.info(project)

    def create_subsequent(session: Any) -> None:
        loaded, info = load_project(session, project)
        projects.create_subsequent_tasks(session, loaded, info, actor=ACTOR)

    world.run(create_subsequent)
    attempts = [
        lambda: world.run(projects.complete_project, project, actor=ACTOR),
        lambda: world.run(projects.resume_project, project, actor=ACTOR),
        lambda: world.run(projects.pause_project, project, actor=ACTOR),
        lambda: world.run(projects.abort_project, project, actor=ACTOR),
        lambda: world.run(submission.submit_task, busy, bob, {}, actor=ACTOR),
        lambda: world.run(submission.save_task, busy, bob, {"late": True}, actor=ACTOR),
        lambda: world.run(assignment.assign_task, waiting, ann, actor=ACTOR),
        lambda: world.run(submission.complete_and_skip_task, waiting, actor=ACTOR),
        lambda: world.run(assignment.reassign_assignment, before["tasks"]["busy"]["assignments"][0]["id"], ann,
                          actor=ACTOR),
    ]
    for attempt in attempts:
        with pytest.raises(ProjectStatusError):
            attempt()
    assert world.project_status(project) is ProjectStatus.ABORTED
    assert world.info(project) == before


def test_an_aborted_task_cannot_be_reverted(world: World) -> None:
    project, _, _ = three_tasks(world)
    busy = world.task(project, "busy")
    world.run(projects.abort_project, project, actor=ACTOR)
    with pytest.raises(Exception, match="Cannot revert aborted task"):
        world.run(revert.revert_task, busy["id"], busy["assignments"][0]["iterations"][0]["id"], commit=True,
                  actor=ACTOR)


def test_a_machine_step_finishing_after_the_abort_leaves_the_task_aborted(world: World) -> None:
    world.load(WF, [machine("robot", f"{FN}.succeed"), human("after", creation_depends_on=["robot"])])
    project = world.create(WF, drain=False)
    task = world.task_id(project, "robot")
    run = world.run(machine_steps.claim_machine_task, task)
    assert run is not None
    world.run(projects.abort_project, project, actor=ACTOR)
    world.run(machine_steps.record_machine_success, task, run.execute(), actor=ACTOR)
    robot = world.task(project, "robot")
    assert robot["status"] == "Aborted"
    assert robot["assignments"][0]["status"] == "Submitted"
    assert robot["assignments"][0]["iterations"][0]["status"] == "Processing"
    assert not world.has_task(project, "after")
    assert world.project_status(project) is ProjectStatus.ABORTED
