"""Catalog values as a DBA reads them: sizes like pg_size_pretty, Yes/No, lists joined, no limit as words."""

from __future__ import annotations

from typing import Any

# pg_size_pretty's units (PostgreSQL 15+): name, the limit below which the unit is used, half-rounding, bits.
SIZE_UNITS = (("bytes", 10 * 1024, False, 0), ("kB", 20 * 1024 - 1, True, 10), ("MB", 20 * 1024 - 1, True, 20),
              ("GB", 20 * 1024 - 1, True, 30), ("TB", 20 * 1024 - 1, True, 40), ("PB", 20 * 1024 - 1, True, 50))


def _c_div(a: int, b: int) -> int:
    """Integer division truncating toward zero, as C does."""
    q = abs(a) // b
    return -q if a < 0 else q


def pretty_size(size: int | None) -> str | None:
    """The text pg_size_pretty(size) returns, e.g. '8192 bytes', '16 kB', '1234 MB'."""
    if size is None:
        return None
    for index, (name, limit, rounds, bits) in enumerate(SIZE_UNITS):
        is_last = index == len(SIZE_UNITS) - 1
        if is_last or abs(size) < limit:
            if rounds:
                size = _c_div(size + (-1 if size < 0 else 1), 2)
            return f"{size} {name}"
        _, _, next_rounds, next_bits = SIZE_UNITS[index + 1]
        size = _c_div(size, 1 << (next_bits - bits - int(next_rounds) + int(rounds)))
    return None  # unreachable: the last unit always answers


def shown(value: Any) -> Any:
    """A value for display: Yes/No, lists joined, the rest as PostgreSQL wrote it (catalog connections load
    dates, times and numerics as their text, see connections/encoding.py)."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(shown(v)) for v in value) if value else None
    return value


def connection_limit(limit: int | None) -> str | int | None:
    return "No limit" if limit == -1 else limit
