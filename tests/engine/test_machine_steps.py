"""Machine steps: success, retries with backoff, final failure and an admin's retry (§2.11, Decision 9)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from store.enums import OutboxStatus, ProjectStatus, TaskStatus
from store.types import utcnow
from tests.engine import machine_functions
from tests.support.world import ACTOR, World, human, machine
from workflows import machine as machine_steps
from workflows import projects, submission
from workflows.errors import MachineExecutionError

WF = "robots"
FN = "tests.engine.machine_functions"


@pytest.fixture(autouse=True)
def _reset_functions() -> None:
    machine_functions.reset()


def runs(world: World) -> list[dict[str, Any]]:
    return world.outbox("machine.run")


def close_to(moment: Any, seconds: float) -> bool:
    expected = utcnow() + timedelta(seconds=seconds)
    return abs((moment - expected).total_seconds()) < 3


def test_a_successful_machine_step_stores_its_result_and_creates_what_depends_on_it(world: World) -> None:
    world.load(WF, [
        machine("fetch", f"{FN}.succeed", execution_function={"path": f"{FN}.succeed", "kwargs": {"size": 3}}),
        human("check", creation_depends_on=["fetch"]),
    ])
    project = world.create(WF, data={"url": "http://x"}, drain=False)
    assert world.status(project, "fetch") is TaskStatus.AWAITING_PROCESSING
    assert not world.has_task(project, "check")
    [message] = runs(world)
    assert message["payload"] == {"task_id": world.task_id(project, "fetch")}

    world.drain()
    seen = machine_functions.SEEN["succeed"]
    assert seen == {"project_data": {"url": "http://x", "project_id": project}, "prerequisites": {},
                    "kwargs": {"size": 3}}
    fetch = world.task(project, "fetch")
    result = {"done": True, "project_id": project, "seen": [], "size": 3}
    assert fetch["status"] == "Complete"
    assert fetch["latest_data"] == result
    [machine_assignment] = fetch["assignments"]
    assert machine_assignment["worker"]["id"] is None
    assert machine_assignment["status"] == "Submitted"
    [iteration] = machine_assignment["iterations"]
    assert iteration["status"] == "Requested Review"
    assert iteration["submitted_data"] == result
    assert iteration["end_datetime"] is not None
    assert world.status(project, "check") is TaskStatus.AWAITING_PROCESSING
    assert runs(world)[0]["status"] is OutboxStatus.DELIVERED
    [done] = [e for e in world.events(project) if e["action"] == "task.machine_completed"]
    assert (done["actor"], done["source"].value) == ("machine-step", "job")
    assert done["before"] == {"status": "processing"} and done["after"] == {"status": "complete"}


def test_a_project_of_machine_steps_only_completes_by_itself(world: World) -> None:
    world.load(WF, [machine("one", f"{FN}.succeed"), machine("two", f"{FN}.succeed", creation_depends_on=["one"])])
    project = world.create(WF)
    assert world.status(project, "two") is TaskStatus.COMPLETE
    assert machine_functions.SEEN["succeed"]["prerequisites"] == {
        "one": {"done": True, "project_id": project, "seen": []}
    }
    assert world.project_status(project) is ProjectStatus.COMPLETED


def test_a_failing_machine_step_is_retried_with_backoff_then_marked_failed(world: World) -> None:
    world.load(WF, [
        machine("flaky", f"{FN}.always_fail", retry={"max_attempts": 3, "backoff_seconds": 10}),
        human("after", creation_depends_on=["flaky"]),
    ])
    project = world.create(WF)
    task = world.task_id(project, "flaky")

    [message] = runs(world)
    assert machine_functions.CALLS["always_fail"] == 1
    assert (message["attempts"], message["max_attempts"], message["status"]) == (1, 3, OutboxStatus.PENDING)
    assert close_to(message["available_at"], 10)
    between = world.task(project, "flaky")
    assert between["status"] == "Processing"
    assert between["assignments"][0]["status"] == "Failed"
    assert world.read(lambda s: machine_steps.load_task(s, task).task.last_error) == "RuntimeError: boom #1"
    assert [p["event"] for p in world.emitted(project)].count("task.failed") == 0
    with pytest.raises(MachineExecutionError, match="not failed; there is nothing to retry"):
        world.run(machine_steps.retry_machine_task, task, actor=ACTOR)

    world.make_due(message["id"])
    world.drain()
    [message] = runs(world)
    assert machine_functions.CALLS["always_fail"] == 2
    assert message["attempts"] == 2 and message["status"] is OutboxStatus.PENDING
    assert close_to(message["available_at"], 20)

    world.make_due(message["id"])
    world.drain()
    [message] = runs(world)
    assert machine_functions.CALLS["always_fail"] == 3
    assert message["attempts"] == 3 and message["status"] is OutboxStatus.DEAD
    failed = world.task(project, "flaky")
    assert failed["status"] == "Failed"
    assert world.read(lambda s: machine_steps.load_task(s, task).task.last_error) == "RuntimeError: boom #3"
    assert len(failed["assignments"]) == 1 and len(failed["assignments"][0]["iterations"]) == 1
    [notice] = [p for p in world.emitted(project) if p["event"] == "task.failed"]
    assert notice["task_id"] == task and notice["attempts"] == 3 and "boom #3" in notice["error"]
    actions = [e["action"] for e in world.events(project)]
    assert actions.count("task.machine_attempt_failed") == 2
    [final] = [e for e in world.events(project) if e["action"] == "task.machine_failed"]
    assert final["before"] == {"status": "processing"}
    assert final["after"]["status"] == "failed" and final["after"]["attempts"] == 3
    assert not world.has_task(project, "after")
    assert world.project_status(project) is ProjectStatus.ACTIVE


def test_an_admin_retry_runs_a_failed_step_again_and_it_can_then_succeed(world: World) -> None:
    world.load(WF, [
        machine("flaky", f"{FN}.fail_until_allowed", retry={"max_attempts": 1, "backoff_seconds": 0}),
        human("after", creation_depends_on=["flaky"]),
    ])
    project = world.create(WF)
    task = world.task_id(project, "flaky")
    assert world.status(project, "flaky") is TaskStatus.FAILED

    machine_functions.SEEN["allow"] = True
    world.run(machine_steps.retry_machine_task, task, actor=ACTOR)
    assert world.status(project, "flaky") is TaskStatus.FAILED  # nothing runs until the job does
    world.drain()
    flaky = world.task(project, "flaky")
    assert flaky["status"] == "Complete"
    assert flaky["latest_data"] == {"fixed": True, "calls": 2}
    [only] = flaky["assignments"]
    assert only["status"] == "Submitted"
    assert [it["status"] for it in only["iterations"]] == ["Requested Review"]
    assert world.read(lambda s: machine_steps.load_task(s, task).task.last_error) is None
    assert world.status(project, "after") is TaskStatus.AWAITING_PROCESSING
    assert "task.machine_retry_requested" in [e["action"] for e in world.events(project)]
    with pytest.raises(MachineExecutionError, match="is complete, not failed"):
        world.run(machine_steps.retry_machine_task, task, actor=ACTOR)


def test_retrying_a_human_task_or_a_task_of_a_paused_project_is_refused(world: World) -> None:
    world.load(WF, [machine("broken", f"{FN}.always_fail", retry={"max_attempts": 1}), human("person")])
    project = world.create(WF)
    with pytest.raises(MachineExecutionError, match="only machine steps can be retried"):
        world.run(machine_steps.retry_machine_task, world.task_id(project, "person"), actor=ACTOR)
    world.run(projects.pause_project, project, actor=ACTOR)
    with pytest.raises(MachineExecutionError, match="resume it first"):
        world.run(machine_steps.retry_machine_task, world.task_id(project, "broken"), actor=ACTOR)
    assert len(runs(world)) == 1


def test_a_machine_function_that_does_not_return_a_dict_fails_the_step(world: World) -> None:
    world.load(WF, [machine("odd", f"{FN}.returns_a_list", retry={"max_attempts": 1})])
    project = world.create(WF)
    task = world.task_id(project, "odd")
    assert world.status(project, "odd") is TaskStatus.FAILED
    assert "returned list, not a dict" in world.read(lambda s: machine_steps.load_task(s, task).task.last_error)


def test_the_backoff_between_machine_retries_never_exceeds_the_steps_max_backoff(world: World) -> None:
    world.load(WF, [machine("flaky", f"{FN}.always_fail",
                            retry={"max_attempts": 5, "backoff_seconds": 10, "max_backoff_seconds": 15})])
    world.create(WF)
    [message] = runs(world)
    assert close_to(message["available_at"], 10)
    world.make_due(message["id"])
    world.drain()
    [message] = runs(world)
    assert message["attempts"] == 2
    assert close_to(message["available_at"], 15), "the second delay (20 s) should be capped at 15 s"


def test_a_machine_task_is_claimed_only_once_and_human_steps_cannot_be_run(world: World) -> None:
    world.load(WF, [machine("robot", f"{FN}.succeed"), human("person")])
    project = world.create(WF, drain=False)
    robot = world.task_id(project, "robot")
    assert world.run(machine_steps.claim_machine_task, robot) is not None
    assert world.status(project, "robot") is TaskStatus.PROCESSING
    with pytest.raises(MachineExecutionError, match="Task already picked up by another machine"):
        world.run(machine_steps.claim_machine_task, robot)
    with pytest.raises(MachineExecutionError, match="Step worker type is not machine"):
        world.run(machine_steps.claim_machine_task, world.task_id(project, "person"))
    assert len(world.task(project, "robot")["assignments"]) == 1


def test_a_machine_that_finishes_after_its_task_was_completed_by_hand_changes_nothing(world: World) -> None:
    world.load(WF, [machine("robot", f"{FN}.succeed"), human("after", creation_depends_on=["robot"])])
    project = world.create(WF, drain=False)
    robot = world.task_id(project, "robot")
    world.run(machine_steps.claim_machine_task, robot)
    world.run(submission.complete_and_skip_task, robot, actor=ACTOR)
    assert world.status(project, "after") is TaskStatus.AWAITING_PROCESSING
    world.run(machine_steps.record_machine_success, robot, {"late": True}, actor=ACTOR)
    assert world.status(project, "robot") is TaskStatus.COMPLETE
    assert world.task(project, "robot")["assignments"][0]["in_progress_task_data"] != {"late": True}
    [ignored] = [e for e in world.events(project) if e["action"] == "task.machine_result_ignored"]
    assert ignored["after"] == {"result": {"late": True}}
