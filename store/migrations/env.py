"""Alembic environment: URL from the caller's config or DATABASE_URL, batch mode on SQLite."""

import os
from pathlib import Path

from alembic import context

from store.db import make_engine
from store.models import Base

# The embedded default, as bot/settings.py has it: var/tutti.db in the repository root, wherever alembic runs.
DEFAULT_URL = f"sqlite:///{Path(__file__).resolve().parents[2] / 'var' / 'tutti.db'}"


def _url() -> str:
    config = context.config
    configured = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    return configured or os.environ.get("DATABASE_URL") or DEFAULT_URL


def run_offline() -> None:
    context.configure(url=_url(), target_metadata=Base.metadata, literal_binds=True,
                      render_as_batch=_url().startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = _url()
    if url.startswith("sqlite:///"):
        os.makedirs(os.path.dirname(os.path.abspath(url.removeprefix("sqlite:///"))), exist_ok=True)
    engine = make_engine(url)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
