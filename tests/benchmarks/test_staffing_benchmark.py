"""StaffBot benchmark: one staffing round among 10,000 certified experts, and a 500-offer burst against Slack's limits.

Run with `make bench`. The round runs on SQLite and on PostgreSQL (`tutti_staff_bench`, next to TEST_DATABASE_URL's
server, or TUTTI_STAFF_BENCH_URL); targets: candidate selection and batch creation under 200 ms, and the same number
of statements with 1,000 and 10,000 experts (asserted). The burst sends 500 offer DMs through the outbox and the
rate-limited client to the sandbox, which answers some calls 429; target: every offer delivered, no message dead,
every 429 retried. Figures are printed; only the invariants are asserted.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, insert, select, text
from sqlalchemy.orm import Session

from bot.container import Tutti
from bot.settings import Settings
from sandbox.driver import Sandbox
from sandbox.state import User
from store import migrate
from store.db import make_engine
from store.enums import OutboxStatus, Role, TaskClass
from store.models import Base, Certification, OutboxMessage, StaffingInquiry, Worker, WorkerCertification
from tests.benchmarks.support import fresh_postgres
from tests.support.world import ACTOR, World, human
from workflows import catalog, files, staffing
from workflows.staffing import StaffingConfig

pytestmark = pytest.mark.benchmark

SMALL, LARGE = 1_000, int(os.environ.get("TUTTI_BENCH_EXPERTS", "10000"))
BURST = int(os.environ.get("TUTTI_BENCH_OFFERS", "500"))
INJECTED_429 = 20
TARGET_ROUND_MS = 200.0


def bench_url() -> str | None:
    """A fresh, migrated PostgreSQL database for the round: TUTTI_STAFF_BENCH_URL, else `tutti_staff_bench`
    (created when missing) when TEST_DATABASE_URL says PostgreSQL is there; None without PostgreSQL."""
    if os.environ.get("TUTTI_STAFF_BENCH_URL"):
        url = os.environ["TUTTI_STAFF_BENCH_URL"]
        fresh(url)
        return url
    return fresh_postgres("tutti_staff_bench") if os.environ.get("TEST_DATABASE_URL") else None


def fresh(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        else:
            Base.metadata.drop_all(connection)
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()
    migrate.upgrade(url)


class Counter:
    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        self.count += 1


def seed_experts(tutti: Tutti, start: int, stop: int, cert_slug: str = "writer") -> None:
    """Bulk-insert certified experts (the use cases are not what this measures)."""
    with tutti.database.unit_of_work() as uow:
        session = uow.session
        cert_id = session.scalar(select(Certification.id).where(Certification.slug == cert_slug))
        for low in range(start, stop, 2000):
            high = min(stop, low + 2000)
            session.execute(insert(Worker), [
                {"slack_user_id": f"UB{n:07d}", "username": f"expert{n}", "first_name": "E", "last_name": str(n),
                 "is_admin": False, "is_staffer": False, "is_active": True, "max_autostaff_hours_per_day": 0.0}
                for n in range(low, high)])
            ids = session.scalars(select(Worker.id).where(Worker.username.in_([f"expert{n}" for n in
                                                                              range(low, high)]))).all()
            session.execute(insert(WorkerCertification), [
                {"worker_id": w, "certification_id": cert_id, "role": Role.ENTRY_LEVEL, "task_class": TaskClass.REAL,
                 "staffbot_enabled": True, "staffing_priority": w % 3} for w in ids])
        uow.commit()


def one_round(tutti: Tutti, world: World, counter: Counter, config: StaffingConfig) -> tuple[float, int, int]:
    """Staff a new task, then time its first batch (candidate selection + offers); ms, statements, offers."""
    project = world.create("desk", drain=False)
    task = world.task_id(project, "write")
    started = world.run(staffing.staff_task, task, actor=ACTOR)
    rng = random.Random(5).random
    with tutti.database.unit_of_work() as uow:
        before, clock = counter.count, time.perf_counter()
        result = staffing.run_batch(uow.session, started.request_id, config, rng)
        uow.commit()
        elapsed = (time.perf_counter() - clock) * 1000
        statements = counter.count - before
    assert result is not None
    return elapsed, statements, result.offered


@pytest.fixture(params=["sqlite", "postgresql"])
def bench_tutti(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Tutti, World]]:
    if request.param == "sqlite":
        url: str | None = f"sqlite:///{tmp_path / 'bench.db'}"
        fresh(url)
    else:
        url = bench_url()
    if url is None:
        pytest.skip("set TEST_DATABASE_URL (or TUTTI_STAFF_BENCH_URL) for the PostgreSQL run")
    catalog.clear()
    tutti = Tutti(Settings(database_url=url, files_dir=tmp_path / "files", slack_enabled=False), manual_jobs=True)
    world = World(tutti, tmp_path)
    world.load("desk", [human("write", required_certifications=["writer"])], certifications=["writer"])
    yield tutti, world
    tutti.close()
    files.configure_storage(None)


def test_one_staffing_round_among_ten_thousand_experts(bench_tutti: tuple[Tutti, World]) -> None:
    tutti, world = bench_tutti
    counter = Counter(tutti.database.engine)
    config = StaffingConfig(batch_size=5)
    seed_experts(tutti, 0, SMALL)
    one_round(tutti, world, counter, config)  # warm the catalog and the connection pool
    small_ms, small_statements, offered = one_round(tutti, world, counter, config)
    seed_experts(tutti, SMALL, LARGE)
    one_round(tutti, world, counter, config)
    large_ms, large_statements, large_offered = one_round(tutti, world, counter, config)
    dialect = tutti.database.engine.dialect.name
    print(f"\n[staffing round, {dialect}] {SMALL:,} experts: {small_ms:.1f} ms, {small_statements} statements; "
          f"{LARGE:,} experts: {large_ms:.1f} ms, {large_statements} statements "
          f"(target < {TARGET_ROUND_MS:.0f} ms: {'met' if large_ms < TARGET_ROUND_MS else 'MISSED'})")
    assert offered == large_offered == config.batch_size
    assert small_statements == large_statements


def test_a_burst_of_offers_is_delivered_within_slacks_rate_limits(sandbox: Sandbox, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'burst.db'}"
    fresh(url)
    catalog.clear()
    scale = float(os.environ.get("TUTTI_BENCH_RATE_SCALE", "1"))
    settings = Settings(database_url=url, files_dir=tmp_path / "files", slack_enabled=True,
                        slack_api_url=sandbox.base_url, slack_bot_token=sandbox.bot_token,
                        slack_signing_secret=sandbox.signing_secret, slack_rate_scale=scale)
    tutti = Tutti(settings, manual_jobs=True)
    try:
        world = World(tutti, tmp_path)
        world.load("desk", [human("write", required_certifications=["writer"])], certifications=["writer"])
        seed_experts(tutti, 0, BURST)
        sandbox.seed_users([User(id=f"UB{n:07d}", name=f"expert{n}", real_name=f"Expert {n}") for n in range(BURST)])
        project = world.create("desk")  # its channel and notices first, so the burst is offers only
        task = world.task_id(project, "write")
        world.run(staffing.staff_task, task, actor=ACTOR)
        tutti.dispatcher.drain()
        sandbox.faults.rate_limit("chat.postMessage", times=INJECTED_429, retry_after=1)
        before = len(sandbox.calls("chat.postMessage"))
        started = time.perf_counter()
        with tutti.database.unit_of_work() as uow:
            result = staffing.run_batch(uow.session, staffing.due_request_ids(uow.session, StaffingConfig())[0],
                                        StaffingConfig(batch_size=BURST), random.Random(2).random)
            uow.commit()
        assert result is not None and result.offered == BURST
        pending = deliver_all(tutti, timeout=600)
        elapsed = time.perf_counter() - started
        calls = sandbox.calls("chat.postMessage")[before:]
        with tutti.database.read() as session:
            posted = session.scalar(select(func.count(StaffingInquiry.id)).where(StaffingInquiry.slack_ts.is_not(None)))
            dead = session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.status == OutboxStatus.DEAD))
        answered_429 = sum(1 for c in calls if c.status == 429)
        print(f"\n[offer burst] {BURST} offers delivered in {elapsed:.1f} s ({BURST / elapsed:.1f}/s) at rate scale "
              f"{scale:g}; chat.postMessage calls {len(calls)}, 429 answers {answered_429} (injected "
              f"{INJECTED_429}), offers posted {posted}, dead messages {dead}, still pending {pending}")
        assert pending == 0 and dead == 0 and posted == BURST
        assert answered_429 <= INJECTED_429  # the limiter itself caused none
        assert len(calls) - answered_429 == BURST  # each 429 was retried; nothing posted twice
    finally:
        tutti.close()
        files.configure_storage(None)


def deliver_all(tutti: Tutti, timeout: float) -> int:
    """Sweep until nothing is pending (postponed deliveries come due as their wait passes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tutti.dispatcher.sweep()
        with tutti.database.read() as session:
            pending = _pending(session)
        if not pending:
            return 0
        time.sleep(0.05)
    with tutti.database.read() as session:
        return _pending(session)


def _pending(session: Session) -> int:
    return session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.status == OutboxStatus.PENDING)) or 0
