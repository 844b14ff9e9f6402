"""The heap trimmer returns freed memory once per burst, only after HEAP_TRIM_AFTER_S without a request."""

from __future__ import annotations

import threading
from pathlib import Path

from pgadmin_lite.web.memory import HeapTrimmer, glibc_trim


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_trims_once_after_a_quiet_period() -> None:
    clock, trims = Clock(), []
    trimmer = HeapTrimmer(lambda: trims.append(clock.t), quiet_s=5.0, now=clock)
    assert not trimmer.trim_if_quiet()  # nothing happened: nothing to give back
    trimmer.request_done()
    clock.t += 4.9
    assert not trimmer.trim_if_quiet()  # still busy (or just finished)
    clock.t += 0.2
    assert trimmer.trim_if_quiet() and trims == [clock.t]
    clock.t += 60
    assert not trimmer.trim_if_quiet()  # once per burst, not every period
    trimmer.stop()


def test_glibc_trim_gives_back_what_threads_freed() -> None:
    """The real malloc_trim: memory freed by other threads' arenas goes back to the OS."""
    trim = glibc_trim()
    assert trim is not None  # the project runs on glibc (Debian)

    def churn() -> None:
        # Medium blocks (below the mmap threshold, so they live in the thread's arena), written to, then freed
        # except every 40th: the survivors fragment the arena, so free() alone gives nothing back.
        blocks = [b"x" * (64 * 1024 - 1) + bytes([i % 256]) for i in range(400)]
        keep.extend(blocks[::40])

    keep: list[bytes] = []
    threads = [threading.Thread(target=churn) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    before = rss_kib()
    trim()
    assert rss_kib() < before - 20 * 1024, "malloc_trim returned less than 20 MiB of the ~95 MiB freed"
