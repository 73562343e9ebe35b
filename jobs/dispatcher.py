"""Delivering outbox messages: claim in one transaction, deliver outside it, record in another."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from jobs.errors import PermanentFailure, RetryLater
from store import outbox
from store.db import Database
from store.enums import OutboxStatus
from store.models import OutboxMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """A claimed message, detached from the session, as a handler sees it."""

    id: int
    topic: str
    payload: dict[str, Any]
    attempt: int
    max_attempts: int
    project_id: int | None

    @property
    def is_last_attempt(self) -> bool:
        return self.attempt >= self.max_attempts


Handler = Callable[[Delivery], None]


class Scheduler(Protocol):
    """Runs `deliver(message_id)` soon, or at a given time; RQ or in-process threads."""

    def enqueue(self, message_ids: list[int]) -> None: ...

    def enqueue_at(self, message_id: int, when: datetime) -> None: ...


class OutboxDispatcher:
    """Routes each message to the handler for its topic, with retries and backoff."""

    def __init__(self, database: Database, handlers: dict[str, Handler], scheduler: Scheduler | None = None) -> None:
        self.database = database
        self.handlers = handlers
        self.scheduler = scheduler

    def deliver(self, message_id: int) -> OutboxStatus | None:
        """Deliver one message if it is due and nobody else holds it; returns its new status."""
        with self.database.unit_of_work() as uow:
            message = outbox.claim(uow.session, message_id)
            if message is None:
                not_before = outbox.pending_not_before(uow.session, message_id)
                if not_before is not None and self.scheduler is not None:
                    self.scheduler.enqueue_at(message_id, not_before)  # woke up early: wait for its time
                return None
            delivery = _detach(message)
            uow.commit()
        handler = self.handlers.get(delivery.topic)
        error: str | None = None
        retry_after: float | None = None
        permanent = False
        counts = True
        try:
            if handler is None:
                raise PermanentFailure(f"no handler for topic {delivery.topic!r}")
            handler(delivery)
        except RetryLater as exc:
            error, retry_after, counts = str(exc), exc.delay, exc.counts
        except PermanentFailure as exc:
            error, permanent = str(exc), True
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"
            log.warning("outbox message %s (%s) failed on attempt %s: %s", delivery.id, delivery.topic,
                        delivery.attempt, exc)
        return self._record(delivery, error, retry_after=retry_after, permanent=permanent, counts=counts)

    def _record(self, delivery: Delivery, error: str | None, *, retry_after: float | None, permanent: bool,
                counts: bool) -> OutboxStatus:
        with self.database.unit_of_work() as uow:
            message = uow.session.get(OutboxMessage, delivery.id, with_for_update=True)
            assert message is not None
            if error is None:
                outbox.mark_delivered(message)
            elif permanent:
                message.attempts = message.max_attempts
                outbox.mark_failed(message, error)
            elif not counts:
                outbox.postpone(message, retry_after or 1.0)
            else:
                outbox.mark_failed(message, error, retry_after=retry_after)
            status, available_at = message.status, message.available_at
            uow.commit()
        if status is OutboxStatus.PENDING and self.scheduler is not None:
            self.scheduler.enqueue_at(delivery.id, available_at)
        if status is OutboxStatus.DEAD:
            log.error("outbox message %s (%s) gave up after %s attempts: %s", delivery.id, delivery.topic,
                      delivery.attempt, (error or "")[:300])
        return status

    def sweep(self, limit: int = 500) -> int:
        """Deliver everything that is due (messages whose job was lost, or whose retry time came)."""
        with self.database.read() as session:
            ids = outbox.due_ids(session, limit=limit)
        for message_id in ids:
            self.deliver(message_id)
        return len(ids)

    def drain(self, max_rounds: int = 50) -> None:
        """Deliver until nothing is due (tests and the CLI use this to run a project to rest)."""
        for _ in range(max_rounds):
            if self.sweep() == 0:
                return


def _detach(message: OutboxMessage) -> Delivery:
    return Delivery(
        id=message.id,
        topic=message.topic,
        payload=dict(message.payload),
        attempt=message.attempts,
        max_attempts=message.max_attempts,
        project_id=message.project_id,
    )
