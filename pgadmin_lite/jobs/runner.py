"""Starting job workers from the web process, reaping them, and stopping a job's whole process group.

A worker runs in its own session (start_new_session=True): a graceful reload or restart of the web server
does not stop a running dump, and the job's pid is also the id of the group that cancel signals.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from pgadmin_lite.jobs import jobfiles, procs

log = logging.getLogger(__name__)
WORKER_MODULE = "pgadmin_lite.jobs.worker"


@dataclass(frozen=True)
class JobSettings:
    """The job settings of one app, validated once at start-up."""

    jobs_dir: Path
    python_executable: str
    bin_dirs: tuple[str, ...]
    max_per_user: int
    max_total: int
    log_tail_bytes: int
    log_max_bytes: int
    cancel_grace: float
    history_max: int
    connect_timeout: int


class JobRunner:
    """The workers this process started: their Popen handles (to reap them) and the lock that serialises starts."""

    def __init__(self, app: Flask, settings: JobSettings, on_exit: Callable[[Flask, int], None]) -> None:
        self.app_ref = weakref.ref(app)  # weak: a dropped app is freed even while a waiter thread runs
        self.settings = settings
        self.on_exit = on_exit
        self.start_lock = threading.Lock()  # limits are checked and a slot taken atomically
        self.processes: dict[int, subprocess.Popen[bytes]] = {}
        self.on_reaped: dict[int, Callable[[], None]] = {}  # e.g. releasing the job's SSH tunnel

    def spawn(self, job_id: int, job_dir: Path, python: str, env: dict[str, str],
              pass_fds: Sequence[int]) -> subprocess.Popen[bytes]:
        """Start `python -m pgadmin_lite.jobs.worker <job-dir>` in a new session with the given descriptors."""
        worker_log = jobfiles.open_private(job_dir / jobfiles.WORKER_LOG,
                                           os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            proc = subprocess.Popen([python, "-m", WORKER_MODULE, str(job_dir)], cwd=job_dir, env=env,
                                    stdin=subprocess.DEVNULL, stdout=worker_log, stderr=worker_log,
                                    pass_fds=tuple(pass_fds), close_fds=True, start_new_session=True)
        finally:
            os.close(worker_log)
        self.processes[job_id] = proc
        threading.Thread(target=self._wait, args=(job_id, proc), name=f"job-{job_id}-waiter", daemon=True).start()
        return proc

    def _wait(self, job_id: int, proc: subprocess.Popen[bytes]) -> None:
        """Reap the worker as soon as it exits (no zombie) and record its outcome in the config DB."""
        proc.wait()
        self.processes.pop(job_id, None)
        release = self.on_reaped.pop(job_id, None)
        if release is not None:
            release()
        app = self.app_ref()
        if app is None:
            return
        try:
            self.on_exit(app, job_id)
        except Exception:
            log.exception("Could not record the end of job %s", job_id)

    def stop(self, pid: int | None, ident: str | None) -> bool:
        """SIGTERM the job's session, SIGKILL what is left after the grace period; True if anything was killed."""
        if not procs.signal_session(pid, ident, signal.SIGTERM):
            return False
        deadline = time.monotonic() + self.settings.cancel_grace + 1.0  # the worker itself waits up to the grace
        while time.monotonic() < deadline:
            if not procs.session_members(pid, ident):
                return False
            time.sleep(0.05)
        killed = bool(procs.signal_session(pid, ident, signal.SIGKILL))
        for _ in range(40):
            if not procs.session_members(pid, ident):
                break
            time.sleep(0.05)
        return killed

    def wait_exit(self, job_id: int, timeout: float) -> None:
        """Wait until our waiter thread has reaped the worker (when this process started it)."""
        proc = self.processes.get(job_id)
        if proc is not None:
            with suppress(subprocess.TimeoutExpired):
                proc.wait(timeout)
