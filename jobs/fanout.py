"""Fan-out of domain events to their subscribers, each of which gets its own outbox message."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from jobs.dispatcher import Delivery, Handler
from store import outbox
from store.db import Database

Subscriptions = Mapping[str, Sequence[str]]


def event_fanout_handler(database: Database, subscriptions: Subscriptions) -> Handler:
    """`subscriptions` maps an event name (or "*") to the topics that must receive it."""

    def fan_out(delivery: Delivery) -> None:
        name = delivery.payload.get("event", "")
        topics = [*subscriptions.get(name, ()), *subscriptions.get("*", ())]
        if not topics:
            return
        with database.unit_of_work() as uow:
            for topic in topics:
                outbox.add_message(uow.session, topic, delivery.payload, project_id=delivery.project_id,
                                   dedupe_key=f"{delivery.id}:{topic}")
            uow.commit()

    return fan_out
