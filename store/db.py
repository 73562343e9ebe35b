"""Engine, sessions and the unit of work: the only place that commits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from store import appends
from store.outbox import OUTBOX

OutboxNotifier = Callable[[list[int]], None]

READ_ONLY = "tutti_read_only"


def normalise_url(url: str) -> str:
    """Plain `postgresql://` URLs use psycopg2, the driver this project ships."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix):]
    return url


def make_engine(url: str, *, echo: bool = False, pool_size: int = 10) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and immediate (writer-serialising) transactions."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, echo=echo, pool_size=pool_size, max_overflow=pool_size * 2, pool_pre_ping=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (below) instead of pysqlite's deferred, lock-upgrading BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # BEGIN IMMEDIATE takes the write lock up front, so two writers queue instead of
        # failing with "database is locked" when a read lock would have to be upgraded.
        # Read-only sessions (Database.read) begin deferred: in WAL mode they never wait for a writer.
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


class Database:
    """A configured engine plus a session factory; hands out units of work."""

    def __init__(
        self, url: str, *, echo: bool = False, outbox_notifier: OutboxNotifier | None = None
    ) -> None:
        self.url = url
        self.engine = make_engine(url, echo=echo)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.outbox_notifier = outbox_notifier

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for queries only; rolled back on exit (and, on SQLite, never holding the write lock)."""
        with self.sessions() as session:
            if self.is_sqlite:
                session.connection(execution_options={READ_ONLY: True})
            try:
                yield session
            finally:
                session.rollback()

    def dispose(self) -> None:
        self.engine.dispose()


class UnitOfWork:
    """One transaction per interaction, request or job. Nothing is kept unless `commit()` is called."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        self.session = self.database.sessions()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.session.rollback()
        finally:
            self.session.close()

    def commit(self) -> None:
        """Commit, then tell the outbox dispatcher which messages became deliverable."""
        rows = appends.transaction_rows(self.session)
        self.session.commit()
        # Messages added inside a savepoint that was rolled back are gone from `rows`.
        outbox_ids = appends.inserted_ids(rows, OUTBOX)
        if outbox_ids and self.database.outbox_notifier is not None:
            self.database.outbox_notifier(outbox_ids)

    def rollback(self) -> None:
        self.session.rollback()
