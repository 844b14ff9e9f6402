"""The one gate of every storage file operation: virtual-path grammar and descriptor-relative primitives.

A virtual path is split into checked names, then walked one name at a time from the root's directory
descriptor with O_NOFOLLOW, so no symbolic link is ever followed and a link swapped in between a check
and an open cannot redirect anything: each step works on a descriptor, never on a host path again.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import secrets
import shutil
import stat
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress

from pgadmin_lite.errors import AlreadyExists, BadRequest, IsDirectory, NotFound, OutsideStorage

MAX_NAME_BYTES = 255  # a file name (one component), as on ext4/xfs
MAX_PATH_BYTES = 4096  # a whole virtual path, as PATH_MAX
TEMP_PREFIX = ".pgl-tmp-"  # in-progress writes: reserved, never listed, their bytes in the quota, flock'ed
DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK  # NONBLOCK: a FIFO cannot hang us
CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
FILE_MODE, DIR_MODE = 0o600, 0o700
# Invisible characters that reorder text: they make "gpj.exe" display as "exe.jpg".
BIDI_CONTROLS = frozenset(range(0x202A, 0x202F)) | frozenset(range(0x2066, 0x206A))
RENAME_NOREPLACE = 1

Parts = tuple[str, ...]


def virtual(parts: Sequence[str]) -> str:
    """The client's view of a path: '/' plus the names."""
    return "/" + "/".join(parts)


def _refuse(path: str, why: str) -> OutsideStorage:
    shown = path if len(path) <= 200 else path[:200] + "…"
    return OutsideStorage(f"Refused storage path {shown!r}: {why}.",
                          hint="Paths are virtual, like /reports/q1.sql, and stay inside your file area.")


def _is_forbidden_char(char: str) -> bool:
    code = ord(char)
    return code < 0x20 or 0x7F <= code < 0xA0 or code in BIDI_CONTROLS or char in "/\\"


def check_name(name: str, path: str = "") -> str:
    """Accept one file name, or raise OutsideStorage: no separators, controls, dot names or look-alikes."""
    path = path or name
    if name in ("", ".", ".."):
        raise _refuse(path, "empty, '.' and '..' names are not allowed")
    if any(_is_forbidden_char(char) for char in name):
        raise _refuse(path, "names may not contain slashes, backslashes or control characters")
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        raise _refuse(path, "names must be valid Unicode") from None
    if size > MAX_NAME_BYTES:
        raise _refuse(path, f"a name is longer than {MAX_NAME_BYTES} bytes")
    folded = unicodedata.normalize("NFKC", name)  # fullwidth dots and slash, two-dot leader: NFKC folds them
    if folded in (".", "..") or any(char in "/\\" for char in folded):
        raise _refuse(path, "a name looks like '..' or a slash")
    if name.startswith(TEMP_PREFIX):
        raise _refuse(path, f"names starting with {TEMP_PREFIX} are reserved")
    return name


def split_path(path: object) -> Parts:
    """Split a virtual path ('/a/b', 'a/b', '/' or '') into checked names; refuse anything else."""
    if not isinstance(path, str):
        raise OutsideStorage("A storage path must be a string.")
    if "\x00" in path:
        raise _refuse(path, "NUL bytes are not allowed")
    if "\\" in path:
        raise _refuse(path, "backslashes are not allowed")
    try:
        size = len(path.encode("utf-8"))
    except UnicodeEncodeError:
        raise _refuse(path, "paths must be valid Unicode") from None
    if size > MAX_PATH_BYTES:
        raise _refuse(path, f"the path is longer than {MAX_PATH_BYTES} bytes")
    body = path[1:] if path.startswith("/") else path
    body = body[:-1] if body.endswith("/") else body
    if not body:
        return ()
    return tuple(check_name(name, path) for name in body.split("/"))


def split_parent(path: object) -> tuple[Parts, str]:
    """(parent names, final name) of a path that must name something below the root."""
    parts = split_path(path)
    if not parts:
        raise BadRequest("This operation needs a path below the root, not the root itself.")
    return parts[:-1], parts[-1]


def _is_link(dir_fd: int, name: str) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _link_refused(parts: Sequence[str]) -> OutsideStorage:
    return OutsideStorage(f"{virtual(parts)} is a symbolic link; storage never follows links.",
                          hint="Ask an administrator to replace the link with a real folder or file.")


def open_root(host_path: str, name: str | None = None) -> int:
    """A descriptor of a root: host_path itself, or its entry `name`, which must not be a link."""
    base = os.open(host_path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)  # the administrator's path
    if name is None:
        return base
    try:
        return os.open(name, DIR_FLAGS, dir_fd=base)
    except OSError as exc:
        if exc.errno in (errno.ENOTDIR, errno.ELOOP) and _is_link(base, name):
            raise OutsideStorage(f"The storage root {os.path.join(host_path, name)} is a symbolic link; "
                                 "replace it with a directory (mode 0700).") from None
        raise
    finally:
        os.close(base)


def open_dir(root_fd: int, parts: Sequence[str]) -> int:
    """Open the directory at parts below root_fd one name at a time, never following a link."""
    if any(name in ("", ".", "..") or "/" in name or "\x00" in name for name in parts):
        raise _refuse(virtual(parts), "not a checked path")  # defence in depth: parts come from split_path
    fd = os.dup(root_fd)
    try:
        for depth, name in enumerate(parts, start=1):
            try:
                next_fd = os.open(name, DIR_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                raise NotFound(f"{virtual(parts[:depth])} does not exist.") from None
            except OSError as exc:
                if exc.errno not in (errno.ENOTDIR, errno.ELOOP):
                    raise
                if _is_link(fd, name):
                    raise _link_refused(parts[:depth]) from None
                raise BadRequest(f"{virtual(parts[:depth])} is not a folder.") from None
            os.close(fd)
            fd = next_fd
        return fd
    except BaseException:
        os.close(fd)
        raise


@contextmanager
def opened_dir(root_fd: int, parts: Sequence[str]) -> Iterator[int]:
    """open_dir as a context that always closes the descriptor."""
    fd = open_dir(root_fd, parts)
    try:
        yield fd
    finally:
        os.close(fd)


def stat_entry(dir_fd: int, name: str, parts: Sequence[str]) -> os.stat_result:
    """lstat of one entry; a missing entry is a 404."""
    try:
        return os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        raise NotFound(f"{virtual(parts)} does not exist.") from None


def entry_exists(dir_fd: int, name: str) -> bool:
    try:
        os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return True


def refuse_special(info: os.stat_result, parts: Sequence[str]) -> None:
    """Links are refused (never followed); sockets, FIFOs and devices are not files we serve."""
    if stat.S_ISLNK(info.st_mode):
        raise _link_refused(parts)
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
        raise BadRequest(f"{virtual(parts)} is not a regular file or folder.")


def open_regular_file(dir_fd: int, name: str, parts: Sequence[str]) -> int:
    """Open a regular file for reading without following a link; refuse anything else before opening it."""
    info = stat_entry(dir_fd, name, parts)
    refuse_special(info, parts)
    if stat.S_ISDIR(info.st_mode):
        raise IsDirectory(f"{virtual(parts)} is a folder, not a file.")
    try:
        fd = os.open(name, READ_FLAGS, dir_fd=dir_fd)
    except FileNotFoundError:
        raise NotFound(f"{virtual(parts)} does not exist.") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _link_refused(parts) from None
        raise
    opened = os.fstat(fd)
    if not stat.S_ISREG(opened.st_mode) or (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
        os.close(fd)
        raise BadRequest(f"{virtual(parts)} changed while it was being opened; try again.")
    os.set_blocking(fd, True)
    return fd


def temp_name() -> str:
    return TEMP_PREFIX + secrets.token_hex(8)


def lock_temp(fd: int, dir_fd: int, name: str) -> bool:
    """flock a new temp entry for as long as fd (or a copy a job inherits) stays open: storage.sweep removes only
    unlocked ones. False if a sweep removed the name before the lock was taken (the caller makes another)."""
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        named = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return False
    opened = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino)


def create_temp_file(dir_fd: int) -> tuple[int, str]:
    """A new, empty, private (0600), locked file with a random reserved name in the directory."""
    while True:
        name = temp_name()
        try:
            fd = os.open(name, CREATE_FLAGS, FILE_MODE, dir_fd=dir_fd)
        except FileExistsError:
            continue
        if not lock_temp(fd, dir_fd, name):
            os.close(fd)
            continue
        os.fchmod(fd, FILE_MODE)  # exactly 0600, whatever the umask
        return fd, name


def remove_quietly(dir_fd: int, name: str) -> None:
    """Unlink our own temporary file; it may already be gone."""
    with suppress(FileNotFoundError):
        os.unlink(name, dir_fd=dir_fd)


def make_dir(dir_fd: int, name: str, parts: Sequence[str]) -> None:
    """mkdir 0700 (exactly, whatever the umask); an existing entry is a 409."""
    try:
        os.mkdir(name, DIR_MODE, dir_fd=dir_fd)
    except FileExistsError:
        raise AlreadyExists(f"{virtual(parts)} already exists.") from None
    fd = os.open(name, DIR_FLAGS, dir_fd=dir_fd)
    try:
        os.fchmod(fd, DIR_MODE)
    finally:
        os.close(fd)


def _load_renameat2() -> Callable[..., int] | None:
    """glibc's renameat2, which Python does not wrap (glibc 2.28+)."""
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function  # type: ignore[no-any-return]


_renameat2 = _load_renameat2()


def rename_noreplace(src_fd: int, src: str, dst_fd: int, dst: str, parts: Sequence[str]) -> None:
    """Rename that fails with 409 if dst exists, atomically (renameat2 RENAME_NOREPLACE)."""
    if _renameat2 is not None:
        if _renameat2(src_fd, os.fsencode(src), dst_fd, os.fsencode(dst), RENAME_NOREPLACE) == 0:
            return
        code = ctypes.get_errno()
        if code == errno.EEXIST:
            raise AlreadyExists(f"{virtual(parts)} already exists.")
        if code not in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
            raise OSError(code, os.strerror(code), dst)
    _rename_noreplace_fallback(src_fd, src, dst_fd, dst, parts)


def _rename_noreplace_fallback(src_fd: int, src: str, dst_fd: int, dst: str, parts: Sequence[str]) -> None:
    """For file systems without RENAME_NOREPLACE: link+unlink for files (atomic), checked rename for folders."""
    if stat.S_ISREG(os.stat(src, dir_fd=src_fd, follow_symlinks=False).st_mode):
        try:
            os.link(src, dst, src_dir_fd=src_fd, dst_dir_fd=dst_fd, follow_symlinks=False)
        except FileExistsError:
            raise AlreadyExists(f"{virtual(parts)} already exists.") from None
        os.unlink(src, dir_fd=src_fd)
        return
    if entry_exists(dst_fd, dst):
        raise AlreadyExists(f"{virtual(parts)} already exists.")
    os.rename(src, dst, src_dir_fd=src_fd, dst_dir_fd=dst_fd)


def replace_entry(src_fd: int, src: str, dst_fd: int, dst: str, parts: Sequence[str]) -> None:
    """Rename over dst, which may be a file but never a folder or a link (a link is refused, not followed)."""
    try:
        info = os.stat(dst, dir_fd=dst_fd, follow_symlinks=False)
    except FileNotFoundError:
        info = None
    if info is not None:
        refuse_special(info, parts)
        if stat.S_ISDIR(info.st_mode):
            raise IsDirectory(f"{virtual(parts)} is a folder; it is never replaced.")
    os.replace(src, dst, src_dir_fd=src_fd, dst_dir_fd=dst_fd)  # renames the entry; never follows a link


def remove_entry(dir_fd: int, name: str, parts: Sequence[str], *, recursive: bool) -> None:
    """Delete a file, or a folder when recursive; a link is refused, and links inside are unlinked, never followed."""
    info = stat_entry(dir_fd, name, parts)
    if stat.S_ISLNK(info.st_mode):
        raise _link_refused(parts)
    if not stat.S_ISDIR(info.st_mode):
        os.unlink(name, dir_fd=dir_fd)
        return
    if not recursive:
        raise IsDirectory(f"{virtual(parts)} is a folder; delete it with recursive=true.")
    if not shutil.rmtree.avoids_symlink_attacks:  # pragma: no cover - Linux always has the fd-based rmtree
        raise OSError(errno.ENOTSUP, "this platform cannot delete folders without following links")
    shutil.rmtree(name, dir_fd=dir_fd)


def sync_dir(dir_fd: int) -> None:
    """Make a rename in this directory durable."""
    with suppress(OSError):  # some file systems refuse fsync on a directory; the rename is still atomic
        os.fsync(dir_fd)


def scan_dir(dir_fd: int) -> Iterator[tuple[str, os.stat_result]]:
    """(name, lstat) of each entry except our in-progress temporary files; links are reported, not followed."""
    with os.scandir(dir_fd) as entries:
        for entry in entries:
            if entry.name.startswith(TEMP_PREFIX):
                continue
            try:
                yield entry.name, entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue


def tree_usage(root_fd: int) -> tuple[int, int]:
    """(bytes, files) of the regular files below root_fd, walking by descriptor and never following links.

    The bytes include writes in progress (temp files and folders take disk, so they take quota: parallel uploads
    cannot together pass it); the files are only the ones a listing shows.
    """
    total = files = 0
    for path, _, names, dir_fd in os.fwalk(".", dir_fd=root_fd, follow_symlinks=False):
        is_temp_dir = any(part.startswith(TEMP_PREFIX) for part in path.split("/"))
        for name in names:
            try:
                info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
            except FileNotFoundError:
                continue
            if stat.S_ISREG(info.st_mode):
                total += info.st_size
                files += not (is_temp_dir or name.startswith(TEMP_PREFIX))
    return total, files
