"""Event-log and outbox rows are written with their transaction, in order, and vanish with a savepoint."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from store import events, outbox
from store.db import Database
from store.events import Actor
from store.models import OutboxMessage, ProjectEvent, Worker
from tests.support.world import World, human

ACTOR = Actor.cli("test")


@pytest.fixture
def project_id(world: World) -> int:
    world.load("plain", [human("write")])
    return world.create("plain", drain=False)


@pytest.fixture
def notified() -> list[int]:
    return []


@pytest.fixture
def database(database_url: str, notified: list[int]) -> Iterator[Database]:
    db = Database(database_url, outbox_notifier=notified.extend)
    yield db
    db.dispose()


def _log(database: Database, project_id: int) -> list[str]:
    with database.read() as session:
        return [e.action for e in events.project_events(session, project_id)]


def _topics(database: Database, project_id: int) -> list[str]:
    with database.read() as session:
        query = select(OutboxMessage.topic).where(OutboxMessage.project_id == project_id).order_by(OutboxMessage.id)
        return list(session.scalars(query))


def test_rows_are_written_in_order_at_commit_and_the_dispatcher_hears_of_each_message(
    database: Database, project_id: int, notified: list[int]
) -> None:
    before = _topics(database, project_id)
    with database.unit_of_work() as uow:
        for n in range(3):
            events.record(uow.session, ACTOR, f"test.{n}", project_id=project_id, after={"n": n})
            outbox.add_message(uow.session, f"topic.{n}", {"n": n}, project_id=project_id)
        uow.commit()

    assert _log(database, project_id)[-3:] == ["test.0", "test.1", "test.2"]
    assert _topics(database, project_id) == [*before, "topic.0", "topic.1", "topic.2"]
    with database.read() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(notified))
                               .order_by(OutboxMessage.id)).all()
        stored = [(m.topic, m.payload, m.status.value, m.attempts) for m in rows]
    assert stored == [
        ("topic.0", {"n": 0}, "pending", 0), ("topic.1", {"n": 1}, "pending", 0), ("topic.2", {"n": 2}, "pending", 0)
    ]


def test_a_rolled_back_unit_of_work_leaves_no_rows_and_wakes_nobody(
    database: Database, project_id: int, notified: list[int]
) -> None:
    log, topics = _log(database, project_id), _topics(database, project_id)
    with database.unit_of_work() as uow:
        events.record(uow.session, ACTOR, "test.lost", project_id=project_id)
        outbox.add_message(uow.session, "topic.lost", {}, project_id=project_id)
        uow.rollback()
        uow.commit()  # nothing left to commit

    assert _log(database, project_id) == log
    assert _topics(database, project_id) == topics
    assert notified == []


def test_a_query_in_the_same_transaction_sees_the_rows(database: Database, project_id: int) -> None:
    with database.unit_of_work() as uow:
        outbox.add_message(uow.session, "topic.seen", {"x": 1}, project_id=project_id)
        events.record(uow.session, ACTOR, "test.seen", project_id=project_id)
        seen = uow.session.scalars(select(OutboxMessage.topic).where(OutboxMessage.topic == "topic.seen")).all()
        assert seen == ["topic.seen"]
        uow.rollback()
    with database.unit_of_work() as uow:  # the table only in a subquery, or as a plain Table
        events.record(uow.session, ACTOR, "test.seen", project_id=project_id)
        counted = uow.session.scalar(select(func.count()).select_from(ProjectEvent)
                                     .where(ProjectEvent.action == "test.seen"))
        outbox.add_message(uow.session, "topic.seen", {"x": 1}, project_id=project_id)
        table = OutboxMessage.__table__
        listed = uow.session.execute(select(table.c.topic).where(table.c.topic == "topic.seen")).scalars().all()
        assert (counted, listed) == (1, ["topic.seen"])
        uow.rollback()

    assert "topic.seen" not in _topics(database, project_id)


def test_a_rolled_back_savepoint_takes_its_rows_and_keeps_the_enclosing_transactions(
    database: Database, project_id: int, notified: list[int]
) -> None:
    with database.unit_of_work() as uow:
        session = uow.session
        events.record(session, ACTOR, "test.before", project_id=project_id)
        outbox.add_message(session, "topic.before", {}, project_id=project_id)
        savepoint = session.begin_nested()
        events.record(session, ACTOR, "test.inside", project_id=project_id)
        outbox.add_message(session, "topic.inside", {}, project_id=project_id)
        # A read inside the savepoint writes every pending row, the enclosing transaction's included ...
        assert session.scalars(select(OutboxMessage.topic).where(OutboxMessage.topic.like("topic.%"))).all()
        savepoint.rollback()  # ... so rolling it back must not lose "before"
        with session.begin_nested():
            outbox.add_message(session, "topic.kept", {}, project_id=project_id)
        events.record(session, ACTOR, "test.after", project_id=project_id)
        uow.commit()

    assert _log(database, project_id)[-2:] == ["test.before", "test.after"]
    assert _topics(database, project_id)[-2:] == ["topic.before", "topic.kept"]
    with database.read() as session:
        topics = session.scalars(select(OutboxMessage.topic).where(OutboxMessage.id.in_(notified))).all()
    assert sorted(topics) == ["topic.before", "topic.kept"]


def test_a_failed_flush_inside_a_savepoint_keeps_the_enclosing_transactions_rows(
    database: Database, project_id: int, notified: list[int]
) -> None:
    with database.unit_of_work() as uow:
        session = uow.session
        session.add(Worker(slack_user_id="U_APPENDS", username="appends"))
        session.flush()
        events.record(session, ACTOR, "test.before", project_id=project_id)
        outbox.add_message(session, "topic.before", {}, project_id=project_id)
        with pytest.raises(IntegrityError), session.begin_nested():
            session.add(Worker(slack_user_id="U_APPENDS", username="appends-again"))
            session.flush()
        outbox.add_message(session, "topic.after", {}, project_id=project_id)
        uow.commit()

    assert _log(database, project_id)[-1] == "test.before"
    assert _topics(database, project_id)[-2:] == ["topic.before", "topic.after"]
    assert len(notified) == 2


@pytest.mark.parametrize("count", [1, 2_500])
def test_a_large_batch_is_written_whole_and_every_message_id_is_announced(
    database: Database, project_id: int, notified: list[int], count: int
) -> None:
    """One row or thousands (an abort of a big project): all are written, in order, and every message announced."""
    with database.unit_of_work() as uow:
        for n in range(count):
            events.record(uow.session, ACTOR, "test.bulk", project_id=project_id, after={"n": n})
            outbox.add_message(uow.session, "topic.bulk", {"n": n}, project_id=project_id)
        uow.commit()

    with database.read() as session:
        logged = session.scalars(select(ProjectEvent.after).where(ProjectEvent.action == "test.bulk")
                                 .order_by(ProjectEvent.id)).all()
        queued = session.execute(select(OutboxMessage.id, OutboxMessage.payload)
                                 .where(OutboxMessage.topic == "topic.bulk").order_by(OutboxMessage.id)).all()
    assert [a["n"] for a in logged] == list(range(count))
    assert [p["n"] for _, p in queued] == list(range(count))
    assert sorted(notified) == [message_id for message_id, _ in queued]
