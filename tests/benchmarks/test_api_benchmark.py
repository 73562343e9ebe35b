"""Client-API benchmark: create_project throughput and latency (1 and 8 clients) and project_information latency
for a 10-task project, through gunicorn with 2 workers, on PostgreSQL and on SQLite. Prints a table.

Run with `make bench` (or `pytest -s -m benchmark tests/benchmarks/test_api_benchmark.py`). PostgreSQL runs in its
own database, `tutti_api_bench`, created when missing, so other suites using `test` are not disturbed. Jobs go to
a throw-away RQ queue that no worker reads, so the figures are the web process's own.

Orchestra 1.0.61 on this machine (gunicorn, 2 workers): about 20 simple_workflow creations/s with one client, 38/s
with eight (p99 about 400 ms, SQLite in WAL mode with immediate transactions); project_information on a 10-task
project about 70 ms at the median. Targets: 10x Orchestra's eight-client throughput and p99 < 100 ms on PostgreSQL,
zero errors and zero half-made projects under eight clients on SQLite, project_information < 10 ms at the median.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from time import mktime
from typing import Any
from wsgiref.handlers import format_date_time

import pytest
import requests
from httpsig.requests_auth import HTTPSignatureAuth
from sqlalchemy import create_engine, func, select, text

from bot.container import Tutti
from bot.settings import Settings
from store import api_clients, migrate
from store.db import make_engine, normalise_url
from store.models import Project, Task
from tests.api.servers import gunicorn
from tests.support.world import ACTOR, World, human
from workflows import assignment

pytestmark = pytest.mark.benchmark

PG_SERVER = os.environ.get("BENCH_POSTGRES_SERVER", "postgresql://postgres@127.0.0.1:5432")
PG_DATABASE = "tutti_api_bench"
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
KEY, SECRET = "bench", "bench-secret"
ONE_CLIENT_REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))
EIGHT_CLIENT_REQUESTS = int(os.environ.get("BENCH_REQUESTS_PER_CLIENT", "100"))
INFO_REQUESTS = 300
ORCHESTRA = {"create_1": 20.0, "create_8": 38.0, "p99_8_ms": 400.0, "info_p50_ms": 70.0}


@dataclass
class Figures:
    label: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def throughput(self) -> float:
        return (self.requests - self.errors) / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Client:
    """Orchestra's client: requests + httpsig, its headers, json.dumps bodies, no Content-Type."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()

    def post(self, endpoint: str, data: dict[str, Any]) -> requests.Response:
        auth = HTTPSignatureAuth(key_id=KEY, secret=SECRET, algorithm="hmac-sha256")
        headers = {"date": format_date_time(mktime(datetime.now().timetuple())), "X-Api-Version": "~6.5",
                   "X-Api-Key": KEY}
        return self.session.post(f"{self.base_url}/orchestra/api/project/{endpoint}/", data=json.dumps(data),
                                 headers=headers, auth=auth, timeout=30)


def create_body(n: str) -> dict[str, Any]:
    # Each body differs: Orchestra's client signs only the Date, so identical requests in one second are replays.
    return {"workflow_slug": "simple_workflow", "workflow_version_slug": "v1", "description": f"bench {n}",
            "priority": 10, "project_data": {"url": ""}, "task_class": "real"}


def succeeded(client: Client, endpoint: str, body: dict[str, Any]) -> bool:
    try:
        return client.post(endpoint, body).status_code == 200
    except requests.RequestException:
        return False


def timed(client: Client, endpoint: str, body: dict[str, Any], latencies: list[float]) -> bool:
    started = time.perf_counter()
    ok = succeeded(client, endpoint, body)
    latencies.append((time.perf_counter() - started) * 1000)
    return ok


def run_clients(base_url: str, label: str, clients: int, per_client: int,
                request: Callable[[Client, int, int], bool]) -> Figures:
    """`clients` threads, each sending `per_client` requests; `request(client, number, i)` says if one succeeded."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def client_loop(number: int) -> None:
        client = Client(base_url)
        mine: list[float] = []
        failed = 0
        barrier.wait()
        for i in range(per_client):
            started = time.perf_counter()
            if not request(client, number, i):
                failed += 1
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return Figures(label, clients * per_client, errors[0], time.perf_counter() - started, latencies)


def run_creates(base_url: str, label: str, clients: int, per_client: int) -> Figures:
    def create(client: Client, number: int, i: int) -> bool:
        return succeeded(client, "create_project", create_body(f"{label}-{number}-{i}"))

    return run_clients(base_url, label, clients, per_client, create)


def run_signed_only(base_url: str, clients: int, per_client: int) -> Figures:
    """The same clients and signing, to an endpoint that checks the signature and answers without engine work:
    what the machine leaves for creating projects."""
    def details(client: Client, number: int, i: int) -> bool:
        return succeeded(client, "project_details_url", {"project_id": i + 1})

    return run_clients(base_url, f"signed, no engine work, {clients} clients", clients, per_client, details)


def run_information(base_url: str, project_id: int) -> Figures:
    client = Client(base_url)
    latencies: list[float] = []
    errors = 0
    started = time.perf_counter()
    for _ in range(INFO_REQUESTS):
        if not timed(client, "project_information", {"project_ids": [project_id]}, latencies):
            errors += 1
    return Figures("project_information, 10 tasks", INFO_REQUESTS, errors, time.perf_counter() - started, latencies)


def postgres_url() -> str:
    admin = create_engine(normalise_url(f"{PG_SERVER}/postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": PG_DATABASE})
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{PG_DATABASE}"'))
    admin.dispose()
    url = f"{PG_SERVER}/{PG_DATABASE}"
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture(params=["postgresql", "sqlite"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str, int]]:
    """(name, database URL, id of a 10-task project) with bundled workflows and the bench key loaded."""
    url = postgres_url() if request.param == "postgresql" else f"sqlite:///{tmp_path / 'bench.db'}"
    migrate.upgrade(url)
    tutti = Tutti(Settings(database_url=url, files_dir=tmp_path / "files", slack_enabled=False), manual_jobs=True)
    world = World(tutti, tmp_path)
    world.load_bundled()
    world.load("ten_steps", [human(f"step_{i}") for i in range(10)])
    worker = world.worker("bench-worker")
    project_id = world.create("ten_steps", drain=False)
    for i in range(5):
        world.run(assignment.assign_task, world.task_id(project_id, f"step_{i}"), worker, actor=ACTOR)
    with tutti.database.unit_of_work() as uow:
        api_clients.create_key(uow.session, client="bench", key_id=KEY, secret=SECRET)
        uow.commit()
    tutti.close()
    yield request.param, url, project_id


def half_made_projects(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    with engine.connect() as connection:
        projects = connection.scalar(select(func.count()).select_from(Project)) or 0
        without_tasks = connection.scalar(
            select(func.count()).select_from(Project).where(~select(Task.id).where(Task.project_id == Project.id)
                                                            .exists())) or 0
    engine.dispose()
    return projects, without_tasks


def test_client_api_throughput_and_latency(backend: tuple[str, str, int], tmp_path: Path) -> None:
    name, url, info_project = backend
    queue = f"tutti-bench-{os.getpid()}"
    env = {"DATABASE_URL": url, "REDIS_URL": REDIS_URL, "TUTTI_QUEUE": queue, "TUTTI_FILES_DIR": str(tmp_path)}
    extra = tuple(os.environ.get("BENCH_GUNICORN_ARGS", "").split())  # e.g. "--worker-class gthread --threads 4"
    with gunicorn(env, workers=2, log_path=tmp_path / "gunicorn.log", extra_args=extra) as base_url:
        run_creates(base_url, "warm-up", 2, 20)
        one = run_creates(base_url, "create_project, 1 client", 1, ONE_CLIENT_REQUESTS)
        eight = run_creates(base_url, "create_project, 8 clients", 8, EIGHT_CLIENT_REQUESTS)
        info = run_information(base_url, info_project)
        signed_only = run_signed_only(base_url, 8, EIGHT_CLIENT_REQUESTS)
    _drop_queue(queue)
    projects, without_tasks = half_made_projects(url)
    created = 40 + one.requests + eight.requests - one.errors - eight.errors + 1

    print(f"\n\nClient API on {name}, gunicorn with 2 workers {' '.join(extra)} ({os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f} at the end)")
    print(f"{'scenario':34} {'requests':>8} {'errors':>6} {'per s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for figures in (one, eight, info, signed_only):
        print(f"{figures.label:34} {figures.requests:>8} {figures.errors:>6} {figures.throughput:>8.1f} "
              f"{figures.percentile(50):>8.1f} {figures.percentile(99):>8.1f}")
    print(f"projects in the database: {projects} (expected {created}); without tasks (half-made): {without_tasks}")
    print("Compared with Orchestra 1.0.61 on this machine:")
    print(f"  1 client:  {one.throughput:.0f}/s vs {ORCHESTRA['create_1']:.0f}/s "
          f"({one.throughput / ORCHESTRA['create_1']:.1f}x)")
    print(f"  8 clients: {eight.throughput:.0f}/s vs {ORCHESTRA['create_8']:.0f}/s "
          f"({eight.throughput / ORCHESTRA['create_8']:.1f}x; target 10x), p99 {eight.percentile(99):.0f} ms vs "
          f"{ORCHESTRA['p99_8_ms']:.0f} ms (target < 100 ms on PostgreSQL)")
    print(f"  project_information p50: {info.percentile(50):.1f} ms vs {ORCHESTRA['info_p50_ms']:.0f} ms "
          f"(target < 10 ms), mean {statistics.mean(info.latencies_ms):.1f} ms")
    print(f"The same eight clients, signing the same way, to an endpoint that does no engine work: "
          f"{signed_only.throughput:.0f}/s: the most any endpoint gets here, as clients, server and database "
          f"share the same CPUs.")

    assert one.errors == eight.errors == info.errors == signed_only.errors == 0
    assert without_tasks == 0
    assert projects == created


def _drop_queue(name: str) -> None:
    from redis import Redis
    from rq import Queue

    with contextlib.suppress(Exception):  # Redis gone: nothing to clean
        Queue(name, connection=Redis.from_url(REDIS_URL)).empty()
