"""Running statements of many rows on the database driver's cursor: the collector's batch
writes (collector/store.py), its deriver's lease renewals (numbers/leasing.py).

The statements are still SQLAlchemy constructs, compiled once per dialect here; what
this skips is SQLAlchemy's work per execution and per row (execution context, parameter
dictionaries, bind processing through several layers), which cost the writer thread more
than the database did. Each value still goes through the column type's own bind processor
(UTC datetimes, booleans), so the stored values are the ones SQLAlchemy would have stored.

Statements run inside the caller's transaction (the writer's session), on its connection.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from operator import itemgetter
from typing import Any

import psycopg
from sqlalchemy import Connection, DateTime, Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.types import TypeDecorator, TypeEngine

Processor = Callable[[Any], Any] | None
NAMED_PARAMETER = re.compile(r"%\((\w+)\)s")
# Well under SQLite's 32,766 and PostgreSQL's 65,535 parameters per statement.
MAX_PARAMETERS = 30_000
TIME_PROCESSORS: dict[tuple[type, str], Processor] = {}


class DriverStatement:
    """A statement compiled once; rows are dictionaries keyed by the statement's bind names."""

    def __init__(self, statement: ClauseElement, dialect: Dialect, keys: Sequence[str]) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(keys), for_executemany=True)
        assert isinstance(compiled, SQLCompiler)
        self.sql, names = positional(compiled)
        missing = set(names) - set(keys)
        if missing:  # a column default SQLAlchemy would have filled in, say
            raise ValueError(f"the statement also needs {sorted(missing)}: {self.sql}")
        self.order = [(name, processor(compiled, name, dialect)) for name in names]
        # Values picked by one C call, then only the few that need their type's processing
        # (the times, mostly) processed: a batch converts tens of thousands of values.
        self.picked = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
        self.processed = [(at, process) for at, (_, process) in enumerate(self.order) if process]
        self.many_rows: dict[int, str] = {}
        # psycopg parses each query for its %s placeholders, and caches only short ones: a
        # batch's multi-row statement was parsed anew each time (most of the writer's time).
        # PostgreSQL's own $1 placeholders need no parsing (psycopg's RawCursor).
        self.native_placeholders = dialect.name == "postgresql"

    def values(self, row: dict[str, Any]) -> list[Any]:
        found = list(self.picked(row))
        for at, process in self.processed:
            found[at] = process(found[at])
        return found

    def execute_many(self, connection: Connection, rows: list[dict[str, Any]]) -> None:
        if rows:
            cursor = connection.connection.cursor()
            cursor.executemany(self.sql, [self.values(row) for row in rows])
            cursor.close()

    def insert(self, connection: Connection, rows: list[dict[str, Any]]) -> None:
        """Runs the statement with its one VALUES row repeated for all the rows, one statement
        per chunk: an insert, or a set-based update whose VALUES are its input (renewals.py).
        PostgreSQL runs each row of an executemany as a statement of its own. (An upsert's rows
        must not meet the same row twice: store.collapsed sees to that.)"""
        self.in_chunks(connection, rows, fetch=False)

    def returning(self, connection: Connection, rows: list[dict[str, Any]]) -> list[Any]:
        """Inserts the rows as ``insert`` does (a driver's executemany gives no RETURNING rows
        back); returns the rows the database returned."""
        return self.in_chunks(connection, rows, fetch=True)

    def in_chunks(
        self, connection: Connection, rows: list[dict[str, Any]], *, fetch: bool
    ) -> list[Any]:
        returned: list[Any] = []
        chunk = max(1, MAX_PARAMETERS // max(1, len(self.order)))
        cursor = self.multi_row_cursor(connection)
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            flat: list[Any] = []
            for row in part:
                flat += self.values(row)
            cursor.execute(self.sql_for(len(part)), flat)
            if fetch:
                returned.extend(cursor.fetchall())
        cursor.close()
        return returned

    def multi_row_cursor(self, connection: Connection) -> Any:
        if self.native_placeholders:
            driver_connection = connection.connection.driver_connection
            assert isinstance(driver_connection, psycopg.Connection)
            return psycopg.RawCursor(driver_connection)
        return connection.connection.cursor()

    def sql_for(self, count: int) -> str:
        sql = self.many_rows.get(count)
        if sql is None:
            before, row, after = values_clause(self.sql)
            sql = f"{before}{', '.join([row] * count)}{after}"
            if self.native_placeholders:
                sql = numbered(sql)
            self.many_rows[count] = sql
        return sql


def numbered(sql: str) -> str:
    """``%s`` placeholders as PostgreSQL's ``$1``, ``$2``, … (the statements hold no other
    ``%``: they are built from SQLAlchemy constructs, values are never in their text)."""
    parts = sql.split("%s")
    return "".join(f"{part}${number}" for number, part in enumerate(parts[:-1], 1)) + parts[-1]


def values_clause(sql: str) -> tuple[str, str, str]:
    """``INSERT … VALUES (?, ?) ON CONFLICT …`` → the text before the row, the row's
    placeholders in parentheses (casts included, on PostgreSQL), the text after it."""
    before, found, rest = sql.partition(" VALUES (")
    if not found or " VALUES (" in rest:
        raise ValueError(f"expected one VALUES clause: {sql}")
    depth = 1
    for position, character in enumerate(rest):
        depth += {"(": 1, ")": -1}.get(character, 0)
        if depth == 0:
            return f"{before} VALUES ", f"({rest[: position + 1]}", rest[position + 1 :]
    raise ValueError(f"the VALUES clause is not closed: {sql}")


def positional(compiled: SQLCompiler) -> tuple[str, list[str]]:
    """The SQL with positional placeholders, and the bind names in their order."""
    if compiled.positiontup is not None:
        return compiled.string, list(compiled.positiontup)
    names = NAMED_PARAMETER.findall(compiled.string)  # psycopg's %(name)s becomes %s
    return NAMED_PARAMETER.sub("%s", compiled.string), names


def processor(compiled: SQLCompiler, name: str, dialect: Dialect) -> Processor:
    bind_type = compiled.binds[name].type
    found: Processor = bind_type.dialect_impl(dialect).bind_processor(dialect)
    if found is None or not is_datetime(bind_type):
        return found
    # An event's time is in most of its rows (eleven times for a page view with three
    # values), and converting it was a fifth of the writer's time: once is enough. One
    # cache per column type and dialect, shared by every statement.
    kind = (type(bind_type), dialect.name)
    if kind not in TIME_PROCESSORS:
        TIME_PROCESSORS[kind] = lru_cache(maxsize=1024)(found)
    return TIME_PROCESSORS[kind]


def is_datetime(bind_type: TypeEngine[Any]) -> bool:
    inner = bind_type.impl_instance if isinstance(bind_type, TypeDecorator) else bind_type
    return isinstance(inner, DateTime)
