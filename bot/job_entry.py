"""Functions RQ workers and `rq cron` call; each process builds its Tutti once, from the environment."""

from __future__ import annotations

import threading

from bot.container import Tutti
from bot.settings import Settings

_lock = threading.Lock()
_instance: Tutti | None = None


def instance() -> Tutti:
    global _instance
    with _lock:
        if _instance is None:
            _instance = Tutti(Settings.from_env(), in_process_jobs=False)
        return _instance


def install(tutti: Tutti) -> None:
    """Use an already built instance (tests, and `tutti worker` which builds its own)."""
    global _instance
    with _lock:
        _instance = tutti


def deliver_outbox_message(message_id: int) -> str | None:
    status = instance().dispatcher.deliver(message_id)
    return None if status is None else status.value


def publish_home(slack_user_id: str) -> None:
    instance().publish_home(slack_user_id)


def sweep_outbox() -> int:
    return instance().dispatcher.sweep()


def run_staffing_rounds() -> dict[str, int]:
    """StaffBot: due batches of offers, reminders, unstaffed warnings (idempotent; safe to overlap)."""
    return instance().staffing_rounds.run()


def run_sanity_checks() -> int:
    """SanityBot: every active or paused project's checks (idempotent; safe to overlap)."""
    return instance().run_sanity_checks()
