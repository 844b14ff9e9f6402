"""PostgreSQL client programs for a server's major version: /usr/lib/postgresql/<major>/bin, PG_BIN_DIRS, PATH.

A pg_dump older than the server refuses to dump it (and an older pg_restore may not read its archives),
so a program is only used when its major version is at least the server's; otherwise the error names the
version needed and where we looked.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pgadmin_lite.errors import ClientProgramMissing

DEBIAN_BASE = Path("/usr/lib/postgresql")
VERSION_RE = re.compile(r"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?")
Version = tuple[int, ...]
_versions: dict[tuple[str, float], Version | None] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Program:
    """A client program and its major version."""

    name: str
    path: str
    major: Version


def major_of(numbers: Sequence[int]) -> Version:
    """PostgreSQL 10+ majors are one number (15), earlier ones two (9.6)."""
    return (numbers[0],) if numbers[0] >= 10 else (numbers[0], numbers[1] if len(numbers) > 1 else 0)


def server_major(server_version_num: int) -> Version:
    """150004 → (15,); 90624 → (9, 6)."""
    return major_of((server_version_num // 10000, server_version_num // 100 % 100))


def text(version: Version) -> str:
    return ".".join(map(str, version))


def program_major(path: str) -> Version | None:
    """The major version a program reports with --version (cached per path and modification time)."""
    try:
        key = (path, os.stat(path).st_mtime)
    except OSError:
        return None
    with _lock:
        if key in _versions:
            return _versions[key]
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10, check=False,
                             stdin=subprocess.DEVNULL).stdout
    except (OSError, subprocess.TimeoutExpired):
        out = ""
    match = VERSION_RE.search(out)
    version = major_of([int(match.group(1)), int(match.group(2) or 0)]) if match else None
    with _lock:
        _versions[key] = version
    return version


def candidate_dirs(major: Version, extra_dirs: Sequence[str], base: Path = DEBIAN_BASE) -> list[Path]:
    """Where to look, in order: the Debian directory of this major, PG_BIN_DIRS, PATH, newer Debian majors."""
    dirs = [base / text(major) / "bin", *map(Path, extra_dirs), *map(Path, os.get_exec_path())]
    try:
        newer = sorted((tuple(int(p) for p in entry.name.split(".")), entry / "bin") for entry in base.iterdir()
                       if re.fullmatch(r"\d+(\.\d+)?", entry.name))
    except OSError:
        newer = []
    dirs += [path for version, path in newer if version > major]
    unique: list[Path] = []
    for directory in dirs:
        if directory.is_absolute() and directory not in unique:
            unique.append(directory)
    return unique


def find_program(name: str, major: Version, extra_dirs: Sequence[str] = (), base: Path = DEBIAN_BASE) -> Program:
    """The first program `name` at least as new as the server, or ClientProgramMissing naming what is needed."""
    too_old: list[str] = []
    dirs = candidate_dirs(major, extra_dirs, base)
    for directory in dirs:
        path = directory / name
        if not (path.is_file() and os.access(path, os.X_OK)):
            continue
        found = program_major(str(path))
        if found is not None and found >= major:
            return Program(name, str(path), found)
        too_old.append(f"{path} is version {text(found) if found else 'unknown'}")
    needed = text(major)
    hint = (f"Install the PostgreSQL {needed} client programs (Debian/Ubuntu: apt-get install "
            f"postgresql-client-{needed}), or have an administrator add their bin directory to PG_BIN_DIRS.")
    if too_old:
        raise ClientProgramMissing(f"{name} {needed} or newer is needed for this PostgreSQL {needed} server, but "
                                   f"only older ones were found ({'; '.join(too_old)}).", hint=hint)
    shown = ", ".join(str(d) for d in dirs[:6]) + (" …" if len(dirs) > 6 else "")
    raise ClientProgramMissing(f"No {name} for PostgreSQL {needed} was found (looked in {shown}).", hint=hint)
