"""Shared by the storage tests: the hostile path table, a sentinel tree, on-disk snapshots, raw multipart bodies."""

from __future__ import annotations

import os
import stat
from pathlib import Path

SENTINEL_MARKER = "SENTINEL-7f3a-do-not-leak"

# Paths every storage operation must refuse with 400 outside_storage, touching nothing.
HOSTILE_PATHS: list[tuple[str, str]] = [
    ("dotdot", ".."),
    ("dotdot-slash", "../"),
    ("dotdot-escape", "../sentinel/secret.txt"),
    ("rooted-dotdot", "/../../etc/passwd"),
    ("nested-dotdot", "a/../../b"),
    ("sibling-user", "/../u1/secret.sql"),
    ("dot", "./x"),
    ("inner-dot", "a/./b"),
    ("double-slash", "a//b"),
    ("host-style", "//etc/passwd"),
    ("nul", "a\x00b"),
    ("nul-dotdot", "..\x00/x"),
    ("backslash-dotdot", "\\..\\..\\etc\\passwd"),
    ("backslash", "a\\b"),
    ("two-dot-leader", "\u2025/etc/passwd"),
    ("fullwidth-dots", "\uff0e\uff0e\uff0fetc"),
    ("fullwidth-dots-alone", "\uff0e\uff0e"),
    ("fullwidth-slash", "a\uff0fb"),
    ("newline", "a\nb.sql"),
    ("carriage-return", "a\rb"),
    ("escape-char", "a\x1b[2Jb"),
    ("c1-control", "a\x85b"),
    ("bidi-override", "a\u202egpj.sql"),
    ("long-name", "a" * 256),
    ("long-utf8-name", "\u00e9" * 128),
    ("long-path", "/".join(["d" * 200] * 21)),
    ("reserved-temp", ".pgl-tmp-0123456789abcdef"),
]
# Legal virtual names that only look hostile: they stay inside the root (decoded once, never again).
VIRTUAL_ODDITIES: list[tuple[str, str]] = [
    ("etc-passwd", "/etc/passwd"),
    ("encoded-dotdot-literal", "..%2f"),
    ("encoded-escape-literal", "..%2fsentinel%2fsecret.txt"),
    ("percent-dots", "%2e%2e"),
]


def make_sentinel(base: Path) -> Path:
    """A tree outside every storage root whose every byte and timestamp must survive the tests."""
    sentinel = base / "sentinel"
    (sentinel / "sub").mkdir(parents=True)
    (sentinel / "secret.txt").write_text(SENTINEL_MARKER + "\n")
    (sentinel / "sub" / "inner.sql").write_text(f"-- {SENTINEL_MARKER}\nselect 1;\n")
    return sentinel


def snapshot(path: Path) -> dict[str, tuple[object, ...]]:
    """Names, types, modes, sizes, mtimes, contents and link targets of a tree (links not followed)."""
    found: dict[str, tuple[object, ...]] = {}
    if not os.path.lexists(path):
        return found
    top = os.lstat(path)
    found["."] = (stat.S_IFMT(top.st_mode), stat.S_IMODE(top.st_mode), top.st_mtime_ns)
    for dirpath, dirnames, filenames in os.walk(path, followlinks=False):
        for name in dirnames + filenames:
            item = Path(dirpath, name)
            info = os.lstat(item)
            entry: tuple[object, ...] = (stat.S_IFMT(info.st_mode), stat.S_IMODE(info.st_mode), info.st_size,
                                         info.st_mtime_ns)
            if stat.S_ISLNK(info.st_mode):
                entry += (os.readlink(item),)
            elif stat.S_ISREG(info.st_mode):
                entry += (item.read_bytes(),)
            found[str(item.relative_to(path))] = entry
    return found


def leftovers(root: Path) -> list[str]:
    """In-progress temp files anywhere under a root (there must be none after any request)."""
    return [str(p) for p in root.rglob(".pgl-tmp-*")]


def multipart(fields: list[tuple[str, str]], files: list[tuple[str, bytes]],
              boundary: str = "pgl-test-boundary-5c1e") -> tuple[bytes, str]:
    """A multipart body with the exact field order and raw file names we choose."""
    chunks: list[bytes] = []
    for name, value in fields:
        chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                      + value.encode() + b"\r\n")
    for filename, data in files:
        quoted = filename.replace("\\", "\\\\").replace('"', '\\"')
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{quoted}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n")
        chunks.append(head.encode("utf-8", "surrogatepass") + data + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"
