"""Engine benchmark: project creations/s, task transitions/s and SQL statements per use case.

Run with `make bench` (pytest -s -m benchmark tests/benchmarks). SQLite always; PostgreSQL when TEST_DATABASE_URL is
set, in a database of its own (`tutti_bench`, dropped and re-created). Targets on PostgreSQL, one process: 300
journalism creations/s, 1,500 transitions/s, and statement counts that do not grow with the database (100 vs 10,000
projects). Only the statement counts are asserted; throughput depends on the machine and is printed.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bot.container import Tutti
from bot.settings import Settings
from store import migrate
from store.db import normalise_url
from store.events import Actor
from store.models import Project
from tests.support.world import World, human
from workflows import assignment, catalog, files, projects, read_models, submission
from workflows.workers import find_worker

pytestmark = pytest.mark.benchmark

ACTOR = Actor.cli("bench")
PROJECTS_SMALL = 100
PROJECTS_LARGE = int(os.environ.get("TUTTI_BENCH_PROJECTS", "10000"))
CREATIONS = int(os.environ.get("TUTTI_BENCH_CREATIONS", "1000"))
CYCLES = int(os.environ.get("TUTTI_BENCH_CYCLES", "300"))  # six transitions each
SEED_BATCH = 1000
THREAD_COUNTS = tuple(int(n) for n in os.environ.get("TUTTI_BENCH_THREADS", "2,4,8").split(","))
TARGET_CREATIONS, TARGET_TRANSITIONS = 300, 1500
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")


class StatementCounter:
    """Counts every statement the engine sends to the database (BEGIN IMMEDIATE on SQLite included)."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        self.count += 1


@dataclass
class Bench:
    """A Tutti instance on a database of its own, with journalism and a one-step reviewed workflow loaded."""

    tutti: Tutti
    counter: StatementCounter
    writer: int
    reviewer: int
    figures: dict[str, Any] = field(default_factory=dict)

    def unit(self, fn: Callable[[Session], Any]) -> tuple[Any, int]:
        """Run `fn` in its own unit of work and commit; return its result and the statements it took."""
        with self.tutti.database.unit_of_work() as uow:
            before = self.counter.count
            result = fn(uow.session)
            uow.commit()
            return result, self.counter.count - before

    def project_count(self) -> int:
        with self.tutti.database.read() as session:
            return session.scalar(select(func.count(Project.id))) or 0

    def create(self, session: Session, workflow: str) -> int:
        data = {"article_draft_template": "Write here"} if workflow == "journalism" else {}
        request = projects.ProjectRequest(workflow, "v1", f"bench {workflow}", 0, data)
        return projects.create_project(session, request, actor=ACTOR).project.id

    def task(self, session: Session, project_id: int) -> int:
        return read_models.project_information(session, [project_id])[str(project_id)]["tasks"]["draft"]["id"]

    def assigned_task(self, session: Session) -> int:
        """A new bench task with its writer assigned, ready to be submitted."""
        task = self.task(session, self.create(session, "bench"))
        assignment.assign_task(session, task, self.writer, actor=ACTOR)
        return task

    def seed(self, total: int) -> float:
        """Create projects through the use case, many per transaction, until `total` exist; half have a human task."""
        started = time.perf_counter()
        missing = total - self.project_count()
        while missing > 0:
            batch = min(SEED_BATCH, missing)

            def create_many(session: Session, batch: int = batch) -> None:
                for i in range(batch):
                    self.create(session, "journalism" if i % 2 else "bench")

            self.unit(create_many)
            missing -= batch
        return time.perf_counter() - started

    def cycle(self, task: int) -> list[tuple[str, int]]:
        """Assign, submit, assign a reviewer, return, resubmit, accept: six transitions, each its own unit."""
        steps: list[tuple[str, Callable[[Session], Any]]] = [
            ("assign_task", lambda s: assignment.assign_task(s, task, self.writer, actor=ACTOR)),
            ("submit_task", lambda s: submission.submit_task(s, task, self.writer, {"text": "v1"}, actor=ACTOR)),
            ("assign_task (reviewer)", lambda s: assignment.assign_task(s, task, self.reviewer, actor=ACTOR)),
            ("return_task", lambda s: submission.return_task(s, task, self.reviewer, "Tighten it.", actor=ACTOR)),
            ("submit_task (resubmit)",
             lambda s: submission.submit_task(s, task, self.writer, {"text": "v2"}, actor=ACTOR)),
            ("accept_task", lambda s: submission.accept_task(s, task, self.reviewer, actor=ACTOR)),
        ]
        return [(name, self.unit(fn)[1]) for name, fn in steps]

    def statements(self) -> dict[str, int]:
        """Statements per use case, each in its own unit of work (commit included)."""
        counts: dict[str, int] = {}
        journalism, counts["create_project (journalism)"] = self.unit(lambda s: self.create(s, "journalism"))
        project, counts["create_project (bench)"] = self.unit(lambda s: self.create(s, "bench"))
        task, _ = self.unit(lambda s: self.task(s, project))
        counts.update(self.cycle(task))
        for label, pid in (("project_information (journalism, new)", journalism),
                           ("project_information (bench, reviewed)", project)):
            _, counts[label] = self.unit(lambda s, pid=pid: read_models.project_information(s, [pid]))
        return counts

    def creations_per_second(self, count: int, threads: int = 1) -> float:
        """Creations per second from `threads` threads of this one process, each with its own units of work."""
        def work(share: int) -> None:
            for _ in range(share):
                self.unit(lambda s: self.create(s, "journalism"))

        return count / _timed_in_threads(work, count, threads)

    def transitions_per_second(self, cycles: int, threads: int = 1) -> float:
        def make(session: Session) -> list[int]:
            created = [self.create(session, "bench") for _ in range(cycles)]
            session.flush()
            return [self.task(session, pid) for pid in created]

        tasks, _ = self.unit(make)
        queue = list(tasks)
        lock = threading.Lock()

        def work(share: int) -> None:
            for _ in range(share):
                with lock:
                    task = queue.pop()
                self.cycle(task)

        return cycles * 6 / _timed_in_threads(work, cycles, threads)


# What a submit sends, written by hand: lock the project, read the task with its assignments, update the task,
# the assignment and the iteration, log the event and queue the notice. Sent straight through psycopg2, it shows what
# the database and this machine allow before any engine code runs.
_FLOOR_STATEMENTS = (
    "SELECT p.id FROM projects p JOIN tasks t ON t.project_id = p.id WHERE t.id = %(task)s FOR UPDATE OF p",
    "SELECT t.id, t.status, p.status, a.id, a.status, a.in_progress_task_data, i.id FROM tasks t "
    "JOIN projects p ON p.id = t.project_id JOIN workflow_versions v ON v.id = p.workflow_version_id "
    "LEFT JOIN task_assignments a ON a.task_id = t.id LEFT JOIN iterations i ON i.assignment_id = a.id "
    "WHERE t.id = %(task)s FOR UPDATE OF t",
    "UPDATE tasks SET status = 'pending_review', updated_at = now() WHERE id = %(task)s",
    "UPDATE task_assignments SET status = 'submitted', in_progress_task_data = %(data)s WHERE task_id = %(task)s",
    "UPDATE iterations SET status = 'requested_review', end_datetime = now(), submitted_data = %(data)s "
    "WHERE assignment_id IN (SELECT id FROM task_assignments WHERE task_id = %(task)s)",
    # The event and the notice go in one statement, as store/appends.py sends them on PostgreSQL.
    "WITH logged AS (INSERT INTO project_events (project_id, task_id, action, actor, source, before, after, "
    "created_at) SELECT project_id, id, 'task.submit', 'bench', 'cli', '{}', '{}', now() FROM tasks "
    "WHERE id = %(task)s) INSERT INTO outbox (topic, payload, status, attempts, max_attempts, backoff_seconds, "
    "available_at, created_at, project_id) SELECT 'event', %(data)s, 'pending', 0, 8, 2.0, now(), now(), "
    "project_id FROM tasks WHERE id = %(task)s RETURNING id",
)


def driver_floor(url: str, task_ids: list[int], threads: int) -> tuple[float, float, float]:
    """A submit's statements through psycopg2 alone: (transactions/s, ms of this process's CPU and ms of everything
    else's CPU, per transaction). On one machine the rest is mostly PostgreSQL."""
    dsn = make_url(normalise_url(url)).set(drivername="postgresql").render_as_string(hide_password=False)
    queue = list(task_ids)
    lock = threading.Lock()

    def work(share: int) -> None:
        connection = psycopg2.connect(dsn)
        cursor = connection.cursor()
        for _ in range(share):
            with lock:
                task = queue.pop()
            for statement in _FLOOR_STATEMENTS:
                cursor.execute(statement, {"task": task, "data": '{"text": "v1"}'})
            connection.commit()
        connection.close()

    busy, mine = _machine_busy_seconds(), time.process_time()
    seconds = _timed_in_threads(work, len(task_ids), threads)
    busy, mine = _machine_busy_seconds() - busy, time.process_time() - mine
    count = len(task_ids)
    return count / seconds, mine / count * 1000, max(0.0, busy - mine) / count * 1000


def _machine_busy_seconds() -> float:
    """CPU seconds every core of this machine spent busy since boot (Linux)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def _timed_in_threads(work: Callable[[int], None], total: int, threads: int) -> float:
    """Seconds for `threads` threads to do `total` items of `work` between them."""
    shares = [total // threads + (1 if i < total % threads else 0) for i in range(threads)]
    workers = [threading.Thread(target=work, args=(share,)) for share in shares]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.perf_counter() - started


def _postgres_bench_url(url: str) -> str:
    """A fresh, migrated `tutti_bench` database on the server of TEST_DATABASE_URL."""
    server = make_url(normalise_url(url))
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql("DROP DATABASE IF EXISTS tutti_bench WITH (FORCE)")
        connection.exec_driver_sql("CREATE DATABASE tutti_bench")
    admin.dispose()
    bench = server.set(database="tutti_bench").render_as_string(hide_password=False)
    migrate.upgrade(bench)
    return bench


@pytest.fixture(params=["sqlite", "postgresql"])
def bench(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Bench]:
    if request.param == "postgresql":
        if not POSTGRES_URL:
            pytest.skip("set TEST_DATABASE_URL to benchmark PostgreSQL")
        url = _postgres_bench_url(POSTGRES_URL)
    else:
        url = f"sqlite:///{tmp_path / 'bench.db'}"
        migrate.upgrade(url)
    catalog.clear()
    tutti = Tutti(Settings(database_url=url, files_dir=tmp_path / "files", redis_url=None), manual_jobs=True)
    world = World(tutti, tmp_path)
    world.load_bundled()
    world.load("bench", [human("draft", required_certifications=["writer"],
                               review_policy={"policy": "sampled_review", "rate": 1, "max_reviews": 1})],
               certifications=["writer"])
    writer = world.worker("benchwriter", "writer", workflow="bench")
    reviewer = world.worker("benchreviewer", "writer", workflow="bench", reviewer=("writer",))
    assert world.run(lambda s: find_worker(s, "journalism-editor").id)
    yield Bench(tutti, StatementCounter(tutti.database.engine), writer, reviewer, {"backend": request.param})
    tutti.close()
    files.configure_storage(None)


def test_engine_throughput_and_statements_per_use_case(bench: Bench) -> None:
    backend = bench.figures["backend"]
    bench.statements()  # warm the workflow catalog and SQLAlchemy's statement cache

    bench.seed(PROJECTS_SMALL)
    small = bench.statements()
    small_creations = bench.creations_per_second(CREATIONS)
    small_transitions = bench.transitions_per_second(CYCLES)
    # Waiting on the database releases the GIL, so a few threads overlap one another's round trips and commits.
    threaded = {n: (bench.creations_per_second(CREATIONS, n), bench.transitions_per_second(CYCLES, n))
                for n in THREAD_COUNTS}
    threaded_creations = max(creations for creations, _ in threaded.values())
    threaded_transitions = max(transitions for _, transitions in threaded.values())

    floor: dict[int, tuple[float, float, float]] = {}
    if backend == "postgresql":
        for n in THREAD_COUNTS:
            tasks, _ = bench.unit(lambda s: [bench.assigned_task(s) for _ in range(CYCLES * 6)])
            floor[n] = driver_floor(bench.tutti.settings.database_url, tasks, n)

    seed_seconds = bench.seed(PROJECTS_LARGE)
    large = bench.statements()
    large_creations = bench.creations_per_second(CREATIONS)
    large_transitions = bench.transitions_per_second(CYCLES)
    total = bench.project_count()

    print(f"\n=== Tutti engine benchmark: {backend} ===")
    print(f"journalism project creation = create_project + commit; its first (machine) step is only scheduled "
          f"in the outbox, not run. {CREATIONS} creations per measurement.")
    print(f"transitions = assign / submit / assign reviewer / return / resubmit / accept on a one-step reviewed "
          f"workflow, each in its own unit of work + commit. {CYCLES * 6} transitions per measurement.")
    print(f"seeded to {PROJECTS_LARGE} projects through the use case in {seed_seconds:.1f}s "
          f"({total} projects at the end)\n")
    print(f"{'':38}{'~' + str(PROJECTS_SMALL) + ' projects':>16}{'~' + str(PROJECTS_LARGE) + ' projects':>18}")
    print(f"{'journalism project creations/s':38}{small_creations:>16.0f}{large_creations:>18.0f}")
    print(f"{'task transitions/s':38}{small_transitions:>16.0f}{large_transitions:>18.0f}")
    for n, (creations, transitions) in threaded.items():
        print(f"with {n} threads in this one process (~{PROJECTS_SMALL} projects): "
              f"{creations:.0f} creations/s, {transitions:.0f} transitions/s")
    for n, (rate, mine, rest) in floor.items():
        print(f"floor: a submit's {len(_FLOOR_STATEMENTS)} statements + commit through psycopg2 alone, {n} threads: "
              f"{rate:.0f}/s; CPU per transaction {mine:.2f} ms here, {rest:.2f} ms in PostgreSQL and the rest "
              f"of the machine ({os.cpu_count()} CPUs)")
    print("SQL statements per use case:")
    for name in small:
        print(f"  {name:36}{small[name]:>16}{large[name]:>18}")
    if backend == "postgresql":
        best_creations = max(min(small_creations, large_creations), threaded_creations)
        best_transitions = max(min(small_transitions, large_transitions), threaded_transitions)
        for label, value, target in (("creations/s", best_creations, TARGET_CREATIONS),
                                     ("transitions/s", best_transitions, TARGET_TRANSITIONS)):
            print(f"target {label} >= {target}: {'met' if value >= target else 'NOT MET'} ({value:.0f})")

    assert small == large, "statement counts must not grow with the number of projects and tasks"
