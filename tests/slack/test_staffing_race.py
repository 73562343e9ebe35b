"""Fifty experts press Accept on the same task at once: exactly one gets it, everyone else sees "taken".

The clicks go through the sandbox to the app over HTTP, each in its own thread; the app's listener threads race in
the engine. On PostgreSQL the task's row lock and the conditional UPDATE of the request's winner decide; on SQLite
`BEGIN IMMEDIATE` serialises them. The outcome must be the same on both.
"""

from __future__ import annotations

import random
import threading
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jobs.staffing import StaffingRounds
from sandbox.driver import Sandbox
from store.models import StaffingRequest, StaffingResponse, TaskAssignment
from tests.slack.conftest import ServedTutti, SlackWorld
from tests.slack.test_staffbot import buttons, offer
from tests.support.world import ACTOR, human
from workflows import staffing
from workflows.staffing import StaffingConfig

EXPERTS = 50


def test_fifty_concurrent_accepts_make_one_assignment_and_everyone_else_sees_taken(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    slack_world.load("desk", [human("write", required_certifications=["writer"])], certifications=["writer"])
    users = [f"UW{n:03d}" for n in range(EXPERTS)]
    for n in range(EXPERTS):
        slack_world.worker(f"w{n:03d}", "writer", workflow="desk")
    project = slack_world.create("desk")
    task = slack_world.task_id(project, "write")
    slack_world.run(staffing.staff_task, task, actor=ACTOR)
    StaffingRounds(slack_world.tutti.database, StaffingConfig(batch_size=EXPERTS),
                   rng=random.Random(1).random).run_batches()
    slack_world.settle(timeout=60)

    clicks = []
    for user in users:
        session = sandbox.as_user(user)
        target, hit = session._find_clickable("Accept", offer(sandbox, user, task))
        clicks.append((user, target, hit))
    barrier = threading.Barrier(EXPERTS)
    errors: list[BaseException] = []

    def click(user: str, target: Any, hit: Any) -> None:
        barrier.wait()
        try:
            sandbox.interactions.act(user, target, hit.found.block_id, hit.found.action_id, hit.value)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=click, args=c) for c in clicks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    sandbox.settle(timeout=30)
    slack_world.settle(timeout=60)

    def counts(session: Session) -> tuple[Any, ...]:
        return (session.scalar(select(func.count(TaskAssignment.id)).where(TaskAssignment.task_id == task)),
                session.scalar(select(func.count(StaffingResponse.id)).where(StaffingResponse.is_winner)),
                session.scalar(select(func.count(StaffingRequest.id))
                               .where(StaffingRequest.winner_worker_id.is_not(None))))

    assert slack_world.read(counts) == (1, 1, 1)
    winner = slack_world.assignments(project, "write")[0].worker.slack_user_id
    for user in users:
        message = offer(sandbox, user, task)
        assert buttons(message) == []
        if user == winner:
            assert "You got it!" in message.text
        else:
            assert "has been taken by" in message.text, f"{user} sees: {message.text}"
