"""Insert-only rows (the project event log, the outbox), written in one statement per table.

These rows are never changed by the transaction that writes them, so they skip the ORM's unit of work, which
would track each one as an object until commit: that tracking cost more than everything else a project creation
does in Python. They are kept in memory and inserted, in the order they were appended, when the transaction or a
savepoint commits, or before a query reads their table. A savepoint that rolls back takes its rows with it, and
rows of the enclosing transaction it had written are written again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, event
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction
from sqlalchemy.sql.util import find_tables

_ROWS = "tutti.appended_rows"
_MAX_JOINED_PARAMETERS = 20_000  # PostgreSQL allows 65,535 bound parameters in one statement


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
    """Insert the rows not yet written, one statement per table; ORM objects they refer to are flushed first."""
    pending = [row for row in session.info.get(_ROWS, ()) if not row.written]
    if not pending:
        return
    session.flush()
    connection = session.connection()
    scope = session.get_nested_transaction()
    groups: dict[tuple[Table, bool], list[_Row]] = {}
    for row in pending:
        groups.setdefault((row.table, row.want_id), []).append(row)
    if _fits_one_statement(connection, groups):
        _insert_together(connection, groups)
    else:
        for (table, want_id), group in groups.items():
            _insert_group(connection, table, want_id, group)
    for row in pending:
        row.written, row.written_in = True, scope


def _insert_group(connection: Connection, table: Table, want_id: bool, group: list[_Row]) -> None:
    values = [row.values for row in group]
    if want_id:
        statement = table.insert().returning(table.c.id, sort_by_parameter_order=True)
        for row, row_id in zip(group, connection.execute(statement, values).scalars(), strict=True):
            row.id = row_id
    else:
        connection.execute(table.insert(), values)


def _fits_one_statement(connection: Connection, groups: dict[tuple[Table, bool], list[_Row]]) -> bool:
    """PostgreSQL takes inserts into several tables as one statement (all but one as data-modifying CTEs): one
    round trip instead of one per table, for rows few enough to be sent as literal VALUES lists."""
    if connection.dialect.name != "postgresql" or len(groups) < 2 or sum(want for _, want in groups) > 1:
        return False
    parameters = sum(len(group) * len(group[0].values) for group in groups.values())
    return parameters <= _MAX_JOINED_PARAMETERS


def _insert_together(connection: Connection, groups: dict[tuple[Table, bool], list[_Row]]) -> None:
    ordered = sorted(groups.items(), key=lambda item: item[0][1])  # the one wanting ids last: it is the main one
    *others, ((table, want_id), main_rows) = ordered
    statement = table.insert().values([row.values for row in main_rows])
    for number, ((other, _), rows) in enumerate(others):
        statement = statement.add_cte(other.insert().values([row.values for row in rows]).cte(f"appended_{number}"))
    if not want_id:
        connection.execute(statement)
        return
    # PostgreSQL numbers the rows of one VALUES list in order, so sorted ids match the rows as appended.
    new_ids = sorted(connection.execute(statement.returning(table.c.id)).scalars())
    for row, row_id in zip(main_rows, new_ids, strict=True):
        row.id = row_id


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
