"""Atomic writes: a private temp file in the target folder, fsync, then one rename under the root's lock.

A failed or aborted write leaves nothing (the temp file is removed); an existing file is never half
overwritten (rename swaps whole files); two writers of one name never mix (each has its own temp file);
the quota is checked and the rename done while holding the root's lock, counting the incoming bytes.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

from pgadmin_lite.errors import (
    AlreadyExists,
    BadRequest,
    DiskFull,
    QuotaExceeded,
    StorageUnavailable,
)
from pgadmin_lite.storage import sandbox
from pgadmin_lite.storage.roots import Root

P = ParamSpec("P")
T = TypeVar("T")
MIB = 1024 * 1024


def translate_os_errors(function: Callable[P, T]) -> Callable[P, T]:
    """Turn the OS errors a storage operation can meet into domain errors that name the fix."""

    @wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return function(*args, **kwargs)
        except OSError as exc:
            raise _domain_error(exc) from exc

    return wrapper


def _domain_error(exc: OSError) -> Exception:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFull("The disk holding the file storage is full; nothing was written.",
                        hint="An administrator must free space on the server.")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return StorageUnavailable(f"The server cannot use its file storage: {exc.strerror}.",
                                  hint="An administrator should run: python setup_db.py doctor")
    if exc.errno in (errno.EEXIST, errno.ENOTEMPTY):
        return AlreadyExists("The target already exists.")
    if exc.errno == errno.EINVAL:
        return BadRequest("A folder cannot be moved into itself.")
    if exc.errno == errno.EXDEV:
        return BadRequest("Cannot move between different file systems of a shared folder.")
    if exc.errno in (errno.ENOTDIR, errno.EISDIR):
        return BadRequest("A file and a folder cannot replace each other.")
    return exc


@contextmanager
def locked(root_fd: int) -> Iterator[None]:
    """Serialise mutations of one root, across threads and processes (flock on the root directory)."""
    fcntl.flock(root_fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(root_fd, fcntl.LOCK_UN)


class PendingFile:
    """A file being written under a private temp name in its target folder; committed only when whole."""

    def __init__(self, dir_fd: int, name: str, parts: Sequence[str]) -> None:
        self.dir_fd, self.name, self.parts = dir_fd, name, tuple(parts)
        self.fd, self.temp = sandbox.create_temp_file(dir_fd)
        self.size = 0
        self.is_committed = False

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view):]
        self.size += len(data)

    def finish(self) -> None:
        """Flush to disk before the rename, so a crash never leaves a renamed but empty file (the descriptor, and
        with it the lock that keeps storage.sweep away, stays open until discard())."""
        os.fsync(self.fd)

    def discard(self) -> None:
        """Close and remove the temp file unless committed; safe to call more than once."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        if not self.is_committed:
            sandbox.remove_quietly(self.dir_fd, self.temp)

    def existing_size(self) -> int:
        """Bytes of the regular file this would replace (0 if none)."""
        try:
            info = os.stat(self.name, dir_fd=self.dir_fd, follow_symlinks=False)
        except FileNotFoundError:
            return 0
        return info.st_size if stat.S_ISREG(info.st_mode) else 0

    def commit(self, *, overwrite: bool) -> None:
        if overwrite:
            sandbox.replace_entry(self.dir_fd, self.temp, self.dir_fd, self.name, self.parts)
        else:
            sandbox.rename_noreplace(self.dir_fd, self.temp, self.dir_fd, self.name, self.parts)
        self.is_committed = True


def quota_room(root: Root, root_fd: int) -> int | None:
    """Bytes the root may still take (None: no quota), for aborting an upload early; writes in progress count."""
    if root.quota_bytes is None:
        return None
    return max(0, root.quota_bytes - sandbox.tree_usage(root_fd)[0])


def quota_error(root: Root, used: int, incoming: int) -> QuotaExceeded:
    """One wording for the streaming and the commit-time check: the numbers and what to do."""
    quota = root.quota_bytes or 0
    return QuotaExceeded(
        f"Storage quota exceeded: your files use {used / MIB:.1f} MiB of {quota / MIB:.1f} MiB and this write "
        f"needs {incoming / MIB:.1f} MiB more; nothing was written.",
        hint="Delete files you no longer need, or ask an administrator to raise STORAGE_QUOTA_MB.",
        quota_bytes=quota, used_bytes=used)


def _check_quota(root: Root, root_fd: int, pending: Sequence[PendingFile], overwrite: bool) -> None:
    if root.quota_bytes is None:
        return
    incoming = sum(item.size for item in pending)
    used = sandbox.tree_usage(root_fd)[0] - incoming  # the pending temp files are in the tree already
    freed = sum(item.existing_size() for item in pending) if overwrite else 0
    if used - freed + incoming > root.quota_bytes:
        raise quota_error(root, used, incoming - freed)


def commit_files(root: Root, root_fd: int, pending: Sequence[PendingFile], *, overwrite: bool) -> None:
    """Rename finished temp files into place under the root's lock: all checks first, then the renames."""
    with locked(root_fd):
        if not overwrite:
            for item in pending:
                if sandbox.entry_exists(item.dir_fd, item.name):
                    raise AlreadyExists(f"{sandbox.virtual(item.parts)} already exists.",
                                        hint="Send overwrite=true to replace it.")
        _check_quota(root, root_fd, pending, overwrite)
        for item in pending:
            item.commit(overwrite=overwrite)
        for dir_fd in {item.dir_fd for item in pending}:
            sandbox.sync_dir(dir_fd)


@contextmanager
def pending_files() -> Iterator[list[PendingFile]]:
    """A list of pending files whose leftovers are always removed, whatever happens."""
    items: list[PendingFile] = []
    try:
        yield items
    finally:
        for item in items:
            item.discard()
