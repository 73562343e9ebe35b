"""The outbox dispatcher when a delivery runs a second time (its claim expired, or recording it failed)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.container import Tutti
from jobs.dispatcher import Delivery, OutboxDispatcher
from jobs.fanout import event_fanout_handler
from store import outbox
from store.enums import OutboxStatus
from store.models import OutboxMessage


def add(tutti: Tutti, topic: str, payload: dict[str, Any]) -> int:
    with tutti.database.unit_of_work() as uow:
        outbox.add_message(uow.session, topic, payload)
        uow.commit()
    with tutti.database.read() as session:
        return int(session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()).limit(1)) or 0)


def reopen(tutti: Tutti, message_id: int) -> None:
    """As if the first delivery's outcome was never recorded: the message is pending and due again."""
    with tutti.database.unit_of_work() as uow:
        message = uow.session.get(OutboxMessage, message_id)
        assert message is not None
        message.status, message.delivered_at = OutboxStatus.PENDING, None
        uow.commit()


def rows(tutti: Tutti, topic: str) -> list[tuple[OutboxStatus, str | None]]:
    """(status, last error) of each message of `topic`."""
    with tutti.database.read() as session:
        return [(m.status, m.last_error) for m in session.scalars(select(OutboxMessage)
                                                                   .where(OutboxMessage.topic == topic))]


def test_fanning_out_an_event_twice_queues_each_subscriber_once_and_succeeds(tutti: Tutti) -> None:
    seen: list[int] = []
    handlers = {"event": event_fanout_handler(tutti.database, {"thing.happened": ["notify"]}),
                "notify": lambda delivery: seen.append(delivery.id)}
    dispatcher = OutboxDispatcher(tutti.database, handlers)
    event = add(tutti, "event", {"event": "thing.happened"})
    assert dispatcher.deliver(event) is OutboxStatus.DELIVERED
    reopen(tutti, event)
    assert dispatcher.deliver(event) is OutboxStatus.DELIVERED
    dispatcher.drain()
    assert len(rows(tutti, "notify")) == 1 and len(seen) == 1
    assert rows(tutti, "event") == [(OutboxStatus.DELIVERED, None)]


def test_a_handler_that_keeps_raising_ends_dead_with_its_error(tutti: Tutti) -> None:
    def broken(delivery: Delivery) -> None:
        raise ValueError("the payload makes no sense")

    dispatcher = OutboxDispatcher(tutti.database, {"broken": broken})
    message = add(tutti, "broken", {})
    statuses = []
    for _ in range(8):
        with tutti.database.unit_of_work() as uow:  # skip the backoff
            row = uow.session.get(OutboxMessage, message)
            assert row is not None
            row.available_at = row.created_at
            uow.commit()
        statuses.append(dispatcher.deliver(message))
    assert statuses[-1] is OutboxStatus.DEAD and set(statuses[:-1]) == {OutboxStatus.PENDING}
    (status, error), = rows(tutti, "broken")
    assert status is OutboxStatus.DEAD and "the payload makes no sense" in (error or "")
