"""Detects a second process serving the same DATA_DIR: an exclusive lock, taken lazily, tolerant of reloads."""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)


class ServingGuard:
    """The serving process holds DATA_DIR/serving.lock; a process that cannot get it past the grace is a second one."""

    def __init__(self, data_dir: str, grace_s: float) -> None:
        self.path = Path(data_dir) / "serving.lock"
        self.grace_s = grace_s
        self._fd: int | None = None
        self._first_refusal: float | None = None
        self._reported = False
        self._lock = threading.Lock()

    @property
    def is_holder(self) -> bool:
        return self._fd is not None

    def holder_pid(self) -> int | None:
        try:
            return int(self.path.read_text().strip() or 0) or None
        except (OSError, ValueError):
            return None

    def problem(self) -> str | None:
        """None while this process serves alone (or a reload's predecessor may still be finishing)."""
        if self._fd is not None:
            return None
        with self._lock:
            if self._fd is None and not self._try_acquire():
                return self._conflict()
        return None

    def _try_acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd, self._first_refusal = fd, None
        if self._reported:
            log.warning("This process (pid %s) now serves %s alone again.", os.getpid(), self.path.parent)
            self._reported = False
        return True

    def _conflict(self) -> str | None:
        now = time.monotonic()
        self._first_refusal = self._first_refusal or now
        if now - self._first_refusal < self.grace_s:
            return None  # a graceful reload: the old worker is still finishing its requests
        message = (f"Another pgadmin_lite process (pid {self.holder_pid()}) is serving the same DATA_DIR "
                   f"{self.path.parent}, and this one is pid {os.getpid()}. Query-tool transactions live inside "
                   "one process, so requests split between processes fail. Fix: run exactly one process "
                   "(gunicorn workers=1, uWSGI processes=1, mod_wsgi processes=1) with many threads, or give each "
                   "instance its own DATA_DIR behind sticky routing.")
        if not self._reported:
            log.error(message)
            self._reported = True
        return message

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
