"""Export of a result without ever running a statement that wrote again: from what is held, or read-only."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import pq, sql

from pgadmin_lite.connections.export_formats import Format, Target, chunked, encode
from pgadmin_lite.connections.protocol import NotSent
from pgadmin_lite.connections.spool import Spool
from pgadmin_lite.errors import Conflict, ConnectionLostError, StatementFailed

if TYPE_CHECKING:
    from pgadmin_lite.connections.session import QuerySession

COPY_TEXT_HEADER_VERSION = 150000  # COPY … (FORMAT text, HEADER) is accepted from PostgreSQL 15
STREAM_ROWS = 1000  # rows read again arrive in chunks of this many (libpq's chunked mode): flat memory
EXPORT_SAVEPOINT = sql.Identifier("pgl_export")
READ_ONLY_SQLSTATE = "25006"
Read = Callable[[psycopg.Cursor[Any], "RerunStream"], Iterator[bytes]]


@dataclass(frozen=True)
class ExportSource:
    """What the last result with rows was, and which of its rows are still here (memory, then a spool)."""

    statement: str
    columns: list[dict[str, str]]
    rows: list[Any] | None  # every row, when the result was small enough to be kept; else None
    is_copy: bool = False  # COPY … TO STDOUT: the rows are its lines, already in the user's format
    may_rerun: bool = False  # a query (or COPY TO STDOUT) that was not seen writing: it may be read again, read-only
    head: list[Any] | None = None  # not kept whole: its first rows, still in memory
    spool: Spool | None = None  # … and the ones after them (a share of the result's spool, see discard())
    rows_let_go: bool = False  # rows past the preview or the spool's bound are gone
    limit: int | None = None  # MAX_RESULT_ROWS capped the result: no more rows than the grid had

    def held_rows(self) -> Iterator[Any]:
        """The rows an export of a statement that must not run again writes: all that are here, in order."""
        rows = itertools.chain(self.head or [], self.spool.all_rows() if self.spool is not None else ())
        return itertools.islice(rows, self.limit)

    def discard(self) -> None:
        """No longer the session's export (a later result replaced it, or the tab closed)."""
        if self.spool is not None:
            self.spool.close()


def rerun_copy(source: ExportSource, fmt: Format) -> sql.Composable:
    """The COPY that reads the result again (read-only: only for statements that were not seen writing)."""
    if source.is_copy:
        return sql.SQL(source.statement)
    # The newline ends a trailing "-- comment" in the user's query before our closing parenthesis.
    return sql.SQL("COPY ({}\n) TO STDOUT WITH ({})").format(sql.SQL(source.statement), sql.SQL(fmt.copy_options or ""))


class Counted:
    """Rows passed through, counted (the response says how many were written)."""

    def __init__(self, rows: Iterable[Any]) -> None:
        self.rows, self.count = rows, 0

    def __iter__(self) -> Iterator[Any]:
        for row in self.rows:
            self.count += 1
            yield row


class RowsStream:
    """The rows held for a result (memory, its spool) in the export's format: nothing is sent to the server.

    `rows_let_go` says the result had more rows than are held (the response says so).
    """

    def __init__(self, source: ExportSource, fmt: Format, target: Target) -> None:
        self.rows_let_go = source.rows_let_go and source.rows is None
        self._spool = source.spool.share() if source.spool is not None and source.rows is None else None
        self._counted = Counted(source.rows if source.rows is not None else source.held_rows())
        if source.is_copy:  # COPY … TO STDOUT: its lines are already in the format the user's COPY named
            self._chunks = chunked(f"{row[0]}\n".encode() for row in self._counted)
        else:
            self._chunks = encode(fmt, target, self._counted)

    @property
    def rows(self) -> int:
        return self._counted.count

    def __iter__(self) -> Iterator[bytes]:
        return self._chunks

    def close(self) -> None:
        """The session was never busy; only the spool's share is given back."""
        if self._spool is not None:
            self._spool.close()
            self._spool = None


class RerunStream:
    """The chunks of a read-only result read again (by COPY, or its rows in the export's format); closing it (the
    WSGI server does, even if it never started) frees the session.

    The statement runs read-only and is always rolled back: in a transaction (the user's, or the one holding an
    open result's cursor) under a savepoint, otherwise in a READ ONLY transaction of its own. A statement
    that would write fails there, and the transaction stays as it was.
    """

    def __init__(self, session: QuerySession, read: Read, *, in_user_tx: bool = False) -> None:
        self.session = session
        self.rows: int | None = None
        self.rows_let_go = False  # read again in full
        self._in_user_tx = in_user_tx  # for the fate of the transaction if the connection dies
        self._chunks = self._generate(read)
        self._closed = False
        self._first: list[bytes] = []

    def start(self) -> RerunStream:
        """Read the first chunk now: an error before any byte (a refused rerun) is the request's own answer."""
        first = next(self, None)
        self._first = [first] if first is not None else []
        return self

    def _generate(self, read: Read) -> Iterator[bytes]:
        conn = self.session.conn
        in_tx = conn.info.transaction_status == pq.TransactionStatus.INTRANS
        began = False
        try:
            if in_tx:
                conn.execute(sql.SQL("SAVEPOINT {}; SET TRANSACTION READ ONLY").format(EXPORT_SAVEPOINT))
            else:
                conn.execute("BEGIN READ ONLY")
            began = True
            with conn.cursor() as cursor, self.session.user_statement():  # a cancel stops the read, not our ROLLBACK
                for chunk in read(cursor, self):
                    self.session.touch()
                    yield chunk
        except psycopg.Error as exc:
            raise self._failure(exc) from exc
        except NotSent as exc:  # cancelled before the COPY was sent
            raise StatementFailed("The export was cancelled; nothing was saved.", sqlstate="57014") from exc
        finally:
            if began:
                _roll_back(conn, in_tx)

    def _failure(self, exc: psycopg.Error) -> Exception:
        """The export's error in the API's terms; a dead connection is recorded as the session's."""
        conn = self.session.conn
        if conn.closed or conn.broken:
            self.session.lost_in_transaction = self._in_user_tx
            return ConnectionLostError(f"The connection to the server was lost during the export: {str(exc).strip()}",
                                       hint="Nothing was saved. Reconnect and run the query again.")
        sqlstate = exc.diag.sqlstate or exc.sqlstate
        if sqlstate == "57014":
            return StatementFailed("The export was cancelled; nothing was saved.", sqlstate=sqlstate)
        message = exc.diag.message_primary or str(exc).strip()
        if sqlstate == READ_ONLY_SQLSTATE:
            return Conflict(f"The export was stopped: reading the result again would change data ({message}).",
                            hint="Nothing was run twice. Page through the result in the grid instead.")
        return StatementFailed(f"The export failed: {message}", hint=exc.diag.message_hint, sqlstate=sqlstate)

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        if self._first:
            return self._first.pop()
        try:
            return next(self._chunks)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            try:
                self._chunks.close()
            finally:
                self.session.end_export()


def copy_reader(copy_sql: sql.Composable) -> Read:
    """Read with COPY … TO STDOUT: PostgreSQL writes the format (CSV, COPY text); its bytes are passed on."""
    def read(cursor: psycopg.Cursor[Any], stream: RerunStream) -> Iterator[bytes]:
        with cursor.copy(copy_sql) as copy:
            yield from chunked(bytes(piece) for piece in copy)
        stream.rows = cursor.rowcount if cursor.rowcount >= 0 else None
    return read


def rows_reader(statement: str, fmt: Format, target: Target) -> Read:
    """Read the rows themselves (typed by the connection's loaders, as the grid has them) and write the format."""
    def read(cursor: psycopg.Cursor[Any], stream: RerunStream) -> Iterator[bytes]:
        counted = Counted(cursor.stream(sql.SQL(statement), size=STREAM_ROWS))
        yield from encode(fmt, target, counted)
        stream.rows = counted.count
    return read


def reader_for(source: ExportSource, fmt: Format, target: Target, server_version: int) -> Read:
    """COPY where PostgreSQL writes the format itself (CSV; TSV from 15 on, where text has HEADER), else the rows."""
    if source.is_copy or fmt.name == "csv" or (fmt.copy_options and server_version >= COPY_TEXT_HEADER_VERSION):
        return copy_reader(rerun_copy(source, fmt))
    return rows_reader(source.statement, fmt, target)


def _roll_back(conn: psycopg.Connection[Any], in_tx: bool) -> None:
    """Undo whatever the export's COPY did: its savepoint, or its own read-only transaction."""
    if conn.closed or conn.broken:
        return
    with contextlib.suppress(psycopg.Error):
        if in_tx:
            conn.execute(sql.SQL("ROLLBACK TO SAVEPOINT {0}; RELEASE SAVEPOINT {0}").format(EXPORT_SAVEPOINT))
        else:
            conn.execute("ROLLBACK")
