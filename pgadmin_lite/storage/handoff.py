"""Job files in the user's storage, only through the sandbox: outputs by descriptor, inputs by descriptor.

Writing: the web process walks to the target folder by descriptor (O_NOFOLLOW at every step), creates a
private temp file (or temp folder for pg_dump's directory format) with a reserved name there (O_EXCL,
0600/0700), and hands the worker three open descriptors: the root (for its lock and the quota), the
folder and the temp entry. The program writes into the descriptor (pg_dump's stdout is the temp file;
the directory format gets /proc/self/fd/<n>, which names that very folder). When the program succeeded,
the worker renames the temp entry to the chosen name inside the folder descriptor, under the root's lock,
without replacing an existing entry. No path is ever resolved again after the sandbox checked it, so
there is no check-then-use window; a failed or cancelled job removes its temp entry.

Reading: the input file is opened by the sandbox (regular file, no link) and becomes the program's stdin.
A directory archive is opened as a folder descriptor and read by pg_restore through /proc/self/fd/<n>;
its member files are then opened by name, so directory archives are taken from the user's own area only
(which no link can enter: the API never creates one) and must hold nothing but regular files.
"""

from __future__ import annotations

import os
import stat
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from pgadmin_lite.errors import AlreadyExists, BadRequest, IsDirectory, PermissionDenied
from pgadmin_lite.storage import sandbox
from pgadmin_lite.storage.roots import Root
from pgadmin_lite.storage.writes import locked, quota_error, translate_os_errors

TAR_MAGIC_OFFSET = 257


def create_temp_dir(dir_fd: int) -> tuple[int, str]:
    """A new private (0700), locked folder with a reserved name: never listed, never reachable through the API."""
    while True:
        name = sandbox.temp_name()
        try:
            os.mkdir(name, sandbox.DIR_MODE, dir_fd=dir_fd)
        except FileExistsError:
            continue
        fd = os.open(name, sandbox.DIR_FLAGS, dir_fd=dir_fd)
        if not sandbox.lock_temp(fd, dir_fd, name):
            os.close(fd)
            continue
        os.fchmod(fd, sandbox.DIR_MODE)
        return fd, name


@dataclass
class OutputTarget:
    """A temp file or folder beside the chosen name, open, waiting for the worker to fill and commit it."""

    root: Root
    parts: tuple[str, ...]
    temp: str
    is_dir: bool
    overwrite: bool
    root_fd: int = -1
    dir_fd: int = -1
    out_fd: int = -1

    @property
    def fds(self) -> dict[str, int]:
        return {"root": self.root_fd, "dir": self.dir_fd, "out": self.out_fd}

    def describe(self) -> dict[str, Any]:
        """What the worker needs to commit (or discard) the output, besides the descriptors."""
        return {"root": self.root.name, "parts": list(self.parts), "temp": self.temp, "is_dir": self.is_dir,
                "overwrite": self.overwrite, "quota_bytes": self.root.quota_bytes}

    def close(self) -> None:
        """Close our descriptors (the worker holds its own copies)."""
        for name in ("out_fd", "dir_fd", "root_fd"):
            fd = getattr(self, name)
            if fd >= 0:
                os.close(fd)
                setattr(self, name, -1)

    def discard(self) -> None:
        """Remove the temp entry (the job never started) and close everything."""
        if self.dir_fd >= 0:
            remove_temp(self.dir_fd, self.temp, self.is_dir)
        self.close()


def _refuse_existing(dir_fd: int, name: str, parts: tuple[str, ...], *, overwrite: bool, is_dir: bool) -> None:
    """Refuse now what the commit would refuse at the end of a long job."""
    try:
        info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return
    sandbox.refuse_special(info, parts)
    if stat.S_ISDIR(info.st_mode):
        raise IsDirectory(f"{sandbox.virtual(parts)} is a folder; it is never replaced.",
                          hint="Choose another name, or delete the folder first.")
    if is_dir or not overwrite:
        raise AlreadyExists(f"{sandbox.virtual(parts)} already exists.",
                            hint="Choose another name" + ("." if is_dir else ", or send overwrite=true to replace it."))


@translate_os_errors
def open_output(root: Root, path: object, *, is_dir: bool, overwrite: bool) -> OutputTarget:
    """Create the temp file or folder for an output at path (see the module docstring)."""
    root.require_writable()
    parent, name = sandbox.split_parent(path)
    parts = (*parent, name)
    target = OutputTarget(root, parts, "", is_dir, overwrite)
    try:
        target.root_fd = sandbox.open_root(root.host_path, root.entry)
        target.dir_fd = sandbox.open_dir(target.root_fd, parent)
        _refuse_existing(target.dir_fd, name, parts, overwrite=overwrite, is_dir=is_dir)
        if is_dir:
            target.out_fd, target.temp = create_temp_dir(target.dir_fd)
        else:
            target.out_fd, target.temp = sandbox.create_temp_file(target.dir_fd)
    except BaseException:
        if target.temp:
            target.discard()
        target.close()
        raise
    return target


@dataclass
class InputSource:
    """An input opened by the sandbox: a regular file, or a directory-format archive."""

    fd: int
    is_dir: bool
    size: int
    format: str  # custom, tar, directory, plain (or csv for an import)
    name: str = field(default="")

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def sniff_format(fd: int) -> str:
    """custom (PGDMP magic), tar (ustar header) or plain SQL, from the first bytes."""
    head = os.pread(fd, 512, 0)
    if head.startswith(b"PGDMP"):
        return "custom"
    if head[TAR_MAGIC_OFFSET:TAR_MAGIC_OFFSET + 5] == b"ustar":
        return "tar"
    return "plain"


def _check_archive_dir(fd: int, parts: tuple[str, ...]) -> int:
    """A directory archive holds only regular files, toc.dat among them; returns their total size."""
    total, has_toc = 0, False
    with os.scandir(fd) as entries:
        for entry in entries:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode):
                raise BadRequest(f"{sandbox.virtual(parts)}/{entry.name} is not a regular file; a directory archive "
                                 "holds only the files pg_dump wrote.")
            total += info.st_size
            has_toc = has_toc or entry.name == "toc.dat"
    if not has_toc:
        raise BadRequest(f"{sandbox.virtual(parts)} is a folder without toc.dat, not a pg_dump directory archive.")
    return total


@translate_os_errors
def open_input(root: Root, path: object, *, allow_dir: bool, is_csv: bool = False) -> InputSource:
    """Open the input by descriptor; a folder only as a directory archive in the user's own area."""
    parent, name = sandbox.split_parent(path)
    parts = (*parent, name)
    with root.opened() as root_fd, sandbox.opened_dir(root_fd, parent) as dir_fd:
        info = sandbox.stat_entry(dir_fd, name, parts)
        sandbox.refuse_special(info, parts)
        if not stat.S_ISDIR(info.st_mode):
            fd = sandbox.open_regular_file(dir_fd, name, parts)
            return InputSource(fd, False, os.fstat(fd).st_size, "csv" if is_csv else sniff_format(fd), name)
        if not allow_dir:
            raise IsDirectory(f"{sandbox.virtual(parts)} is a folder; choose a file.")
        if root.is_shared:
            raise PermissionDenied("Directory-format archives are restored from your own files only, not from a "
                                   "shared folder.", hint="Use a custom- or tar-format archive from the shared folder.")
        fd = sandbox.open_dir(dir_fd, (name,))
    try:
        size = _check_archive_dir(fd, parts)
    except BaseException:
        os.close(fd)
        raise
    return InputSource(fd, True, size, "directory", name)


# --- Worker side: measure, commit or discard the output by descriptor ----------------------------------------

def remove_temp(dir_fd: int, temp: str, is_dir: bool) -> None:
    """Remove a temp output; it may already be gone."""
    if not temp.startswith(sandbox.TEMP_PREFIX):
        raise ValueError(f"refusing to remove {temp!r}: not a temp entry")
    with suppress(FileNotFoundError):
        sandbox.remove_entry(dir_fd, temp, (temp,), recursive=is_dir)


def output_size(out_fd: int, is_dir: bool) -> int:
    """Bytes written so far: the file's size, or the sum of the folder's files."""
    if not is_dir:
        return os.fstat(out_fd).st_size
    total = 0
    with os.scandir(out_fd) as entries:
        for entry in entries:
            with suppress(FileNotFoundError):
                info = entry.stat(follow_symlinks=False)
                total += info.st_size if stat.S_ISREG(info.st_mode) else 0
    return total


def quota_room(root_fd: int, quota_bytes: int | None, own_bytes: int) -> int | None:
    """Bytes the output may still grow by (None: no quota); our own temp entry is already counted in use."""
    if quota_bytes is None:
        return None
    used = sandbox.tree_usage(root_fd)[0] - own_bytes
    return quota_bytes - used


def commit_output(spec: dict[str, Any], root_fd: int, dir_fd: int, out_fd: int) -> int:
    """Rename the temp entry to its name under the root's lock, after the final quota check; returns its size."""
    parts, temp, is_dir = tuple(spec["parts"]), spec["temp"], bool(spec["is_dir"])
    size = output_size(out_fd, is_dir)
    if not is_dir:
        os.fsync(out_fd)
    with locked(root_fd):
        room = quota_room(root_fd, spec.get("quota_bytes"), size)
        replaced = 0
        if spec.get("overwrite") and not is_dir:
            with suppress(FileNotFoundError):
                info = os.stat(parts[-1], dir_fd=dir_fd, follow_symlinks=False)
                replaced = info.st_size if stat.S_ISREG(info.st_mode) else 0
        if room is not None and size - replaced > room:
            quota = spec["quota_bytes"]
            raise quota_error(Root("home", "", None, False, True, quota), quota - room, size - replaced)
        if spec.get("overwrite") and not is_dir:
            sandbox.replace_entry(dir_fd, temp, dir_fd, parts[-1], parts)
        else:
            sandbox.rename_noreplace(dir_fd, temp, dir_fd, parts[-1], parts)
        sandbox.sync_dir(dir_fd)
    return size
