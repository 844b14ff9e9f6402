"""The restore of a plain SQL file, run by the worker through psycopg, never by psql (issue 13, item 1).

psql obeys the backslash commands of the text it runs (`\\!` starts a shell on the web host, `\\o` and
`\\copy` write its files), and a user's file is untrusted. So the file is first read to its end, before
connecting, and refused with the line of the first meta-command; then it is read again and run statement by
statement as psql with ON_ERROR_STOP would: the first error stops the job and names its line, COPY … FROM
stdin gets its data through COPY, and NOTICEs go to the log.
"""

from __future__ import annotations

import time
from typing import IO, TYPE_CHECKING, Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

from pgadmin_lite.jobs.sqlscript import ScriptError, ScriptReader, Statement
from pgadmin_lite.jobs.worker_sql import TICK_S, Cancelled, connect, log_notice, run_cancellable, server_message

if TYPE_CHECKING:
    from pgadmin_lite.jobs.worker import WorkerJob

STD_STRINGS = "-c standard_conforming_strings=on"  # the lexer reads the file so until the file SETs it off


def check_file(job: WorkerJob, stream: IO[bytes]) -> int:
    """Read the whole file as the run will: the number of statements, or ScriptError at the first refusal."""
    count, ticked = 0, time.monotonic()
    for _statement in ScriptReader(stream):
        count += 1
        if job.cancel.is_set():
            break
        if time.monotonic() - ticked > TICK_S:
            job.report("running")  # alive; the progress bar counts the run, not this check
            ticked = time.monotonic()
    return count


def error_line(statement: Statement, exc: psycopg.Error, encoding: str) -> int:
    """The line of the error's position in the statement (the statement's first line when there is none)."""
    position = exc.diag.statement_position
    if not position or not position.isdigit():
        return statement.line
    text = statement.sql.decode(encoding, "replace")
    return statement.line + text[:int(position) - 1].count("\n")


def run_statement(job: WorkerJob, cur: psycopg.Cursor[Any], statement: Statement) -> None:
    """One statement, or a COPY … FROM stdin fed with its data from the file."""
    if not statement.is_copy_in:
        cur.execute(statement.sql)
        return
    with cur.copy(statement.sql) as copy:
        for chunk in statement.data:
            if job.cancel.is_set():
                raise Cancelled()
            copy.write(chunk)


def run_file(job: WorkerJob, conn: psycopg.Connection[Any], stream: IO[bytes]) -> int:
    """Every statement in order, stopping at the first error (ON_ERROR_STOP); the number run."""
    reader, count = ScriptReader(stream), 0
    with conn.cursor() as cur:
        for statement in reader:
            try:
                run_statement(job, cur, statement)
            except psycopg.Error as exc:
                job.log.line(f"ERROR:  {str(exc).strip()}")
                line = error_line(statement, exc, conn.info.encoding)
                raise ScriptError(line, f"{server_message(exc)} (the statement from line {statement.line}; "
                                  f"{count} statements before it ran)") from exc
            count += 1
            if (conn.info.parameter_status("standard_conforming_strings") == "on") != reader.is_standard_strings:
                raise ScriptError(statement.line, "this statement changed standard_conforming_strings in a way "
                                  "the restore cannot follow; change it with a plain SET statement.")
    if not conn.autocommit:
        conn.commit()
    return count


def run_plain_restore(job: WorkerJob) -> None:
    """Check the file, then run it into the job's database (in one transaction if asked)."""
    in_fd, options = job.fds["in"], job.spec["options"]
    job.progress.unit, job.progress.total = "bytes", job.spec.get("input_size") or None
    with open(in_fd, "rb", closefd=False) as stream:
        checked = check_file(job, stream)
        if job.cancel.is_set():
            return
        job.log.line(f"Checked the file: {checked} statements and no psql meta-command; running them through "
                     "psycopg, stopping at the first error.")
        stream.seek(0)
        libpq_options = f"{conninfo_to_dict(job.spec['conninfo']).get('options', '')} {STD_STRINGS}".strip()
        with connect(job, autocommit=not options.get("single_transaction"), options=libpq_options) as conn:
            conn.add_notice_handler(lambda diag: log_notice(job, diag))

            def task() -> None:
                count = run_file(job, conn, stream)
                job.log.line(f"{count} statements ran.")
                job.summary.append(f"Ran {count} SQL statements.")

            run_cancellable(job, conn, task)
