"""Storage operations on one root: list, make folder, rename, delete, download, and text read/write."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from pgadmin_lite.errors import AlreadyExists, BadRequest, IsDirectory, NotText, PayloadTooLarge
from pgadmin_lite.storage import sandbox
from pgadmin_lite.storage.roots import Root
from pgadmin_lite.storage.writes import (
    PendingFile,
    commit_files,
    pending_files,
    quota_error,
    quota_room,
    translate_os_errors,
)

MAX_TEXT_BYTES = 5 * 1024 * 1024  # the largest file opened in (or saved from) the query tool's editor


def entry_json(name: str, info: os.stat_result) -> dict[str, Any]:
    """One listing entry; a link is shown as what it is, never followed."""
    is_dir = stat.S_ISDIR(info.st_mode)
    return {"name": name, "is_dir": is_dir, "is_link": stat.S_ISLNK(info.st_mode),
            "size": 0 if is_dir else info.st_size,
            "modified": datetime.fromtimestamp(info.st_mtime, UTC).isoformat(timespec="seconds")}


def _located(root: Root, parts: tuple[str, ...], info: os.stat_result) -> dict[str, Any]:
    return {"root": root.name, "path": sandbox.virtual(parts), **entry_json(parts[-1], info)}


@translate_os_errors
def list_dir(root: Root, path: object, *, hidden: bool = False) -> dict[str, Any]:
    """Folders first, then files, by name; names starting with '.' only when asked."""
    parts = sandbox.split_path(path)
    with root.opened() as root_fd, sandbox.opened_dir(root_fd, parts) as dir_fd:
        entries = [entry_json(name, info) for name, info in sandbox.scan_dir(dir_fd)
                   if hidden or not name.startswith(".")]
    entries.sort(key=lambda entry: (not entry["is_dir"], entry["name"].casefold(), entry["name"]))
    return {"root": root.name, "path": sandbox.virtual(parts), "entries": entries}


@translate_os_errors
def make_directory(root: Root, path: object) -> dict[str, Any]:
    """One level (the parent must exist), so a typo in a parent name is a 404, not a new tree."""
    root.require_writable()
    parent, name = sandbox.split_parent(path)
    parts = (*parent, name)
    with root.opened(lock=True) as root_fd, sandbox.opened_dir(root_fd, parent) as dir_fd:
        sandbox.make_dir(dir_fd, name, parts)
        return _located(root, parts, sandbox.stat_entry(dir_fd, name, parts))


@translate_os_errors
def rename(root: Root, path: object, new_path: object, *, overwrite: bool = False) -> dict[str, Any]:
    """Move or rename within one root; a folder is never replaced, a file only with overwrite."""
    root.require_writable()
    src_parent, src = sandbox.split_parent(path)
    dst_parent, dst = sandbox.split_parent(new_path)
    src_parts, dst_parts = (*src_parent, src), (*dst_parent, dst)
    with root.opened(lock=True) as root_fd, sandbox.opened_dir(root_fd, src_parent) as src_fd, \
            sandbox.opened_dir(root_fd, dst_parent) as dst_fd:
        info = sandbox.stat_entry(src_fd, src, src_parts)
        sandbox.refuse_special(info, src_parts)
        if stat.S_ISDIR(info.st_mode) and dst_parts[:len(src_parts)] == src_parts:
            raise BadRequest(f"Cannot move {sandbox.virtual(src_parts)} into itself.")
        if overwrite and not stat.S_ISDIR(info.st_mode):
            sandbox.replace_entry(src_fd, src, dst_fd, dst, dst_parts)
        else:
            sandbox.rename_noreplace(src_fd, src, dst_fd, dst, dst_parts)
        sandbox.sync_dir(dst_fd)
        return _located(root, dst_parts, sandbox.stat_entry(dst_fd, dst, dst_parts))


@translate_os_errors
def delete(root: Root, path: object, *, recursive: bool = False) -> None:
    root.require_writable()
    parent, name = sandbox.split_parent(path)
    with root.opened(lock=True) as root_fd, sandbox.opened_dir(root_fd, parent) as dir_fd:
        sandbox.remove_entry(dir_fd, name, (*parent, name), recursive=recursive)
        sandbox.sync_dir(dir_fd)


@dataclass
class OpenedFile:
    """A regular file opened for reading (by descriptor, so it cannot change identity under us)."""

    file: IO[bytes]
    name: str
    size: int
    modified: float


@translate_os_errors
def open_file(root: Root, path: object) -> OpenedFile:
    parent, name = sandbox.split_parent(path)
    with root.opened() as root_fd, sandbox.opened_dir(root_fd, parent) as dir_fd:
        fd = sandbox.open_regular_file(dir_fd, name, (*parent, name))
    info = os.fstat(fd)
    return OpenedFile(os.fdopen(fd, "rb"), name, info.st_size, info.st_mtime)


def decode_text(data: bytes, shown: str) -> str:
    """UTF-8 text or a clear not_text error (a NUL byte means binary)."""
    if b"\x00" in data:
        raise NotText(f"{shown} is a binary file, not text.", hint="Download it instead.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotText(f"{shown} is not UTF-8 text (invalid byte at offset {exc.start}).",
                      hint="Convert it to UTF-8, or download it instead.") from None


def read_text(root: Root, path: object) -> dict[str, Any]:
    """A text file for the editor: capped in size, refused clearly when binary."""
    opened = open_file(root, path)
    shown = sandbox.virtual(sandbox.split_path(path))
    with opened.file:
        if opened.size > MAX_TEXT_BYTES:
            raise PayloadTooLarge(f"{shown} is {opened.size} bytes; the editor opens text files up to "
                                  f"{MAX_TEXT_BYTES} bytes.", hint="Download it instead.")
        data = opened.file.read(MAX_TEXT_BYTES + 1)
    if len(data) > MAX_TEXT_BYTES:
        raise PayloadTooLarge(f"{shown} grew past {MAX_TEXT_BYTES} bytes while it was read.")
    modified = datetime.fromtimestamp(opened.modified, UTC).isoformat(timespec="seconds")
    return {"root": root.name, "path": shown, "text": decode_text(data, shown), "size": len(data),
            "modified": modified}


def encode_text(text: object) -> bytes:
    """UTF-8 bytes of the editor's text, within the size the editor may save."""
    if not isinstance(text, str):
        raise BadRequest("text must be a string.")
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest("text contains characters that are not valid Unicode (lone surrogates).") from None
    if len(data) > MAX_TEXT_BYTES:
        raise PayloadTooLarge(f"The text is {len(data)} bytes; files saved from the editor may have at most "
                              f"{MAX_TEXT_BYTES} bytes.")
    return data


@translate_os_errors
def write_text(root: Root, path: object, text: object, *, overwrite: bool = False) -> tuple[dict[str, Any], bool]:
    """Save text atomically; returns (the file's entry, whether it was created)."""
    root.require_writable()
    return write_stream(root, path, [encode_text(text)], overwrite=overwrite)


def _refuse_existing(dir_fd: int, name: str, parts: tuple[str, ...], *, overwrite: bool) -> bool:
    """Whether the target exists; refuse early (before any byte is produced) what the commit would refuse."""
    try:
        info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return False
    if not overwrite:
        raise AlreadyExists(f"{sandbox.virtual(parts)} already exists.", hint="Send overwrite=true to replace it.")
    sandbox.refuse_special(info, parts)
    if stat.S_ISDIR(info.st_mode):
        raise IsDirectory(f"{sandbox.virtual(parts)} is a folder; it is never replaced.")
    return True


@translate_os_errors
def write_stream(root: Root, path: object, chunks: Iterable[bytes], *,
                 overwrite: bool = False) -> tuple[dict[str, Any], bool]:
    """Write chunks as they arrive into a temp file beside the target, then commit it; returns (entry, created)."""
    # Nothing is held in memory; the quota is enforced while bytes arrive and again at the commit (under the
    # root's lock). Whatever fails, including an error raised by `chunks`, leaves no file behind.
    root.require_writable()
    parent, name = sandbox.split_parent(path)
    parts = (*parent, name)
    with root.opened() as root_fd, sandbox.opened_dir(root_fd, parent) as dir_fd, pending_files() as items:
        existed = _refuse_existing(dir_fd, name, parts, overwrite=overwrite)
        item = PendingFile(dir_fd, name, parts)
        items.append(item)
        room = quota_room(root, root_fd)
        if room is not None and existed:
            room += item.existing_size()  # the replaced file's bytes will be freed
        for chunk in chunks:
            if room is not None and item.size + len(chunk) > room:
                raise quota_error(root, (root.quota_bytes or 0) - room, item.size + len(chunk))
            item.write(chunk)
        item.finish()
        commit_files(root, root_fd, items, overwrite=overwrite)
        return _located(root, parts, sandbox.stat_entry(dir_fd, name, parts)), not existed


@translate_os_errors
def usage(root: Root) -> tuple[int, int]:
    """(bytes, files) stored in the root."""
    with root.opened() as root_fd:
        return sandbox.tree_usage(root_fd)
