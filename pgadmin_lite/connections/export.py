"""CSV export of a result without ever running a statement that wrote again: from what is held, or read-only."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import pq, sql

from pgadmin_lite.connections.protocol import NotSent
from pgadmin_lite.connections.spool import Spool
from pgadmin_lite.errors import Conflict, ConnectionLostError, StatementFailed

if TYPE_CHECKING:
    from pgadmin_lite.connections.session import QuerySession

EXPORT_CHUNK_BYTES = 64 * 1024  # COPY hands over one row at a time; write and send bigger pieces
EXPORT_SAVEPOINT = sql.Identifier("pgl_export")
READ_ONLY_SQLSTATE = "25006"
CSV_SPECIAL = (",", '"', "\n", "\r")


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


def rerun_sql(source: ExportSource) -> sql.Composable:
    """The COPY that reads the result again (read-only: only for statements that were not seen writing)."""
    if source.is_copy:
        return sql.SQL(source.statement)
    # The newline ends a trailing "-- comment" in the user's query before our closing parenthesis.
    return sql.SQL("COPY ({}\n) TO STDOUT WITH (FORMAT csv, HEADER true)").format(sql.SQL(source.statement))


def csv_field(value: Any) -> str:
    """One value as PostgreSQL's CSV writes it: NULL unquoted and empty, the empty string quoted."""
    if value is None:
        return ""
    text = pg_text(value)
    if text == "" or any(ch in text for ch in CSV_SPECIAL) or text == "\\.":
        return '"' + text.replace('"', '""') + '"'
    return text


def pg_text(value: Any) -> str:
    """The server's text form of a value our loaders turned into JSON (booleans, numbers, arrays)."""
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, list):
        return "{" + ",".join(_array_item(item) for item in value) + "}"
    return str(value)


def _array_item(item: Any) -> str:
    if item is None:
        return "NULL"
    text = pg_text(item)
    if isinstance(item, list):
        return text
    if text == "" or text.upper() == "NULL" or any(ch in text for ch in ' {},"\\') or text != text.strip():
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


class RowsStream:
    """CSV of the rows held for a result (memory, its spool): nothing is sent to the server.

    `rows_let_go` says the result had more rows than are held (the response says so).
    """

    def __init__(self, source: ExportSource) -> None:
        self.rows: int | None = 0
        self.rows_let_go = source.rows_let_go and source.rows is None
        self._spool = source.spool.share() if source.spool is not None and source.rows is None else None
        rows = source.rows if source.rows is not None else source.held_rows()
        self._chunks = self._generate(source, rows)

    def _generate(self, source: ExportSource, rows: Iterable[Any]) -> Iterator[bytes]:
        buffer: list[str] = []
        if not source.is_copy:
            buffer.append(",".join(csv_field(column["name"]) for column in source.columns) + "\n")
        size = 0
        for row in rows:
            line = f"{row[0]}\n" if source.is_copy else ",".join(csv_field(value) for value in row) + "\n"
            buffer.append(line)
            size += len(line)
            self.rows = (self.rows or 0) + 1
            if size >= EXPORT_CHUNK_BYTES:
                yield "".join(buffer).encode()
                buffer.clear()
                size = 0
        if buffer:
            yield "".join(buffer).encode()

    def __iter__(self) -> Iterator[bytes]:
        return self._chunks

    def close(self) -> None:
        """The session was never busy; only the spool's share is given back."""
        if self._spool is not None:
            self._spool.close()
            self._spool = None


class CopyStream:
    """CSV chunks of one COPY; closing it (the WSGI server does, even if it never started) frees the session.

    The COPY runs read-only and is always rolled back: in a transaction (the user's, or the one holding an
    open result's cursor) under a savepoint, otherwise in a READ ONLY transaction of its own. A statement
    that would write fails there, and the transaction stays as it was.
    """

    def __init__(self, session: QuerySession, copy_sql: sql.Composable, *, in_user_tx: bool = False) -> None:
        self.session = session
        self.rows: int | None = None
        self.rows_let_go = False  # read again in full
        self._in_user_tx = in_user_tx  # for the fate of the transaction if the connection dies
        self._chunks = self._generate(copy_sql)
        self._closed = False
        self._first: list[bytes] = []

    def start(self) -> CopyStream:
        """Read the first chunk now: an error before any byte (a refused rerun) is the request's own answer."""
        first = next(self, None)
        self._first = [first] if first is not None else []
        return self

    def _generate(self, copy_sql: sql.Composable) -> Iterator[bytes]:
        conn = self.session.conn
        in_tx = conn.info.transaction_status == pq.TransactionStatus.INTRANS
        began = False
        try:
            if in_tx:
                conn.execute(sql.SQL("SAVEPOINT {}; SET TRANSACTION READ ONLY").format(EXPORT_SAVEPOINT))
            else:
                conn.execute("BEGIN READ ONLY")
            began = True
            with conn.cursor() as cursor, self.session.user_statement():  # a cancel stops the COPY, not our ROLLBACK
                with cursor.copy(copy_sql) as copy:
                    yield from _batched(copy, self.session.touch)
                self.rows = cursor.rowcount if cursor.rowcount >= 0 else None
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


def _batched(chunks: Iterable[Any], touch: Callable[[], None]) -> Iterator[bytes]:
    """Join COPY's row-sized pieces into chunks of about EXPORT_CHUNK_BYTES (a bounded buffer)."""
    buffer = bytearray()
    for chunk in chunks:
        buffer += chunk
        if len(buffer) >= EXPORT_CHUNK_BYTES:
            touch()
            yield bytes(buffer)
            buffer.clear()
    if buffer:
        yield bytes(buffer)


def _roll_back(conn: psycopg.Connection[Any], in_tx: bool) -> None:
    """Undo whatever the export's COPY did: its savepoint, or its own read-only transaction."""
    if conn.closed or conn.broken:
        return
    with contextlib.suppress(psycopg.Error):
        if in_tx:
            conn.execute(sql.SQL("ROLLBACK TO SAVEPOINT {0}; RELEASE SAVEPOINT {0}").format(EXPORT_SAVEPOINT))
        else:
            conn.execute("ROLLBACK")
