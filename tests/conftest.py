"""Shared fixtures: a real database per test (SQLite by default, PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.container import Tutti
from bot.settings import Settings
from store import migrate
from store.db import make_engine
from store.models import Base
from tests.support.world import World
from workflows import catalog, files

pytest_plugins = ["sandbox.testing"]

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
REDIS_URL = os.environ.get("REDIS_URL")


def pytest_configure(config: pytest.Config) -> None:
    """A run stopped with SIGTERM (`timeout`, CI) unwinds like Ctrl-C, so fixtures stop the servers and workers
    they started in sessions of their own (which the signal does not reach)."""
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, interrupt)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("-m"):
        deselected = [item for item in items if item.get_closest_marker("benchmark")]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
            items[:] = [item for item in items if not item.get_closest_marker("benchmark")]


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database migrated to head once per session: a SQLite file to copy, or the PostgreSQL URL."""
    if POSTGRES_URL:
        engine = make_engine(POSTGRES_URL)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        migrate.upgrade(POSTGRES_URL)
        return POSTGRES_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture
def database_url(migrated_template: str, tmp_path: Path) -> Iterator[str]:
    """A clean, migrated database for one test."""
    catalog.clear()
    if POSTGRES_URL:
        engine = make_engine(POSTGRES_URL)
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        yield POSTGRES_URL
        return
    path = tmp_path / "tutti.db"
    shutil.copyfile(migrated_template, path)
    yield f"sqlite:///{path}"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, files_dir=tmp_path / "files", redis_url=None, slack_enabled=False)


@pytest.fixture
def tutti(settings: Settings) -> Iterator[Tutti]:
    """Tutti with jobs delivered only when a test calls `tutti.dispatcher.drain()`."""
    app = Tutti(settings, manual_jobs=True)
    yield app
    app.close()
    files.configure_storage(None)


@pytest.fixture
def is_postgres() -> bool:
    return POSTGRES_URL is not None


@pytest.fixture
def world(tutti: Tutti, tmp_path: Path) -> World:
    return World(tutti, tmp_path)
