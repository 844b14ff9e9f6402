"""Temp entries (.pgl-tmp-*) whose writer died mid-write (kill -9, OOM, a crash) are removed at start-up.

Every temp entry is flock'ed by its writer for as long as it is open (sandbox.lock_temp): a web worker holds
an upload's files until the commit, a job worker its output until it renames it. A lock is released by the
kernel when its process dies, so an entry whose lock can be taken has no owner left; a live upload or job, in
this process or another (a graceful reload runs two), is never touched. Links are never followed.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
from collections.abc import Iterable

from pgadmin_lite.errors import AppError
from pgadmin_lite.storage import sandbox

log = logging.getLogger(__name__)


def _remove_if_orphan(dir_fd: int, name: str, *, is_dir: bool) -> bool:
    """Remove the temp entry if no process holds its lock (we hold it while removing)."""
    try:
        fd = os.open(name, sandbox.DIR_FLAGS if is_dir else sandbox.READ_FLAGS, dir_fd=dir_fd)
    except OSError:  # gone meanwhile, or a link (ELOOP) or FIFO we leave alone
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                return False  # its writer is alive
            raise
        sandbox.remove_entry(dir_fd, name, (name,), recursive=is_dir)
        return True
    finally:
        os.close(fd)


def sweep_tree(top: str) -> int:
    """Remove the orphaned temp entries below the folder top; returns how many."""
    removed = 0
    top_fd = sandbox.open_root(top)
    try:
        for _, dirs, files, dir_fd in os.fwalk(".", dir_fd=top_fd, follow_symlinks=False):
            temp_dirs = [name for name in dirs if name.startswith(sandbox.TEMP_PREFIX)]
            dirs[:] = [name for name in dirs if name not in temp_dirs]  # never descend into a temp folder
            removed += sum(_remove_if_orphan(dir_fd, name, is_dir=True) for name in temp_dirs)
            removed += sum(_remove_if_orphan(dir_fd, name, is_dir=False)
                           for name in files if name.startswith(sandbox.TEMP_PREFIX))
    finally:
        os.close(top_fd)
    return removed


def sweep_orphans(folders: Iterable[str]) -> int:
    """Sweep each folder (STORAGE_DIR and the shared folders); one that cannot be read is logged and skipped."""
    removed = 0
    for folder in folders:
        try:
            count = sweep_tree(folder)
        except (OSError, AppError) as exc:  # e.g. a shared folder that is missing or unreadable (see doctor)
            log.warning("Could not sweep leftover temp files in %s: %s", folder, exc)
            continue
        if count:
            log.info("Removed %s temp file(s) left in %s by a process that died mid-write", count, folder)
        removed += count
    return removed
