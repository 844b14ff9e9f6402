"""Bringing a job's row up to date from the worker's status file and the process table.

The worker writes its final status before it exits, so the order is: is the recorded process (pid plus
boot id and start time) still alive? then read the status. A final status wins; a live process means
running; a dead worker without a final status was killed (or the machine restarted): its leftovers (the
rest of its process group, the temp output, the passfile) are removed and the job is marked failed, or
cancelled when a cancel had been asked for.
"""

from __future__ import annotations

import logging
import signal
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import Any

from pgadmin_lite.extensions import db
from pgadmin_lite.jobs import jobfiles, procs
from pgadmin_lite.models import Job
from pgadmin_lite.models.columns import utcnow
from pgadmin_lite.models.jobs import FINAL_STATES
from pgadmin_lite.storage import handoff, sandbox, storage_settings
from pgadmin_lite.storage.access import resolve_root

log = logging.getLogger(__name__)
QUEUED_GRACE_S = 120  # a queued job still without a worker after this was never started


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    with suppress(ValueError):
        return datetime.fromisoformat(value)
    return None


def _apply_status(job: Job, status: dict[str, Any]) -> None:
    """Copy what the worker reported (progress, times, output size) into the row."""
    if isinstance(status.get("progress"), dict):
        job.progress = status["progress"]
    job.started_at = job.started_at or _parse_time(status.get("started_at"))
    if status.get("output_size") is not None:
        job.output_size = int(status["output_size"])


def remove_partial_output(job: Job, job_dir: Path) -> None:
    """Remove the temp output of a worker that could not do it itself (killed), through the sandbox."""
    spec = jobfiles.read_json(job_dir / jobfiles.SPEC) or {}
    output = spec.get("output")
    if not output or not str(output.get("temp", "")).startswith(sandbox.TEMP_PREFIX):
        return
    try:
        if storage_settings() is None or not job.output_root:
            return
        root = resolve_root(job.output_root, user_id=job.user_id, is_admin=True, quota=False)
        with root.opened() as root_fd, sandbox.opened_dir(root_fd, tuple(output["parts"][:-1])) as dir_fd:
            handoff.remove_temp(dir_fd, output["temp"], bool(output["is_dir"]))
    except Exception as exc:  # the folder was renamed or deleted meanwhile: the temp entry is invisible anyway
        log.warning("Could not remove the partial output of job %s: %s", job.id, exc)


def _finish_dead(job: Job, job_dir: Path, now: datetime) -> None:
    """The worker is gone without a final report: kill what is left of its group, clean up, say why."""
    leftovers = procs.signal_session(job.pid, job.process_ident, signal.SIGKILL)
    remove_partial_output(job, job_dir)
    jobfiles.remove_passfile(job_dir)
    if job.is_cancel_requested:
        job.state = "cancelled"
        job.message = "Cancelled; the job's processes were stopped and the partial output removed."
    else:
        detail = jobfiles.read_worker_error(job_dir)
        job.state = "failed"
        job.message = (f"The job's worker process (pid {job.pid}) ended without reporting a result: it was killed, "
                       "or the server restarted or rebooted while the job ran."
                       + (f" Its last words: {detail}" if detail else "")
                       + (f" Stopped {len(leftovers)} leftover process(es)." if leftovers else ""))
    job.ended_at = now


def refresh(job: Job, job_dir: Path) -> bool:
    """Reconcile one active job; returns whether the row changed (the caller commits)."""
    if job.state in FINAL_STATES:
        return False
    now = utcnow()
    is_alive = procs.is_same_process(job.pid, job.process_ident)  # first: the final status is written before exit
    status = jobfiles.read_json(job_dir / jobfiles.STATUS)
    before = (job.state, job.progress, job.output_size)
    if status is not None:
        _apply_status(job, status)
    if status is not None and status.get("state") in FINAL_STATES:
        job.state, job.message = status["state"], status.get("message")
        job.exit_code = status.get("exit_code")
        job.ended_at = _parse_time(status.get("ended_at")) or now
        jobfiles.remove_passfile(job_dir)
        return True
    if is_alive:
        job.state = "running"
        return before != (job.state, job.progress, job.output_size)
    if job.pid is None and (now - job.created_at).total_seconds() < QUEUED_GRACE_S:
        return False  # being started by a request right now
    _finish_dead(job, job_dir, now)
    return True


def refresh_and_commit(job: Job, job_dir: Path) -> None:
    if refresh(job, job_dir):
        db.session.commit()
