"""Where deliveries run: RQ workers when Redis is configured, otherwise threads in this process."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from redis import Redis
from rq import Queue, Retry

log = logging.getLogger(__name__)

DELIVER_FUNCTION = "bot.job_entry.deliver_outbox_message"
INTERACTIVE_SUFFIX = "-interactive"  # the queue workers take jobs from first: someone is looking at the result


class InProcessScheduler:
    """Runs deliveries on a small thread pool; delayed ones wait on timers. For `make dev` and laptops."""

    def __init__(self, deliver: Callable[[int], object], workers: int = 4) -> None:
        self._deliver = deliver
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tutti-job")
        self._timers: set[threading.Timer] = set()
        self._lock = threading.Lock()
        self._closed = False

    def enqueue(self, message_ids: list[int]) -> None:
        for message_id in message_ids:
            self._submit(self._run, message_id)

    def run_soon(self, function: Callable[..., object], *args: object) -> None:
        """Run a function that someone is waiting to see the result of (no outbox row: losing it is harmless)."""
        self._submit(self._call, function, *args)

    def _submit(self, function: Callable[..., object], *args: object) -> None:
        if self._closed:
            return  # shutting down: the outbox keeps the message for the next sweep
        try:
            self._pool.submit(function, *args)
        except RuntimeError:  # the pool shut down between the check and the submit
            if not self._closed:
                raise

    def _call(self, function: Callable[..., object], *args: object) -> None:
        try:
            function(*args)
        except Exception:
            log.exception("in-process job %s crashed", getattr(function, "__name__", function))

    def enqueue_at(self, message_id: int, when: datetime) -> None:
        delay = max(0.0, (when - datetime.now(UTC)).total_seconds())
        timer = threading.Timer(delay, self._fire, args=(message_id,))
        timer.daemon = True
        with self._lock:
            self._timers.add(timer)
        timer.start()

    def _fire(self, message_id: int) -> None:
        with self._lock:
            self._timers = {t for t in self._timers if t.is_alive() and t is not threading.current_thread()}
        self.enqueue([message_id])

    def _run(self, message_id: int) -> None:
        try:
            self._deliver(message_id)
        except Exception:  # the sweep will pick the message up again; never kill the pool thread
            log.exception("in-process delivery of outbox message %s crashed", message_id)

    def close(self) -> None:
        self._closed = True
        with self._lock:
            for timer in self._timers:
                timer.cancel()
        self._pool.shutdown(wait=True, cancel_futures=False)


class RQScheduler:
    """Enqueues deliveries on an RQ queue; workers started with the scheduler run the delayed ones."""

    def __init__(self, redis_url: str, queue_name: str = "tutti") -> None:
        self.connection = Redis.from_url(redis_url)
        self.queue = Queue(queue_name, connection=self.connection)
        self.interactive = Queue(queue_name + INTERACTIVE_SUFFIX, connection=self.connection)

    def enqueue(self, message_ids: list[int]) -> None:
        # One pipelined round trip for all of a commit's messages (a project creation queues several).
        self.queue.enqueue_many([
            Queue.prepare_data(DELIVER_FUNCTION, (message_id,), retry=Retry(max=3, interval=[1, 5, 15]))
            for message_id in message_ids
        ])

    def run_soon(self, function: str, *args: object) -> None:
        """Queue a job someone is waiting to see the result of, ahead of deliveries (no outbox row: losing it is
        harmless, e.g. a Home publish)."""
        self.interactive.enqueue(function, *args, result_ttl=0, failure_ttl=3600)

    def enqueue_at(self, message_id: int, when: datetime) -> None:
        # RQ's scheduler keeps whole seconds and rounds down: round up so the job never runs before its time.
        rounded = when.replace(microsecond=0) + timedelta(seconds=1) if when.microsecond else when
        self.queue.enqueue_at(rounded, DELIVER_FUNCTION, message_id)

    def close(self) -> None:
        self.connection.close()
