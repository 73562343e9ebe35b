"""Fan-out of domain events to their subscribers, each of which gets its own outbox message."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobs.dispatcher import Delivery, Handler
from store import outbox
from store.db import Database
from store.models import OutboxMessage

Subscriptions = Mapping[str, Sequence[str]]


def event_fanout_handler(database: Database, subscriptions: Subscriptions) -> Handler:
    """`subscriptions` maps an event name (or "*") to the topics that must receive it."""

    def fan_out(delivery: Delivery) -> None:
        name = delivery.payload.get("event", "")
        topics = [*subscriptions.get(name, ()), *subscriptions.get("*", ())]
        if not topics:
            return
        with database.unit_of_work() as uow:
            queue_once(uow.session, [(topic, f"{delivery.id}:{topic}") for topic in topics], delivery.payload,
                       project_id=delivery.project_id)
            uow.commit()

    return fan_out


def queue_once(session: Session, messages: Sequence[tuple[str, str]], payload: dict[str, Any], *,
               project_id: int | None) -> None:
    """Queue `(topic, dedupe_key)` messages, skipping keys already queued.

    A delivery runs again when its outcome was not recorded (its claim expired, the database blinked); the
    follow-ups it queued the first time are already there, and inserting them again would violate the unique
    dedupe key and fail that delivery on every retry until it is dead.
    """
    keys = [key for _, key in messages]
    queued = set(session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys))))
    for topic, key in messages:
        if key not in queued:
            outbox.add_message(session, topic, payload, project_id=project_id, dedupe_key=key)
