"""What a job will run, decided in the web process: the program and its argv, or the psycopg task, and the
storage descriptors it gets. The worker gets this as spec.json (plus the descriptors); no secret is in it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from psycopg import sql

from pgadmin_lite.errors import BadRequest
from pgadmin_lite.jobs import commands, worker_sql
from pgadmin_lite.jobs.binaries import Version, find_program
from pgadmin_lite.jobs.options import JobRequest
from pgadmin_lite.storage.handoff import InputSource, OutputTarget, open_input, open_output
from pgadmin_lite.storage.roots import Root

EXTENSIONS = {"custom": ".dump", "tar": ".tar", "directory": "", "plain": ".sql"}
ARCHIVE_ONLY = ("clean", "create", "no_owner", "no_privileges", "exit_on_error")
KIND_LABELS = {"backup": "Backup", "backup_globals": "Backup of globals", "restore": "Restore",
               "maintenance": "Maintenance", "import": "CSV import", "export": "CSV export"}


@dataclass
class PlanContext:
    """Everything a plan needs that is not in the request."""

    job_id: int
    connect: Mapping[str, Any]  # psycopg keyword arguments (the password is dropped from anything written)
    database: str
    server_major: Version
    bin_dirs: tuple[str, ...]
    output_root: Root | None = None
    input_root: Root | None = None


@dataclass
class Plan:
    """The spec for the worker and the storage descriptors opened for it."""

    spec: dict[str, Any]
    output: OutputTarget | None = None
    input: InputSource | None = None
    fds: dict[str, int] = field(default_factory=dict)

    def pass_fds(self) -> tuple[int, ...]:
        return tuple(fd for fd in self.fds.values() if fd >= 0)

    def close(self) -> None:
        """Close the web process's copies of the descriptors (the worker has its own)."""
        if self.output is not None:
            self.output.close()
        if self.input is not None:
            self.input.close()

    def discard(self) -> None:
        """The job never started: remove the temp output too."""
        if self.output is not None:
            self.output.discard()
        self.close()


def safe_stem(name: str, fallback: str) -> str:
    """A file-name stem from a database or table name: letters, digits, '.', '_' and '-' only."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._-")[:80] or fallback


def default_output_path(request: JobRequest, database: str) -> str:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    if request.kind == "backup":
        return f"{safe_stem(database, 'database')}-{stamp}{EXTENSIONS[request.options['format']]}"
    if request.kind == "export":
        return f"{safe_stem(request.options['table'], 'table')}-{stamp}.csv"
    return f"globals-{stamp}.sql"


def _base_spec(request: JobRequest, ctx: PlanContext, **extra: Any) -> dict[str, Any]:
    conninfo = commands.conninfo(ctx.connect, dbname=ctx.database, application_name=f"pgadmin_lite job {ctx.job_id}")
    return {"job_id": ctx.job_id, "kind": request.kind, "database": ctx.database, "options": request.options,
            "conninfo": conninfo,
            "argv": None, "program": None, "output": None, "progress_unit": "", **extra}


def _with_output(plan: Plan, request: JobRequest, ctx: PlanContext, *, is_dir: bool) -> OutputTarget:
    assert ctx.output_root is not None
    path = request.output_path or default_output_path(request, ctx.database)
    plan.output = open_output(ctx.output_root, path, is_dir=is_dir, overwrite=request.overwrite)
    plan.fds.update(plan.output.fds)
    plan.spec["output"] = plan.output.describe()
    return plan.output


def _with_input(plan: Plan, request: JobRequest, ctx: PlanContext, *, allow_dir: bool) -> InputSource:
    assert ctx.input_root is not None
    plan.input = open_input(ctx.input_root, request.input_path, allow_dir=allow_dir, is_csv=request.kind == "import")
    plan.fds["in"] = plan.input.fd
    plan.spec.update(input_is_file=not plan.input.is_dir, input_is_dir=plan.input.is_dir,
                     input_size=plan.input.size, input_format=plan.input.format)
    return plan.input


def _backup(plan: Plan, request: JobRequest, ctx: PlanContext) -> None:
    pg_dump = find_program("pg_dump", ctx.server_major, ctx.bin_dirs)
    output = _with_output(plan, request, ctx, is_dir=request.options["format"] == "directory")
    plan.spec.update(program="pg_dump", progress_unit="tables",
                     argv=commands.backup_argv(pg_dump.path, plan.spec["conninfo"], request.options, output.out_fd))


def _backup_globals(plan: Plan, request: JobRequest, ctx: PlanContext) -> None:
    pg_dumpall = find_program("pg_dumpall", ctx.server_major, ctx.bin_dirs)
    _with_output(plan, request, ctx, is_dir=False)
    without_db = commands.conninfo(ctx.connect, dbname=None, application_name=f"pgadmin_lite job {ctx.job_id}")
    plan.spec.update(program="pg_dumpall", progress_unit="bytes",
                     argv=commands.globals_argv(pg_dumpall.path, without_db, ctx.database))


def _restore(plan: Plan, request: JobRequest, ctx: PlanContext) -> None:
    source = _with_input(plan, request, ctx, allow_dir=True)
    if source.format == "plain":
        used = [name for name in ARCHIVE_ONLY if request.options.get(name)]
        if used:
            raise BadRequest(f"{', '.join(used)} apply to custom, tar and directory archives; "
                             f"{request.input_path} is a plain SQL file, run as it is.",
                             hint="Dump with pg_dump --clean/--create/--no-owner to have them in the SQL file.")
        plan.spec["progress_unit"] = "bytes"  # the worker runs it through psycopg (worker_restore), never psql
        return
    pg_restore = find_program("pg_restore", ctx.server_major, ctx.bin_dirs)
    dir_fd = source.fd if source.is_dir else None
    plan.spec.update(program="pg_restore", progress_unit="entries",
                     argv=commands.restore_argv(pg_restore.path, plan.spec["conninfo"], request.options, dir_fd),
                     list_argv=commands.list_argv(pg_restore.path, dir_fd))


def _maintenance(plan: Plan, request: JobRequest, ctx: PlanContext) -> None:
    plan.spec["progress_unit"] = ""


def _import(plan: Plan, request: JobRequest, ctx: PlanContext) -> None:
    _with_input(plan, request, ctx, allow_dir=False)
    plan.spec["progress_unit"] = "bytes"


def _export(plan: Plan, request: JobRequest, ctx: PlanContext) -> None:
    _with_output(plan, request, ctx, is_dir=False)
    plan.spec["progress_unit"] = "rows"


def command_text(spec: Mapping[str, Any]) -> str | None:
    """What the job runs, to show: the program's shell-quoted argv, or the SQL statement of a psycopg task."""
    if spec.get("argv"):
        return commands.command_line(spec["argv"])
    options = spec["options"]
    if spec["kind"] == "maintenance":
        return worker_sql.maintenance_statement(options, spec["database"]).as_string(None)
    if spec["kind"] in ("import", "export"):
        direction = sql.SQL("FROM STDIN" if spec["kind"] == "import" else "TO STDOUT")
        return worker_sql.copy_statement(options, direction).as_string(None)
    return None  # a plain SQL restore: the file's own statements


BUILDERS = {"backup": _backup, "backup_globals": _backup_globals, "restore": _restore,
            "maintenance": _maintenance, "import": _import, "export": _export}


def build_plan(request: JobRequest, ctx: PlanContext, **spec_extra: Any) -> Plan:
    """The plan of a request; whatever it opened is released again if building it fails."""
    plan = Plan(_base_spec(request, ctx, **spec_extra))
    try:
        BUILDERS[request.kind](plan, request, ctx)
    except BaseException:
        plan.discard()
        raise
    plan.spec["fds"] = dict(plan.fds)
    plan.spec["command"] = command_text(plan.spec)
    return plan
