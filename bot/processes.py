"""Long-running processes: the job worker and the clock."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import timedelta

from bot import job_entry
from bot.container import Tutti
from bot.settings import Settings
from jobs.scheduling import INTERACTIVE_SUFFIX

log = logging.getLogger(__name__)

SWEEP_INTERVAL = timedelta(seconds=15)


def worker_banner(settings: Settings, *, burst: bool = False) -> str:
    """One line saying what `tutti worker` runs and how it stops."""
    if settings.redis_url:
        queues = f"{settings.queue_name + INTERACTIVE_SUFFIX} (first), {settings.queue_name}"
        what = f"Worker: running jobs from the RQ queues {queues}, with RQ's scheduler for retries"
    else:
        what = "Worker: delivering the outbox in this process every second (no REDIS_URL)"
    end = "it stops when nothing is left to do" if burst else "Ctrl-C stops it"
    return f"{what}; {end}."


def cron_banner(settings: Settings) -> str:
    """One line saying what `tutti cron` schedules, where the jobs run, and how it stops."""
    schedule = (f"outbox sweep every {SWEEP_INTERVAL.total_seconds():g}s, "
                f"StaffBot rounds every {settings.staffbot_tick_seconds:g}s, "
                f"SanityBot checks every {settings.sanity_seconds:g}s")
    where = (f"queued on RQ ({settings.queue_name}) for `tutti worker`" if settings.redis_url
             else "run in this process (no REDIS_URL)")
    return f"Cron: {schedule}, {where}; Ctrl-C stops it."


def run_worker(settings: Settings, *, burst: bool = False) -> None:
    """With REDIS_URL an RQ worker (with its scheduler, for retries); otherwise an in-process delivery loop."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if settings.redis_url:
        from redis import Redis
        from rq import Queue, Worker

        tutti = Tutti(settings, in_process_jobs=False)
        job_entry.install(tutti)
        connection = Redis.from_url(settings.redis_url)
        queues = [Queue(settings.queue_name + INTERACTIVE_SUFFIX, connection=connection),  # first: people wait
                  Queue(settings.queue_name, connection=connection)]
        worker = Worker(queues, connection=connection)
        print(worker_banner(settings, burst=burst), flush=True)
        worker.work(with_scheduler=True, burst=burst)
        tutti.close()
        return
    tutti = Tutti(settings, in_process_jobs=True)
    stop = _stop_event()
    print(worker_banner(settings, burst=burst), flush=True)
    try:
        while True:
            tutti.dispatcher.sweep()
            if burst or stop.wait(1.0):
                break
    finally:
        tutti.close()


def run_cron(settings: Settings) -> None:
    """Periodic jobs. With REDIS_URL they are registered with RQ's cron scheduler, else run in this process."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if settings.redis_url:
        from redis import Redis
        from rq.cron import CronScheduler

        scheduler = CronScheduler(connection=Redis.from_url(settings.redis_url))
        scheduler.register(job_entry.sweep_outbox, settings.queue_name,
                           interval=int(SWEEP_INTERVAL.total_seconds()))
        scheduler.register(job_entry.run_staffing_rounds, settings.queue_name,
                           interval=int(settings.staffbot_tick_seconds))
        scheduler.register(job_entry.run_sanity_checks, settings.queue_name, interval=int(settings.sanity_seconds))
        print(cron_banner(settings), flush=True)
        scheduler.start()
        return
    tutti = Tutti(settings, in_process_jobs=True)
    tutti.start_periodic()
    stop = _stop_event()
    print(cron_banner(settings), flush=True)  # once Ctrl-C is handled, as the line says
    try:
        while not stop.wait(SWEEP_INTERVAL.total_seconds()):
            tutti.dispatcher.sweep()
    finally:
        tutti.close()


def _stop_event() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    return stop
