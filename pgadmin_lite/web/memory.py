"""Give the heap a burst of requests freed back to the OS once the process is quiet again.

glibc's malloc gives each of our many threads (Gunicorn's, the query workers') an arena of its own and keeps
what they free for reuse: after a load the worker stayed ~35 MiB above its idle size, with nothing alive in
it. malloc_trim(0) returns the free pages of every arena; it runs on a daemon thread only after
HEAP_TRIM_AFTER_S without a finished request, so a busy process never pays for it. Elsewhere than glibc
(musl, macOS) there is no malloc_trim and this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
import time
import weakref
from collections.abc import Callable

from flask import Flask

log = logging.getLogger(__name__)
Trim = Callable[[], object]


def glibc_trim() -> Trim | None:
    """glibc's malloc_trim(0), or None where the C library has none."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        trim = libc.malloc_trim
    except (OSError, AttributeError, TypeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return lambda: trim(0)


class HeapTrimmer:
    """Trims once after each burst: a request marks the heap dirty, a quiet period trims it."""

    def __init__(self, trim: Trim, quiet_s: float, now: Callable[[], float] = time.monotonic) -> None:
        self.trim, self.quiet_s, self.now = trim, quiet_s, now
        self.last_request = now()
        self.is_dirty = False
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def request_done(self) -> None:
        """Called at the end of every request: two plain assignments, no lock."""
        self.last_request = self.now()
        self.is_dirty = True
        if self._thread is None:
            self._start()

    def _start(self) -> None:
        """Lazily, at the first request: importing the app (e.g. a CLI command) starts no thread."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=_trim_loop, args=(weakref.ref(self), self._stop, self.quiet_s),
                                                name="heap-trimmer", daemon=True)
                self._thread.start()

    def trim_if_quiet(self) -> bool:
        if not self.is_dirty or self.now() - self.last_request < self.quiet_s:
            return False
        self.is_dirty = False
        began = self.now()
        self.trim()
        log.debug("Returned free heap memory to the OS in %.1f ms", (self.now() - began) * 1000)
        return True

    def stop(self) -> None:
        self._stop.set()


def _trim_loop(ref: weakref.ref[HeapTrimmer], stop: threading.Event, quiet_s: float) -> None:
    """Holds the trimmer only weakly, so a discarded app is freed."""
    while not stop.wait(max(0.5, quiet_s / 2)):
        trimmer = ref()
        if trimmer is None:
            return
        trimmer.trim_if_quiet()
        del trimmer


def init_app(app: Flask) -> None:
    quiet_s = float(app.config["HEAP_TRIM_AFTER_S"])
    trim = glibc_trim() if quiet_s > 0 else None
    if trim is None:
        return
    trimmer = HeapTrimmer(trim, quiet_s)
    app.extensions["heap_trimmer"] = trimmer

    @app.teardown_request
    def mark_heap_dirty(_: BaseException | None) -> None:
        trimmer.request_done()
