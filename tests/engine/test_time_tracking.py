"""The timer and time entries (§6): elapsed time, one running timer, own assignments only, validation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from store.models import TaskAssignment
from tests.support.world import ACTOR, World, human
from workflows import assignment, time_tracking
from workflows.errors import NotFound, TimerError, ValidationError

WF = "timed"
T0 = datetime(2026, 3, 2, 23, 59, 0, tzinfo=UTC)


@pytest.fixture
def setup(world: World) -> tuple[World, int, int, int, int]:
    """ann holds assignment `mine`; bob holds assignment `theirs`."""
    world.load(WF, [human("a"), human("b")])
    ann, bob = world.worker("ann"), world.worker("bob")
    project = world.create(WF)
    world.run(assignment.assign_task, world.task_id(project, "a"), ann, actor=ACTOR)
    world.run(assignment.assign_task, world.task_id(project, "b"), bob, actor=ACTOR)
    info = world.info(project)["tasks"]
    return world, ann, bob, info["a"]["assignments"][0]["id"], info["b"]["assignments"][0]["id"]


def entries(world: World, worker: int, **filters: object) -> list[tuple[date, int, str, int | None]]:
    return world.read(lambda s: [(e.date, e.seconds, e.description, e.assignment_id)
                                 for e in time_tracking.time_entries(s, worker, **filters)])


def test_stopping_the_timer_records_the_elapsed_seconds_and_resets_it(setup: tuple) -> None:
    world, ann, _, mine, _ = setup
    world.run(lambda s: time_tracking.start_timer(s, ann, mine, now=T0) and None)
    world.run(lambda s: time_tracking.update_timer(s, ann, description="drafting", assignment_id=mine) and None)
    entry = world.run(lambda s: (lambda e: (e.seconds, e.date, e.description, e.assignment_id,
                                            e.timer_start_time, e.timer_stop_time))(
        time_tracking.stop_timer(s, ann, now=T0 + timedelta(seconds=95))))
    assert entry == (95, date(2026, 3, 2), "drafting", mine, T0, T0 + timedelta(seconds=95))
    timer = world.read(lambda s: (lambda t: (t.start_time, t.assignment_id, t.description))(
        time_tracking.get_timer(s, ann)))
    assert timer == (None, None, "")
    assert entries(world, ann) == [(date(2026, 3, 2), 95, "drafting", mine)]


def test_a_running_timer_cannot_be_started_again_and_a_stopped_one_cannot_be_stopped(setup: tuple) -> None:
    world, ann, _, _, _ = setup
    with pytest.raises(TimerError, match="Timer not started"):
        world.run(time_tracking.stop_timer, ann)
    world.run(lambda s: time_tracking.start_timer(s, ann, now=T0) and None)
    with pytest.raises(TimerError, match="Timer has already started"):
        world.run(time_tracking.start_timer, ann)
    started = world.read(lambda s: time_tracking.get_timer(s, ann).start_time)
    assert started == T0
    duration = world.read(lambda s: time_tracking.running_for(time_tracking.get_timer(s, ann),
                                                              T0 + timedelta(minutes=5)))
    assert duration == timedelta(minutes=5)
    assert entries(world, ann) == []


def test_the_timer_only_takes_the_workers_own_assignment(setup: tuple) -> None:
    world, ann, _, mine, theirs = setup
    with pytest.raises(NotFound, match="Worker is not assigned to this task id"):
        world.run(time_tracking.start_timer, ann, theirs)
    assert world.read(lambda s: time_tracking.get_timer(s, ann).start_time) is None
    world.run(lambda s: time_tracking.start_timer(s, ann, now=T0) and None)
    with pytest.raises(NotFound, match="Worker is not assigned to this task id"):
        world.run(time_tracking.update_timer, ann, description="x", assignment_id=theirs)
    world.run(lambda s: time_tracking.update_timer(s, ann, description="on mine", assignment_id=mine) and None)
    assert world.read(lambda s: time_tracking.get_timer(s, ann).assignment_id) == mine
    world.run(lambda s: time_tracking.update_timer(s, ann, description="on nothing") and None)
    timer = world.read(lambda s: (lambda t: (t.assignment_id, t.description, t.start_time))(
        time_tracking.get_timer(s, ann)))
    assert timer == (None, "on nothing", T0)
    with pytest.raises(ValidationError, match="200 characters"):
        world.run(time_tracking.update_timer, ann, description="x" * 201)


def test_time_entries_are_added_edited_and_deleted_by_their_owner_only(setup: tuple) -> None:
    world, ann, bob, mine, theirs = setup
    first = world.run(lambda s: time_tracking.add_time_entry(s, ann, day=date(2026, 3, 1), seconds=600,
                                                            description="research", assignment_id=mine).id)
    second = world.run(lambda s: time_tracking.add_time_entry(s, ann, day=date(2026, 3, 3), seconds=60).id)
    assert entries(world, ann) == [(date(2026, 3, 1), 600, "research", mine), (date(2026, 3, 3), 60, "", None)]
    assert entries(world, ann, assignment_id=mine) == [(date(2026, 3, 1), 600, "research", mine)]
    assert entries(world, ann, start=date(2026, 3, 2)) == [(date(2026, 3, 3), 60, "", None)]
    assert entries(world, ann, end=date(2026, 3, 2)) == [(date(2026, 3, 1), 600, "research", mine)]
    assert entries(world, bob) == []

    world.run(lambda s: time_tracking.update_time_entry(s, ann, first, seconds=900, description="more research",
                                                        day=date(2026, 3, 2)) and None)
    assert entries(world, ann)[0] == (date(2026, 3, 2), 900, "more research", mine)
    with pytest.raises(NotFound, match="is not one of yours"):
        world.run(time_tracking.update_time_entry, bob, first, seconds=1)
    with pytest.raises(NotFound, match="is not one of yours"):
        world.run(time_tracking.delete_time_entry, bob, first)
    world.run(time_tracking.delete_time_entry, ann, second)
    assert entries(world, ann) == [(date(2026, 3, 2), 900, "more research", mine)]
    with pytest.raises(NotFound):
        world.run(time_tracking.add_time_entry, ann, day=date(2026, 3, 1), seconds=60, assignment_id=theirs)


@pytest.mark.parametrize(("seconds", "description"), [(0, ""), (-5, ""), (24 * 3600 + 1, ""), (60, "x" * 201)])
def test_invalid_time_entries_are_refused(setup: tuple, seconds: int, description: str) -> None:
    world, ann, _, _, _ = setup
    with pytest.raises(ValidationError):
        world.run(time_tracking.add_time_entry, ann, day=date(2026, 3, 1), seconds=seconds, description=description)
    entry = world.run(lambda s: time_tracking.add_time_entry(s, ann, day=date(2026, 3, 1), seconds=60).id)
    with pytest.raises(ValidationError):
        world.run(time_tracking.update_time_entry, ann, entry, seconds=seconds if seconds != 60 else 0,
                  description=description)
    assert entries(world, ann) == [(date(2026, 3, 1), 60, "", None)]


def test_recorded_work_time_in_project_information_sums_the_assignments_entries(setup: tuple) -> None:
    world, ann, _, mine, _ = setup
    project = world.read(lambda s: s.get(TaskAssignment, mine).task.project_id)
    assert world.info(project)["tasks"]["a"]["assignments"][0]["recorded_work_time"] is None
    world.run(lambda s: time_tracking.start_timer(s, ann, mine, now=T0) and None)
    world.run(lambda s: time_tracking.stop_timer(s, ann, now=T0 + timedelta(seconds=120)) and None)
    world.run(lambda s: time_tracking.add_time_entry(s, ann, day=date(2026, 3, 4), seconds=30,
                                                    assignment_id=mine) and None)
    world.run(lambda s: time_tracking.add_time_entry(s, ann, day=date(2026, 3, 4), seconds=999) and None)
    tasks = world.info(project)["tasks"]
    assert tasks["a"]["assignments"][0]["recorded_work_time"] == 150
    assert tasks["b"]["assignments"][0]["recorded_work_time"] is None
