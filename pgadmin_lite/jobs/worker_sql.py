"""Jobs the worker runs through psycopg: maintenance (the server's messages go to the log), CSV import and
export streamed with COPY in chunks (a file is never held in memory), and the table count behind a backup's
progress bar (a plain SQL restore is in worker_restore). Identifiers reach SQL only as psycopg.sql.Identifier,
option values only as sql.Literal.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql

if TYPE_CHECKING:
    from pgadmin_lite.jobs.worker import WorkerJob

SQL_DIR = Path(__file__).resolve().parent / "sql"
CHUNK_BYTES = 256 * 1024
TICK_S = 0.5
HEADS = {"vacuum": sql.SQL("VACUUM"), "analyze": sql.SQL("ANALYZE"), "reindex": sql.SQL("REINDEX"),
         "cluster": sql.SQL("CLUSTER")}
FLAGS = {"full": sql.SQL("FULL"), "freeze": sql.SQL("FREEZE"), "analyze": sql.SQL("ANALYZE"),
         "verbose": sql.SQL("VERBOSE")}
COPY_OPTIONS = {"delimiter": sql.SQL("DELIMITER {}"), "quote": sql.SQL("QUOTE {}"), "escape": sql.SQL("ESCAPE {}"),
                "null": sql.SQL("NULL {}"), "encoding": sql.SQL("ENCODING {}")}


class Cancelled(Exception):
    """The job was cancelled while rows were being copied."""


def server_message(exc: psycopg.Error) -> str:
    """PostgreSQL's primary message (with its detail), or libpq's text for a connection failure."""
    diag = exc.diag
    if diag.message_primary:
        return diag.message_primary + (f" ({diag.message_detail})" if diag.message_detail else "")
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def load_sql(name: str) -> sql.SQL:
    """A catalog query from jobs/sql/<name>.sql."""
    return sql.SQL((SQL_DIR / f"{name}.sql").read_text(encoding="utf-8"))  # type: ignore[arg-type]


def connect(job: WorkerJob, **options: Any) -> psycopg.Connection[Any]:
    """Connect with the job's conninfo; libpq takes the password from PGPASSFILE (the job's passfile)."""
    return psycopg.connect(job.spec["conninfo"], **options)


def run_cancellable(job: WorkerJob, conn: psycopg.Connection[Any], task: Callable[[], None]) -> None:
    """Run task on a thread while this thread reports progress and turns a cancel into a libpq cancel request."""
    outcome: dict[str, BaseException] = {}

    def target() -> None:
        try:
            task()
        except BaseException as exc:  # handed to the main thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    cancelled_at: float | None = None
    while thread.is_alive():
        thread.join(TICK_S)
        if job.cancel.is_set() and cancelled_at is None:
            cancelled_at = time.monotonic()
            with suppress(Exception):
                conn.cancel_safe()
        if cancelled_at is not None and time.monotonic() - cancelled_at > job.grace:
            return  # the server has not answered the cancel: leave; closing the connection ends the session
        job.tick()
    error = outcome.get("error")
    if error is None:
        return
    if job.cancel.is_set() and isinstance(error, Cancelled | pg_errors.QueryCanceled):
        return
    raise error


def log_notice(job: WorkerJob, diag: psycopg.errors.Diagnostic) -> None:
    text = f"{diag.severity}:  {diag.message_primary}"
    if diag.message_detail:
        text += f"\nDETAIL:  {diag.message_detail}"
    if diag.message_hint:
        text += f"\nHINT:  {diag.message_hint}"
    job.log.line(text)


def maintenance_statement(options: dict[str, Any], dbname: str) -> sql.Composed:
    """VACUUM/ANALYZE/REINDEX/CLUSTER with the chosen flags on the database or one table.

    VACUUM and REINDEX take a parenthesised option list (PostgreSQL 9.0 / 9.5+); ANALYZE and CLUSTER use the
    classic VERBOSE keyword, which every version accepts (CLUSTER of a whole database knows no other form).
    """
    operation = options["operation"]
    target = sql.Identifier(options["schema"], options["table"]) if options.get("table") else None
    flags = [FLAGS[name] for name in ("full", "freeze", "analyze", "verbose") if options.get(name)]
    parts: list[sql.Composable] = [HEADS[operation]]
    if operation in ("analyze", "cluster"):
        parts += flags
    elif flags:
        parts.append(sql.SQL("({})").format(sql.SQL(", ").join(flags)))
    if operation == "reindex":
        parts.append(sql.SQL("TABLE {}").format(target) if target else sql.SQL("DATABASE {}").format(
            sql.Identifier(dbname)))
    elif target is not None:
        parts.append(target)
        if operation == "cluster" and options.get("index"):
            parts.append(sql.SQL("USING {}").format(sql.Identifier(options["index"])))
    return sql.SQL(" ").join(parts)


def run_maintenance(job: WorkerJob) -> None:
    with connect(job, autocommit=True) as conn:  # VACUUM and REINDEX DATABASE refuse a transaction block
        conn.add_notice_handler(lambda diag: log_notice(job, diag))
        statement = maintenance_statement(job.spec["options"], conn.info.dbname)
        job.log.line(statement.as_string(conn))

        def task() -> None:
            conn.execute(statement)

        run_cancellable(job, conn, task)
    job.summary.append(f"{job.spec['options']['operation'].upper()} finished.")


def copy_statement(options: dict[str, Any], direction: sql.SQL) -> sql.Composed:
    """COPY table (columns) TO STDOUT / FROM STDIN WITH (FORMAT csv, HEADER, and the chosen options)."""
    columns = sql.SQL("")
    if options.get("columns"):
        columns = sql.SQL(" ({})").format(sql.SQL(", ").join(map(sql.Identifier, options["columns"])))
    settings: list[sql.Composable] = [sql.SQL("FORMAT csv"),
                                      sql.SQL("HEADER true") if options.get("header") else sql.SQL("HEADER false")]
    settings += [template.format(sql.Literal(options[key])) for key, template in COPY_OPTIONS.items()
                 if options.get(key) is not None]
    return sql.SQL("COPY {}{} {} WITH ({})").format(sql.Identifier(options["schema"], options["table"]), columns,
                                                    direction, sql.SQL(", ").join(settings))


def _write_all(fd: int, data: bytes | bytearray) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def run_export(job: WorkerJob) -> None:
    options, out_fd = job.spec["options"], job.fds["out"]
    job.progress.unit, job.progress.rows = "rows", 0
    with connect(job, autocommit=True) as conn:
        estimate = conn.execute(load_sql("table_rows_estimate"), options).fetchone()
        job.progress.total = int(estimate[0]) if estimate and estimate[0] > 0 else None
        statement = copy_statement(options, sql.SQL("TO STDOUT"))
        job.log.line(statement.as_string(conn))

        def task() -> None:
            buffer = bytearray()
            with conn.cursor() as cur:
                with cur.copy(statement) as copy:
                    for data in copy:  # one row (or the header) per chunk
                        if job.cancel.is_set():
                            raise Cancelled()
                        buffer += data
                        job.progress.done += 1
                        if len(buffer) >= CHUNK_BYTES:
                            _write_all(out_fd, buffer)
                            buffer.clear()
                _write_all(out_fd, buffer)
                job.progress.rows = job.progress.done = max(cur.rowcount, 0)

        run_cancellable(job, conn, task)
    job.summary.append(f"Exported {job.progress.rows} rows.")


def run_import(job: WorkerJob) -> None:
    options, in_fd = job.spec["options"], job.fds["in"]
    job.progress.unit, job.progress.total = "bytes", job.spec.get("input_size") or None
    with connect(job) as conn:  # one transaction: every row or none
        statement = copy_statement(options, sql.SQL("FROM STDIN"))
        job.log.line(statement.as_string(conn))

        def task() -> None:
            with conn.cursor() as cur:
                with cur.copy(statement) as copy:
                    while chunk := os.read(in_fd, CHUNK_BYTES):
                        if job.cancel.is_set():
                            raise Cancelled()
                        copy.write(chunk)
                job.progress.rows = max(cur.rowcount, 0)
            conn.commit()

        run_cancellable(job, conn, task)
    job.summary.append(f"Imported {job.progress.rows} rows into {options['schema']}.{options['table']}.")


def count_backup_tables(job: WorkerJob) -> None:
    """The progress total of a backup: the tables whose data pg_dump will dump (best effort)."""
    options = job.spec["options"]
    if options.get("schema_only"):
        return
    if options.get("tables"):
        job.progress.total = len(options["tables"])
        return
    try:
        with connect(job, autocommit=True) as conn:
            row = conn.execute(load_sql("count_tables"), {"schemas": options.get("schemas") or []}).fetchone()
    except psycopg.Error as exc:
        job.log.line(f"(progress total unknown: {str(exc).strip()})")
        return
    job.progress.total = int(row[0]) if row else None


def run(job: WorkerJob) -> int:
    """Run the job's psycopg task; 0 when it ran to the end (a cancel is seen by the caller)."""
    {"maintenance": run_maintenance, "import": run_import, "export": run_export}[job.spec["kind"]](job)
    return 0
