"""Tutti with its real job runner: RQ on queues of the test's own when REDIS_URL is set, else in-process threads."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from redis import Redis
from rq import Queue

from bot import job_entry
from bot.container import Tutti
from bot.settings import Settings
from jobs.scheduling import INTERACTIVE_SUFFIX

REDIS_URL = os.environ.get("REDIS_URL")


@contextmanager
def tutti_with_jobs(settings: Settings) -> Iterator[Tutti]:
    """Yield a Tutti whose jobs really run (RQ jobs need a worker: the test runs one); its queues go afterwards."""
    if REDIS_URL:
        tutti = Tutti(settings.with_(redis_url=REDIS_URL, queue_name=f"tutti-test-{uuid.uuid4().hex[:12]}"),
                      in_process_jobs=False)
        job_entry.install(tutti)
    else:
        tutti = Tutti(settings, in_process_jobs=True)
    try:
        yield tutti
    finally:
        if REDIS_URL:
            connection = Redis.from_url(REDIS_URL)
            name = tutti.settings.queue_name
            for queue in (name, name + INTERACTIVE_SUFFIX):
                for key in connection.keys(f"rq:*{queue}*"):
                    connection.delete(key)
                Queue(queue, connection=connection).delete(delete_jobs=True)
            connection.close()
            job_entry.install(None)  # type: ignore[arg-type]
        tutti.close()
