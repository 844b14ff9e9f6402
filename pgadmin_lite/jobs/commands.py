"""argv lists for the PostgreSQL programs a job runs: never a shell, never a name spliced into a string.

Connection parameters (host, port, user, database, TLS…) travel as one conninfo string built by libpq's
quoting rules (psycopg's make_conninfo) in --dbname=…, so a database called "x host=elsewhere" stays a
database name; the password is never here (libpq reads it from the job's passfile). Every value is
attached to its option (--table=…), so a name such as "--help" or "-f/etc/passwd" is never read as an
option, and the only positional argument (a directory archive) follows "--". Table and schema names
become fully double-quoted patterns, so "*", "?" and "." in a name match only themselves.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from typing import Any

from psycopg.conninfo import make_conninfo

from pgadmin_lite.connections.opening import SETUP

FORMAT_LETTERS = {"custom": "c", "tar": "t", "directory": "d", "plain": "p"}
FD_PATH = "/proc/self/fd/{}"
MASK = "********"
# A password in a libpq keyword/value string (quoted or not) or in a postgresql:// URI's user:password@.
CONNINFO_SECRET = re.compile(r"(\b(?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s']+)", re.IGNORECASE)
URI_SECRET = re.compile(r"(\bpostgres(?:ql)?://[^\s:/@]*:)[^\s@]*@", re.IGNORECASE)


def _setup_options(setup: Any) -> list[str]:
    """What of a registration's setup libpq's startup options carry (post-connection SQL cannot be: see docs)."""
    escaped = (setup.role or "").replace("\\", "\\\\").replace(" ", "\\ ")  # libpq options' quoting
    return ([f"-c role={escaped}"] if setup.role else []) + (
        ["-c default_transaction_read_only=on"] if setup.read_only else [])


def conninfo(params: Mapping[str, Any], **overrides: Any) -> str:
    """A quoted libpq connection string of params (empty values left out); never contains a password."""
    values = {**params, **overrides}
    for secret in ("password", "sslpassword", "passfile"):
        values.pop(secret, None)
    setup = values.pop(SETUP, None)
    if setup is not None:  # the programs run as the registration's role, and a restore meets the read-only rail
        values["options"] = " ".join(part for part in (values.get("options"), *_setup_options(setup)) if part)
    return make_conninfo(**{k: v for k, v in values.items() if v is not None and v != ""})


def quote_pattern_name(name: str) -> str:
    """One name as a pg_dump pattern that matches exactly it: double-quoted, inner quotes doubled."""
    return '"' + name.replace('"', '""') + '"'


def table_pattern(schema: str, table: str) -> str:
    return f"{quote_pattern_name(schema)}.{quote_pattern_name(table)}"


def backup_argv(pg_dump: str, conn: str, options: Mapping[str, Any], out_fd: int) -> list[str]:
    """pg_dump writing to stdout (a temp file), or into the temp folder descriptor for the directory format."""
    fmt = options["format"]
    argv = [pg_dump, "--verbose", "--no-password", f"--format={FORMAT_LETTERS[fmt]}"]
    if fmt == "directory":
        argv.append("--file=" + FD_PATH.format(out_fd))
    flags = {"data_only": "--data-only", "schema_only": "--schema-only", "no_owner": "--no-owner",
             "no_privileges": "--no-privileges"}
    argv += [flag for key, flag in flags.items() if options.get(key)]
    if options.get("compression") is not None:
        argv.append(f"--compress={int(options['compression'])}")
    if options.get("encoding"):
        argv.append(f"--encoding={options['encoding']}")
    argv += [f"--schema={quote_pattern_name(schema)}" for schema in options.get("schemas", [])]
    argv += [f"--table={table_pattern(t['schema'], t['name'])}" for t in options.get("tables", [])]
    argv.append(f"--dbname={conn}")
    return argv


def globals_argv(pg_dumpall: str, conn_without_db: str, database: str) -> list[str]:
    """pg_dumpall --globals-only to stdout; the first database is itself a quoted conninfo (pg_dumpall expands it)."""
    return [pg_dumpall, "--globals-only", "--verbose", "--no-password", f"--dbname={conn_without_db}",
            f"--database={make_conninfo(dbname=database)}"]


def restore_argv(pg_restore: str, conn: str, options: Mapping[str, Any], dir_fd: int | None) -> list[str]:
    """pg_restore into the database: the archive on stdin, or a directory archive after "--"."""
    argv = [pg_restore, "--verbose", "--no-password"]
    flags = {"clean": "--clean", "create": "--create", "single_transaction": "--single-transaction",
             "no_owner": "--no-owner", "no_privileges": "--no-privileges", "exit_on_error": "--exit-on-error"}
    argv += [flag for key, flag in flags.items() if options.get(key)]
    if options.get("clean"):
        argv.append("--if-exists")
    argv.append(f"--dbname={conn}")
    return argv + _positional_archive(dir_fd)


def list_argv(pg_restore: str, dir_fd: int | None) -> list[str]:
    """pg_restore --list, to count the archive's entries for the progress bar."""
    return [pg_restore, "--list", *_positional_archive(dir_fd)]


def _positional_archive(dir_fd: int | None) -> list[str]:
    return [] if dir_fd is None else ["--", FD_PATH.format(dir_fd)]


def mask_secrets(text: str) -> str:
    """text with any conninfo or URI password replaced by a mask (argv never holds one: belt and braces)."""
    return URI_SECRET.sub(rf"\1{MASK}@", CONNINFO_SECRET.sub(rf"\1{MASK}", text))


def command_line(argv: Sequence[str]) -> str:
    """The exact command as a copyable shell line, any password masked."""
    return shlex.join(mask_secrets(arg) for arg in argv)


def describe_argv(argv: Sequence[str]) -> str:
    """The command as shown in the job log: the program's name and its options."""
    return command_line([argv[0].rsplit("/", 1)[-1], *argv[1:]])
