"""Home benchmark: server time to build and publish an expert's App Home, and its SQL statement count.

The expert has 50 active tasks and 100, then 1,000 past (completed) ones, among other people's work, reviews they
could take and tasks they could claim. Home is published to the sandbox over HTTP (views.publish), so the time
includes building the dashboard, the view and the Web API call. Run with `pytest -s -m benchmark
tests/benchmarks/test_home_benchmark.py`. SQLite always; PostgreSQL in a database of its own (`tutti_home_bench`,
re-created) when the server at TUTTI_BENCH_PG (default postgresql://postgres@127.0.0.1:5432) answers.

Asserted: the statement count is the same at 100 and 1,000 past tasks; the median build-and-publish is under 150 ms.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot.container import Tutti
from bot.settings import Settings
from handlers.slack.home import publish_home
from handlers.slack.services import SlackServices
from sandbox.driver import Sandbox
from sandbox.state import User
from store import migrate
from store.db import normalise_url
from store.enums import AssignmentStatus, IterationStatus, ProjectStatus, TaskStatus
from store.models import Iteration, Project, Task, TaskAssignment, WorkflowVersion
from store.types import utcnow
from tests.support.world import World, human
from workflows import catalog, files

pytestmark = pytest.mark.benchmark

PG_SERVER = os.environ.get("TUTTI_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
PG_DATABASE = "tutti_home_bench"
ACTIVE, PAST_SMALL, PAST_LARGE = 50, 100, 1000
OTHERS_OPEN, OTHERS_PENDING_REVIEW = 200, 100
RUNS = 30
TARGET_MS = 150.0
WF = "desk"


def _postgres_url() -> str | None:
    admin = create_engine(normalise_url(f"{PG_SERVER}/postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)"))
            connection.execute(text(f"CREATE DATABASE {PG_DATABASE}"))
    except OperationalError:
        return None
    finally:
        admin.dispose()
    return f"{PG_SERVER}/{PG_DATABASE}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'home-bench.db'}"
    else:
        found = _postgres_url()
        if found is None:
            pytest.skip(f"no PostgreSQL at {PG_SERVER}")
        url = found
    migrate.upgrade(url)
    catalog.clear()
    yield url
    catalog.clear()


class Seeder:
    """Rows inserted directly, shaped like the engine leaves them (much faster than running every use case)."""

    def __init__(self, world: World) -> None:
        self.world = world
        with world.tutti.database.read() as session:
            version = session.query(WorkflowVersion).one()
            info = catalog.version_info(session, version)
            self.version_id = version.id
            self.step_id = info.step_ids["write"]
        self.serial = 0

    def add(self, worker: int | None, task_status: TaskStatus, count: int, *, reviewer: int | None = None) -> None:
        def do(session: Session) -> None:
            now = utcnow()
            for _ in range(count):
                self.serial += 1
                done = task_status is TaskStatus.COMPLETE
                project = Project(workflow_version_id=self.version_id, short_description=f"Story {self.serial}",
                                  priority=self.serial % 5, project_data={},
                                  status=ProjectStatus.COMPLETED if done else ProjectStatus.ACTIVE)
                task = Task(step_id=self.step_id, status=task_status)
                project.tasks.append(task)
                if worker is not None:
                    processing = task_status is TaskStatus.PROCESSING
                    core = TaskAssignment(worker_id=worker, assignment_counter=0,
                                          status=AssignmentStatus.PROCESSING if processing
                                          else AssignmentStatus.SUBMITTED)
                    core.iterations.append(Iteration(
                        status=IterationStatus.PROCESSING if processing else IterationStatus.REQUESTED_REVIEW,
                        end_datetime=None if processing else now))
                    task.assignments.append(core)
                    if reviewer is not None:
                        review = TaskAssignment(worker_id=reviewer, assignment_counter=1,
                                                status=AssignmentStatus.SUBMITTED)
                        review.iterations.append(Iteration(status=IterationStatus.REQUESTED_REVIEW, end_datetime=now))
                        task.assignments.append(review)
                session.add(project)
        self.world.run(do)


def _measure(tutti: Tutti, sandbox: Sandbox, slack_user_id: str) -> tuple[list[float], int]:
    services = SlackServices(tutti.database, "http://bench", lambda: 0.5)
    statements = 0

    def seen(*_: Any) -> None:
        nonlocal statements
        statements += 1

    publish_home(services, tutti.slack_client, slack_user_id)  # warm: caches, connections, sandbox
    event.listen(tutti.database.engine, "before_cursor_execute", seen)
    publish_home(services, tutti.slack_client, slack_user_id)
    event.remove(tutti.database.engine, "before_cursor_execute", seen)
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        publish_home(services, tutti.slack_client, slack_user_id)
        timings.append((time.perf_counter() - start) * 1000)
    home = sandbox.workspace.homes[slack_user_id]
    assert len(home.blocks) <= 100
    return timings, statements


def test_home_builds_and_publishes_in_fixed_statements(database: str, sandbox: Sandbox, tmp_path: Path) -> None:
    settings = Settings(database_url=database, files_dir=tmp_path / "files", redis_url=None, slack_enabled=True,
                        slack_api_url=sandbox.base_url, slack_bot_token=sandbox.bot_token,
                        slack_signing_secret=sandbox.signing_secret)
    tutti = Tutti(settings, manual_jobs=True)
    try:
        world = World(tutti, tmp_path)
        world.load(WF, [human("write", name="Write Story", required_certifications=["writer"],
                              review_policy={"policy": "sampled_review", "rate": 1, "max_reviews": 1})],
                   certifications=["writer"])
        ann = world.worker("ann", "writer", workflow=WF, reviewer=("writer",))
        sandbox.seed_users([User(id="UANN", name="ann", real_name="Ann", email="ann@example.org")])
        bob = world.worker("bob", "writer", workflow=WF, reviewer=("writer",))
        seed = Seeder(world)
        seed.add(ann, TaskStatus.PROCESSING, ACTIVE)
        seed.add(None, TaskStatus.AWAITING_PROCESSING, OTHERS_OPEN)
        seed.add(bob, TaskStatus.PENDING_REVIEW, OTHERS_PENDING_REVIEW)
        seed.add(ann, TaskStatus.COMPLETE, PAST_SMALL, reviewer=bob)
        small, small_statements = _measure(tutti, sandbox, "UANN")
        seed.add(ann, TaskStatus.COMPLETE, PAST_LARGE - PAST_SMALL, reviewer=bob)
        seed.add(bob, TaskStatus.COMPLETE, PAST_LARGE)  # other people's history too
        large, large_statements = _measure(tutti, sandbox, "UANN")
    finally:
        tutti.close()
        files.configure_storage(None)
    dialect = database.split(":", 1)[0]
    for label, timings, statements in (("100 past", small, small_statements),
                                       ("1,000 past", large, large_statements)):
        ordered = sorted(timings)
        print(f"\nHome [{dialect}, {ACTIVE} active, {label}]: build+publish p50 {statistics.median(ordered):.1f} ms, "
              f"p95 {ordered[int(len(ordered) * 0.95) - 1]:.1f} ms, max {ordered[-1]:.1f} ms, "
              f"{statements} SQL statements")
    assert small_statements == large_statements
    assert statistics.median(large) < TARGET_MS
