"""The composition root: builds the database, the outbox dispatcher and where jobs run, from settings."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import cached_property

from redis.exceptions import RedisError
from slack_sdk import WebClient

from bot.settings import Settings
from jobs.dispatcher import Handler, OutboxDispatcher
from jobs.fanout import event_fanout_handler
from jobs.home_refresh import SUBSCRIPTIONS as HOME_SUBSCRIPTIONS
from jobs.home_refresh import HomeRefresh
from jobs.machine_steps import machine_step_handler
from jobs.rate_limit import InMemoryRateLimiter, RateLimitedClient, RateLimiter, RedisRateLimiter
from jobs.sanity import SUBSCRIPTIONS as SANITY_SUBSCRIPTIONS
from jobs.sanity import SanityDelivery, run_sanity_checks
from jobs.scheduling import InProcessScheduler, RQScheduler
from jobs.slack_delivery import SUBSCRIPTIONS as SLACK_SUBSCRIPTIONS
from jobs.slack_delivery import SlackDelivery
from jobs.staffing import SUBSCRIPTIONS as STAFFING_SUBSCRIPTIONS
from jobs.staffing import StaffingDelivery, StaffingRounds
from jobs.webhooks import SUBSCRIPTIONS as WEBHOOK_SUBSCRIPTIONS
from jobs.webhooks import static_webhooks, webhook_handlers
from store.db import Database
from workflows import files
from workflows.outbox_events import EVENT_TOPIC, MACHINE_TOPIC
from workflows.staffing import StaffingConfig

log = logging.getLogger(__name__)

PUBLISH_HOME_FUNCTION = "bot.job_entry.publish_home"


class Tutti:
    """One configured instance of the application; create it, use it, `close()` it."""

    def __init__(self, settings: Settings, *, in_process_jobs: bool | None = None, manual_jobs: bool = False) -> None:
        self.settings = settings
        files.configure_storage(files.LocalFileStorage(settings.files_dir, settings.files_url))
        self.database = Database(settings.database_url, outbox_notifier=self._on_outbox)
        use_threads = settings.redis_url is None if in_process_jobs is None else in_process_jobs
        self.dispatcher = OutboxDispatcher(self.database, self.handlers())
        self.scheduler: InProcessScheduler | RQScheduler | None
        if manual_jobs:  # tests deliver explicitly with dispatcher.drain()
            self.scheduler = None
        elif use_threads:
            self.scheduler = InProcessScheduler(self.dispatcher.deliver)
        else:
            assert settings.redis_url, "REDIS_URL is needed to run jobs on RQ"
            self.scheduler = RQScheduler(settings.redis_url, settings.queue_name)
        self.dispatcher.scheduler = self.scheduler
        self._sweeper: threading.Thread | None = None
        self._stop = threading.Event()

    @cached_property
    def slack_client(self) -> WebClient:
        """The one way Tutti reaches Slack (or the sandbox, whose URL the settings give)."""
        return WebClient(token=self.settings.slack_bot_token, base_url=self.settings.slack_api_url, timeout=10)

    @cached_property
    def rate_limiter(self) -> RateLimiter:
        """Slack rate limits kept by delivery jobs: shared through Redis when there is one, else per process."""
        if self.settings.redis_url:
            return RedisRateLimiter(self.settings.redis_url)
        return InMemoryRateLimiter()

    @cached_property
    def delivery_slack_client(self) -> WebClient:
        """The client delivery jobs use: the same Slack, but a burst waits for its turn instead of tripping 429s."""
        return RateLimitedClient(self.rate_limiter, token=self.settings.slack_bot_token,
                                 base_url=self.settings.slack_api_url, timeout=10,
                                 rate_scale=self.settings.slack_rate_scale)

    def publish_home(self, slack_user_id: str) -> None:
        """Build and publish someone's Home now: they opened the tab and are looking at it. Like every answer to a
        click it goes straight to Slack (no client-side rate limiting; a 429 is logged and the next open retries)."""
        HomeRefresh(self.database, self.slack_client).publish(slack_user_id)

    def publish_home_soon(self, slack_user_id: str) -> None:
        """Publish someone's Home from a job, ahead of queued deliveries; at once when jobs are run by hand (tests)
        or Redis does not answer (the person is looking at their Home now)."""
        if isinstance(self.scheduler, RQScheduler):
            try:
                self.scheduler.run_soon(PUBLISH_HOME_FUNCTION, slack_user_id)
                return
            except RedisError:
                log.warning("could not queue the Home of %s; publishing it here", slack_user_id, exc_info=True)
        elif isinstance(self.scheduler, InProcessScheduler):
            self.scheduler.run_soon(self.publish_home, slack_user_id)
            return
        self.publish_home(slack_user_id)

    def handlers(self) -> dict[str, Handler]:
        handlers: dict[str, Handler] = {
            MACHINE_TOPIC: machine_step_handler(self.database),
            EVENT_TOPIC: event_fanout_handler(self.database, self.subscriptions()),
        }
        if self.settings.slack_enabled:
            client = self.delivery_slack_client
            handlers.update(SlackDelivery(self.database, client).handlers())
            handlers.update(HomeRefresh(self.database, client).handlers())
            handlers.update(StaffingDelivery(self.database, client, self.settings.staffbot_channel_id).handlers())
            handlers.update(SanityDelivery(self.database, client).handlers())
        # --- client API: outgoing webhooks (jobs/webhooks.py) ---
        handlers.update(webhook_handlers(self.database,
                                         static_webhooks(self.settings.api_keys, self.settings.api_webhooks)))
        return handlers

    def subscriptions(self) -> dict[str, list[str]]:
        """Which delivery topics receive each domain event (Slack notices and webhooks subscribe here)."""
        subscriptions: dict[str, list[str]] = {}
        if self.settings.slack_enabled:
            for event, topics in [*SLACK_SUBSCRIPTIONS.items(), *HOME_SUBSCRIPTIONS.items(),
                                  *STAFFING_SUBSCRIPTIONS.items(), *SANITY_SUBSCRIPTIONS.items()]:
                subscriptions.setdefault(event, []).extend(topics)
        # --- client API: outgoing webhooks (jobs/webhooks.py) ---
        for event, topics in WEBHOOK_SUBSCRIPTIONS.items():
            subscriptions.setdefault(event, []).extend(topics)
        return subscriptions

    def _on_outbox(self, message_ids: list[int]) -> None:
        if self.scheduler is not None:
            try:
                self.scheduler.enqueue(message_ids)
            except Exception:  # Redis down: the rows are committed; the periodic sweep delivers them later
                log.exception("could not enqueue outbox messages %s; the sweep will retry", message_ids)

    @cached_property
    def staffing_config(self) -> StaffingConfig:
        s = self.settings
        return StaffingConfig(batch_size=s.staffbot_batch_size, batch_seconds=s.staffbot_batch_seconds,
                              reminder_seconds=s.staffbot_reminder_seconds,
                              unstaffed_after_seconds=s.staffbot_unstaffed_after_seconds,
                              warning_seconds=s.staffbot_warning_seconds,
                              max_autostaff_tasks_per_day=s.staffbot_max_tasks_per_day,
                              enforce_no_new_tasks_during_review=s.enforce_no_new_tasks_during_review)

    @cached_property
    def staffing_rounds(self) -> StaffingRounds:
        """StaffBot's periodic rounds (batches, reminders, unstaffed warnings)."""
        return StaffingRounds(self.database, self.staffing_config,
                              staffing_channel_id=self.settings.staffbot_channel_id)

    def run_sanity_checks(self) -> int:
        """SanityBot's periodic run."""
        return run_sanity_checks(self.database)

    def start_periodic(self) -> None:
        """StaffBot and SanityBot on timers in this process (`make dev`; deployments use `rq cron`)."""
        def loop(name: str, seconds: float, fn: Callable[[], object]) -> None:
            while not self._stop.wait(seconds):
                try:
                    fn()
                except Exception:
                    log.exception("periodic job %s failed", name)

        for name, seconds, fn in (("staffbot", self.settings.staffbot_tick_seconds, self.staffing_rounds.run),
                                  ("sanitybot", self.settings.sanity_seconds, self.run_sanity_checks)):
            threading.Thread(target=loop, args=(name, seconds, fn), name=f"tutti-{name}", daemon=True).start()

    def start_sweeper(self) -> None:
        """Periodically deliver whatever is due (in-process stand-in for the clock process)."""
        def loop() -> None:
            while not self._stop.wait(self.settings.sweep_seconds):
                try:
                    self.dispatcher.sweep()
                except Exception:
                    log.exception("outbox sweep failed")

        self._sweeper = threading.Thread(target=loop, name="tutti-sweeper", daemon=True)
        self._sweeper.start()

    def close(self) -> None:
        self._stop.set()
        if "rate_limiter" in self.__dict__ and isinstance(self.rate_limiter, RedisRateLimiter):
            self.rate_limiter.close()
        if self.scheduler is not None:
            self.scheduler.close()
        self.database.dispose()
