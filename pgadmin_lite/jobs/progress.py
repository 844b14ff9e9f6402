"""How far a job is: objects of a known total (pg_dump/pg_restore --verbose lines), bytes, rows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# One line per unit of work in each program's --verbose output.
WORK_LINES = {
    "pg_dump": re.compile(r"^pg_dump: dumping contents of table "),
    "pg_restore": re.compile(r"^pg_restore: (creating|processing data for|executing|dropping) "),
}
UNITS = {"pg_dump": "tables", "pg_restore": "entries"}
ERROR_LINE = re.compile(r"(^|: )(error|fatal|FATAL|ERROR|warning: errors ignored)", re.IGNORECASE)


@dataclass
class Progress:
    """Counters a worker updates and reports; percent is None when the total is unknown."""

    unit: str = ""
    done: int = 0
    total: int | None = None
    bytes: int = 0
    rows: int | None = None
    is_finished: bool = False

    def percent(self) -> float | None:
        if self.is_finished:
            return 100.0
        if self.unit == "bytes" and self.total:
            return min(99.0, round(100 * self.bytes / self.total, 1))
        if not self.total:
            return None
        return min(99.0, round(100 * self.done / self.total, 1))

    def to_dict(self) -> dict[str, Any]:
        return {"percent": self.percent(), "unit": self.unit, "done": self.done, "total": self.total,
                "bytes": self.bytes, "rows": self.rows}


class LineCounter:
    """Counts a program's work lines and remembers its last error line (the job's message when it fails)."""

    def __init__(self, program: str, progress: Progress) -> None:
        self.pattern = WORK_LINES.get(program)
        self.progress = progress
        self.last_error = ""

    def feed(self, line: str) -> None:
        if self.pattern is not None and self.pattern.search(line):
            self.progress.done += 1
        if ERROR_LINE.search(line):
            self.last_error = line.strip()


def count_list_entries(listing: str) -> int:
    """Entries in `pg_restore --list` output (comment lines start with ';')."""
    return sum(1 for line in listing.splitlines() if line.strip() and not line.lstrip().startswith(";"))
