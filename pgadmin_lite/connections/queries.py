"""Our SQL lives in .sql files next to the feature that owns it, loaded by name (names are ours, never the user's)."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def load_sql(name: str, package: str) -> str:
    """The text of <package>/sql/<name>.sql."""
    return resources.files(package).joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")
