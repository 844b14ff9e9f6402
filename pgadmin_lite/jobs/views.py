"""The jobs API and page: parse, call jobs.service, render. Every route needs a login; a user sees own jobs only."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from pgadmin_lite.audit.log import record
from pgadmin_lite.jobs import service
from pgadmin_lite.web.input import json_body

bp = Blueprint("jobs", __name__)
API = "/api/v1/jobs"


@bp.get("/jobs")
def jobs_page() -> ResponseReturnValue:
    """The jobs page; ?server_id=&database=&kind=&schema=&table= preset the new job to an object (jobs.js)."""
    return render_template("jobs.html")


@bp.get(API)
def list_jobs() -> ResponseReturnValue:
    """The caller's jobs, newest first."""
    return jsonify([service.job_json(job) for job in service.list_jobs(current_user)])


@bp.post(API)
def start_job() -> ResponseReturnValue:
    """Start a backup, backup_globals, restore, maintenance, import or export job."""
    job = service.job_json(service.start_job(current_user, json_body()))
    record("job.start", target=f"job:{job['id']}", details={
        "kind": job["kind"], "server_id": job["server_id"], "server": job["server_name"], "database": job["database"]})
    return jsonify(job), 201


@bp.get(f"{API}/<int:job_id>")
def job_status(job_id: int) -> ResponseReturnValue:
    """A job's state, progress, times, exit code and output."""
    return jsonify(service.job_json(service.get_job(current_user, job_id)))


@bp.get(f"{API}/<int:job_id>/log")
def job_log(job_id: int) -> ResponseReturnValue:
    """The last lines of the job's log (JOB_LOG_TAIL_BYTES)."""
    return jsonify(service.read_log(service.get_job(current_user, job_id)))


@bp.post(f"{API}/<int:job_id>/cancel")
def cancel_job(job_id: int) -> ResponseReturnValue:
    """Stop the job's whole process group; its partial output is removed."""
    job = service.job_json(service.cancel_job(current_user, job_id))
    record("job.cancel", target=f"job:{job_id}", details={"kind": job["kind"], "server_id": job["server_id"]})
    return jsonify(job)
