"""The rest of a result in a private temp file, so paging goes on after the snapshot and locks are let go."""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

READ_BLOCK = 256 * 1024  # bytes read at a time when an export reads the whole spool


@dataclass(frozen=True)
class Holding:
    """How long a result outside the user's transaction may hold its snapshot, and where its rest goes."""

    hold_s: float
    directory: Path
    max_bytes: int


class Spool:
    """Rows as JSON arrays, a line each, in an unlinked 0600 file under DATA_DIR: private, bounded, gone with the tab.

    The grid pages it from the file's position; an export reads it from the start with pread, on its own
    (share() counts it as a user: the file closes with its last one).
    """

    def __init__(self, holding: Holding) -> None:
        holding.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=holding.directory, prefix="result-")  # mode 0600
        os.unlink(name)  # no name on disk: nothing is left behind, whatever ends the process
        self._file = os.fdopen(fd, "w+b")
        self.max_bytes, self.size, self.is_full = holding.max_bytes, 0, False
        self.rows = 0
        self._pending: list[Any] = []  # rows of the line last read that the grid has not had yet
        self._users, self._users_lock = 1, threading.Lock()

    def write(self, rows: list[Any]) -> bool:
        """Append rows (a JSON array a line: one dumps per chunk); False once the bound is reached (the rows past
        it are let go)."""
        if not rows:
            return True
        line = orjson.dumps(rows, default=str, option=orjson.OPT_APPEND_NEWLINE)
        if self.size + len(line) <= self.max_bytes:
            self._file.write(line)
            self.size += len(line)
            self.rows += len(rows)
            return True
        if len(rows) == 1:
            self.is_full = True
            return False
        half = len(rows) // 2  # the chunk does not fit: as many of its rows as do
        return self.write(rows[:half]) and self.write(rows[half:])

    def rewind(self) -> None:
        self._file.flush()
        self._file.seek(0)

    def read(self, count: int) -> list[Any]:
        rows = self._pending
        while len(rows) < count and (line := self._file.readline()):
            rows += orjson.loads(line)
        self._pending = rows[count:]
        return rows[:count]

    def all_rows(self) -> Iterator[Any]:
        """Every row written, from the first, in blocks (after rewind(); the grid's position is not moved)."""
        fd, offset, rest = self._file.fileno(), 0, b""
        while offset < self.size:
            block = os.pread(fd, min(READ_BLOCK, self.size - offset), offset)
            if not block:
                break
            offset += len(block)
            *lines, rest = (rest + block).split(b"\n")
            for line in lines:
                yield from orjson.loads(line)

    def share(self) -> Spool:
        with self._users_lock:
            self._users += 1
        return self

    def close(self) -> None:
        with self._users_lock:
            self._users -= 1
            if self._users == 0:
                self._file.close()
