"""Jobs go through RQ when REDIS_URL is set (in-process threads otherwise), and Redis being down loses nothing."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from rq import Queue, SimpleWorker
from rq.registry import ScheduledJobRegistry
from sqlalchemy import func, select

from bot.container import Tutti
from bot.settings import Settings
from store.enums import OutboxStatus, TaskStatus
from store.models import OutboxMessage, ProjectEvent
from tests.support.jobs import tutti_with_jobs
from tests.support.pages import serve_pages
from tests.support.world import World, machine
from workflows import files
from workflows.outbox_events import MACHINE_TOPIC

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"
SETTLE_SECONDS = 30.0

PAGE = b"<html><body><h1>Gallery</h1><img src='/images/sunset.png' alt='a sunset'></body></html>"


@pytest.fixture
def site() -> Iterator[str]:
    """A page with one image, served on 127.0.0.1; yields the server's base URL."""
    with serve_pages({"/gallery.html": (PAGE, "text/html; charset=utf-8")}) as url:
        yield url


class Jobs:
    """Runs whatever the outbox handed to the scheduler: an RQ burst worker, or waiting for the thread pool."""

    def __init__(self, tutti: Tutti) -> None:
        self.tutti = tutti
        self.queue: Queue | None = None
        if tutti.settings.redis_url is not None:
            self.connection = Redis.from_url(tutti.settings.redis_url)
            self.queue = Queue(tutti.settings.queue_name, connection=self.connection)

    @property
    def on_rq(self) -> bool:
        return self.queue is not None

    def burst(self) -> None:
        """One RQ burst: move due scheduled jobs to the queue, then run everything queued."""
        assert self.queue is not None
        SimpleWorker([self.queue], connection=self.connection).work(burst=True, with_scheduler=True)

    def run_until(self, done: Callable[[], bool], timeout: float = SETTLE_SECONDS) -> None:
        """Run jobs until `done()` and nothing is pending; on RQ, burst only once the next retry is due.

        RQ's scheduled-job registry keeps whole seconds, so a burst within the second of a retry's due time can
        enqueue it early; the dispatcher then schedules it again for its time (tested below). Waiting for the due
        time keeps this test about the scheduled path itself.
        """
        deadline = time.monotonic() + timeout
        while True:
            if self.on_rq:
                self.wait_until_due(deadline)
                self.burst()
            if done() and self.settled():
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"jobs did not settle within {timeout}s: {self.pending()}")
            time.sleep(0.05)

    def wait_until_due(self, deadline: float) -> None:
        with self.tutti.database.read() as session:
            due = session.scalar(select(func.min(OutboxMessage.available_at))
                                 .where(OutboxMessage.status == OutboxStatus.PENDING))
        if due is not None:
            time.sleep(max(0.0, min((due - datetime.now(UTC)).total_seconds(), deadline - time.monotonic())))

    def pending(self) -> list[tuple[int, str, int]]:
        with self.tutti.database.read() as session:
            rows = session.execute(
                select(OutboxMessage.id, OutboxMessage.topic, OutboxMessage.attempts)
                .where(OutboxMessage.status == OutboxStatus.PENDING)
            ).all()
            return [tuple(row) for row in rows]

    def settled(self) -> bool:
        return not self.pending()


@pytest.fixture
def jobs(settings: Settings) -> Iterator[Jobs]:
    """Tutti delivering through RQ on a queue of its own when REDIS_URL is set, else on in-process threads."""
    with tutti_with_jobs(settings) as tutti:
        runner = Jobs(tutti)
        yield runner
        if runner.queue is not None:
            runner.connection.close()
    files.configure_storage(None)


def test_a_simple_workflow_project_is_crawled_by_a_job(jobs: Jobs, site: str, tmp_path: Path) -> None:
    world = World(jobs.tutti, tmp_path)
    world.load_bundled()
    project = world.create("simple_workflow", data={"url": f"{site}/gallery.html"}, drain=False)

    jobs.run_until(lambda: world.status(project, "crawl") is TaskStatus.COMPLETE)

    crawl = world.info(project)["tasks"]["crawl"]
    assert crawl["latest_data"] == {"status": "success", "image": f"{site}/images/sunset.png"}
    assert world.status(project, "rate") is TaskStatus.AWAITING_PROCESSING
    if jobs.on_rq:
        assert jobs.queue is not None and jobs.queue.count == 0


FLAKY_CALLS: Counter[str] = Counter()


def flaky(project_data: dict[str, Any], prerequisites: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Fails on its first two runs for a given key, then succeeds."""
    key = project_data["key"]
    FLAKY_CALLS[key] += 1
    if FLAKY_CALLS[key] <= 2:
        raise ConnectionError(f"upstream unavailable (call {FLAKY_CALLS[key]})")
    return {"calls": FLAKY_CALLS[key]}


def test_a_machine_step_that_fails_twice_succeeds_on_its_scheduled_third_attempt(jobs: Jobs, tmp_path: Path) -> None:
    world = World(jobs.tutti, tmp_path)
    world.load("flaky_flow", [machine("fetch", "tests.jobs.test_rq_delivery.flaky",
                                      retry={"max_attempts": 3, "backoff_seconds": 0.1})])
    key = uuid.uuid4().hex
    project = world.create("flaky_flow", data={"key": key}, drain=False)

    if jobs.on_rq:
        jobs.burst()
        assert FLAKY_CALLS[key] == 1
        assert jobs.queue is not None
        assert ScheduledJobRegistry(queue=jobs.queue).count == 1, "the retry waits in RQ's scheduled jobs"
    jobs.run_until(lambda: world.status(project, "fetch") is TaskStatus.COMPLETE)

    assert FLAKY_CALLS[key] == 3
    assert world.info(project)["tasks"]["fetch"]["latest_data"] == {"calls": 3}
    with jobs.tutti.database.read() as session:
        message = session.scalars(select(OutboxMessage).where(OutboxMessage.topic == MACHINE_TOPIC)).one()
        assert (message.status, message.attempts) == (OutboxStatus.DELIVERED, 3)
        failures = session.scalars(select(ProjectEvent.after).where(
            ProjectEvent.project_id == project, ProjectEvent.action == "task.machine_attempt_failed")).all()
        assert [f["attempt"] for f in failures] == [1, 2]
        assert "upstream unavailable" in failures[0]["error"]


def test_redis_down_at_commit_delays_a_machine_step_but_does_not_lose_it(
    settings: Settings, site: str, tmp_path: Path
) -> None:
    down = Tutti(settings.with_(redis_url=UNREACHABLE_REDIS), in_process_jobs=False)
    try:
        world = World(down, tmp_path)
        world.load_bundled()
        project = world.create("simple_workflow", data={"url": f"{site}/gallery.html"}, drain=False)
        assert world.status(project, "crawl") is TaskStatus.AWAITING_PROCESSING
        with down.database.read() as session:
            message = session.scalars(select(OutboxMessage).where(OutboxMessage.topic == MACHINE_TOPIC)).one()
            assert (message.status, message.attempts) == (OutboxStatus.PENDING, 0)
    finally:
        down.close()

    later = Tutti(settings, manual_jobs=True)
    try:
        assert later.dispatcher.sweep() >= 1
        world = World(later, tmp_path)
        assert world.status(project, "crawl") is TaskStatus.COMPLETE
        assert world.info(project)["tasks"]["crawl"]["latest_data"]["image"] == f"{site}/images/sunset.png"
        with later.database.read() as session:
            message = session.scalars(select(OutboxMessage).where(OutboxMessage.topic == MACHINE_TOPIC)).one()
            assert (message.status, message.attempts) == (OutboxStatus.DELIVERED, 1)
    finally:
        later.close()
        files.configure_storage(None)


def test_a_retry_delivered_before_it_is_due_is_scheduled_again_not_left_for_the_sweep(
    jobs: Jobs, tmp_path: Path
) -> None:
    world = World(jobs.tutti, tmp_path)
    world.load("flaky_flow", [machine("fetch", "tests.jobs.test_rq_delivery.flaky",
                                      retry={"max_attempts": 3, "backoff_seconds": 1.0})])
    key = uuid.uuid4().hex
    FLAKY_CALLS[key] = 2  # the next run succeeds
    scheduler, jobs.tutti.scheduler = jobs.tutti.scheduler, None  # nothing enqueued at commit: only a retry
    try:
        project = world.create("flaky_flow", data={"key": key}, drain=False)
    finally:
        jobs.tutti.scheduler = scheduler
    with jobs.tutti.database.read() as session:
        message_id = session.scalars(select(OutboxMessage.id).where(OutboxMessage.topic == MACHINE_TOPIC)).one()
    with jobs.tutti.database.unit_of_work() as uow:  # as if the first attempt had failed a moment ago
        message = uow.session.get(OutboxMessage, message_id)
        assert message is not None
        message.attempts, message.available_at = 1, datetime.now(UTC) + timedelta(seconds=1)
        uow.commit()

    assert jobs.tutti.dispatcher.deliver(message_id) is None  # a job that arrived early

    deadline = time.monotonic() + 5
    while world.status(project, "fetch") is not TaskStatus.COMPLETE and time.monotonic() < deadline:
        if jobs.on_rq:
            jobs.burst()
        time.sleep(0.1)
    assert world.status(project, "fetch") is TaskStatus.COMPLETE
