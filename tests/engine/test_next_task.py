""""Get a task": the best task the worker qualifies for, per certification and role, race-safe."""

from __future__ import annotations

import threading

import pytest

from store.enums import ProjectStatus, Role, TaskClass, TaskStatus
from store.models import TaskAssignment
from tests.support.world import ACTOR, World, human
from workflows import projects, submission
from workflows.next_task import claim_next_task

WF = "desk"
ONE_REVIEW = {"policy": "sampled_review", "rate": 1, "max_reviews": 1}


@pytest.fixture
def wf(world: World) -> World:
    world.load(WF, [
        human("write", required_certifications=["writer"], review_policy=ONE_REVIEW),
        human("rate"),
    ], certifications=["writer", "editor"])
    return world


def create(world: World, priority: int = 0, description: str = "p",
           task_class: TaskClass = TaskClass.REAL) -> int:
    request = projects.ProjectRequest(WF, "v1", description, priority, {}, task_class)
    project = world.run(projects.create_project, request, actor=ACTOR).project.id
    world.drain()
    return project


def claim(world: World, worker: int, slug: str | None, role: Role = Role.ENTRY_LEVEL) -> int | None:
    """The task id claimed, or None."""
    def do(session: object) -> int | None:
        assignment: TaskAssignment | None = claim_next_task(session, worker, slug, role, ACTOR)  # type: ignore[arg-type]
        return None if assignment is None else assignment.task_id
    return world.run(do)


def test_highest_priority_first_then_the_oldest_project(wf: World) -> None:
    ann = wf.worker("ann", "writer", workflow=WF)
    old_low = create(wf, priority=1)
    old_high = create(wf, priority=5)
    new_high = create(wf, priority=5)
    assert claim(wf, ann, "writer") == wf.task_id(old_high, "write")
    bob = wf.worker("bob", "writer", workflow=WF)
    assert claim(wf, bob, "writer") == wf.task_id(new_high, "write")
    cat = wf.worker("cat", "writer", workflow=WF)
    assert claim(wf, cat, "writer") == wf.task_id(old_low, "write")
    assert wf.status(old_low, "write") is TaskStatus.PROCESSING


def test_nothing_left_gives_none(wf: World) -> None:
    ann = wf.worker("ann", "writer", workflow=WF)
    create(wf)
    assert claim(wf, ann, "writer") is not None
    assert claim(wf, ann, "writer") is None


def test_an_unqualified_worker_gets_nothing_for_that_certification(wf: World) -> None:
    ed = wf.worker("ed", "editor", workflow=WF)
    create(wf)
    assert claim(wf, ed, "writer") is None
    assert claim(wf, ed, "editor") is None


def test_steps_without_certifications_are_open_to_everyone(wf: World) -> None:
    nobody = wf.worker("nobody")
    project = create(wf)
    assert claim(wf, nobody, "writer") is None
    assert claim(wf, nobody, None) == wf.task_id(project, "rate")


def test_a_reviewer_gets_work_pending_review_but_never_their_own(wf: World) -> None:
    ann = wf.worker("ann", "writer", workflow=WF, reviewer=("writer",))
    rev = wf.worker("rev", "writer", workflow=WF, reviewer=("writer",))
    project = create(wf)
    task = wf.task_id(project, "write")
    assert claim(wf, ann, "writer") == task
    assert claim(wf, ann, "writer", Role.REVIEWER) is None  # nothing submitted yet
    wf.run(submission.submit_task, task, ann, {}, actor=ACTOR)
    assert wf.status(project, "write") is TaskStatus.PENDING_REVIEW
    assert claim(wf, ann, "writer", Role.REVIEWER) is None  # they are already on it
    assert claim(wf, rev, "writer", Role.REVIEWER) == task
    assert wf.status(project, "write") is TaskStatus.REVIEWING


def test_an_entry_level_certification_does_not_give_reviews(wf: World) -> None:
    ann = wf.worker("ann", "writer", workflow=WF)
    bob = wf.worker("bob", "writer", workflow=WF)
    project = create(wf)
    task = wf.task_id(project, "write")
    claim(wf, ann, "writer")
    wf.run(submission.submit_task, task, ann, {}, actor=ACTOR)
    assert claim(wf, bob, "writer", Role.REVIEWER) is None


def test_paused_projects_and_training_certifications_follow_the_rules(wf: World) -> None:
    trainee = wf.worker("trainee", "writer", workflow=WF, training=True)
    real = create(wf, priority=9)
    paused = create(wf, priority=8)
    wf.run(projects.pause_project, paused, actor=ACTOR)
    training = create(wf, priority=1, task_class=TaskClass.TRAINING)
    assert wf.project_status(paused) is ProjectStatus.PAUSED
    # a training certification opens training projects only; paused projects give nothing
    assert claim(wf, trainee, "writer") == wf.task_id(training, "write")
    assert claim(wf, trainee, "writer") is None
    assert wf.status(real, "write") is TaskStatus.AWAITING_PROCESSING


def test_two_experts_claiming_at_once_get_different_tasks(wf: World) -> None:
    people = [wf.worker(name, "writer", workflow=WF) for name in ("ann", "bob", "cat", "dan")]
    made = {wf.task_id(create(wf), "write") for _ in range(3)}
    barrier = threading.Barrier(len(people))
    got: dict[int, int | None] = {}

    def run(worker: int) -> None:
        barrier.wait()
        got[worker] = claim(wf, worker, "writer")

    threads = [threading.Thread(target=run, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    claimed = [t for t in got.values() if t is not None]
    assert sorted(claimed) == sorted(made)  # three tasks, three different winners, the fourth gets none
    assert list(got.values()).count(None) == 1


def test_a_lost_race_moves_on_to_the_next_candidate(wf: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy import select

    from store.models import Task
    from workflows import next_task

    ann = wf.worker("ann", "writer", workflow=WF)
    bob = wf.worker("bob", "writer", workflow=WF)
    first = wf.task_id(create(wf, priority=2), "write")
    second = wf.task_id(create(wf, priority=1), "write")
    wf.run(next_task.assign_task, first, bob, actor=ACTOR)

    def stale(*args: object, **kwargs: object) -> object:
        # Candidates as read just before bob took the first task: ann loses that race and gets the second.
        return select(Task.id).where(Task.id.in_([first, second])).order_by(Task.id)

    monkeypatch.setattr(next_task, "available_tasks", stale)
    assert claim(wf, ann, "writer") == second
    assert wf.status(1, "write") is TaskStatus.PROCESSING
