"""Editable results: a result whose columns come from one table with a key in it can be edited in the grid.

Which table and key is read on a short-lived connection of its own, never on the tab's: a catalog read inside
the user's transaction could fail there (an aborted transaction) or be refused, and no statement of ours may
fail inside it. The cost is that a table created in the user's uncommitted transaction is not seen (read-only).
The edits themselves run on the tab's connection (row_changes), in the user's transaction when one is open.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from pgadmin_lite.connections.execution import transaction_status
from pgadmin_lite.connections.queries import load_sql
from pgadmin_lite.connections.row_changes import RowTable, change_sql, check_count, run_changes
from pgadmin_lite.connections.session import QuerySession
from pgadmin_lite.errors import BadRequest, Conflict, ReadOnly

PACKAGE = "pgadmin_lite.query_tool"
TABLE_KINDS = frozenset({"r", "p"})


@dataclass(frozen=True)
class Editability:
    """What the grid needs: whether it may edit, why not, and each result column's table column (or None)."""

    reason: str | None
    schema: str | None = None
    table: str | None = None
    key_columns: tuple[str, ...] = ()
    columns: tuple[str | None, ...] = ()  # per result column: the table column it edits, None if not editable

    def to_json(self) -> dict[str, Any]:
        return {"is_editable": self.reason is None, "read_only_reason": self.reason, "schema": self.schema,
                "table": self.table, "key_columns": list(self.key_columns),
                "columns": [{"index": i, "column": c, "is_editable": c is not None}
                            for i, c in enumerate(self.columns)]}

    def row_table(self) -> RowTable:
        if self.reason is not None:
            raise ReadOnly(self.reason)
        return RowTable(sql.Identifier(self.schema or "", self.table or ""),
                        [c for c in self.columns if c is not None], self.key_columns)


def record_of(result: dict[str, Any] | None, run: Any, statement: Any) -> dict[str, Any]:
    """The statement's outcome in the tab's last result; a stale run (the tab ran something since) is a 409."""
    if result is None or run != result.get("run"):
        raise Conflict("This result is no longer the tab's last one: nothing was changed.",
                       hint="Run the query again, then edit its new result.")
    records = result.get("statements") or []
    if not isinstance(statement, int) or isinstance(statement, bool) or not 0 <= statement < len(records) \
            or "columns" not in records[statement]:
        raise BadRequest("statement must be the index of a statement of the last result that returned rows.",
                         field="statement")
    return records[statement]


def detect(conn: psycopg.Connection[Any], record: dict[str, Any]) -> Editability:
    """Editable when every non-computed column comes from one table whose key (primary, else unique NOT NULL)
    is all in the result; computed columns, and a column repeated, are shown read-only."""
    source = record.get("source")
    if not source:
        return Editability("Only a result whose columns come from one table can be edited (a join, or only "
                           "computed columns, is read-only).")
    row = conn.execute(load_sql("editable_table", PACKAGE), {"oid": source["table_oid"]}).fetchone()
    if row is None:
        return Editability("The result's table is not visible to a new session (created in your open "
                           "transaction, or dropped): commit it first to edit its rows here.")
    if row["relkind"] not in TABLE_KINDS:
        return Editability("Only a table's rows can be edited.")
    names = dict(zip(row["attnums"], row["attnames"], strict=True))
    seen: set[int] = set()
    columns: list[str | None] = []
    for attnum in source["attnums"]:
        columns.append(names.get(attnum) if attnum and attnum not in seen else None)
        seen.add(attnum)
    qualified = f"{row['schema']}.{row['name']}"
    if not row["keys"]:
        return Editability(f"The table {qualified} has no primary key nor a unique key on NOT NULL columns, so "
                           "a row cannot be named: the result is read-only.")
    for key in row["keys"]:
        attnums = [int(a) for a in key.split(",")]
        if all(a in seen for a in attnums):
            return Editability(None, row["schema"], row["name"], tuple(names[a] for a in attnums), tuple(columns))
    key_names = ", ".join(names[int(a)] for a in row["keys"][0].split(","))
    return Editability(f"Add the key column(s) {key_names} of {qualified} to the query to edit its rows.")


def _items(body: dict[str, Any], name: str) -> list[dict[str, Any]]:
    items = body.get(name) or []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise BadRequest(f"{name} must be a list of objects.", field=name)
    return items


def changes_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The request's deletes, updates and inserts (in that order) as row_changes' changes."""
    changes = [{"op": "delete", "key": d.get("key")} for d in _items(body, "deletes")]
    for i, update in enumerate(_items(body, "updates")):
        if set(update) != {"key", "set"} or not isinstance(update["set"], dict) or not update["set"]:
            raise BadRequest(f"updates[{i}] must be {{key, set}} with set a non-empty object.", field="updates")
        changes.append({"op": "update", "key": update["key"], "values": update["set"]})
    changes += [{"op": "insert", "values": row} for row in _items(body, "inserts")]
    check_count(changes, "updates, inserts and deletes")
    return changes


def run(session: QuerySession, table: RowTable, changes: list[dict[str, Any]], *, preview: bool,
        deadline_s: float) -> dict[str, Any]:
    """The exact statements (rendered with the tab's own quoting), and when not a preview their outcome: in the
    user's open transaction (a savepoint; it stays open), else in one transaction of their own."""
    composed = [change_sql(table, change, f"{change['op']}s") for change in changes]
    with session.between_runs(writes=not preview) as (conn, in_transaction):
        texts = [statement.as_string(conn) for statement in composed]
        answer: dict[str, Any] = {"statements": texts, "sql": "\n".join(f"{t};" for t in texts), "applied": False,
                                  "in_transaction": in_transaction}
        if not preview:
            note = "Nothing was applied; your transaction is still open." if in_transaction else "Nothing was applied."
            answer["results"] = run_changes(conn, texts, changes, kept_note=note, deadline_s=deadline_s)
            answer["applied"] = True
        answer["transaction_status"] = transaction_status(conn, session.open_result)
    return answer
