"""Jobs for the web process: start (checked, limited), list, status, log, cancel, and reconciling what the
config DB says with what the worker reported and what is really running (also after a restart).
"""

from __future__ import annotations

import logging
import secrets
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from pgadmin_lite.auth.identity import Principal
from pgadmin_lite.connections import opening, private_files
from pgadmin_lite.errors import BadRequest, Busy, JobFinished, JobLimitReached, JobsUnavailable, NotFound, ReadOnly
from pgadmin_lite.extensions import db
from pgadmin_lite.jobs import binaries, interpreter, jobfiles, procs, reconcile
from pgadmin_lite.jobs.options import JobRequest, parse_request
from pgadmin_lite.jobs.plans import KIND_LABELS, Plan, PlanContext, build_plan
from pgadmin_lite.jobs.runner import JobRunner, JobSettings
from pgadmin_lite.models import Job, Server
from pgadmin_lite.models.columns import utcnow
from pgadmin_lite.models.jobs import ACTIVE_STATES
from pgadmin_lite.servers import service as servers
from pgadmin_lite.servers.targets import connect_params
from pgadmin_lite.storage import sandbox
from pgadmin_lite.storage.access import resolve_root

log = logging.getLogger(__name__)
WRITING_KINDS = ("restore", "import", "maintenance")  # refused on a read-only server (the rail is not theirs)


def runner() -> JobRunner:
    return current_app.extensions["jobs"]  # type: ignore[no-any-return]


def _settings() -> JobSettings:
    return runner().settings


def _job_dir(job: Job) -> Path:
    return _settings().jobs_dir / job.job_dir


# --- Reading -------------------------------------------------------------------------------------------------

def get_job(user: Principal, job_id: int) -> Job:
    """One of the user's own jobs, brought up to date; another user's is a 404."""
    job = db.session.get(Job, job_id)
    if job is None or job.user_id != user.id:
        raise NotFound(f"No job with id {job_id}.")
    refresh(job)
    return job


def list_jobs(user: Principal, limit: int = 200) -> list[Job]:
    jobs = list(db.session.execute(db.select(Job).filter_by(user_id=user.id)
                                   .order_by(Job.created_at.desc(), Job.id.desc()).limit(limit)).scalars())
    for job in jobs:
        refresh(job)
    return jobs


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _command(job: Job) -> str | None:
    """The command line the job's spec holds (written when it started; none while it is queued)."""
    spec = jobfiles.read_json(_job_dir(job) / jobfiles.SPEC)
    return spec.get("command") if spec else None


def _server_name(job: Job) -> str | None:
    server = db.session.get(Server, job.server_id) if job.server_id is not None else None
    return server.name if server is not None else None


def job_json(job: Job) -> dict[str, Any]:
    """The API view of a job."""
    elapsed = None
    if job.started_at is not None:
        elapsed = round(((job.ended_at or datetime.now(UTC)) - job.started_at).total_seconds(), 1)
    output = None
    if job.output_path:
        output = {"root": job.output_root, "path": job.output_path, "is_dir": job.output_is_dir,
                  "size": job.output_size, "is_saved": job.state == "succeeded"}
    return {"id": job.id, "kind": job.kind, "label": KIND_LABELS.get(job.kind, job.kind), "state": job.state,
            "is_active": job.is_active, "server_id": job.server_id, "server_name": _server_name(job),
            "database": job.database, "command": _command(job), "options": job.options,
            "message": job.message, "exit_code": job.exit_code, "pid": job.pid, "created_at": _iso(job.created_at),
            "started_at": _iso(job.started_at), "ended_at": _iso(job.ended_at), "elapsed_s": elapsed,
            "progress": job.progress or {"percent": None}, "output": output,
            "input": {"root": job.input_root, "path": job.input_path} if job.input_path else None,
            "is_cancel_requested": job.is_cancel_requested}


def read_log(job: Job) -> dict[str, Any]:
    text, is_truncated = jobfiles.read_log_tail(_job_dir(job), _settings().log_tail_bytes)
    return {"id": job.id, "state": job.state, "text": text, "is_truncated": is_truncated}


def refresh(job: Job) -> None:
    """Bring an active job's row up to date (see reconcile) and commit the change."""
    reconcile.refresh_and_commit(job, _job_dir(job))


def record_exit(app: Flask, job_id: int) -> None:
    """Called by the runner's waiter thread when a worker this process started has exited."""
    with app.app_context():
        job = db.session.get(Job, job_id)
        if job is not None:
            reconcile.refresh_and_commit(job, app.extensions["jobs"].settings.jobs_dir / job.job_dir)


# --- Starting ------------------------------------------------------------------------------------------------

def _check_limits(user: Principal, settings: JobSettings) -> None:
    """Per-user and global caps on running jobs, after reconciling the ones that may have ended."""
    active = list(db.session.execute(db.select(Job).where(Job.state.in_(ACTIVE_STATES))).scalars())
    for job in active:
        refresh(job)
    active = [job for job in active if job.is_active]
    mine = sum(1 for job in active if job.user_id == user.id)
    if mine >= settings.max_per_user:
        raise JobLimitReached(
            f"You already have {mine} job(s) running; the limit is {settings.max_per_user} per user.",
            hint="Wait for one to finish or cancel one; an administrator can raise MAX_JOBS_PER_USER.",
            limit=settings.max_per_user)
    if len(active) >= settings.max_total:
        raise JobLimitReached(f"The server is already running {len(active)} jobs, its limit (MAX_JOBS).",
                              hint="Try again when a job has finished; an administrator can raise MAX_JOBS.",
                              limit=settings.max_total)


def _reserve(user: Principal, request: JobRequest, database: str) -> Job:
    """Insert the queued row under the start lock, so two requests cannot both take the last slot."""
    settings = _settings()
    with runner().start_lock:
        _check_limits(user, settings)
        job = Job(user_id=user.id, server_id=request.server_id, kind=request.kind, database=database,
                  options=request.options, state="queued", job_dir=secrets.token_hex(8),
                  output_root=request.output_root if _has_output(request) else None,
                  input_root=request.input_root, input_path=request.input_path)
        db.session.add(job)
        db.session.commit()
    return job


def _has_output(request: JobRequest) -> bool:
    return request.kind in ("backup", "backup_globals", "export")


def _server_major(kwargs: dict[str, Any]) -> binaries.Version:
    """Connect once as the job will (a wrong password or database fails here, clearly) for the version."""
    with opening.connect(kwargs, autocommit=True) as conn:
        return binaries.server_major(conn.info.server_version)


def _with_tls_files(job: Job, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The connection's TLS files in the job directory for the job's programs (removed when it ends; never the
    web server's: _child_env); an encrypted key is written decrypted, as sslpassword must not reach argv."""
    params = dict(kwargs)
    password = params.pop("sslpassword", None)  # never to a command line, whatever the key is
    key = params.get("sslkey")
    if password and isinstance(key, str) and key:  # an operator's key path: its decrypted copy, private
        key = private_files.PrivateText(Path(key).read_text())
    if password and isinstance(key, private_files.PrivateText):
        params["sslkey"] = private_files.PrivateText(private_files.decrypted_key(key.text, password))
    if not private_files.has_private(params):
        return params
    job_dir = _job_dir(job)
    job_dir.mkdir(mode=0o700, exist_ok=True)
    return private_files.write_private(params, private_files.make_private_dir(job_dir / jobfiles.TLS_DIR))


def _child_env(job_dir: Path, password: str) -> dict[str, str]:
    """The worker's environment: minimal, plus PGPASSFILE (a 0600 file in the job dir, or none at all) and no
    TLS file of the web server (PGSSLCERT…: what the connection string does not name)."""
    env = interpreter.worker_env()
    env.update({f"PG{name.upper()}": path for name, path in opening.NO_TLS_FILES.items()})  # not ~/.postgresql
    if not password:
        env["PGPASSFILE"] = opening.NO_PASSFILE  # never the web server's ~/.pgpass
        return env
    if "\n" in password or "\r" in password:
        raise BadRequest("Passwords with line breaks cannot be passed to the PostgreSQL programs (libpq passfile).")
    env["PGPASSFILE"] = str(jobfiles.write_passfile(job_dir, password))
    return env


def _launch(job: Job, plan: Plan, python: str, password: str, on_reaped: Callable[[], None] | None) -> None:
    """Write the job directory, start the worker, record its identity (on_reaped: run when the worker exits)."""
    settings = _settings()
    job_dir = _job_dir(job)
    job_dir.mkdir(mode=0o700, exist_ok=True)  # made already when it holds TLS files
    plan.spec.update(log_max_bytes=settings.log_max_bytes, cancel_grace=settings.cancel_grace)
    jobfiles.write_json(job_dir / jobfiles.SPEC, plan.spec)
    env = _child_env(job_dir, password)
    if on_reaped is not None:
        runner().on_reaped[job.id] = on_reaped
    proc = runner().spawn(job.id, job_dir, python, env, plan.pass_fds())
    job.pid, job.process_ident = proc.pid, procs.process_ident(proc.pid)
    job.state, job.started_at = "running", utcnow()
    if plan.output is not None:
        job.output_root, job.output_is_dir = plan.output.root.name, plan.output.is_dir
        job.output_path = "/" + "/".join(plan.output.parts)
    db.session.commit()


def start_job(user: Principal, body: dict[str, Any]) -> Job:
    """Check the request, take a slot, prepare storage and the programs, and start the worker."""
    request = parse_request(body)
    if not procs.is_supported():
        raise JobsUnavailable("Background jobs need Linux: they track their processes through /proc, which this "
                              "server does not have.", hint="Run pgadmin_lite on Linux to use backups and restores.")
    settings = _settings()
    python = interpreter.resolve_interpreter(settings.python_executable)  # refuse before touching anything
    server = servers.get_server_for_user(user, request.server_id)
    if server.read_only and request.kind in WRITING_KINDS:
        raise ReadOnly(f"The server {server.name!r} is read-only: a {KIND_LABELS[request.kind].lower()} job would "
                       "change it (its file's own SET statements would pass the rail).",
                       hint="Its owner can turn read-only off in the server's dialog.")
    database = request.database or server.maintenance_db
    kwargs = connect_params(server, user, password=request.password, dbname=database,
                            connect_timeout=settings.connect_timeout)
    output_root = (resolve_root(request.output_root, user_id=user.id, is_admin=user.is_admin)
                   if _has_output(request) else None)
    if output_root is not None:
        output_root.require_writable()
    input_root = (resolve_root(request.input_root, user_id=user.id, is_admin=user.is_admin)
                  if request.input_path else None)
    for path in (request.output_path, request.input_path):
        if path is not None:
            sandbox.split_parent(path)  # a bad path is refused before a connection or a slot is taken
    job = _reserve(user, request, database)
    plan: Plan | None = None
    lease = None
    try:
        kwargs, lease = opening.hold_tunnel(kwargs)  # a server behind SSH: the tunnel lives as long as the job
        major = _server_major(kwargs)
        kwargs = _with_tls_files(job, kwargs)
        context = PlanContext(job.id, kwargs, database, major, settings.bin_dirs, output_root, input_root)
        plan = build_plan(request, context)
        _launch(job, plan, python, kwargs["password"], lease.release if lease else None)
    except BaseException:
        if lease is not None:
            runner().on_reaped.pop(job.id, None)
            lease.release()
        if plan is not None:
            plan.discard()
        _forget(job)
        raise
    finally:
        if plan is not None:
            plan.close()
    _prune_history(user, settings.history_max)
    return job


def _forget(job: Job) -> None:
    """A job that could not start leaves no row and no directory (its error goes back to the caller)."""
    db.session.rollback()
    shutil.rmtree(_job_dir(job), ignore_errors=True)
    db.session.execute(db.delete(Job).where(Job.id == job.id))
    db.session.commit()


def _prune_history(user: Principal, keep: int) -> None:
    """Drop the user's oldest finished jobs (rows and directories) beyond JOB_HISTORY_MAX."""
    old = list(db.session.execute(db.select(Job).filter(Job.user_id == user.id, Job.state.not_in(ACTIVE_STATES))
                                  .order_by(Job.created_at.desc(), Job.id.desc()).offset(keep)).scalars())
    for job in old:
        shutil.rmtree(_job_dir(job), ignore_errors=True)
        db.session.delete(job)
    if old:
        db.session.commit()


def end_user_jobs(user_id: int) -> None:
    """Before a user is deleted: stop their running jobs and remove every job directory of theirs (the rows
    go with the user)."""
    for job in db.session.execute(db.select(Job).filter(Job.user_id == user_id)).scalars():
        if job.is_active and job.pid is not None:
            runner().stop(job.pid, job.process_ident)
            runner().wait_exit(job.id, 2.0)
        shutil.rmtree(_job_dir(job), ignore_errors=True)


# --- Cancelling ----------------------------------------------------------------------------------------------

def cancel_job(user: Principal, job_id: int) -> Job:
    """SIGTERM the job's process group (the worker removes its partial output), SIGKILL after the grace."""
    job = get_job(user, job_id)
    if not job.is_active:
        raise JobFinished(f"Job {job.id} already ended ({job.state}).")
    if job.pid is None:
        raise Busy(f"Job {job.id} is still starting; cancel it again in a moment.")
    job.is_cancel_requested = True
    db.session.commit()
    runner().stop(job.pid, job.process_ident)
    runner().wait_exit(job.id, 2.0)
    db.session.refresh(job)
    refresh(job)
    return job
