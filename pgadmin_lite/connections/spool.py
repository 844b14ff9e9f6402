"""The rest of a result in a private temp file, so paging goes on after the snapshot and locks are let go."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson


@dataclass(frozen=True)
class Holding:
    """How long a result outside the user's transaction may hold its snapshot, and where its rest goes."""

    hold_s: float
    directory: Path
    max_bytes: int


class Spool:
    """Rows as JSON lines in an unlinked 0600 file under DATA_DIR: private, bounded, gone with the tab."""

    def __init__(self, holding: Holding) -> None:
        holding.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=holding.directory, prefix="result-")  # mode 0600
        os.unlink(name)  # no name on disk: nothing is left behind, whatever ends the process
        self._file = os.fdopen(fd, "w+b")
        self.max_bytes, self.size, self.is_full = holding.max_bytes, 0, False

    def write(self, rows: list[Any]) -> bool:
        """Append rows; False once the bound is reached (the rows past it are let go)."""
        for row in rows:
            line = orjson.dumps(row, default=str) + b"\n"
            if self.size + len(line) > self.max_bytes:
                self.is_full = True
                return False
            self._file.write(line)
            self.size += len(line)
        return True

    def rewind(self) -> None:
        self._file.flush()
        self._file.seek(0)

    def read(self, count: int) -> list[Any]:
        rows = []
        while len(rows) < count and (line := self._file.readline()):
            rows.append(orjson.loads(line))
        return rows

    def close(self) -> None:
        self._file.close()
