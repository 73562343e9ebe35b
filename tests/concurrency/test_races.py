"""Racing the same transition from many threads gives exactly one outcome.

Each thread has its own unit of work, waits on a barrier, calls the use case and commits. On PostgreSQL the
task's row lock serialises them; on SQLite `BEGIN IMMEDIATE` does, so the outcome must be the same on both.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from store.enums import AssignmentStatus, TaskStatus
from store.models import Iteration, ProjectEvent, TaskAssignment
from tests.support.world import ACTOR, World, human, machine
from workflows import assignment, submission
from workflows import machine as machine_steps
from workflows.context import load_task
from workflows.errors import TuttiError

pytestmark = pytest.mark.postgres

THREADS = 20
CERT = "writer"


@dataclass
class Outcome:
    """What each racer got: a result, a domain error, or something else (which is a bug)."""

    wins: list[Any] = field(default_factory=list)
    refusals: list[TuttiError] = field(default_factory=list)
    integrity_errors: list[IntegrityError] = field(default_factory=list)
    crashes: list[BaseException] = field(default_factory=list)

    def messages(self) -> set[str]:
        return {error.message for error in self.refusals}

    def assert_one_winner(self, racers: int) -> None:
        assert not self.crashes, f"unexpected errors: {self.crashes!r}"
        assert not self.integrity_errors, (
            f"a constraint, not the row lock, decided the race; callers would see {self.integrity_errors[0]!r}"
        )
        assert len(self.wins) == 1, f"{len(self.wins)} racers succeeded"
        assert len(self.refusals) == racers - 1
        for error in self.refusals:
            assert error.message and error.message.strip(), "a refusal must say why"


def race(world: World, calls: list[Callable[[Any], Any]]) -> Outcome:
    """Run each call in its own thread and unit of work, all released together; commit the ones that succeed."""
    barrier = threading.Barrier(len(calls))
    outcome = Outcome()
    lock = threading.Lock()

    def racer(call: Callable[[Any], Any]) -> None:
        barrier.wait()
        try:
            with world.tutti.database.unit_of_work() as uow:
                result = call(uow.session)
                uow.commit()
        except TuttiError as exc:
            with lock:
                outcome.refusals.append(exc)
        except IntegrityError as exc:
            with lock:
                outcome.integrity_errors.append(exc)
        except BaseException as exc:
            with lock:
                outcome.crashes.append(exc)
        else:
            with lock:
                outcome.wins.append(result)

    threads = [threading.Thread(target=racer, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a racer hung"
    return outcome


def reviewed_workflow(world: World) -> None:
    world.load("races", [human("draft", required_certifications=[CERT],
                               review_policy={"policy": "sampled_review", "rate": 1, "max_reviews": 1})],
               certifications=[CERT])


def many_workers(world: World, count: int, *, reviewer: bool = False) -> list[int]:
    return [world.worker(f"racer{i}{'r' if reviewer else ''}", CERT, workflow="races",
                         reviewer=(CERT,) if reviewer else ()) for i in range(count)]


def count_rows(world: World, model: type, *conditions: Any) -> int:
    with world.tutti.database.read() as session:
        return session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


def events(world: World, task_id: int, action: str) -> int:
    return count_rows(world, ProjectEvent, ProjectEvent.task_id == task_id, ProjectEvent.action == action)


@dataclass(frozen=True)
class Held:
    """A plain copy of an assignment, readable after its session is gone."""

    worker_id: int | None
    assignment_counter: int
    status: AssignmentStatus
    in_progress_task_data: dict[str, Any]
    iterations: list[dict[str, Any] | None]


def held(world: World, project_id: int, step: str) -> list[Held]:
    with world.tutti.database.read() as session:
        ctx = load_task(session, world.task_id(project_id, step))
        return [Held(a.worker_id, a.assignment_counter, a.status, dict(a.in_progress_task_data),
                     [it.submitted_data for it in a.iterations]) for a in ctx.assignments]


def iterations(world: World, task_id: int) -> int:
    return count_rows(world, Iteration, Iteration.assignment_id.in_(
        select(TaskAssignment.id).where(TaskAssignment.task_id == task_id)))


def test_twenty_workers_racing_to_take_one_task_leave_exactly_one_assignment(world: World) -> None:
    reviewed_workflow(world)
    workers = many_workers(world, THREADS)
    project = world.create("races")
    task = world.task_id(project, "draft")

    outcome = race(world, [lambda s, w=w: assignment.assign_task(s, task, w, actor=ACTOR).worker_id
                           for w in workers])

    outcome.assert_one_winner(THREADS)
    assert world.status(project, "draft") is TaskStatus.PROCESSING
    [mine] = held(world, project, "draft")
    assert mine.worker_id == outcome.wins[0]
    assert mine.assignment_counter == 0 and mine.status is AssignmentStatus.PROCESSING
    assert len(mine.iterations) == 1
    assert events(world, task, "task.assigned") == 1
    winner = f"racer{workers.index(outcome.wins[0])}"
    assert outcome.messages() == {f"Task {task} (Draft) is already assigned to {winner}."}


def test_twenty_submissions_of_one_assignment_count_once(world: World) -> None:
    reviewed_workflow(world)
    [worker] = many_workers(world, 1)
    project = world.create("races")
    task = world.task_id(project, "draft")
    world.run(assignment.assign_task, task, worker, actor=ACTOR)

    outcome = race(world, [lambda s, i=i: submission.submit_task(s, task, worker, {"text": f"version {i}"},
                                                                   actor=ACTOR).id
                           for i in range(THREADS)])

    outcome.assert_one_winner(THREADS)
    assert world.status(project, "draft") is TaskStatus.PENDING_REVIEW
    [mine] = held(world, project, "draft")
    assert mine.status is AssignmentStatus.SUBMITTED
    [iteration] = mine.iterations
    assert iteration == mine.in_progress_task_data
    assert events(world, task, "task.submit") == 1
    assert outcome.messages() == {"Task has illegal status for submit."}


def under_review(world: World) -> tuple[int, int, int]:
    """A project whose task waits on its reviewer: (project, task, reviewer id)."""
    reviewed_workflow(world)
    [writer] = many_workers(world, 1)
    [reviewer] = many_workers(world, 1, reviewer=True)
    project = world.create("races")
    task = world.task_id(project, "draft")
    world.run(assignment.assign_task, task, writer, actor=ACTOR)
    world.run(submission.submit_task, task, writer, {"text": "v1"}, actor=ACTOR)
    world.run(assignment.assign_task, task, reviewer, actor=ACTOR)
    assert world.status(project, "draft") is TaskStatus.REVIEWING
    return project, task, reviewer


def test_two_racing_accepts_complete_the_task_once(world: World) -> None:
    project, task, reviewer = under_review(world)

    outcome = race(world, [lambda s: submission.accept_task(s, task, reviewer, actor=ACTOR).id] * 2)

    outcome.assert_one_winner(2)
    assert world.status(project, "draft") is TaskStatus.COMPLETE
    assert len(held(world, project, "draft")) == 2
    assert iterations(world, task) == 2
    assert events(world, task, "task.accept") == 1
    # Completing the only step completes the project; the loser is told whichever it checks first.
    assert outcome.messages() <= {"Task already completed", f"Project {project} is completed; its tasks cannot change."}


def test_two_racing_returns_send_the_work_back_once(world: World) -> None:
    project, task, reviewer = under_review(world)

    outcome = race(world, [lambda s, i=i: submission.return_task(s, task, reviewer, f"Fix it ({i})",
                                                                   actor=ACTOR).id
                           for i in range(2)])

    outcome.assert_one_winner(2)
    assert world.status(project, "draft") is TaskStatus.POST_REVIEW_PROCESSING
    writer, review = held(world, project, "draft")
    assert writer.status is AssignmentStatus.PROCESSING and review.status is AssignmentStatus.SUBMITTED
    assert len(writer.iterations) == 2, "the return opens exactly one new iteration for the writer"
    assert iterations(world, task) == 3
    assert events(world, task, "task.return") == 1
    assert outcome.messages() == {"Task is not under review, so it cannot be returned."}


def test_twenty_machines_racing_to_claim_one_step_run_it_once(world: World) -> None:
    world.load("races_machine", [machine("compute", "tests.concurrency.test_races.compute")])
    project = world.create("races_machine", drain=False)
    task = world.task_id(project, "compute")

    outcome = race(world, [lambda s: machine_steps.claim_machine_task(s, task, attempt=1)] * THREADS)

    outcome.assert_one_winner(THREADS)
    assert outcome.wins[0] is not None and outcome.wins[0].task_id == task
    assert outcome.messages() == {"Task already picked up by another machine"}
    assert world.status(project, "compute") is TaskStatus.PROCESSING
    [claimed] = held(world, project, "compute")
    assert claimed.worker_id is None and claimed.status is AssignmentStatus.PROCESSING
    assert len(claimed.iterations) == 1


def compute(project_data: dict[str, Any], prerequisites: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return {"answer": 42}


def test_the_last_two_tasks_finishing_at_once_still_complete_the_project(world: World) -> None:
    from store.enums import ProjectStatus

    world.load("pair", [human("left", review_policy={"policy": "no_review"}),
                        human("right", review_policy={"policy": "no_review"})])
    ann, bob = world.worker("ann"), world.worker("bob")
    for _ in range(5):
        project = world.create("pair")
        left, right = world.task_id(project, "left"), world.task_id(project, "right")
        world.run(assignment.assign_task, left, ann, actor=ACTOR)
        world.run(assignment.assign_task, right, bob, actor=ACTOR)
        outcome = race(world, [
            lambda s, t=left: submission.submit_task(s, t, ann, {"side": "left"}, actor=ACTOR),
            lambda s, t=right: submission.submit_task(s, t, bob, {"side": "right"}, actor=ACTOR),
        ])
        assert not outcome.crashes and not outcome.integrity_errors and len(outcome.wins) == 2
        assert world.project_status(project) is ProjectStatus.COMPLETED
