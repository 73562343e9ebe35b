"""The transactional outbox: rows written with the state change, claimed and delivered after commit."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from store import appends
from store.enums import OutboxStatus
from store.models import OutboxMessage
from store.types import utcnow

OUTBOX = OutboxMessage.__table__

CLAIM_SECONDS = 300


def add_message(
    session: Session,
    topic: str,
    payload: dict[str, Any],
    *,
    project_id: int | None = None,
    dedupe_key: str | None = None,
    max_attempts: int = 8,
    backoff_seconds: float = 2.0,
    available_at: datetime | None = None,
) -> None:
    """Queue work for after commit; the unit of work hands the new ids to the dispatcher once committed."""
    now = utcnow()
    appends.append(session, OUTBOX, {
        "topic": topic, "payload": payload, "project_id": project_id, "dedupe_key": dedupe_key,
        "max_attempts": max_attempts, "backoff_seconds": backoff_seconds, "available_at": available_at or now,
        "status": OutboxStatus.PENDING, "attempts": 0, "created_at": now,
    }, want_id=True)


def claim(session: Session, message_id: int, *, now: datetime | None = None) -> OutboxMessage | None:
    """Take a due message for delivery; None if it is delivered, dead, not due or claimed elsewhere."""
    now = now or utcnow()
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.available_at <= now,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .values(claimed_until=now + timedelta(seconds=CLAIM_SECONDS), attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    return session.get(OutboxMessage, message_id, populate_existing=True)


def pending_not_before(session: Session, message_id: int, *, now: datetime | None = None) -> datetime | None:
    """When a pending, unclaimed message becomes due, if that is still in the future."""
    now = now or utcnow()
    message = session.get(OutboxMessage, message_id)
    if message is None or message.status is not OutboxStatus.PENDING:
        return None
    if message.claimed_until is not None and message.claimed_until > now:
        return None
    return message.available_at if message.available_at > now else None


def mark_delivered(message: OutboxMessage) -> None:
    message.status = OutboxStatus.DELIVERED
    message.delivered_at = utcnow()
    message.claimed_until = None
    message.last_error = None


def mark_failed(message: OutboxMessage, error: str, *, retry_after: float | None = None) -> bool:
    """Record a failed attempt and schedule the next with backoff; True if the message is now dead."""
    message.last_error = error[:4000]
    message.claimed_until = None
    if message.attempts >= message.max_attempts:
        message.status = OutboxStatus.DEAD
        return True
    delay = retry_after if retry_after is not None else backoff_delay(message)
    message.available_at = utcnow() + timedelta(seconds=delay)
    return False


def postpone(message: OutboxMessage, seconds: float) -> None:
    """Put a message back without counting the attempt (e.g. a rate limit we chose to respect)."""
    message.attempts = max(0, message.attempts - 1)
    message.claimed_until = None
    message.available_at = utcnow() + timedelta(seconds=seconds)


def backoff_delay(message: OutboxMessage, cap: float = 300.0) -> float:
    return min(cap, message.backoff_seconds * (2 ** max(0, message.attempts - 1)))


def waiting_payloads(
    session: Session, topic: str, project_id: int, *, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Payloads of a project's pending `topic` messages that nobody holds now (a held one may be about to be
    dropped as having nothing to do)."""
    now = now or utcnow()
    return list(session.scalars(
        select(OutboxMessage.payload).where(
            OutboxMessage.project_id == project_id,
            OutboxMessage.topic == topic,
            OutboxMessage.status == OutboxStatus.PENDING,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
    ))


def due_ids(session: Session, *, limit: int = 500, now: datetime | None = None) -> list[int]:
    """Pending messages whose time has come and that nobody holds: what a sweep should deliver."""
    now = now or utcnow()
    return list(
        session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.available_at <= now,
                or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
            )
            .order_by(OutboxMessage.available_at, OutboxMessage.id)
            .limit(limit)
        )
    )


def recent(session: Session, *, status: OutboxStatus | None = None, project_id: int | None = None,
           limit: int = 50) -> list[OutboxMessage]:
    """Messages newest first, optionally of one status or project: what an operator looks through."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    if project_id is not None:
        query = query.where(OutboxMessage.project_id == project_id)
    return list(session.scalars(query))


class NotRevivable(Exception):
    """The message is not there or not dead (only dead messages are delivered again by hand)."""


def revive(session: Session, message_id: int) -> OutboxMessage:
    """Put a dead message back in line with a fresh set of attempts; its last error stays until it is delivered."""
    message = session.get(OutboxMessage, message_id, with_for_update=True)
    if message is None:
        raise NotRevivable(f"There is no outbox message {message_id}.")
    if message.status is not OutboxStatus.DEAD:
        raise NotRevivable(f"Outbox message {message_id} is {message.status.value}, not dead: "
                           "only a message that gave up is sent again by hand.")
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.claimed_until = None
    message.available_at = utcnow()
    return message
