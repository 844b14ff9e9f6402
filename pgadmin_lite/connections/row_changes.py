"""Row edits as SQL: inserts, updates and deletes naming each row by its key, run all or nothing.

Shared by View/Edit Data and the query tool's editable results. Identifiers go through sql.Identifier and
values through sql.Literal (untyped: PostgreSQL converts them to the column's type, NULL for null). Every
UPDATE and DELETE must touch exactly one row, or the whole batch is rolled back; inside a transaction of the
user's, psycopg's transaction() is a savepoint, so a failed batch leaves that transaction usable.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from pgadmin_lite.connections import opening
from pgadmin_lite.connections.short_lived import database_error
from pgadmin_lite.errors import BadRequest, Conflict

MAX_CHANGES = 1000


@dataclass(frozen=True)
class RowTable:
    """The table edited: its qualified name, the columns a change may set and the key naming a row."""

    name: sql.Composable
    columns: Sequence[str]
    key_columns: Sequence[str]


def _column(table: RowTable, name: str, where: str) -> sql.Identifier:
    if name not in table.columns:
        raise BadRequest(f"{where}: no column {name!r} in this table.", field=where)
    return sql.Identifier(name)


def value_sql(value: Any, where: str) -> sql.Composable:
    """A JSON scalar as an untyped literal PostgreSQL converts to the column's type (NULL for null)."""
    if value is None:
        return sql.SQL("NULL")
    if isinstance(value, bool):
        return sql.Literal("true" if value else "false")
    if isinstance(value, int | float | str):
        return sql.Literal(str(value))
    raise BadRequest(f"{where} must be a string, number, boolean or null (arrays and JSON as text).")


def where_key(table: RowTable, key: Any, where: str) -> sql.Composable:
    """The WHERE condition naming one row by every key column."""
    if not isinstance(key, dict) or set(key) != set(table.key_columns):
        raise BadRequest(f"{where}.key must give exactly the key columns: {', '.join(table.key_columns)}.")
    if any(v is None for v in key.values()):
        raise BadRequest(f"{where}.key values cannot be null.")
    return sql.SQL(" AND ").join(sql.SQL("{} = {}").format(sql.Identifier(k), value_sql(key[k], f"{where}.key.{k}"))
                                 for k in table.key_columns)


def change_sql(table: RowTable, change: dict[str, Any], where: str) -> sql.Composable:
    """One change {op: insert|update|delete, key?, values?} as its statement."""
    op, values = change.get("op"), change.get("values") or {}
    if set(change) - {"op", "key", "values"} or not isinstance(values, dict):
        raise BadRequest(f"{where} must be {{op, key, values}} with values an object.")
    columns = [_column(table, c, f"{where}.values") for c in values]
    literals = [value_sql(v, f"{where}.values.{c}") for c, v in values.items()]
    if op == "insert":
        if not values:
            return sql.SQL("INSERT INTO {} DEFAULT VALUES").format(table.name)
        return sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(table.name, sql.SQL(", ").join(columns),
                                                                 sql.SQL(", ").join(literals))
    if op == "update":
        if not values:
            raise BadRequest(f"{where}: an update needs values.")
        assignments = sql.SQL(", ").join(sql.SQL("{} = {}").format(c, v)
                                         for c, v in zip(columns, literals, strict=True))
        return sql.SQL("UPDATE {} SET {} WHERE {}").format(table.name, assignments,
                                                           where_key(table, change.get("key"), where))
    if op == "delete":
        return sql.SQL("DELETE FROM {} WHERE {}").format(table.name, where_key(table, change.get("key"), where))
    raise BadRequest(f"{where}.op must be insert, update or delete.")


def check_count(changes: Sequence[Any], field: str = "changes") -> None:
    if not changes or len(changes) > MAX_CHANGES:
        raise BadRequest(f"{field} must list 1 to {MAX_CHANGES} changes.", field=field)


@contextlib.contextmanager
def cancel_after(conn: psycopg.Connection[Any], seconds: float | None) -> Iterator[None]:
    """Cancel our batch if it outlives `seconds` (waiting for a row another session locked, say): on a connection
    whose own statement_timeout is the user's. Once left, no cancel request can still be on its way."""
    if not seconds:
        yield
        return
    lock, active = threading.Lock(), [True]

    def fire() -> None:
        with lock:
            if active[0]:
                opening.cancel(conn)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        with lock:
            active[0] = False


def run_changes(conn: psycopg.Connection[Any], texts: list[str], changes: Sequence[dict[str, Any]], *,
                kept_note: str = "Nothing was applied.", deadline_s: float | None = None) -> list[dict[str, Any]]:
    """Each statement must touch exactly one row; the first that fails rolls the whole batch back.

    binary=True makes psycopg use the extended protocol, which refuses a second statement in one string.
    """
    done: list[dict[str, Any]] = []
    index = 0
    try:
        with cancel_after(conn, deadline_s), conn.transaction():
            for index, text in enumerate(texts):
                cur = conn.cursor()
                cur.execute(text, binary=True)  # type: ignore[call-overload]
                if cur.rowcount != 1:
                    raise Conflict(f"Change {index + 1} matched {cur.rowcount} rows instead of one; {kept_note}",
                                   hint="The row may have been changed or deleted meanwhile: reload and retry.",
                                   index=index, statement=text, rolled_back=True)
                done.append({"index": index, "op": changes[index]["op"], "rows_affected": cur.rowcount})
    except psycopg.Error as exc:
        error = database_error(exc, statement=texts[index])
        error.message = f"Change {index + 1} failed: {error.message}. {kept_note}"
        error.extra.update(index=index, rolled_back=True)
        raise error from None
    return done
