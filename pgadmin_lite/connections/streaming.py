"""Run a statement DECLARE cannot take (… RETURNING, FETCH, EXPLAIN, SHOW, CALL) with its rows read in chunks.

libpq would otherwise buffer all of its rows before the preview is taken. The statement goes in the
simple protocol, as psql sends it, and its tag is the server's own (cursor.stream() would force the
extended protocol, drop the tag and refuse statements without rows, hence libpq driven directly).
The one being paged keeps its first page and spills the rest to the result's spool (bounded): memory
stays one chunk whatever the row count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import errors, generators, pq
from psycopg.adapt import Transformer
from psycopg.pq.abc import PGresult

from pgadmin_lite.connections.protocol import Ran, StatementError
from pgadmin_lite.connections.results import OpenResult
from pgadmin_lite.connections.spool import Holding, Spool

CHUNK_ROWS = 1000  # rows libpq holds at a time: memory is one chunk (plus the preview), whatever the row count
ROWS = (pq.ExecStatus.TUPLES_CHUNK, pq.ExecStatus.SINGLE_TUPLE)
COPY = (pq.ExecStatus.COPY_OUT, pq.ExecStatus.COPY_IN, pq.ExecStatus.COPY_BOTH)


@dataclass
class _Reading:
    """The results of one statement as they arrive: the preview loaded, the other rows spooled or only counted."""

    conn: psycopg.Connection[Any]
    preview: int
    transformer: Transformer
    new_spool: Callable[[], Spool] | None = None  # where rows past the preview go (made at the first one)
    spool_rows: int | None = None  # at most this many rows spooled (MAX_RESULT_ROWS), None: up to its bound
    spool: Spool | None = None
    columns: list[dict[str, Any]] | None = None
    rows: list[Any] = field(default_factory=list)
    count: int = 0
    tag: bytes | None = None
    affected: int | None = None  # a statement without rows: how many it counts (a plain INSERT), if any

    def take(self, result: PGresult) -> None:
        """One result; a failure is raised as psycopg raises it (the caller still reads the rest)."""
        if result.status == pq.ExecStatus.FATAL_ERROR:
            raise errors.error_from_result(result, encoding=self.conn.info.encoding)
        if result.status in COPY:
            raise psycopg.ProgrammingError("COPY is sent by the query tool's copy path, not as rows")
        if result.status in ROWS or result.status == pq.ExecStatus.TUPLES_OK:
            if self.columns is None:
                self.columns = self._columns(result)
            wanted = max(min(result.ntuples, self.preview - len(self.rows)), 0)
            if wanted > 0:
                self.transformer.set_pgresult(result)
                self.rows += self.transformer.load_rows(0, wanted, tuple)
            if wanted < result.ntuples and self._is_spooling():
                self._spill(result, wanted)
            self.count += result.ntuples
        # libpq puts CommandComplete's tag on the result it arrives with: the last chunk when that one is partial
        self.tag = result.command_status or self.tag
        if result.status == pq.ExecStatus.COMMAND_OK:
            self.affected = result.command_tuples

    def _is_spooling(self) -> bool:
        if self.new_spool is None or self.spool_rows == 0:
            return False
        if self.spool is None:
            self.spool = self.new_spool()
        return not self.spool.is_full and (self.spool_rows is None or self.spool.rows < self.spool_rows)

    def _spill(self, result: PGresult, start: int) -> None:
        """The rows of this chunk past the preview, into the spool (the chunk is all that is in memory)."""
        assert self.spool is not None
        end = result.ntuples
        if self.spool_rows is not None:
            end = min(end, start + self.spool_rows - self.spool.rows)
        self.transformer.set_pgresult(result)
        self.spool.write(self.transformer.load_rows(start, end, tuple))

    def _columns(self, result: PGresult) -> list[dict[str, Any]]:
        """As protocol.columns_of() describes a cursor's: the name and the type as PostgreSQL writes it."""
        encoding, types = self.conn.info.encoding, self.conn.adapters.types
        columns = []
        for index in range(result.nfields):
            oid, info = result.ftype(index), types.get(result.ftype(index))
            shown = info.get_type_display(oid=oid, fmod=result.fmod(index)) if info else str(oid)
            columns.append({"name": (result.fname(index) or b"").decode(encoding), "type": shown,
                            "origin": (result.ftable(index), result.ftablecol(index))})
        return columns

    def ran(self) -> Ran:
        tag = self.tag.decode(self.conn.info.encoding) if self.tag else None
        if self.columns is None:
            return Ran(tag, self.affected)
        return Ran(tag, self.count, self.columns, self.rows, is_row_set=True)

    def held(self, max_rows: int) -> Ran:
        """The statement being paged: its first rows in memory, the rest in the spool (nothing on the server)."""
        ran = self.ran()
        spool = self.spool
        if not ran.is_row_set:
            if spool is not None:
                spool.close()
            return ran
        past = self.count - len(self.rows) - (spool.rows if spool else 0)  # rows neither kept nor spooled
        capped = bool(max_rows) and len(self.rows) + (spool.rows if spool else 0) > max_rows
        if spool is not None:
            spool.rewind()
        ran.held = OpenResult(None, "", None, False, max_rows, columns=ran.columns, lookahead=ran.rows,
                              exhausted=spool is None, spool=spool, rest_let_go=past > 0 and not capped)
        ran.rows = []
        return ran


def run_streamed(conn: psycopg.Connection[Any], statement: str, preview: int) -> Ran:
    """Sent as written; its rows arrive CHUNK_ROWS at a time, of which only the first `preview` are kept.

    Every result is read up to libpq's last, even after an error, so the connection is ready for the next
    statement; notices reach the connection's handlers as libpq reads them.
    """
    return _read_all(conn, statement, _Reading(conn, preview, Transformer(conn))).ran()


def hold_streamed(conn: psycopg.Connection[Any], statement: str, page_size: int, max_rows: int,
                  holding: Holding | None) -> Ran:
    """The statement being paged when DECLARE cannot take it: run to its end (as psql runs it) with its first
    page kept and the rest spilled to a spool of RESULT_SPOOL_MAX_MB; rows past that bound are let go."""
    first = (min(page_size, max_rows) if max_rows else page_size) + 1  # one more row says whether there are more
    reading = _Reading(conn, first, Transformer(conn), new_spool=(lambda: Spool(holding)) if holding else None,
                       spool_rows=max_rows + 1 - first if max_rows else None)
    try:
        _read_all(conn, statement, reading)
    except BaseException:
        if reading.spool is not None:
            reading.spool.close()
        raise
    return reading.held(max_rows)


def _read_all(conn: psycopg.Connection[Any], statement: str, reading: _Reading) -> _Reading:
    pgconn = conn.pgconn
    failure: Exception | None = None  # a loader's error too: it must not leave results unread
    with conn.lock:
        try:
            pgconn.send_query(statement.encode(conn.info.encoding))
            pgconn.set_chunked_rows_mode(CHUNK_ROWS)
            conn.wait(generators.send(pgconn))
            while (result := conn.wait(generators.fetch(pgconn))) is not None:
                if failure is None:
                    try:
                        reading.take(result)
                    except Exception as exc:  # raised once every result is read
                        failure = exc
                if result.status in COPY:
                    break
        except psycopg.Error as exc:  # the connection failed under the statement
            raise StatementError(exc) from exc
    if isinstance(failure, psycopg.Error):
        raise StatementError(failure) from failure
    if failure is not None:
        raise failure
    return reading
