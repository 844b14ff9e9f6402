"""Running a script as psql runs it: statements one by one, the user's state read after each of theirs."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import pq, sql

from pgadmin_lite.connections import protocol, read_only, streaming
from pgadmin_lite.connections.classify import Copy, Kind, kind_of
from pgadmin_lite.connections.export import ExportSource
from pgadmin_lite.connections.fates import ROLLED_BACK_COMMIT, Ledger
from pgadmin_lite.connections.protocol import NotSent, Ran, StatementError
from pgadmin_lite.connections.results import OpenResult, split_origins
from pgadmin_lite.connections.splitter import Statement, split_script, split_text
from pgadmin_lite.connections.spool import Holding, Spool

Window = Callable[[], contextlib.AbstractContextManager[Any]]
TX_STATUS = {
    pq.TransactionStatus.IDLE: "idle",
    pq.TransactionStatus.INTRANS: "in_transaction",
    pq.TransactionStatus.INERROR: "in_error",
    pq.TransactionStatus.ACTIVE: "in_transaction",
}
AUTO_SAVEPOINT = sql.Identifier("pgl_auto")  # auto-rollback's savepoint: never shown, never in history
SAVEPOINT_TAGS = ("SAVEPOINT", "RELEASE", "ROLLBACK")  # after these psql leaves its savepoint alone
TRAILING = re.compile(r"(?:\s+|;|--[^\n]*(?:\n|\Z)|/\*.*?\*/)*\Z", re.DOTALL)  # blank: what the splitter drops


class ConnectionLost(Exception):
    """The server connection died under a statement; `outcome` says what became of the script's statements."""

    def __init__(self, message: str, outcome: dict[str, Any] | None = None, *, was_in_tx: bool = False) -> None:
        super().__init__(message)
        self.outcome, self.was_in_tx = outcome or {}, was_in_tx  # a transaction the script had opened was lost


@dataclass(frozen=True)
class Modes:
    """A tab's transaction modes, as psql's variables: AUTOCOMMIT, ON_ERROR_ROLLBACK, --single-transaction."""

    autocommit: bool = True
    auto_rollback: bool = False
    single_transaction: bool = False


@dataclass(frozen=True)
class Sizes:
    page_size: int
    max_rows: int
    preview_rows: int


@dataclass
class ScriptOutcome:
    """The result body, the rows still to page (if any), and the statement that produced rows.

    `spent` is a result read to its end whose cursor (and hidden transaction) the caller closes once it
    has handed the body over: the answer does not wait for that round trip.
    """

    body: dict[str, Any]
    open_result: OpenResult | None
    export: ExportSource | None
    spent: OpenResult | None = None


def not_kept_error(exc: psycopg.Error, which: str) -> dict[str, Any]:
    """The COMMIT of our hidden transaction failed: say so plainly, since the statement had looked successful."""
    diag = exc.diag
    return {"message": f"{which} statement's changes were not committed: {diag.message_primary or str(exc).strip()}",
            "sqlstate": diag.sqlstate or exc.sqlstate, "detail": diag.message_detail,
            "hint": "None of its changes were kept (the transaction was rolled back); fix the cause and run it again."}


def transaction_status(conn: psycopg.Connection[Any], open_result: OpenResult | None = None) -> str:
    """What the user's transaction looks like (the hidden transaction of a result being paged is not theirs)."""
    if conn.closed:
        return "lost"
    if open_result is not None and open_result.implicit_tx:
        return "idle"
    return TX_STATUS.get(conn.info.transaction_status, "unknown")


def error_info(failure: StatementError, statement: Statement, index: int, script: str) -> dict[str, Any]:
    """Everything the user needs to see and locate the error in their script."""
    info: dict[str, Any] = {"message": failure.message, "sqlstate": failure.sqlstate, "detail": None,
                            "hint": failure.hint, "context": None, "position": None, "line": None,
                            "statement_index": index}
    exc = failure.cause
    if exc is None:
        if failure.sqlstate == "57014":
            info["cancelled"] = True
        return info
    diag = exc.diag
    info.update(message=failure.message or diag.message_primary or str(exc).strip(),
                sqlstate=diag.sqlstate or exc.sqlstate, detail=diag.message_detail,
                hint=failure.hint or diag.message_hint, context=diag.context)
    if diag.statement_position and int(diag.statement_position) > failure.prefix_len:
        position = statement.offset + int(diag.statement_position) - failure.prefix_len  # 1-based in the script
        info["position"] = position
        info["line"] = script.count("\n", 0, position - 1) + 1
    if info["sqlstate"] == "57014":
        info["cancelled"] = True
    return info


@dataclass
class _Run:
    """One script's progress: the ledger, each statement's outcome, the result being paged."""

    conn: psycopg.Connection[Any]
    script: str
    planned: list[Statement]  # split before anything runs (the pre-checks, the statements that never ran)
    sizes: Sizes
    modes: Modes
    notices: list[dict[str, Any]]
    ledger: Ledger = field(init=False)
    records: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    held: OpenResult | None = None
    page: tuple[list[Any], bool, bool] = ([], False, False)
    error: dict[str, Any] | None = None
    holding: Holding | None = None
    own_tx: bool = False  # single-transaction mode began the transaction the script runs in
    statements: list[Statement] = field(default_factory=list)  # as sent, lexed as the server's settings say
    kinds: list[Kind] = field(default_factory=list)  # of each statement run, classified once
    user_statement: Window = contextlib.nullcontext  # entered around each of the user's statements
    is_read_only: bool = False  # the registration's read-only rail (read_only.py)

    def __post_init__(self) -> None:
        self.ledger = Ledger(len(self.planned))

    @property
    def is_idle(self) -> bool:
        return protocol.is_idle(self.conn)

    def run(self) -> None:
        refused = self._refused_in_single_transaction() or self._refused_as_read_only()
        if refused is not None:
            self.error = refused
            return
        if self.modes.single_transaction and self.is_idle:
            self.conn.execute("BEGIN")
            self.own_tx = True
        for index, statement in enumerate(self._as_sent()):
            self.statements.append(statement)
            if not self._run_one(index, statement):
                break
        if self.own_tx:
            self._end_own_transaction()

    def _as_sent(self) -> Iterator[Statement]:
        """The planned statements while standard_conforming_strings stays as they were lexed with; once a
        statement changes it, the rest is lexed again as psql would (the common script is lexed once)."""
        for done, statement in enumerate(self.planned):
            if done and self._std_strings() != statement.std_strings:
                yield from self._relexed(statement.std_strings, done)
                return
            yield statement

    def _relexed(self, planned_std: bool, done: int) -> Iterator[Statement]:
        """Statements after the first `done`, standard_conforming_strings applied from the line after the change."""
        splitter = split_script(self.script, planned_std)
        for _ in range(done):
            next(splitter)
        splitter.set_std_strings(self._std_strings())  # as psql: a SET of it applies from the next line
        for statement in splitter:
            yield statement
            splitter.set_std_strings(self._std_strings())

    def _std_strings(self) -> bool:
        """standard_conforming_strings as the server last reported it (ParameterStatus)."""
        return _std_of(self.conn)

    def _is_last(self, statement: Statement) -> bool:
        """Nothing but white space and comments follows (no copy of the rest: scripts can be long)."""
        return TRAILING.match(self.script, statement.end) is not None

    def _refused_in_single_transaction(self) -> dict[str, Any] | None:
        """psql --single-transaction runs nothing when a statement cannot run in a transaction block."""
        if not self.modes.single_transaction:
            return None
        for index, statement in enumerate(self.planned):
            if kind_of(statement.sql, statement.std_strings).cannot_run_in_transaction:
                words = " ".join(kind_of(statement.sql, statement.std_strings).words[:3])
                return {"message": f"Statement {index + 1} ({words} …) cannot run inside a transaction block, "
                                   "so the script cannot run as one transaction; nothing was run.",
                        "sqlstate": "25001", "statement_index": index, "position": statement.offset + 1,
                        "line": self.script.count("\n", 0, statement.offset) + 1,
                        "hint": "Turn off 'single transaction' for this script, or run that statement on its own."}
        return None

    def _refused_as_read_only(self) -> dict[str, Any] | None:
        """On a read-only server nothing runs when a statement would switch read-only off."""
        if not self.is_read_only:
            return None
        for index, statement in enumerate(self.planned):
            reason = read_only.switch_off_reason(statement.sql)
            if reason is not None:
                return {"message": f"This server is registered read-only: statement {index + 1} would switch "
                                   f"read-only off ({reason}), so nothing was run.",
                        "sqlstate": "25006", "statement_index": index, "position": statement.offset + 1,
                        "line": self.script.count("\n", 0, statement.offset) + 1,
                        "hint": "Remove that statement, or ask the server's owner to turn off its read-only switch "
                                "(a rail against mistakes, not a permission)."}
        return None

    def _run_one(self, index: int, statement: Statement) -> bool:
        """Run one statement with the modes' statements of ours around it; False stops the script."""
        kind = kind_of(statement.sql, statement.std_strings)
        self.kinds.append(kind)
        if self.is_read_only:
            read_only.reassert(self.conn)  # a set_config() of the last statement lasts no further
        if not self.modes.autocommit and self.is_idle and not kind.no_begin:
            self.conn.execute("BEGIN")  # psql's AUTOCOMMIT off: idle → a transaction before the statement
        guarded = self.modes.auto_rollback and self.conn.info.transaction_status == pq.TransactionStatus.INTRANS
        if guarded:
            self.conn.execute(sql.SQL("SAVEPOINT {}").format(AUTO_SAVEPOINT))
        was_idle, mark, started = self.is_idle, len(self.notices), time.perf_counter()
        try:
            ran = self._send(statement, kind, is_last=self._is_last(statement))
        except NotSent as stopped:  # cancelled before it was sent: it never ran, nothing of the user's failed
            if guarded:
                self.conn.execute(sql.SQL("RELEASE SAVEPOINT {}").format(AUTO_SAVEPOINT))
            self.error = error_info(stopped, statement, index, self.script)
            self.records.append(self._record(index, statement, started, mark, error=self.error))
            return False
        except StatementError as failure:
            if self.conn.closed or self.conn.broken:
                raise ConnectionLost(str(failure).strip(), self.lost_at(index, statement, started, mark),
                                     was_in_tx=not was_idle) from failure
            self._failed(index, statement, failure, started, mark, guarded)
            return False
        if guarded:
            self._end_guard(ran)
        self.ledger.ran(index, kind, statement.sql, was_idle=was_idle, is_idle=ran.is_hidden or self.is_idle,
                        tag=ran.tag)
        warnings = [ROLLED_BACK_COMMIT] if kind.is_commit and ran.tag == "ROLLBACK" else []
        self.warnings += warnings
        self.records.append(self._record(index, statement, started, mark, ran=ran, warnings=warnings))
        return True

    def _send(self, statement: Statement, kind: Kind, *, is_last: bool) -> Ran:
        """One statement in the way its kind needs; only the last may stay open for paging.

        A cancel may land only inside `user_statement` (the user's statement and its first page): never on a
        statement of ours before or after it (session.py).
        """
        text = statement.sql
        if statement.is_meta:  # psql's backslash commands run in psql, never on the server
            raise StatementError(None, message=f"{text.split(maxsplit=1)[0]} is a psql meta-command, which the "
                                 "query tool cannot run; the script stopped there.",
                                 hint="Remove the backslash command (the query tool sends SQL only), or run the "
                                      "script with psql.")
        failure: psycopg.Error | None = None
        spool = None
        with self.user_statement():
            ran = self._sent(text, kind, is_last=is_last)
            held = ran.held
            if held is not None:
                try:  # the first page now, so the statement really runs (and fails) here
                    self.page = held.fetch(self.sizes.page_size)
                except psycopg.Error as exc:
                    failure = exc
                if failure is None and held.wrote and self.page[1] and self.holding is not None:
                    spool = Spool(self.holding)  # a query that wrote runs to its end now, its rest spooled
                    held.spool_rest(spool)
        if held is None:
            return ran
        if failure is not None:
            held.close(self.conn)
            raise StatementError(failure) from failure
        return self._hold(ran, held, spool)

    def _sent(self, text: str, kind: Kind, *, is_last: bool) -> Ran:
        sizes = self.sizes
        preview = sizes.page_size if is_last else sizes.preview_rows
        if kind.copy is Copy.OUT:
            return protocol.copy_out(self.conn, text, preview)
        if kind.copy is Copy.IN:
            return protocol.refuse_copy_in(self.conn, text)
        is_pageable = is_last and not self.own_tx  # our COMMIT at the end would destroy a portal
        if kind.is_declarable:
            if not is_pageable:
                return protocol.run_to_end(self.conn, text, preview)
            return protocol.declare(self.conn, text, sizes.page_size, sizes.max_rows)
        if not is_pageable:
            return streaming.run_streamed(self.conn, text, preview)
        return streaming.hold_streamed(self.conn, text, sizes.page_size, sizes.max_rows, self.holding)

    def _hold(self, ran: Ran, held: OpenResult, spool: Spool | None) -> Ran:
        """The result being paged, its first page read: kept open, or committed at once if it wrote."""
        if held.wrote:  # committed before the answer says it ran, not after: durable, as in psql
            self._commit_written(held, ran, spool)
        else:
            self.held = held
        if not self.page[1] and held.portal is not None:
            ran.tag, ran.row_count = f"SELECT {held.delivered}", held.delivered
        ran.columns = held.columns
        return ran

    def lost_at(self, index: int, statement: Statement, started: float, mark: int) -> dict[str, Any]:
        """The server ended the session under this statement: it and its open transaction are rolled back."""
        self.ledger.failed(index, is_idle=True, is_usable=False)
        self.records.append(self._record(index, statement, started, mark, error={"connection_lost": True}))
        for record in self.records:
            record["fate"] = self.ledger.fates[record["index"]]
        return {"statements": self.records, "fates": self.ledger.fates, "summary": self.ledger.summary()}

    def _commit_written(self, held: OpenResult, ran: Ran, spool: Spool | None) -> None:
        """A query whose hidden transaction wrote: its rest is in the spool (or is computed and let go), then our
        COMMIT. An error computing the rest, or a failed COMMIT, is the statement's: nothing of it was kept."""
        if spool is not None:
            if held.failure is not None:  # the rest failed (or was cancelled): our ROLLBACK, the statement's error
                spool.close()
                held.close(self.conn)
                self.page = ([], False, False)
                raise StatementError(held.failure) from held.failure
            held.end_spooled(self.conn, spool)
            not_kept = held.commit_failure
            self.held = held if not_kept is None else None
        else:
            not_kept = held.close(self.conn)
            ran.held, ran.rows = None, self.page[0]
        if not_kept is not None:
            held.close(self.conn)
            self.page = ([], False, False)
            info = not_kept_error(not_kept, "This")
            raise StatementError(not_kept, message=info["message"], hint=info["hint"])

    def _end_guard(self, ran: Ran) -> None:
        """Auto-rollback: release our savepoint after a success (psql leaves it after savepoint commands)."""
        if self.conn.info.transaction_status == pq.TransactionStatus.INTRANS and \
                not (ran.tag or "").startswith(SAVEPOINT_TAGS):
            self.conn.execute(sql.SQL("RELEASE SAVEPOINT {}").format(AUTO_SAVEPOINT))

    def _failed(self, index: int, statement: Statement, failure: StatementError, started: float, mark: int,
                guarded: bool) -> None:
        usable = False
        if guarded and self.conn.info.transaction_status == pq.TransactionStatus.INERROR:
            self.conn.execute(sql.SQL("ROLLBACK TO SAVEPOINT {0}; RELEASE SAVEPOINT {0}").format(AUTO_SAVEPOINT))
            usable = True
        self.error = error_info(failure, statement, index, self.script)
        self.ledger.failed(index, is_idle=self.is_idle, is_usable=usable)
        self.records.append(self._record(index, statement, started, mark, error=self.error))

    def _end_own_transaction(self) -> None:
        """Single-transaction mode: COMMIT after the last statement, ROLLBACK after a failure (ours both)."""
        if self.conn.info.transaction_status == pq.TransactionStatus.IDLE:
            return  # the script ended the transaction itself
        if self.error is not None or self.conn.info.transaction_status != pq.TransactionStatus.INTRANS:
            self.conn.execute("ROLLBACK")
            self.ledger.end_transaction(committed=False)
            return
        try:
            self.conn.execute("COMMIT")
        except psycopg.Error as exc:
            self.error = {**not_kept_error(exc, "The script's"), "statement_index": None, "position": None}
            self.ledger.end_transaction(committed=False)
            return
        self.ledger.end_transaction(committed=True)

    def _record(self, index: int, statement: Statement, started: float, mark: int, *, ran: Ran | None = None,
                warnings: list[str] | None = None, error: dict[str, Any] | None = None) -> dict[str, Any]:
        record: dict[str, Any] = {
            "index": index, "offset": statement.offset, "length": len(statement.sql),
            "command": ran.tag if ran else None, "row_count": ran.row_count if ran else None,
            "rows_affected": ran.row_count if ran else None,
            "duration_ms": round((time.perf_counter() - started) * 1000, 3),
            "notices": self.notices[mark:], "status": "error" if error else "ok", "warnings": warnings or [],
            "error": error, "fate": None,
        }
        if ran is not None and ran.is_row_set:
            columns, source = split_origins(ran.columns or [])
            record.update(columns=columns, source=source, rows=ran.rows if ran.held is None else [],
                          is_pageable=ran.held is not None)
        return record

    def export_source(self, index: int | None) -> ExportSource | None:
        """What a CSV export of the shown result may use: its rows if all are here; else whether to read it again,
        or (a statement that wrote, or may have) the rows that are still here: its first ones, then its spool."""
        if index is None:
            return None
        record, statement, kind = self.records[index], self.statements[index].sql, self.kinds[index]
        is_copy = kind.copy is Copy.OUT
        held, spool, let_go, limit = self.held if record["is_pageable"] else None, None, False, None
        if record["is_pageable"]:
            is_whole = not self.page[1] and not self.page[2]
            head, wrote = self.page[0], held is not None and held.wrote
            if held is not None and not is_whole:
                head = head + held.lookahead
                spool = held.spool.share() if held.spool is not None else None
                let_go, limit = held.rest_let_go or self.page[2], held.max_rows or None
        else:
            head, wrote = record["rows"], False
            is_whole = record["row_count"] is not None and record["row_count"] <= len(head)
            let_go = not is_whole
        return ExportSource(statement, record["columns"], head if is_whole else None, is_copy=is_copy,
                            may_rerun=(kind.is_declarable or is_copy) and not wrote, head=head, spool=spool,
                            rows_let_go=let_go, limit=limit)

    def body(self) -> dict[str, Any]:
        for record in self.records:
            record["fate"] = self.ledger.fates[record["index"]]
        row_sets = [r for r in self.records if "columns" in r]
        shown = row_sets[-1] if row_sets else None
        rows, has_more, truncated = self.page if shown and shown["is_pageable"] else (
            shown["rows"] if shown else [], False, False)
        last = self.records[-1] if self.records and self.records[-1]["status"] == "ok" else None
        return {
            "state": "done", "columns": shown["columns"] if shown else [], "rows": rows,
            "has_more": has_more, "truncated": truncated, "rows_statement_index": shown["index"] if shown else None,
            "rows_affected": last["rows_affected"] if last else None, "statements": self.records,
            "fates": self.ledger.fates, "summary": self.ledger.summary(), "warnings": self.warnings,
            "transaction_status": transaction_status(self.conn, self.held), "notices": list(self.notices),
            "error": self.error,
        }


def run_script(conn: psycopg.Connection[Any], script: str, *, sizes: Sizes, modes: Modes,
               notices: list[dict[str, Any]], holding: Holding | None = None,
               user_statement: Window = contextlib.nullcontext, is_read_only: bool = False) -> ScriptOutcome:
    """Run each statement in order, stopping at the first error, as psql does with ON_ERROR_STOP."""
    started = time.perf_counter()
    run = _Run(conn, script, split_text(script, _std_of(conn)), sizes, modes, notices, holding=holding,
               user_statement=user_statement, is_read_only=is_read_only)
    try:
        run.run()
    except psycopg.Error as exc:  # a statement of ours met a dead connection
        if conn.closed or conn.broken:
            raise ConnectionLost(str(exc).strip()) from exc
        raise
    body = run.body()
    body["duration_ms"] = round((time.perf_counter() - started) * 1000, 3)
    held, export = run.held, run.export_source(body["rows_statement_index"])
    if held is not None and not run.page[1]:  # fully read: the caller ends it now, not at the next statement
        return ScriptOutcome(body, None, export, spent=held)
    return ScriptOutcome(body, held, export)


def _std_of(conn: psycopg.Connection[Any]) -> bool:
    return conn.info.parameter_status("standard_conforming_strings") != "off"


def failed_result(transaction_status: str, error: dict[str, Any], notices: list[dict[str, Any]]) -> dict[str, Any]:
    """A result with no rows, for a run that never got to (or past) its statements."""
    return {"state": "done", "columns": [], "rows": [], "has_more": False, "truncated": False,
            "rows_affected": None, "statements": [], "fates": [], "summary": "", "warnings": [],
            "rows_statement_index": None, "transaction_status": transaction_status,
            "notices": list(notices), "duration_ms": None, "error": error}
