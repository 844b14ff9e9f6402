"""Running a script on a session's connection: statements in order, the last row set left with PostgreSQL."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import pq, sql

from pgadmin_lite.connections.splitter import Statement, is_streamable, split_text

TX_STATUS = {
    pq.TransactionStatus.IDLE: "idle",
    pq.TransactionStatus.INTRANS: "in_transaction",
    pq.TransactionStatus.INERROR: "in_error",
    pq.TransactionStatus.ACTIVE: "in_transaction",
}
_cursor_names = itertools.count(1)
# Sent after a streamed statement's first FETCH in our hidden transaction: did the statement change data?
# (PostgreSQL 10+; the xid is assigned at the first write.)
WROTE_PROBE = sql.SQL("; SELECT txid_current_if_assigned() IS NOT NULL")


class ConnectionLost(Exception):
    """The server connection died under a statement."""


@dataclass
class OpenResult:
    """Rows of the last row-returning statement still being read page by page.

    A streamed result is a portal we DECLAREd (the rows stay with PostgreSQL and arrive with FETCH);
    any other row set was already buffered by libpq and is paged from the client cursor.
    """

    cursor: psycopg.Cursor[Any]
    sql: str
    portal: str | None
    implicit_tx: bool
    max_rows: int
    columns: list[dict[str, str]] = field(default_factory=list)
    delivered: int = 0
    lookahead: list[Any] = field(default_factory=list)
    exhausted: bool = False
    failure: psycopg.Error | None = None  # a read-ahead's error, raised by the fetch that would have met it
    wrote: bool = False  # our hidden transaction had changed data by the first page (a function the query calls)

    def _read(self, count: int) -> list[Any]:
        if self.exhausted or count <= 0:
            return []
        if self.portal is None:
            rows = self.cursor.fetchmany(count)
        else:
            self.cursor.execute(sql.SQL("FETCH FORWARD {} FROM {}").format(count, sql.Identifier(self.portal)))
            rows = self.cursor.fetchall()
        if not self.columns:
            self.columns = _columns(self.cursor)
        self.exhausted = len(rows) < count
        return rows

    def read_ahead(self, limit: int) -> None:
        """Fetch the next page into the lookahead while the client is busy with this one."""
        if self.failure is None:
            try:
                self.lookahead += self._read(limit + 1 - len(self.lookahead))
            except psycopg.Error as exc:
                self.failure = exc

    def fetch(self, limit: int) -> tuple[list[Any], bool, bool]:
        """Return (rows, has_more, truncated); never more than MAX_RESULT_ROWS in all."""
        if self.max_rows:
            limit = min(limit, max(self.max_rows - self.delivered, 0))
        if self.failure is not None and len(self.lookahead) <= limit:
            raise self.failure  # this page needs rows past the buffer: where reading it on demand fails too
        rows = self.lookahead + self._read(limit + 1 - len(self.lookahead))
        self.lookahead = rows[limit:]
        rows = rows[:limit]
        self.delivered += len(rows)
        has_more = bool(self.lookahead)
        truncated = bool(self.max_rows) and self.delivered >= self.max_rows and has_more
        return rows, has_more and not truncated, truncated

    def close(self, conn: psycopg.Connection[Any]) -> psycopg.Error | None:
        """Close the portal and end the transaction we opened for it, if any; returns our COMMIT's failure.

        A statement that changed data first runs to its end (MOVE ALL: the rows nobody read are computed, as
        autocommit would have), so its changes are never kept half-done. A failed COMMIT kept none of them,
        and the caller reports it as the statement's error.
        """
        failure = None
        try:
            status = conn.info.transaction_status
            if self.implicit_tx and status == pq.TransactionStatus.INTRANS:
                if self.wrote and not self.exhausted and self.portal is not None:
                    conn.execute(sql.SQL("MOVE FORWARD ALL FROM {}").format(sql.Identifier(self.portal)))
                conn.execute("COMMIT")
            elif self.implicit_tx and status != pq.TransactionStatus.IDLE:
                conn.execute("ROLLBACK")
            elif self.portal is not None and status == pq.TransactionStatus.INTRANS:
                conn.execute(sql.SQL("CLOSE {}").format(sql.Identifier(self.portal)))
            self.cursor.close()
        except psycopg.Error as exc:  # also: the connection is gone (the server ended the portal with it)
            # a dead connection loses nothing of a statement that changed no data: no failure to report
            failure = exc if self.implicit_tx and (self.wrote or not (conn.closed or conn.broken)) else None
        if self.implicit_tx:
            end_hidden_transaction(conn)
        return failure


def end_hidden_transaction(conn: psycopg.Connection[Any]) -> None:
    """Leave no transaction of ours open: a ROLLBACK that fails (a late cancel lands on it) is tried again."""
    for _ in range(2):
        if conn.closed or conn.info.transaction_status == pq.TransactionStatus.IDLE:
            return
        try:
            conn.execute("ROLLBACK")
        except psycopg.Error:
            continue


def not_kept_error(exc: psycopg.Error, which: str) -> dict[str, Any]:
    """The COMMIT of our hidden transaction failed: say so plainly, since the statement had looked successful."""
    diag = exc.diag
    return {"message": f"{which} statement's changes were not committed: {diag.message_primary or str(exc).strip()}",
            "sqlstate": diag.sqlstate or exc.sqlstate, "detail": diag.message_detail,
            "hint": "None of its changes were kept (the transaction was rolled back); fix the cause and run it again."}


def transaction_status(conn: psycopg.Connection[Any], open_result: OpenResult | None = None) -> str:
    """What the user's transaction looks like (a cursor's implicit transaction is invisible)."""
    if conn.closed:
        return "lost"
    if open_result is not None and open_result.implicit_tx:
        return "idle"
    return TX_STATUS.get(conn.info.transaction_status, "unknown")


class DeclareFailed(Exception):
    """A streamed statement failed inside our DECLARE; positions must not count our prefix."""

    def __init__(self, cause: psycopg.Error, prefix_len: int) -> None:
        super().__init__(str(cause))
        self.cause, self.prefix_len = cause, prefix_len


def error_info(exc: psycopg.Error, statement: Statement, index: int, script: str,
               prefix_len: int = 0) -> dict[str, Any]:
    """Everything the user needs to see and locate the error in their script."""
    diag = exc.diag
    info: dict[str, Any] = {
        "message": diag.message_primary or str(exc).strip(), "sqlstate": diag.sqlstate or exc.sqlstate,
        "detail": diag.message_detail, "hint": diag.message_hint, "context": diag.context,
        "position": None, "line": None, "statement_index": index,
    }
    if diag.statement_position and int(diag.statement_position) > prefix_len:
        position = statement.offset + int(diag.statement_position) - prefix_len  # 1-based in the script
        info["position"] = position
        info["line"] = script.count("\n", 0, position - 1) + 1
    if info["sqlstate"] == "57014":
        info["cancelled"] = True
    return info


def _columns(cursor: psycopg.Cursor[Any]) -> list[dict[str, str]]:
    return [{"name": col.name, "type": col.type_display} for col in cursor.description or []]


def _declare(conn: psycopg.Connection[Any], st: Statement, page_size: int, max_rows: int) -> OpenResult:
    """DECLARE a portal for a read-only query and FETCH its first page, in one round trip.

    If the user has no transaction open, the same message BEGINs the one the portal lives in.
    """
    implicit = conn.info.transaction_status == pq.TransactionStatus.IDLE
    name = f"pgl_{next(_cursor_names)}"
    portal = sql.Identifier(name)
    first = (min(page_size, max_rows) if max_rows else page_size) + 1  # one more row says whether there are more
    prefix = sql.SQL("{}DECLARE {} NO SCROLL CURSOR FOR ").format(sql.SQL("BEGIN; " if implicit else ""), portal)
    script = sql.Composed([prefix, sql.SQL(st.sql), sql.SQL("\n; FETCH FORWARD {} FROM {}").format(first, portal),
                           WROTE_PROBE if implicit else sql.SQL("")])
    cursor: psycopg.Cursor[Any] = conn.cursor()
    try:
        cursor.execute(script, prepare=False)  # no parameters: the simple protocol runs every statement in one trip
        for _ in range(2 if implicit else 1):  # past BEGIN and DECLARE to the FETCH
            cursor.nextset()
        rows, columns = cursor.fetchall(), _columns(cursor)
        wrote = implicit and bool(cursor.nextset()) and bool((cursor.fetchone() or (False,))[0])
    except psycopg.Error as exc:
        if implicit:
            end_hidden_transaction(conn)  # the error reported is the statement's, never the ROLLBACK's
        raise DeclareFailed(exc, len(prefix.as_string(conn))) from exc
    return OpenResult(cursor, st.sql, name, implicit, max_rows, columns=columns, lookahead=rows,
                      exhausted=len(rows) < first, wrote=wrote)


def _run_one(conn: psycopg.Connection[Any], st: Statement, page_size: int,
             max_rows: int) -> tuple[dict[str, Any], OpenResult | None]:
    """Execute one statement; a row set comes back as an OpenResult to page."""
    if is_streamable(st.sql):
        return {"command": "SELECT", "rows_affected": None}, _declare(conn, st, page_size, max_rows)
    cursor = conn.cursor()
    cursor.execute(st.sql, prepare=False)
    outcome = {"command": cursor.statusmessage, "rows_affected": cursor.rowcount if cursor.rowcount >= 0 else None}
    if cursor.description is None:
        cursor.close()
        return outcome, None
    return outcome, OpenResult(cursor, st.sql, None, False, max_rows, columns=_columns(cursor))


@dataclass
class ScriptOutcome:
    """The result body, the rows still to page (if any), and the statement that produced rows.

    `spent` is a result read to its end whose cursor (and hidden transaction) the caller closes once it
    has handed the body over: the answer does not wait for that round trip.
    """

    body: dict[str, Any]
    open_result: OpenResult | None
    rows_sql: str | None
    spent: OpenResult | None = None


def run_script(conn: psycopg.Connection[Any], script: str, *, page_size: int, max_rows: int,
               notices: list[dict[str, Any]]) -> ScriptOutcome:
    """Run each statement in order, stopping at the first error, as psql does without ON_ERROR_ROLLBACK."""
    started = time.perf_counter()
    statements = split_text(script)
    outcomes: list[dict[str, Any]] = []
    open_result: OpenResult | None = None
    rows_sql: str | None = None
    columns: list[dict[str, str]] = []
    error = None
    page: tuple[list[Any], bool, bool] = ([], False, False)
    for index, st in enumerate(statements):
        try:
            if open_result is not None and open_result.implicit_tx:
                # the next statement runs as the user's, not in our hidden transaction
                ended, open_result, page = open_result, None, (page[0], False, page[2])
                if (not_kept := ended.close(conn)) is not None:  # the previous statement's COMMIT failed
                    index, st, page, columns = index - 1, statements[index - 1], ([], False, False), []
                    outcomes.pop()
                    raise not_kept
            outcome, result = _run_one(conn, st, page_size, max_rows)
            if result is not None:
                if open_result is not None:
                    open_result.close(conn)
                open_result = None
                page = _first_page(conn, result, page_size)
                committed_now = result.wrote and not page[1]  # before the answer says it ran, not after
                if committed_now and (not_kept := result.close(conn)) is not None:
                    page, columns = ([], False, False), []
                    raise not_kept
                rows_sql, columns = result.sql, result.columns
                open_result = None if committed_now else result
                if not page[1] and result.portal is not None:
                    outcome["command"] = f"SELECT {result.delivered}"
                    outcome["rows_affected"] = result.delivered
        except (psycopg.Error, DeclareFailed) as failure:
            exc = failure.cause if isinstance(failure, DeclareFailed) else failure
            prefix_len = failure.prefix_len if isinstance(failure, DeclareFailed) else 0
            if conn.closed or conn.broken:
                raise ConnectionLost(str(exc).strip()) from exc
            error = error_info(exc, st, index, script, prefix_len)
            break
        outcomes.append({"index": index, **outcome})
    body = _result_body(conn, open_result, columns, page, outcomes, notices, error)
    body["duration_ms"] = round((time.perf_counter() - started) * 1000, 3)
    if open_result is not None and not page[1]:  # fully read: the caller ends it now, not at the next statement
        return ScriptOutcome(body, None, rows_sql, spent=open_result)
    return ScriptOutcome(body, open_result, rows_sql)


def _first_page(conn: psycopg.Connection[Any], result: OpenResult, page_size: int) -> tuple[list[Any], bool, bool]:
    """Read the first page now, so the statement really runs (and fails) before the next one."""
    try:
        return result.fetch(page_size)
    except psycopg.Error:
        result.close(conn)
        raise


def failed_result(transaction_status: str, error: dict[str, Any], notices: list[dict[str, Any]]) -> dict[str, Any]:
    """A result with no rows, for a run that never got to (or past) its statements."""
    return {"state": "done", "columns": [], "rows": [], "has_more": False, "truncated": False,
            "rows_affected": None, "statements": [], "transaction_status": transaction_status,
            "notices": list(notices), "duration_ms": None, "error": error}


def _result_body(conn: psycopg.Connection[Any], open_result: OpenResult | None, columns: list[dict[str, str]],
                 page: tuple[list[Any], bool, bool], outcomes: list[dict[str, Any]],
                 notices: list[dict[str, Any]], error: dict[str, Any] | None) -> dict[str, Any]:
    rows, has_more, truncated = page
    last = outcomes[-1] if outcomes else None
    return {
        "state": "done", "columns": columns, "rows": rows,
        "has_more": has_more, "truncated": truncated,
        "rows_affected": last["rows_affected"] if last else None, "statements": outcomes,
        "transaction_status": transaction_status(conn, open_result), "notices": list(notices),
        "error": error,
    }
