"""A query-tool session: one dedicated connection, statements run on a worker thread, results paged."""

from __future__ import annotations

import contextlib
import logging
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import pq

from pgadmin_lite.connections import opening, read_only
from pgadmin_lite.connections.execution import (
    ConnectionLost,
    Modes,
    Sizes,
    failed_result,
    not_kept_error,
    run_script,
    transaction_status,
)
from pgadmin_lite.connections.export import ExportSource, RerunStream, RowsStream, reader_for
from pgadmin_lite.connections.export_formats import FORMATS, Target
from pgadmin_lite.connections.export_names import DEFAULT_TABLE, file_stem, source_table
from pgadmin_lite.connections.leases import Lease
from pgadmin_lite.connections.protocol import NotSent
from pgadmin_lite.connections.results import OpenResult
from pgadmin_lite.connections.spool import Holding, Spool
from pgadmin_lite.errors import BadRequest, Busy, Conflict, ConnectionLostError, StatementFailed

log = logging.getLogger(__name__)
Connect = Callable[[], psycopg.Connection[Any]]
RunIn = Callable[[Callable[[], None]], None]
OnFinish = Callable[["QuerySession", "RunNote", dict[str, Any]], None]
READ_AHEAD_MAX_ROWS = 10_000  # rows held beyond the page being sent
READ_AHEAD_MAX_S = 0.25  # a page slower than this is not read ahead: it would hold the connection that long


@dataclass(frozen=True)
class RunNote:
    """What the user asked to run, when the SQL sent wraps it (EXPLAIN): the history keeps what they typed."""

    sql: str
    kind: str = "query"  # "query" | "explain" | "explain_analyze"
    offset: int = 0  # where their text starts in the SQL sent: error positions are given in their text


class QuerySession:
    """Owns one connection; every use goes through its lock so requests never interleave on it."""

    def __init__(self, tx_id: str, user_id: int, server_id: int, database: str, connect: Connect,
                 *, sizes: Sizes, run_in: RunIn, on_finish: OnFinish | None = None,
                 modes: Modes | None = None, holding: Holding | None = None,
                 login_id: str | None = None, lease: Lease | None = None, client: str | None = None,
                 params: Mapping[str, Any] | None = None, is_read_only: bool = False) -> None:
        self.tx_id, self.user_id, self.server_id, self.database = tx_id, user_id, server_id, database
        self.is_read_only = is_read_only  # the registration's read-only rail (read_only.py)
        self.login_id = login_id  # the login session that opened it: logging out there ends it
        self.lease = lease or Lease(0, 0)  # kept alive by the open page (the manager renews it)
        self.client = client  # the browser that opened it (its user agent), for the My sessions panel
        # What its connection connects with: a short-lived read of ours beside it (the catalog) needs the same
        # credentials, and a password the user typed for this tab is kept nowhere else.
        self.params: Mapping[str, Any] = params or {}
        self.opened_at = time.time()
        self.last_sql: str | None = None
        self.sizes, self.modes = sizes, modes or Modes()
        self.page_size = sizes.page_size
        self._connect = connect
        self._run_in = run_in  # the manager's worker pool: statements never run on a request thread
        self._on_finish = on_finish
        self._lock = threading.Lock()
        # Its own lock: a waiting request gets its result while the worker still holds the session lock.
        self._finished = threading.Condition()
        # A cancel request goes out only while a statement of the user's runs (never one of ours: a CLOSE or
        # COMMIT cancelled could abort their transaction or lose their changes); asked in between, it stops
        # the script before its next statement. The lock is held while the request is sent.
        self._cancel_lock = threading.Lock()
        self._in_user_statement = False
        self._cancel_asked = False
        self._notices: list[dict[str, Any]] = []
        self.conn = self._open()
        self.created = self.last_used = time.monotonic()
        self.is_running = False
        self.started_at: float | None = None
        self.last_result: dict[str, Any] | None = None
        self.open_result: OpenResult | None = None
        self.lost_in_transaction: bool | None = None  # None: the connection is alive
        self.tx_started: float | None = None
        self.export_source: ExportSource | None = None  # the last result with rows, for export
        self._ahead: tuple[OpenResult, int] | None = None  # the page read_ahead() may read early
        self._holding = holding
        self._release_timer: tuple[threading.Timer, OpenResult] | None = None
        self._last_page = time.monotonic()
        self.user_status = "idle"  # after the user's last statement: "idle" | "in_transaction" | "in_error"
        self._runs = 0  # numbers each result: an edit names the result it was made in

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
                    "rows_delivered": self.rows_delivered, "holds": self._holds(status),
                    "modes": asdict(self.modes), "lease": self.lease.to_dict(), "is_read_only": self.is_read_only}

    def _holds(self, status: str) -> str:
        """What the connection holds on the server, for the badge: the user's transaction, our snapshot, nothing."""
        if status in {"in_transaction", "in_error"}:
            return "transaction"
        result = self.open_result
        return "snapshot" if result is not None and result.implicit_tx else "nothing"

    @property
    def holds(self) -> str:
        """_holds without the lock, from the user's state after their last statement: a result's answer never
        waits for the worker's CLOSE/COMMIT of a spent result (during which the connection is in our transaction)."""
        return "nothing" if self.lost_in_transaction is not None else self._holds(self.user_status)

    @property
    def rows_delivered(self) -> int | None:
        """Rows of the current result already sent, so a re-attached page knows what it missed."""
        return self.open_result.delivered if self.open_result is not None else None

    def _tx_age(self, status: str) -> float | None:
        if status not in {"in_transaction", "in_error"} or self.tx_started is None:
            return None
        return round(time.monotonic() - self.tx_started, 1)

    def start(self, sql: str, note: RunNote | None = None) -> None:
        """Begin running a script on the worker thread; a busy session refuses (409)."""
        if not isinstance(sql, str) or not sql.strip():
            raise BadRequest("sql must be a non-empty string.")
        with self._lock:
            if self.is_running:
                raise Busy("A statement is still running in this query tool.",
                           hint="Wait for its result (GET …/result) or cancel it (POST …/cancel).")
            self._revive()
            was_in_tx = self._is_in_transaction()
            previous, self.open_result = self.open_result, None  # ended by the run (it may take a while)
            self.is_running, self.started_at, self.last_result = True, time.time(), None
            self._cancel_asked = False
            self._notices.clear()
        self.last_sql = sql
        self.touch()
        self._run_in(lambda: self._run(sql, was_in_tx, previous, note or RunNote(sql)))

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
            self.user_status = "idle"

    def set_modes(self, modes: Modes) -> None:
        """New transaction modes apply from the next script on (never to one running)."""
        with self._lock:
            if self.is_running:
                raise Busy("A statement is still running in this query tool.",
                           hint="Change the modes when it has finished (or cancel it).")
            self.modes = modes

    def reconnect(self) -> None:
        with self._lock:
            if self.is_running:
                raise Busy("A statement is still running in this query tool.")
            self.reconnect_locked()

    def _is_in_transaction(self) -> bool:
        """The user's own transaction, as the server reported it after their last statement (never after ours:
        a statement of ours meeting a dead connection must not make the user's lost transaction look absent)."""
        return self.user_status in {"in_transaction", "in_error"}

    def _run(self, sql: str, was_in_tx: bool, previous: OpenResult | None, note: RunNote) -> None:
        run_started = time.monotonic()
        open_result = spent = None
        try:
            not_kept = previous.close(self.conn) if previous is not None else None
            if not_kept is not None:  # nothing of this script runs: first the user learns the last one failed
                result = failed_result(self._status_after_failed_commit(), not_kept_error(not_kept, "The previous"),
                                       self._notices)
            else:
                outcome = run_script(self.conn, sql, sizes=self.sizes, modes=self.modes, notices=self._notices,
                                     holding=self._holding, user_statement=self.user_statement,
                                     is_read_only=self.is_read_only)
                result, open_result, spent = outcome.body, outcome.open_result, outcome.spent
                self._set_export(outcome.export)
        except ConnectionLost as exc:
            result = {**self._lost_result(str(exc), was_in_tx or exc.was_in_tx), **exc.outcome}
        except Exception as exc:  # never leave the session stuck in "running"
            log.exception("Query tool %s failed outside PostgreSQL", self.tx_id[:20])
            result = _internal_error(exc)
        in_tx = result["transaction_status"] in {"in_transaction", "in_error"}
        if result["transaction_status"] != "lost":
            self.user_status = result["transaction_status"]
        self.tx_started = (self.tx_started or run_started) if in_tx else None
        _shift_positions(result, note.offset)
        if self._on_finish is not None:  # before the result is out, so runs are recorded in the order they ran
            self._on_finish(self, note, result)
        with self._lock:
            self._runs += 1
            result["backend_pid"], result["run"] = self.backend_pid, self._runs
            result["transaction_age_s"] = self._tx_age(result["transaction_status"])
            self.open_result, self.last_result, self.is_running = open_result, result, False
            self._last_page = time.monotonic()
            with self._finished:
                self._finished.notify_all()
            self._plan_read_ahead(self.page_size, time.monotonic() - run_started)
            if spent is not None:
                spent.close(self.conn)  # the waiting request has its result already
            self._schedule_release()
        self.touch()

    def _set_export(self, source: ExportSource | None) -> None:
        """The newest result with rows is the one exported (a script without rows keeps the last one)."""
        if source is not None:
            previous, self.export_source = self.export_source, source
            if previous is not None:
                previous.discard()

    def _record_lost(self, was_in_tx: bool) -> str:
        """Remember that the connection died (and whether a transaction of the user's died with it); the hint."""
        self.lost_in_transaction = was_in_tx
        return ("A transaction was open: the server rolled it back. Reconnect to continue." if was_in_tx
                else "No transaction was open; the next statement reconnects.")

    def _lost_result(self, message: str, was_in_tx: bool) -> dict[str, Any]:
        fate = self._record_lost(was_in_tx)
        return failed_result("lost", {"message": f"The connection to the server was lost: {message}",
                                      "sqlstate": None, "connection_lost": True,
                                      "transaction_rolled_back": was_in_tx, "hint": fate}, self._notices)

    def wait(self, timeout_s: float) -> dict[str, Any] | None:
        """The finished result, or None if still running after timeout_s."""
        self.touch()
        with self._finished:
            self._finished.wait_for(lambda: not self.is_running, timeout=timeout_s)
            if self.is_running:
                return None
            return self.last_result

    def fetch(self, limit: int) -> dict[str, Any]:
        """The next page of the open result (from the server, or from the spool once it was released)."""
        self.touch()
        with self._lock:
            if self.is_running:
                raise Busy("A statement is still running in this query tool.")
            result = self.open_result
            if result is None:
                return {"rows": [], "has_more": False, "truncated": False}
            began = self._last_page = time.monotonic()
            try:
                rows, has_more, truncated = result.fetch(limit)
            except psycopg.Error as exc:
                self.open_result = None
                raise self._fetch_failure(exc, result) from exc
            if not has_more:
                self.open_result = None
                if (not_kept := result.close(self.conn)) is not None:
                    failed = ConnectionLostError if self._status_after_failed_commit() == "lost" else StatementFailed
                    raise failed(**not_kept_error(not_kept, "This"))
            else:
                self._plan_read_ahead(limit, time.monotonic() - began)
                self._schedule_release()
            page: dict[str, Any] = {"rows": rows, "has_more": has_more, "truncated": truncated}
            if not has_more:
                page["row_count"] = result.delivered  # the statement's rows, now that all were read
            if result.is_released:
                page["released"] = True  # from the spool now: the server's snapshot was let go
            if result.is_off_server:
                page["rest_let_go"] = result.rest_let_go
            return page

    def _schedule_release(self, delay_s: float | None = None) -> None:
        """(Lock held.) Let our hidden transaction go once the user has not paged for RESULT_HOLD_SECONDS.

        One timer per result, not one per page: when it fires early (paged meanwhile) it waits again.
        """
        result, holding = self.open_result, self._holding
        pending = self._release_timer
        if pending is not None and pending[1] is result and pending[0].is_alive():
            return
        if pending is not None:
            pending[0].cancel()
        self._release_timer = None
        if result is None or not result.implicit_tx or holding is None:
            return
        timer = threading.Timer(holding.hold_s if delay_s is None else delay_s,
                                lambda: self._run_in(lambda: self._release(result)))
        timer.daemon = True
        self._release_timer = (timer, result)
        timer.start()

    def _release(self, result: OpenResult) -> None:
        """Spool the rest of a result nobody pages and commit our transaction (a worker runs this)."""
        with self._lock:
            holding = self._holding
            if self.open_result is not result or not result.implicit_tx or holding is None:
                return
            self._release_timer = None
            idle_s = time.monotonic() - self._last_page
            if self.is_running or idle_s < holding.hold_s:
                self._schedule_release(max(holding.hold_s - idle_s, 0.05))  # paged meanwhile
                return
            self._ahead = None
            result.release(self.conn, Spool(holding))

    def _status_after_failed_commit(self) -> str:
        """The transaction status once our COMMIT failed; a dead connection (outside any transaction of the
        user's) is recorded, and the next statement reconnects."""
        if self.conn.closed or self.conn.broken:
            self._record_lost(False)
            return "lost"
        return transaction_status(self.conn)

    def _fetch_failure(self, exc: psycopg.Error, failed: OpenResult) -> Exception:
        """A later page met an error (a row the statement cannot compute, or a dead connection): the API's error."""
        in_user_tx = not failed.implicit_tx and self._is_in_transaction()
        failed.close(self.conn)
        message = exc.diag.message_primary or str(exc).strip()
        if self.conn.closed or self.conn.broken:
            return ConnectionLostError(f"The connection to the server was lost while fetching rows: {message}",
                                       hint=self._record_lost(in_user_tx))
        fate = ("Your transaction is aborted now: roll it back, then run the statement again." if in_user_tx
                else "The statement stopped there and its result is closed; fix the cause and run it again.")
        if in_user_tx:
            self.user_status = "in_error"  # the failing rows were the user's statement's
        return StatementFailed(f"Fetching more rows failed: {message}", hint=exc.diag.message_hint or fate,
                               sqlstate=exc.diag.sqlstate or exc.sqlstate, detail=exc.diag.message_detail)

    def _plan_read_ahead(self, limit: int, page_s: float) -> None:
        """Decide (lock held) whether the next page may be read before it is asked for.

        Only for a result in our hidden transaction (an error read early cannot abort the user's own
        transaction) and only after a quick page (a later execute or close never waits long for it).
        """
        result = self.open_result
        quick = page_s <= READ_AHEAD_MAX_S
        self._ahead = (result, min(limit, READ_AHEAD_MAX_ROWS)) if result and result.implicit_tx and quick else None

    def read_ahead(self) -> None:
        """Read the planned next page on a worker, while this one is encoded, sent and read by the client."""
        with self._lock:
            ahead, self._ahead = self._ahead, None
        if ahead is not None:
            self._run_in(lambda: self._read_ahead(*ahead))

    def _read_ahead(self, result: OpenResult, limit: int) -> None:
        with self._lock:
            if self.open_result is result and not self.is_running and not self.conn.closed:
                result.read_ahead(limit)

    def read_when_idle(self, query: str, params: list[Any]) -> tuple[Any, ...] | None:
        """One row of a read of ours on the tab's connection, only when nothing runs or is paged there and no
        transaction is open (neither the user's nor ours); None otherwise (or if it failed): it never waits,
        and a statement of ours never runs inside the user's transaction."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            conn = self.conn
            if self.is_running or self.open_result is not None or self.lost_in_transaction is not None \
                    or conn.closed or conn.info.transaction_status != pq.TransactionStatus.IDLE:
                return None
            try:
                return conn.execute(query, params).fetchone()
            except psycopg.Error:
                return None
        finally:
            self._lock.release()

    @contextlib.contextmanager
    def between_runs(self, *, writes: bool) -> Iterator[tuple[psycopg.Connection[Any], bool]]:
        """The connection for work of ours between the user's runs, and whether the user's transaction is open.

        Work that writes refuses an aborted transaction, and first lets go of our hidden transaction of a result
        being paged (its rest is spooled), so it runs in the user's transaction or in none.
        """
        with self._lock:
            if self.is_running:
                raise Busy("A statement is still running in this query tool.", hint="Wait for it, or cancel it.")
            self._revive()
            if writes and self.user_status == "in_error":
                raise Conflict("The transaction is aborted (a statement in it failed), so nothing can run in it.",
                               hint="Roll back the transaction, then apply the changes again.")
            result = self.open_result
            if writes and result is not None and result.implicit_tx:
                self._ahead = None
                if self._holding is not None:
                    result.release(self.conn, Spool(self._holding))
                else:
                    result.close(self.conn)
                    self.open_result = None
            if writes and self.is_read_only:
                read_only.reassert(self.conn)  # grid edits meet the rail as the user's statements do
            in_transaction = self._is_in_transaction()
            try:
                yield self.conn, in_transaction
            except Exception:
                if self.conn.closed or self.conn.broken:  # the next statement says so (and reconnects if it may)
                    self._record_lost(in_transaction)
                raise
        self.touch()

    @contextlib.contextmanager
    def user_statement(self) -> Iterator[None]:
        """Around one statement of the user's (or an export's COPY): the only time a cancel request is sent.

        Leaving waits for a cancel request being sent, so none can land on the statement of ours that follows.
        """
        with self._cancel_lock:
            if self._cancel_asked:
                raise NotSent
            self._in_user_statement = True
        try:
            yield
        finally:
            with self._cancel_lock:
                self._in_user_statement = False

    def cancel(self) -> bool:
        """Cancel the running statement of the user's (libpq cancel on our own connection), or the script at
        its next statement if one of ours runs now."""
        with self._cancel_lock:
            if not self.is_running:
                return False
            if self._in_user_statement:
                opening.cancel(self.conn)
            else:
                self._cancel_asked = True
            return True

    def close(self) -> None:
        """Cancel, roll back and close; safe to call twice."""
        if self.is_running:
            with contextlib.suppress(psycopg.Error):
                self.cancel()
            self.wait(5.0)
        with self._lock:
            if self._release_timer is not None:
                self._release_timer[0].cancel()
            if self.open_result is not None and self.open_result.is_off_server:
                self.open_result.close(self.conn)  # its spool file
            with contextlib.suppress(psycopg.Error):
                if not self.conn.closed and self.conn.info.transaction_status != pq.TransactionStatus.IDLE:
                    self.conn.execute("ROLLBACK")
            self.conn.close()
            self.open_result = None
            if self.export_source is not None:
                self.export_source.discard()
                self.export_source = None

    def export_name(self, format_name: str) -> str:
        """The file name an export of the last result suggests: its one table, else its first words."""
        source = self.export_source
        if source is None:
            raise BadRequest("Nothing to export: run a statement that returns rows first.")
        return f"{file_stem(source.statement, source_table(source.statement))}.{FORMATS[format_name].extension}"

    def export(self, format_name: str) -> RerunStream | RowsStream:
        """The last row-returning statement's result in a format (export_formats.FORMATS), never by running a
        statement that wrote again.

        A result kept whole is written from memory; one whose statement wrote (or may have) from the rows still
        held (memory, then its spool); any other is read again, read-only and rolled back (export.py). The session
        counts as running (a concurrent execute is a 409) until a stream that reads again is closed.
        """
        fmt = FORMATS[format_name]
        with self._lock:
            if self.is_running:
                raise Busy("A statement is still running in this query tool.",
                           hint="Wait for it to finish (or cancel it), then export.")
            source = self.export_source
            if source is None:
                raise BadRequest("Nothing to export: run a statement that returns rows first.")
            if source.is_copy and fmt.name != "csv":
                raise BadRequest("The result of a COPY … TO STDOUT is its lines in the format the COPY named: it "
                                 "is exported as written, with format csv.", field="format")
            target = Target(source.columns, source_table(source.statement) or DEFAULT_TABLE, self._export_dir())
            if source.rows is not None or not source.may_rerun:
                return RowsStream(source, fmt, target)  # never run again: what is held; the response says what went
            read = reader_for(source, fmt, target, self.conn.info.server_version)
            self._revive()
            if self.conn.info.transaction_status == pq.TransactionStatus.INERROR:
                raise Conflict("The transaction is aborted (a statement in it failed), so nothing can run in it.",
                               hint="Roll back the transaction, then export.")
            in_user_tx = self._is_in_transaction()
            self.is_running, self._cancel_asked = True, False
        return RerunStream(self, read, in_user_tx=in_user_tx).start()

    def _export_dir(self) -> Path:
        """Where an XLSX export builds its workbook: beside the spools, under DATA_DIR."""
        return self._holding.directory if self._holding is not None else Path(tempfile.gettempdir())

    def end_export(self) -> None:
        with self._lock:
            self.is_running = False
            with self._finished:
                self._finished.notify_all()
        self.touch()


def _shift_positions(result: dict[str, Any], offset: int) -> None:
    """Positions in the user's text rather than in the SQL sent (which put `offset` characters before it)."""
    if not offset:
        return
    errors = {id(error): error for holder in [result, *result.get("statements", [])] if (error := holder.get("error"))}
    for error in errors.values():  # a statement's error is often the result's own dict: moved once
        if error.get("position") and error["position"] > offset:
            error["position"] -= offset
    for record in result.get("statements", []):
        record["offset"] = max(record["offset"] - offset, 0)


def _internal_error(exc: Exception) -> dict[str, Any]:
    return failed_result("unknown", {"message": f"Internal error while running the statement: "
                                                f"{type(exc).__name__}: {exc}", "sqlstate": None,
                                     "hint": "The server log has the details; try the statement again."}, [])
