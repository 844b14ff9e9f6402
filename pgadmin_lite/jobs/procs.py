"""Process identity and stopping: a pid is trusted only with its start time, and a job is stopped by its session.

Every job worker starts a new session (start_new_session=True), so the worker's pid is also the id of its
session and process group, and everything it starts (pg_dump, pg_restore) is a member. A pid number
is never handed out again while a session or group of that id has a live member, so the members of our
session are ours; the one thing to rule out is the leader's pid being reused after it and its whole session
died, which the recorded boot id and start time (in clock ticks since boot) of the worker detect.
"""

from __future__ import annotations

import os
import signal
from contextlib import suppress
from dataclasses import dataclass
from functools import cache
from pathlib import Path

BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


@dataclass(frozen=True)
class ProcInfo:
    """The fields of /proc/<pid>/stat we need."""

    pid: int
    state: str
    session: int
    start_ticks: int

    @property
    def is_zombie(self) -> bool:
        return self.state in ("Z", "X")


@cache
def boot_id() -> str:
    """This boot's id, so a start time recorded before a reboot never matches a new process."""
    try:
        return BOOT_ID.read_text().strip()
    except OSError:
        return "unknown-boot"


def is_supported() -> bool:
    """Jobs track their processes through /proc (Linux)."""
    return Path("/proc/self/stat").exists()


def read_proc(pid: int) -> ProcInfo | None:
    """The process's state, session and start time, or None when there is no such process."""
    try:
        data = Path(f"/proc/{int(pid)}/stat").read_text()
    except (OSError, ValueError):
        return None
    fields = data[data.rindex(")") + 2:].split()  # the command name (in parentheses) may contain spaces
    return ProcInfo(int(pid), fields[0], int(fields[3]), int(fields[19]))


def process_ident(pid: int) -> str | None:
    """'<boot id>:<start ticks>' of a live process: what makes a recorded pid mean the same process later."""
    info = read_proc(pid)
    return None if info is None else f"{boot_id()}:{info.start_ticks}"


def is_same_process(pid: int | None, ident: str | None) -> bool:
    """Whether pid is still the process recorded as ident, and has not exited (a zombie has)."""
    if not pid or not ident:
        return False
    info = read_proc(pid)
    return info is not None and not info.is_zombie and f"{boot_id()}:{info.start_ticks}" == ident


def session_members(sid: int | None, ident: str | None) -> list[int]:
    """Live processes of the job's session; none when the session id now belongs to another process."""
    if not sid or not ident:
        return []
    boot, _, ticks = ident.rpartition(":")
    if boot != boot_id():
        return []  # recorded before a reboot: nothing of it can still run
    members: list[int] = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        info = read_proc(int(entry.name))
        if info is None or info.session != sid or info.is_zombie:
            continue
        if info.pid == sid and str(info.start_ticks) != ticks:
            return []  # a new process leads a session of the same id: ours is gone
        if info.start_ticks >= int(ticks):
            members.append(info.pid)
    return members


def signal_session(sid: int | None, ident: str | None, signum: int = signal.SIGTERM) -> list[int]:
    """Send signum to every live member of the job's session; returns the pids signalled."""
    members = session_members(sid, ident)
    if sid and sid in members:
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(sid, signum)  # the leader is ours: signal its whole group at once
    for pid in members:
        with suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signum)  # and any member outside the group (none, unless it left it)
    return members
