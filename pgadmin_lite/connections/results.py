"""The rows of the statement being paged, held by PostgreSQL (a portal of ours) or by libpq."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import pq, sql

from pgadmin_lite.connections.spool import Spool

_cursor_names = itertools.count(1)
SPOOL_CHUNK_ROWS = 1000


def portal_name() -> str:
    """A fresh name for a portal of ours (never one a user would pick)."""
    return f"pgl_{next(_cursor_names)}"


def columns_of(cursor: psycopg.Cursor[Any]) -> list[dict[str, Any]]:
    """Name and type of each column, with where it comes from (origin: the table's oid and attnum, 0 if computed)."""
    result = cursor.pgresult
    return [{"name": col.name, "type": col.type_display,
             "origin": (result.ftable(i), result.ftablecol(i)) if result is not None else (0, 0)}
            for i, col in enumerate(cursor.description or [])]


def split_origins(columns: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The columns as the API shows them, and the one table they come from (oid, attnums; 0 for a computed
    column) or None when they come from several tables or none (a result that may be editable, see editing)."""
    origins = [column.get("origin", (0, 0)) for column in columns]
    shown = [{k: v for k, v in column.items() if k != "origin"} for column in columns]
    tables = {oid for oid, _ in origins if oid}
    if len(tables) != 1:
        return shown, None
    return shown, {"table_oid": tables.pop(), "attnums": [attnum for _, attnum in origins]}


@dataclass
class OpenResult:
    """Rows of the last row-returning statement still being read page by page.

    A streamed result is a portal we DECLAREd (the rows stay with PostgreSQL and arrive with FETCH);
    any other row set was read to its end with its first page kept and the rest spooled (no cursor).
    """

    cursor: psycopg.Cursor[Any] | None
    sql: str
    portal: str | None
    implicit_tx: bool
    max_rows: int
    columns: list[dict[str, Any]] = field(default_factory=list)
    delivered: int = 0
    lookahead: list[Any] = field(default_factory=list)
    exhausted: bool = False
    failure: psycopg.Error | None = None  # a read-ahead's error, raised by the fetch that would have met it
    wrote: bool = False  # our hidden transaction had changed data by the first page (a function the query calls)
    spool: Spool | None = None  # the rest of the rows, once our hidden transaction was let go
    is_released: bool = False
    rest_let_go: bool = False  # the spool's bound was reached: the rows past it are gone
    commit_failure: psycopg.Error | None = None

    @property
    def is_off_server(self) -> bool:
        """Its rows come from here (memory, the spool), not the server: nothing is held there for it."""
        return self.is_released or self.cursor is None

    def _read(self, count: int) -> list[Any]:
        if self.exhausted or count <= 0:
            return []
        if self.spool is not None:
            rows = self.spool.read(count)
            if not rows and self.failure is not None:
                raise self.failure  # spooling stopped at this error: the page that reaches it says so
            self.exhausted = len(rows) < count and self.failure is None
            return rows
        assert self.cursor is not None and self.portal is not None  # with neither, the spool holds the rows
        self.cursor.execute(sql.SQL("FETCH FORWARD {} FROM {}").format(count, sql.Identifier(self.portal)))
        rows = self.cursor.fetchall()
        if not self.columns:
            self.columns = columns_of(self.cursor)
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
        if self.failure is not None and self.spool is None and len(self.lookahead) <= limit:
            raise self.failure  # this page needs rows past the buffer: where reading it on demand fails too
        rows = self.lookahead + self._read(limit + 1 - len(self.lookahead))
        self.lookahead = rows[limit:]
        rows = rows[:limit]
        self.delivered += len(rows)
        has_more = bool(self.lookahead)
        truncated = bool(self.max_rows) and self.delivered >= self.max_rows and has_more
        return rows, has_more and not truncated, truncated

    def release(self, conn: psycopg.Connection[Any], spool: Spool) -> None:
        """Spool the rest and end our hidden transaction: no snapshot or lock outlives the user's paging.

        An error met while spooling ends the spool there; the rows before it stay pageable.
        """
        self.spool_rest(spool)
        self.end_spooled(conn, spool)

    def spool_rest(self, spool: Spool) -> None:
        """Read the rest into the spool (up to its bound; past it, a query that wrote is still run to its end); an
        error is kept in `failure`, not raised."""
        try:
            while not self.exhausted and spool.write(self._read(SPOOL_CHUNK_ROWS)):
                pass
            if self.wrote and not self.exhausted and self.cursor is not None and self.portal is not None:
                self.cursor.execute(sql.SQL("MOVE FORWARD ALL FROM {}").format(sql.Identifier(self.portal)))
                self.exhausted = True
        except psycopg.Error as exc:
            self.failure = self.failure or exc

    def end_spooled(self, conn: psycopg.Connection[Any], spool: Spool) -> None:
        """Close the portal and our transaction once the rest is in the spool; the rows come from it now."""
        self.rest_let_go = spool.is_full
        self.commit_failure = self.close(conn)
        spool.rewind()
        self.spool, self.portal, self.implicit_tx, self.is_released = spool, None, False, True
        self.exhausted = False

    def close(self, conn: psycopg.Connection[Any]) -> psycopg.Error | None:
        """Close the portal and end the transaction we opened for it, if any; returns our COMMIT's failure.

        A statement that changed data first runs to its end (MOVE ALL: the rows nobody read are computed, as
        autocommit would have), so its changes are never kept half-done. A failed COMMIT kept none of them,
        and the caller reports it as the statement's error.
        """
        if self.spool is not None:
            self.spool.close()
            self.spool = None
        if self.is_released or self.cursor is None:
            return self.commit_failure
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
