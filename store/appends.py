"""Insert-only rows (the project event log, the outbox), written in one statement (PostgreSQL) or one per table.

These rows are never changed by the transaction that writes them, so they skip the ORM's unit of work, which
would track each one as an object until commit: that tracking cost more than everything else a project creation
does in Python. They are kept in memory and inserted, in the order they were appended, when the transaction or a
savepoint commits, or before a query reads their table. A savepoint that rolls back takes its rows with it, and
rows of the enclosing transaction it had written are written again.

On PostgreSQL all tables' rows go in one statement, built once per set of tables and columns: each column's values
travel as one array, unnested in order, and every table but the last is inserted by a data-modifying CTE. That is
one round trip whatever the number of rows, and nothing for SQLAlchemy to compile per call (a literal multi-row
VALUES list is compiled anew every time).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Dialect, Table, event
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction
from sqlalchemy.sql.util import find_tables

_ROWS = "tutti.appended_rows"


@dataclass(eq=False)
class _Row:
    table: Table
    values: dict[str, Any]
    scope: SessionTransaction | None  # the innermost savepoint when appended (None: the transaction itself)
    want_id: bool
    written_in: SessionTransaction | None = None  # the innermost savepoint when inserted
    written: bool = False
    id: int | None = None


def append(session: Session, table: Table, values: dict[str, Any], *, want_id: bool = False) -> None:
    """Queue a row for `table` (rows of one table always carry the same keys); `want_id` reads its id back."""
    if not session.in_transaction():
        session.begin()  # so that a rollback before any query still drops the row
    session.info.setdefault(_ROWS, []).append(_Row(table, values, session.get_nested_transaction(), want_id))


def write(session: Session) -> None:
    """Insert the rows not yet written; ORM objects they refer to are flushed first."""
    pending = [row for row in session.info.get(_ROWS, ()) if not row.written]
    if not pending:
        return
    session.flush()
    connection = session.connection()
    scope = session.get_nested_transaction()
    groups: dict[tuple[Table, bool], list[_Row]] = {}
    for row in pending:
        groups.setdefault((row.table, row.want_id), []).append(row)
    if connection.dialect.name == "postgresql" and sum(want_id for _, want_id in groups) <= 1:
        _insert_together(connection, groups)
        _mark_written(pending, scope)
        return
    for (table, want_id), group in groups.items():
        _insert_group(connection, table, want_id, group)
        _mark_written(group, scope)  # at once: if a later group fails, a retry must not insert this one again


def _mark_written(rows: list[_Row], scope: SessionTransaction | None) -> None:
    for row in rows:
        row.written, row.written_in = True, scope


def _insert_group(connection: Connection, table: Table, want_id: bool, group: list[_Row]) -> None:
    values = [row.values for row in group]
    if want_id:
        statement = table.insert().returning(table.c.id, sort_by_parameter_order=True)
        for row, row_id in zip(group, connection.execute(statement, values).scalars(), strict=True):
            row.id = row_id
    else:
        connection.execute(table.insert(), values)


def _insert_together(connection: Connection, groups: dict[tuple[Table, bool], list[_Row]]) -> None:
    """PostgreSQL: every table's rows in one statement, one round trip (see `_unnest_insert`)."""
    ordered = sorted(groups.items(), key=lambda item: item[0][1])  # the one wanting ids last: it is the main one
    shape = tuple((table, tuple(rows[0].values)) for (table, _), rows in ordered)
    want_id = ordered[-1][0][1]
    sql, processors = _unnest_insert(connection.dialect, shape, want_id)
    arrays: list[list[Any]] = []
    for (_, rows), table_processors in zip(ordered, processors, strict=True):
        for column, process in table_processors:
            values = [row.values[column] for row in rows]
            arrays.append([process(v) for v in values] if process is not None else values)
    result = connection.exec_driver_sql(sql, tuple(arrays))
    if want_id:  # ids are drawn in the order the rows are inserted
        for row, row_id in zip(ordered[-1][1], sorted(result.scalars()), strict=True):
            row.id = row_id


_Processors = tuple[tuple[tuple[str, Callable[[Any], Any] | None], ...], ...]


@lru_cache(maxsize=64)
def _unnest_insert(dialect: Dialect, shape: tuple[tuple[Table, tuple[str, ...]], ...],
                   want_id: bool) -> tuple[str, _Processors]:
    """SQL inserting rows into each table of `shape` (all but the last in CTEs) from one array per column, and the
    bind processors each column's values go through. The same text serves any number of rows, so PostgreSQL sees
    one statement per shape and nothing is compiled per call; rows keep their order (WITH ORDINALITY)."""
    parts: list[str] = []
    processors = []
    quote = dialect.identifier_preparer.quote
    for table, columns in shape:
        casts = ", ".join(f"%s::{table.c[c].type.compile(dialect)}[]" for c in columns)
        names = ", ".join(quote(c) for c in columns)
        insert = (f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({names}) SELECT {names} "
                  f"FROM unnest({casts}) WITH ORDINALITY AS appended({names}, appended_order) ORDER BY appended_order")
        parts.append(insert)
        processors.append(tuple((c, table.c[c].type.dialect_impl(dialect).bind_processor(dialect)) for c in columns))
    *ctes, main = parts
    if want_id:
        main += " RETURNING id"
    prefix = "WITH " + ", ".join(f"appended_{i} AS ({sql})" for i, sql in enumerate(ctes)) + " " if ctes else ""
    return prefix + main, tuple(processors)


def transaction_rows(session: Session) -> list[_Row]:
    """This transaction's rows (the same list until it ends); after commit, `inserted_ids` reads their ids."""
    return session.info.setdefault(_ROWS, [])


def inserted_ids(rows: Iterable[_Row], table: Table) -> list[int]:
    """Ids of the rows of `table` that were written (and asked for their id)."""
    return [row.id for row in rows if row.table is table and row.id is not None]


def _within(transaction: SessionTransaction | None, savepoint: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is savepoint:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "before_commit")
def _write_before_commit(session: Session) -> None:
    write(session)  # also runs before a savepoint is released: its rows then belong to the enclosing transaction


@event.listens_for(Session, "after_transaction_end")
def _forget_after_commit(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_ROWS, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous: SessionTransaction) -> None:
    rows: list[_Row] | None = session.info.get(_ROWS)
    if not rows:
        return
    if previous.parent is None:  # the transaction itself
        session.info.pop(_ROWS, None)
        return
    if not previous.nested:
        return  # a failed flush's own sub-transaction; its savepoint or the transaction reports its own rollback
    kept = []
    for row in rows:
        if _within(row.scope, previous):
            continue
        if row.written and _within(row.written_in, previous):
            row.written, row.written_in, row.id = False, None, None  # undone with the savepoint: write again
        kept.append(row)
    rows[:] = kept  # in place: the unit of work may hold this list


@event.listens_for(Session, "do_orm_execute")
def _write_before_reading(state: ORMExecuteState) -> None:
    rows: list[_Row] | None = state.session.info.get(_ROWS)
    if not rows:
        return
    tables = {row.table for row in rows if not row.written}
    if tables and not tables.isdisjoint(find_tables(state.statement, include_aliases=True, include_joins=True,
                                                    include_crud=True)):
        write(state.session)
