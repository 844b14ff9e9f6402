"""A query-tool session: one dedicated connection, statements run on a worker thread, results paged."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
from psycopg import pq, sql

from pgadmin_lite.errors import BadRequest, Busy, ConnectionLostError
from pgadmin_lite.query_tool.execution import ConnectionLost, OpenResult, run_script, transaction_status

Connect = Callable[[], psycopg.Connection[Any]]
OnFinish = Callable[["QuerySession", str, dict[str, Any]], None]


class QuerySession:
    """Owns one connection; every use goes through its lock so requests never interleave on it."""

    def __init__(self, tx_id: str, user_id: int, server_id: int, database: str, connect: Connect,
                 *, page_size: int, max_rows: int, on_finish: OnFinish | None = None) -> None:
        self.tx_id, self.user_id, self.server_id, self.database = tx_id, user_id, server_id, database
        self.page_size, self.max_rows = page_size, max_rows
        self._connect = connect
        self._on_finish = on_finish
        self._lock = threading.Lock()
        self._finished = threading.Condition(self._lock)
        self._notices: list[dict[str, Any]] = []
        self.conn = self._open()
        self.created = self.last_used = time.monotonic()
        self.is_running = False
        self.started_at: float | None = None
        self.last_result: dict[str, Any] | None = None
        self.open_result: OpenResult | None = None
        self.lost_in_transaction: bool | None = None  # None: the connection is alive
        self.tx_started: float | None = None
        self.rows_sql: str | None = None  # the last statement that returned rows, for CSV export

    def _open(self) -> psycopg.Connection[Any]:
        conn = self._connect()
        conn.add_notice_handler(self._notice)
        return conn

    def _notice(self, diag: psycopg.errors.Diagnostic) -> None:
        self._notices.append({"severity": diag.severity, "message": diag.message_primary, "sqlstate": diag.sqlstate})

    @property
    def backend_pid(self) -> int | None:
        return None if self.conn.closed else self.conn.info.backend_pid

    def touch(self) -> None:
        self.last_used = time.monotonic()

    def describe(self) -> dict[str, Any]:
        """Session state for the API (the transaction badge uses it)."""
        with self._lock:
            status = "lost" if self.lost_in_transaction is not None else transaction_status(self.conn, self.open_result)
            return {"tx_id": self.tx_id, "server_id": self.server_id, "database": self.database,
                    "backend_pid": self.backend_pid, "user": None if self.conn.closed else self.conn.info.user,
                    "is_running": self.is_running, "transaction_status": status,
                    "transaction_age_s": self._tx_age(status), "lost_in_transaction": self.lost_in_transaction,
                    "rows_delivered": self.rows_delivered}

    @property
    def rows_delivered(self) -> int | None:
        """Rows of the current result already sent, so a re-attached page knows what it missed."""
        return self.open_result.delivered if self.open_result is not None else None

    def _tx_age(self, status: str) -> float | None:
        if status not in {"in_transaction", "in_error"} or self.tx_started is None:
            return None
        return round(time.monotonic() - self.tx_started, 1)

    def start(self, sql: str) -> None:
        """Begin running a script on the worker thread; a busy session refuses (409)."""
        if not isinstance(sql, str) or not sql.strip():
            raise BadRequest("sql must be a non-empty string.")
        with self._lock:
            if self.is_running:
                raise Busy("A statement is still running in this query tool.",
                           hint="Wait for its result (GET …/result) or cancel it (POST …/cancel).")
            self._revive()
            was_in_tx = self._is_in_transaction()
            if self.open_result is not None:
                self.open_result.close(self.conn)
                self.open_result = None
            self.is_running, self.started_at, self.last_result = True, time.time(), None
            self._notices.clear()
        self.touch()
        threading.Thread(target=self._run, args=(sql, was_in_tx), name=f"query-{self.tx_id[-8:]}", daemon=True).start()

    def _revive(self) -> None:
        """Reconnect after a lost connection, but only if no transaction was lost with it."""
        if self.lost_in_transaction is None:
            return
        if self.lost_in_transaction:
            raise ConnectionLostError(
                "The connection was lost while a transaction was open; the server rolled it back.",
                hint="Reconnect (POST …/reconnect, or the Reconnect button) and run the transaction again.")
        self.reconnect_locked()

    def reconnect_locked(self) -> None:
        try:
            self.conn.close()
        finally:
            self.conn = self._open()
            self.lost_in_transaction = None

    def reconnect(self) -> None:
        with self._lock:
            if self.is_running:
                raise Busy("A statement is still running in this query tool.")
            self.reconnect_locked()

    def _is_in_transaction(self) -> bool:
        """The user's own transaction (a result cursor's implicit one does not count)."""
        if self.open_result is not None and self.open_result.implicit_tx:
            return False
        return self.conn.info.transaction_status in (pq.TransactionStatus.INTRANS, pq.TransactionStatus.INERROR)

    def _run(self, sql: str, was_in_tx: bool) -> None:
        run_started = time.monotonic()
        open_result = None
        try:
            outcome = run_script(self.conn, sql, page_size=self.page_size, max_rows=self.max_rows,
                                 notices=self._notices)
            result, open_result = outcome.body, outcome.open_result
            self.rows_sql = outcome.rows_sql or self.rows_sql
        except ConnectionLost as exc:
            result = self._lost_result(str(exc), was_in_tx)
        except Exception as exc:  # never leave the session stuck in "running"
            result = _internal_error(exc)
        in_tx = result["transaction_status"] in {"in_transaction", "in_error"}
        self.tx_started = (self.tx_started or run_started) if in_tx else None
        with self._lock:
            result["backend_pid"] = self.backend_pid
            result["transaction_age_s"] = self._tx_age(result["transaction_status"])
            self.open_result, self.last_result, self.is_running = open_result, result, False
            self._finished.notify_all()
        self.touch()
        if self._on_finish is not None:
            self._on_finish(self, sql, result)

    def _lost_result(self, message: str, was_in_tx: bool) -> dict[str, Any]:
        self.lost_in_transaction = was_in_tx
        fate = ("A transaction was open: the server rolled it back. Reconnect to continue."
                if was_in_tx else "No transaction was open; the next statement reconnects.")
        return {"state": "done", "columns": [], "rows": [], "has_more": False, "truncated": False,
                "rows_affected": None, "statements": [], "transaction_status": "lost", "notices": list(self._notices),
                "duration_ms": None,
                "error": {"message": f"The connection to the server was lost: {message}", "sqlstate": None,
                          "connection_lost": True, "transaction_rolled_back": was_in_tx, "hint": fate}}

    def wait(self, timeout_s: float) -> dict[str, Any] | None:
        """The finished result, or None if still running after timeout_s."""
        self.touch()
        with self._finished:
            self._finished.wait_for(lambda: not self.is_running, timeout=timeout_s)
            if self.is_running:
                return None
            return self.last_result

    def fetch(self, limit: int) -> dict[str, Any]:
        """The next page of the open result."""
        self.touch()
        with self._lock:
            if self.is_running:
                raise Busy("A statement is still running in this query tool.")
            if self.open_result is None:
                return {"rows": [], "has_more": False, "truncated": False}
            try:
                rows, has_more, truncated = self.open_result.fetch(limit)
            except psycopg.Error as exc:
                self.open_result.close(self.conn)
                self.open_result = None
                raise BadRequest(f"Fetching more rows failed: {str(exc).strip()}") from exc
            if not has_more:
                self.open_result.close(self.conn)
                self.open_result = None
            return {"rows": rows, "has_more": has_more, "truncated": truncated}

    def cancel(self) -> bool:
        """Ask the server to cancel the running statement (libpq cancel on our own connection)."""
        if not self.is_running:
            return False
        self.conn.cancel_safe(timeout=5.0)
        return True

    def close(self) -> None:
        """Cancel, roll back and close; safe to call twice."""
        if self.is_running:
            with contextlib.suppress(psycopg.Error):
                self.cancel()
            self.wait(5.0)
        with self._lock:
            with contextlib.suppress(psycopg.Error):
                if not self.conn.closed and self.conn.info.transaction_status != pq.TransactionStatus.IDLE:
                    self.conn.execute("ROLLBACK")
            self.conn.close()
            self.open_result = None

    def export_csv(self) -> Iterator[bytes]:
        """Stream the full result of the last row-returning statement as CSV, through COPY, never buffered."""
        with self._lock:
            if self.is_running:
                raise Busy("A statement is still running in this query tool.")
            if not self.rows_sql:
                raise BadRequest("Nothing to export: run a statement that returns rows first.")
            copy_sql = sql.SQL("COPY ({}) TO STDOUT WITH (FORMAT csv, HEADER true)").format(sql.SQL(self.rows_sql))
            self.is_running = True
        return CopyStream(self, copy_sql)

    def end_export(self) -> None:
        with self._lock:
            self.is_running = False
            self._finished.notify_all()


class CopyStream:
    """An iterable the WSGI server closes even if it never started it, so the session is always freed."""

    def __init__(self, session: QuerySession, copy_sql: sql.Composable) -> None:
        self.session = session
        self._chunks = self._generate(copy_sql)
        self._closed = False

    def _generate(self, copy_sql: sql.Composable) -> Iterator[bytes]:
        with self.session.conn.cursor() as cursor, cursor.copy(copy_sql) as copy:
            for chunk in copy:
                self.session.touch()
                yield bytes(chunk)

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        try:
            return next(self._chunks)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._chunks.close()
            self.session.end_export()


def _internal_error(exc: Exception) -> dict[str, Any]:
    return {"state": "done", "columns": [], "rows": [], "has_more": False, "truncated": False, "rows_affected": None,
            "statements": [], "transaction_status": "unknown", "notices": [], "duration_ms": None,
            "error": {"message": f"Internal error while running the statement: {type(exc).__name__}: {exc}",
                      "sqlstate": None}}
