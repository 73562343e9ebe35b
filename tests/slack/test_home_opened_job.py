"""Opening Home: a job publishes it, ahead of queued deliveries, so the web process stays free for the next click.

With REDIS_URL the job waits on the `<queue>-interactive` RQ queue, which `tutti worker` reads before the delivery
queue; without Redis it runs on the in-process job threads; with jobs run by hand, or Redis not answering, the
listener publishes Home itself: a person looking at their Home never waits for nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue, SimpleWorker

from bot.container import Tutti
from bot.settings import Settings
from jobs.scheduling import INTERACTIVE_SUFFIX
from sandbox.driver import Sandbox
from tests.slack.conftest import ServedTutti, SlackWorld
from tests.slack.home_support import assign, create, load_desk
from tests.support.jobs import REDIS_URL, tutti_with_jobs

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def publishes_for(sandbox: Sandbox, slack_user_id: str) -> int:
    return sum(1 for call in sandbox.calls("views.publish") if call.args.get("user_id") == slack_user_id)


@pytest.fixture
def served_with_jobs(slack_settings: Settings, sandbox: Sandbox, tmp_path: Path) -> Iterator[ServedTutti]:
    """Tutti with its real job runner, answering the sandbox."""
    with tutti_with_jobs(slack_settings) as tutti:
        served = ServedTutti(SlackWorld(tutti, tmp_path, sandbox))
        sandbox.app_request_url = f"{served.url}/slack/events"
        yield served
        served.stop()


def test_a_job_publishes_the_home_someone_opens(served_with_jobs: ServedTutti, sandbox: Sandbox) -> None:
    world = served_with_jobs.world
    load_desk(world)
    ann = world.worker("ann", "writer", workflow="desk")
    assign(world, create(world, description="Harbour story"), "write", ann)
    tutti = world.tutti
    person = sandbox.as_user("UANN")

    answer = person.open_home(expect_publish=False)
    assert answer.ok

    if REDIS_URL:
        connection = Redis.from_url(REDIS_URL)
        interactive = Queue(tutti.settings.queue_name + INTERACTIVE_SUFFIX, connection=connection)
        deliveries = Queue(tutti.settings.queue_name, connection=connection)
        assert [job.func_name for job in interactive.jobs] == ["bot.job_entry.publish_home"]
        assert publishes_for(sandbox, "UANN") == 0, "the web process only queued it"
        # The worker reads the interactive queue first: Home is published before any queued delivery runs.
        backlog = deliveries.count
        SimpleWorker([interactive], connection=connection).work(burst=True)
        assert deliveries.count == backlog
        connection.close()
    deadline = time.monotonic() + 10
    while publishes_for(sandbox, "UANN") == 0 and time.monotonic() < deadline:
        time.sleep(0.02)

    home = person.home()
    assert home is not None
    assert "Harbour story" in home.text[home.text.index("In progress"):]


def test_with_redis_down_the_listener_publishes_home_itself(
        slack_world: SlackWorld, slack_settings: Settings, sandbox: Sandbox, tmp_path: Path) -> None:
    load_desk(slack_world)
    ann = slack_world.worker("ann", "writer", workflow="desk")
    assign(slack_world, create(slack_world, description="Quay story"), "write", ann)
    down = Tutti(slack_settings.with_(redis_url=UNREACHABLE_REDIS), in_process_jobs=False)
    served = ServedTutti(SlackWorld(down, tmp_path, sandbox))
    sandbox.app_request_url = f"{served.url}/slack/events"
    try:
        person = sandbox.as_user("UANN")

        person.open_home(expect_publish=True)

        home = person.home()
        assert home is not None
        assert "Quay story" in home.text[home.text.index("In progress"):]
    finally:
        served.stop()
        down.close()
