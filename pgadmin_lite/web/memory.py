"""Keep the worker's heap near its idle size after a burst of requests (glibc malloc).

After a load the worker stayed ~35 MiB above its idle size with almost nothing alive in it (tracemalloc:
+2 MiB of Python objects): glibc gave each of our many threads (Gunicorn's 25, the query workers) an arena
of its own, and its sliding mmap threshold moved large buffers (result pages, JSON bodies) from mmap into
those arenas, where freed pages stay resident. So, at start-up: at most ARENA_MAX arenas and a fixed mmap
threshold (large buffers go straight back to the OS when freed); the operator's MALLOC_ARENA_MAX and
MALLOC_MMAP_THRESHOLD_ variables win. And once quiet: malloc_trim(0) returns the free pages of every arena,
on a daemon thread, only after HEAP_TRIM_AFTER_S without a finished request, so a busy process never pays
for it. Elsewhere than glibc (musl, macOS) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable

from flask import Flask

log = logging.getLogger(__name__)
Trim = Callable[[], object]
M_MMAP_THRESHOLD, M_ARENA_MAX = -3, -8  # mallopt parameters, from glibc's malloc.h
ARENA_MAX = 2  # arenas for all threads: the GIL serializes most allocations anyway
MMAP_THRESHOLD = 128 * 1024  # glibc's initial value, kept fixed (setting it turns the sliding one off)


def _glibc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        libc.malloc_trim.argtypes, libc.malloc_trim.restype = [ctypes.c_size_t], ctypes.c_int
        libc.mallopt.argtypes, libc.mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    except (OSError, AttributeError, TypeError):
        return None
    return libc


def tune_malloc() -> None:
    """Before the request threads start (arenas are created as threads first allocate)."""
    libc = _glibc()
    if libc is None:
        return
    if "MALLOC_ARENA_MAX" not in os.environ:
        libc.mallopt(M_ARENA_MAX, ARENA_MAX)
    if "MALLOC_MMAP_THRESHOLD_" not in os.environ:
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def glibc_trim() -> Trim | None:
    """glibc's malloc_trim(0), or None where the C library has none."""
    libc = _glibc()
    return None if libc is None else lambda: libc.malloc_trim(0)


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
    tune_malloc()
    quiet_s = float(app.config["HEAP_TRIM_AFTER_S"])
    trim = glibc_trim() if quiet_s > 0 else None
    if trim is None:
        return
    trimmer = HeapTrimmer(trim, quiet_s)
    app.extensions["heap_trimmer"] = trimmer

    @app.teardown_request
    def mark_heap_dirty(_: BaseException | None) -> None:
        trimmer.request_done()
