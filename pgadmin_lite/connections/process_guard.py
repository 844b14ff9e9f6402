"""Detects a second process serving the same DATA_DIR: an exclusive lock, taken lazily, tolerant of reloads."""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from pathlib import Path

from pgadmin_lite.connections.deployment_check import ServerProcesses, check_at_start

log = logging.getLogger(__name__)


class ServingGuard:
    """The serving process holds DATA_DIR/serving.lock; a process that cannot get it past the grace is a second one.

    The lock file records "pid parent-pid" of its holder. A worker whose server says it runs several processes
    reports at once; otherwise the grace lets a graceful reload's old worker finish (it shares our parent too).
    """

    def __init__(self, data_dir: str, grace_s: float, server: ServerProcesses | None = None) -> None:
        self.path = Path(data_dir) / "serving.lock"
        self.grace_s = grace_s
        self.server = server if server is not None else check_at_start()
        self._fd: int | None = None
        self._first_refusal: float | None = None
        self._reported = False
        self._lock = threading.Lock()

    @property
    def is_holder(self) -> bool:
        return self._fd is not None

    def _holder(self) -> tuple[int | None, int | None]:
        """The (pid, parent pid) the holder wrote into the lock file."""
        try:
            fields = [int(part) for part in self.path.read_text().split()[:2]]
        except (OSError, ValueError):
            return None, None
        fields += [0] * (2 - len(fields))
        return fields[0] or None, fields[1] or None

    def holder_pid(self) -> int | None:
        return self._holder()[0]

    def problem(self) -> str | None:
        """None while this process serves alone (or a reload's predecessor may still be finishing)."""
        if self._fd is not None:
            return None
        with self._lock:
            if self._fd is None and not self._try_acquire():
                return self._conflict()
        return None

    def warning(self) -> str | None:
        """What /health and every page show: a second serving process, or a server configured with several."""
        return self.problem() or self.server.problem()

    def _try_acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {os.getppid()}".encode())
        self._fd, self._first_refusal = fd, None
        if self._reported:
            log.warning("This process (pid %s) now serves %s alone again.", os.getpid(), self.path.parent)
            self._reported = False
        return True

    def _conflict(self) -> str | None:
        now = time.monotonic()
        self._first_refusal = self._first_refusal or now
        holder_pid, holder_parent = self._holder()
        is_sibling = holder_parent is not None and holder_parent > 1 and holder_parent == os.getppid()
        if now - self._first_refusal < self.grace_s and not (is_sibling and self.server.is_multi_process):
            return None  # a graceful reload: the old worker is still finishing its requests
        message = self._message(holder_pid, holder_parent if is_sibling else None)
        if not self._reported:
            log.error(message)
            self._reported = True
        return message

    def _message(self, holder_pid: int | None, shared_parent: int | None) -> str:
        """Name the cause and the one setting to change."""
        if shared_parent is not None:
            return (f"Another pgadmin_lite process (pid {holder_pid}) is serving the same DATA_DIR {self.path.parent}, "
                    f"and this one is pid {os.getpid()}: several worker processes of one server (both are children "
                    f"of pid {shared_parent}). Query-tool transactions live inside one process, so requests split "
                    f"between workers fail. Fix: run exactly one process with many threads: set {self.server.fix}.")
        return (f"Another pgadmin_lite process (pid {holder_pid}) is serving the same DATA_DIR {self.path.parent}, "
                f"and this one is pid {os.getpid()}. Query-tool transactions live inside one process, so requests "
                "split between processes fail. Fix: run exactly one process (gunicorn workers=1, uWSGI processes=1, "
                "mod_wsgi processes=1) with many threads, or give each instance its own DATA_DIR behind sticky "
                "routing.")

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
