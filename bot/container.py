"""The composition root: builds the database, the outbox dispatcher and where jobs run, from settings."""

from __future__ import annotations

import logging
import threading
from functools import cached_property

from slack_sdk import WebClient

from bot.settings import Settings
from jobs.dispatcher import Handler, OutboxDispatcher
from jobs.fanout import event_fanout_handler
from jobs.home_refresh import SUBSCRIPTIONS as HOME_SUBSCRIPTIONS
from jobs.home_refresh import HomeRefresh
from jobs.machine_steps import machine_step_handler
from jobs.scheduling import InProcessScheduler, RQScheduler
from jobs.slack_delivery import SUBSCRIPTIONS as SLACK_SUBSCRIPTIONS
from jobs.slack_delivery import SlackDelivery
from jobs.webhooks import SUBSCRIPTIONS as WEBHOOK_SUBSCRIPTIONS
from jobs.webhooks import static_webhooks, webhook_handlers
from store.db import Database
from workflows import files
from workflows.outbox_events import EVENT_TOPIC, MACHINE_TOPIC

log = logging.getLogger(__name__)


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

    def handlers(self) -> dict[str, Handler]:
        handlers: dict[str, Handler] = {
            MACHINE_TOPIC: machine_step_handler(self.database),
            EVENT_TOPIC: event_fanout_handler(self.database, self.subscriptions()),
        }
        if self.settings.slack_enabled:
            handlers.update(SlackDelivery(self.database, self.slack_client).handlers())
            handlers.update(HomeRefresh(self.database, self.slack_client).handlers())
        # --- client API: outgoing webhooks (jobs/webhooks.py) ---
        handlers.update(webhook_handlers(self.database,
                                         static_webhooks(self.settings.api_keys, self.settings.api_webhooks)))
        return handlers

    def subscriptions(self) -> dict[str, list[str]]:
        """Which delivery topics receive each domain event (Slack notices and webhooks subscribe here)."""
        subscriptions: dict[str, list[str]] = {}
        if self.settings.slack_enabled:
            for event, topics in [*SLACK_SUBSCRIPTIONS.items(), *HOME_SUBSCRIPTIONS.items()]:
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
        if self.scheduler is not None:
            self.scheduler.close()
        self.database.dispose()
