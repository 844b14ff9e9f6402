"""Send one of the user's statements in the simple protocol, the way its kind needs, with flat memory."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import pq, sql

from pgadmin_lite.connections.results import OpenResult, columns_of, end_hidden_transaction, portal_name

# Sent after a paged statement's first FETCH in our hidden transaction: did the statement change data?
# (PostgreSQL 10+; the xid is assigned at the first write.)
WROTE_PROBE = sql.SQL("; SELECT txid_current_if_assigned() IS NOT NULL")
COPY_IN_MESSAGE = "the query tool sends no data to COPY … FROM STDIN"
COPY_COLUMNS = [{"name": "COPY", "type": "text"}]


@dataclass
class Ran:
    """What one statement did: its tag and row count, a bounded preview, and the result still being paged."""

    tag: str | None
    row_count: int | None
    columns: list[dict[str, Any]] = field(default_factory=list)
    rows: list[Any] = field(default_factory=list)
    is_row_set: bool = False
    held: OpenResult | None = None
    is_hidden: bool = False  # ran in a transaction of ours, committed with it: the user's state is unchanged


class StatementError(Exception):
    """The user's statement failed; positions in the server's error must not count the text we wrapped it in.

    Without a server error (cause None) the message and hint are ours.
    """

    def __init__(self, cause: psycopg.Error | None, prefix_len: int = 0, *, message: str | None = None,
                 hint: str | None = None, sqlstate: str | None = None) -> None:
        super().__init__(message or str(cause))
        self.cause, self.prefix_len, self.message, self.hint = cause, prefix_len, message, hint
        self.sqlstate = sqlstate  # without a server error


class NotSent(StatementError):
    """The user cancelled while a statement of ours ran: the script stops before their next statement."""

    def __init__(self) -> None:
        super().__init__(None, message="canceling statement due to user request (before it was sent)",
                         hint="The script was cancelled between two statements; this one never ran.",
                         sqlstate="57014")


def is_idle(conn: psycopg.Connection[Any]) -> bool:
    return conn.info.transaction_status == pq.TransactionStatus.IDLE


def run_to_end(conn: psycopg.Connection[Any], statement: str, preview: int) -> Ran:
    """A query that is not the one being paged: run to its end on the server (MOVE ALL), keep its preview.

    One round trip. Outside the user's transaction it runs in one of ours, committed in the same message,
    so its effect is durable before the next statement, exactly as in autocommit.
    """
    is_hidden = is_idle(conn)
    name = sql.Identifier(portal_name())
    prefix = sql.SQL("{}DECLARE {} NO SCROLL CURSOR FOR ").format(sql.SQL("BEGIN; " if is_hidden else ""), name)
    tail = sql.SQL("\n; FETCH FORWARD {} FROM {}; MOVE FORWARD ALL IN {}; CLOSE {}{}").format(
        preview, name, name, name, sql.SQL("; COMMIT" if is_hidden else ""))
    with conn.cursor() as cursor:
        try:
            cursor.execute(sql.Composed([prefix, sql.SQL(statement), tail]), prepare=False)
        except psycopg.Error as exc:
            if is_hidden:
                end_hidden_transaction(conn)  # the error reported is the statement's, never the ROLLBACK's
            raise StatementError(exc, len(prefix.as_string(conn))) from exc
        for _ in range(2 if is_hidden else 1):  # past BEGIN and DECLARE to the FETCH
            cursor.nextset()
        rows, columns = cursor.fetchall(), columns_of(cursor)
        cursor.nextset()
        moved = int((cursor.statusmessage or "MOVE 0").split()[-1])
    count = len(rows) + moved
    return Ran(f"SELECT {count}", count, columns, rows, is_row_set=True, is_hidden=is_hidden)


def declare(conn: psycopg.Connection[Any], statement: str, page_size: int, max_rows: int) -> Ran:
    """The statement being paged: DECLARE a portal and FETCH its first page, in one round trip.

    If the user has no transaction open, the same message BEGINs the one the portal lives in.
    """
    is_hidden = is_idle(conn)
    name = portal_name()
    portal = sql.Identifier(name)
    first = (min(page_size, max_rows) if max_rows else page_size) + 1  # one more row says whether there are more
    prefix = sql.SQL("{}DECLARE {} NO SCROLL CURSOR FOR ").format(sql.SQL("BEGIN; " if is_hidden else ""), portal)
    script = sql.Composed([prefix, sql.SQL(statement), sql.SQL("\n; FETCH FORWARD {} FROM {}").format(first, portal),
                           WROTE_PROBE if is_hidden else sql.SQL("")])
    cursor: psycopg.Cursor[Any] = conn.cursor()
    try:
        cursor.execute(script, prepare=False)  # no parameters: the simple protocol runs every statement in one trip
        for _ in range(2 if is_hidden else 1):  # past BEGIN and DECLARE to the FETCH
            cursor.nextset()
        rows, columns = cursor.fetchall(), columns_of(cursor)
        wrote = is_hidden and bool(cursor.nextset()) and bool((cursor.fetchone() or (False,))[0])
    except psycopg.Error as exc:
        cursor.close()
        if is_hidden:
            end_hidden_transaction(conn)
        raise StatementError(exc, len(prefix.as_string(conn))) from exc
    held = OpenResult(cursor, statement, name, is_hidden, max_rows, columns=columns, lookahead=rows,
                      exhausted=len(rows) < first, wrote=wrote)
    return Ran("SELECT", None, columns, is_row_set=True, held=held, is_hidden=is_hidden)


def copy_out(conn: psycopg.Connection[Any], statement: str, preview: int) -> Ran:
    """COPY … TO STDOUT: its lines are the statement's rows; all are read, the preview is kept."""
    encoding = conn.info.encoding
    lines: list[list[str]] = []
    with conn.cursor() as cursor:
        try:
            with cursor.copy(statement) as copy:
                for chunk in copy:
                    if len(lines) < preview:
                        lines.append([bytes(chunk).decode(encoding, "replace").removesuffix("\n")])
        except psycopg.Error as exc:
            raise StatementError(exc) from exc
        count = cursor.rowcount if cursor.rowcount >= 0 else None
        tag = cursor.statusmessage or (f"COPY {count}" if count is not None else "COPY")
        return Ran(tag, count, COPY_COLUMNS, lines, is_row_set=True)


class _NoData(Exception):
    """Raised inside COPY FROM STDIN so psycopg ends it with CopyFail: the connection stays clean."""


def refuse_copy_in(conn: psycopg.Connection[Any], statement: str) -> Ran:
    """COPY … FROM STDIN: end the copy at once with CopyFail (nothing is loaded) and say where imports are done."""
    with conn.cursor() as cursor:
        try:
            with cursor.copy(statement):
                raise _NoData(COPY_IN_MESSAGE)
        except psycopg.Error as exc:  # the statement failed before any copy began
            raise StatementError(exc) from exc
        except _NoData:
            pass
    raise StatementError(None, message="COPY … FROM STDIN cannot read data in the query tool: the copy was "
                         "stopped and nothing was loaded.",
                         hint="Load a file into a table with a CSV import job (Tools → Import), or use INSERT.")
