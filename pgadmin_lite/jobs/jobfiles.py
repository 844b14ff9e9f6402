"""The files of one job directory (DATA_DIR/jobs/<id>-<token>, 0700), shared by the web process and the worker.

spec.json    what to run, written by the web process before the worker starts (no secret in it)
passfile     the database password for libpq (0600), removed as soon as the job ends
tls/         the TLS files of the connection (0700, files 0600), removed with the passfile
status.json  the worker's report (state, progress, exit code), replaced atomically on every update
job.log      the log (program output and server messages); at JOB_LOG_MAX_BYTES it becomes job.log.1
worker.log   the worker's own stderr: a crash's traceback, should there be one
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SPEC, STATUS, PASSFILE, LOG, OLD_LOG, WORKER_LOG, TLS_DIR = (
    "spec.json", "status.json", "passfile", "job.log", "job.log.1", "worker.log", "tls")
PRIVATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def open_private(path: Path, flags: int = PRIVATE) -> int:
    """Open for writing as 0600 (whatever the umask), never through a link."""
    fd = os.open(path, flags, 0o600)
    os.fchmod(fd, 0o600)
    return fd


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Replace path atomically, so a reader never sees half a file."""
    temp = path.with_name(path.name + ".tmp")
    fd = open_private(temp)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    os.replace(temp, path)


def read_json(path: Path) -> dict[str, Any] | None:
    """The file's object, or None when it is missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def passfile_line(password: str) -> str:
    """A ~/.pgpass line matching any host, port, database and user (libpq escapes: backslash and colon)."""
    return "*:*:*:*:" + password.replace("\\", "\\\\").replace(":", "\\:") + "\n"


def write_passfile(job_dir: Path, password: str) -> Path:
    path = job_dir / PASSFILE
    fd = open_private(path, PRIVATE | os.O_EXCL)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(passfile_line(password))
    return path


def remove_passfile(job_dir: Path) -> None:
    """The job's secrets go when it ends: the passfile and the TLS files."""
    with suppress(FileNotFoundError):
        (job_dir / PASSFILE).unlink()
    shutil.rmtree(job_dir / TLS_DIR, ignore_errors=True)


class LogWriter:
    """Appends timestamped lines to job.log; past max_bytes the file becomes job.log.1 and a new one starts."""

    def __init__(self, job_dir: Path, max_bytes: int) -> None:
        self.path, self.old_path, self.max_bytes = job_dir / LOG, job_dir / OLD_LOG, max(4096, max_bytes // 2)
        self.fd = open_private(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC)
        self.size = os.fstat(self.fd).st_size
        self.total = self.size
        self.lock = threading.Lock()  # the program's output, server notices and the worker itself all log

    def line(self, text: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        data = "".join(f"{stamp} {part}\n" for part in text.rstrip("\n").split("\n")).encode("utf-8", "replace")
        with self.lock:
            self._write(data)

    def _write(self, data: bytes) -> None:
        if self.size + len(data) > self.max_bytes:
            os.replace(self.path, self.old_path)
            os.close(self.fd)
            self.fd = open_private(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC)
            self.size = 0
        os.write(self.fd, data)
        self.size += len(data)
        self.total += len(data)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def _tail(path: Path, limit: int) -> bytes:
    try:
        with open(path, "rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(0, size - limit))
            return handle.read(limit)
    except FileNotFoundError:
        return b""


def read_log_tail(job_dir: Path, limit: int) -> tuple[str, bool]:
    """The last `limit` bytes of the log (both files), starting at a whole line; and whether older lines exist."""
    data = _tail(job_dir / LOG, limit)
    if len(data) < limit:
        data = _tail(job_dir / OLD_LOG, limit - len(data)) + data
    old_size = (job_dir / OLD_LOG).stat().st_size if (job_dir / OLD_LOG).exists() else 0
    whole = old_size + ((job_dir / LOG).stat().st_size if (job_dir / LOG).exists() else 0)
    is_truncated = whole > len(data)
    if is_truncated and b"\n" in data:
        data = data[data.index(b"\n") + 1:]
    return data.decode("utf-8", "replace"), is_truncated


def read_worker_error(job_dir: Path, limit: int = 2000) -> str:
    """The last line of the worker's own stderr (a traceback's message), for a job that died unexpectedly."""
    lines = _tail(job_dir / WORKER_LOG, limit).decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else ""
