"""Shared benchmark plumbing: a database of the benchmark's own, and percentiles."""

from __future__ import annotations

import os
import statistics
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from store import migrate
from store.db import normalise_url

PG_SERVER = os.environ.get("TUTTI_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def fresh_postgres(name: str) -> str | None:
    """A new, migrated database `name` on the benchmark server; None when no PostgreSQL answers."""
    server = make_url(normalise_url(PG_SERVER))
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except OperationalError:
        return None
    finally:
        admin.dispose()
    url = server.set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(url)
    return url


def fresh_sqlite(folder: Path) -> str:
    url = f"sqlite:///{folder / 'bench.db'}"
    migrate.upgrade(url)
    return url


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of the samples fall (nearest rank)."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary_ms(values: list[float]) -> str:
    return (f"p50 {percentile(values, 0.5) * 1000:7.1f} ms   p99 {percentile(values, 0.99) * 1000:7.1f} ms   "
            f"max {max(values) * 1000:7.1f} ms   mean {statistics.mean(values) * 1000:6.1f} ms   n={len(values)}")
