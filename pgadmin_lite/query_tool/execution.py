"""Running a script on a session's connection: statements in order, the last row set left with PostgreSQL."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import pq

from pgadmin_lite.query_tool.splitter import Statement, is_streamable, split_statements

TX_STATUS = {
    pq.TransactionStatus.IDLE: "idle",
    pq.TransactionStatus.INTRANS: "in_transaction",
    pq.TransactionStatus.INERROR: "in_error",
    pq.TransactionStatus.ACTIVE: "in_transaction",
}
_cursor_names = itertools.count(1)


class ConnectionLost(Exception):
    """The server connection died under a statement."""


@dataclass
class OpenResult:
    """Rows of the last row-returning statement still being read page by page."""

    cursor: psycopg.Cursor[Any]
    columns: list[dict[str, str]]
    sql: str
    is_streamed: bool
    implicit_tx: bool
    max_rows: int
    delivered: int = 0
    lookahead: list[Any] = field(default_factory=list)
    exhausted: bool = False

    def fetch(self, limit: int) -> tuple[list[Any], bool, bool]:
        """Return (rows, has_more, truncated); rows never exceed MAX_RESULT_ROWS."""
        if self.max_rows:
            limit = min(limit, max(self.max_rows - self.delivered, 0))
        rows = self.lookahead + (self.cursor.fetchmany(limit + 1 - len(self.lookahead)) if not self.exhausted else [])
        self.lookahead = rows[limit:]
        rows = rows[:limit]
        self.delivered += len(rows)
        has_more = bool(self.lookahead)
        self.exhausted = self.exhausted or not has_more
        truncated = bool(self.max_rows) and self.delivered >= self.max_rows and has_more
        return rows, has_more and not truncated, truncated

    def close(self, conn: psycopg.Connection[Any]) -> None:
        """Close the cursor and end the transaction we opened for it, if any."""
        try:
            if self.implicit_tx and conn.info.transaction_status != pq.TransactionStatus.IDLE:
                status = conn.info.transaction_status
                conn.execute("COMMIT" if status == pq.TransactionStatus.INTRANS else "ROLLBACK")
            self.cursor.close()
        except psycopg.Error:
            pass  # the connection is gone, or the cursor ended with its transaction


def transaction_status(conn: psycopg.Connection[Any], open_result: OpenResult | None = None) -> str:
    """What the user's transaction looks like (a cursor's implicit transaction is invisible)."""
    if conn.closed:
        return "lost"
    if open_result is not None and open_result.implicit_tx:
        return "idle"
    return TX_STATUS.get(conn.info.transaction_status, "unknown")


def error_info(exc: psycopg.Error, statement: Statement, index: int, script: str) -> dict[str, Any]:
    """Everything the user needs to see and locate the error in their script."""
    diag = exc.diag
    info: dict[str, Any] = {
        "message": diag.message_primary or str(exc).strip(), "sqlstate": diag.sqlstate or exc.sqlstate,
        "detail": diag.message_detail, "hint": diag.message_hint, "context": diag.context,
        "position": None, "line": None, "statement_index": index,
    }
    if diag.statement_position:
        position = statement.offset + int(diag.statement_position)  # 1-based in the script
        info["position"] = position
        info["line"] = script.count("\n", 0, position - 1) + 1
    if info["sqlstate"] == "57014":
        info["cancelled"] = True
    return info


def _columns(cursor: psycopg.Cursor[Any]) -> list[dict[str, str]]:
    return [{"name": col.name, "type": col.type_display} for col in cursor.description or []]


def _run_one(conn: psycopg.Connection[Any], st: Statement, max_rows: int) -> tuple[dict[str, Any], OpenResult | None]:
    """Execute one statement; a row set comes back as an OpenResult to page."""
    if is_streamable(st.sql):
        implicit = conn.info.transaction_status == pq.TransactionStatus.IDLE
        if implicit:
            conn.execute("BEGIN")
        cursor: psycopg.Cursor[Any] = conn.cursor(name=f"pgl_{next(_cursor_names)}")
        try:
            cursor.execute(st.sql)
        except psycopg.Error:
            if implicit and not conn.closed:
                conn.execute("ROLLBACK")
            raise
        return {"command": "SELECT", "rows_affected": None}, OpenResult(
            cursor, _columns(cursor), st.sql, True, implicit, max_rows)
    cursor = conn.cursor()
    cursor.execute(st.sql, prepare=False)
    outcome = {"command": cursor.statusmessage, "rows_affected": cursor.rowcount if cursor.rowcount >= 0 else None}
    if cursor.description is None:
        cursor.close()
        return outcome, None
    return outcome, OpenResult(cursor, _columns(cursor), st.sql, False, False, max_rows)


def run_script(conn: psycopg.Connection[Any], script: str, *, page_size: int, max_rows: int,
               notices: list[dict[str, Any]]) -> tuple[dict[str, Any], OpenResult | None]:
    """Run each statement in order, stopping at the first error, as psql does without ON_ERROR_ROLLBACK."""
    started = time.perf_counter()
    statements = split_statements(script)
    outcomes: list[dict[str, Any]] = []
    open_result: OpenResult | None = None
    error = None
    page: tuple[list[Any], bool, bool] = ([], False, False)
    for index, st in enumerate(statements):
        try:
            outcome, result = _run_one(conn, st, max_rows)
            if result is not None:
                if open_result is not None:
                    open_result.close(conn)
                open_result = None
                page = _first_page(conn, result, page_size)
                open_result = result
                if not page[1] and result.is_streamed:
                    outcome["command"] = f"SELECT {result.delivered}"
                    outcome["rows_affected"] = result.delivered
        except psycopg.Error as exc:
            if conn.closed or conn.broken:
                raise ConnectionLost(str(exc).strip()) from exc
            error = error_info(exc, st, index, script)
            break
        outcomes.append({"index": index, **outcome})
    body = _result_body(conn, open_result, page, outcomes, notices, error)
    body["duration_ms"] = round((time.perf_counter() - started) * 1000, 3)
    return body, open_result


def _first_page(conn: psycopg.Connection[Any], result: OpenResult, page_size: int) -> tuple[list[Any], bool, bool]:
    """Read the first page now, so the statement really runs (and fails) before the next one."""
    try:
        return result.fetch(page_size)
    except psycopg.Error:
        result.close(conn)
        raise


def _result_body(conn: psycopg.Connection[Any], open_result: OpenResult | None,
                 page: tuple[list[Any], bool, bool], outcomes: list[dict[str, Any]],
                 notices: list[dict[str, Any]], error: dict[str, Any] | None) -> dict[str, Any]:
    rows, has_more, truncated = page
    last = outcomes[-1] if outcomes else None
    return {
        "state": "done", "columns": open_result.columns if open_result else [], "rows": rows,
        "has_more": has_more, "truncated": truncated,
        "rows_affected": last["rows_affected"] if last else None, "statements": outcomes,
        "transaction_status": transaction_status(conn, open_result), "notices": list(notices),
        "error": error,
    }
