"""Reading the fields of a change request (create/alter/edit) with their types checked."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pgadmin_lite.browser.refs import REF_FIELDS, check_name
from pgadmin_lite.errors import BadRequest

MAX_TEXT = 1_000_000


class Body:
    """A JSON object's fields: unknown ones are a 400 naming the allowed ones; each getter checks its type."""

    def __init__(self, data: Mapping[str, Any], allowed: Iterable[str], *, with_ref: bool = True) -> None:
        self.data = data
        known = set(allowed) | {"preview"} | (set(REF_FIELDS) if with_ref else set())
        unknown = sorted(set(data) - known)
        if unknown:
            raise BadRequest(f"Unknown field(s): {', '.join(unknown)}.",
                             hint=f"Allowed: {', '.join(sorted(known))}.")

    def has(self, field: str) -> bool:
        return field in self.data

    @property
    def preview(self) -> bool:
        return bool(self.flag("preview"))

    def name(self, field: str, *, required: bool = False) -> str | None:
        """An identifier (any characters but NUL, at most 63 bytes)."""
        value = self.data.get(field)
        if value is None and not required:
            return None
        return check_name(value, field)

    def names(self, field: str) -> list[str] | None:
        value = self.data.get(field)
        if value is None:
            return None
        if not isinstance(value, list):
            raise BadRequest(f"{field} must be a list of names.", field=field)
        return [check_name(v, field) or "" for v in value]

    def text(self, field: str, *, required: bool = False) -> str | None:
        value = self.data.get(field)
        if value is None and not required:
            return None
        if not isinstance(value, str) or "\x00" in value or len(value) > MAX_TEXT:
            raise BadRequest(f"{field} must be a string (no NUL characters).", field=field)
        return value

    def flag(self, field: str) -> bool | None:
        value = self.data.get(field)
        if value is not None and not isinstance(value, bool):
            raise BadRequest(f"{field} must be true or false.", field=field)
        return value

    def integer(self, field: str, *, minimum: int | None = None) -> int | None:
        value = self.data.get(field)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or (minimum is not None and value < minimum):
            raise BadRequest(f"{field} must be an integer" + (f" of at least {minimum}." if minimum is not None
                                                              else "."), field=field)
        return value

    def items(self, field: str) -> list[dict[str, Any]] | None:
        """A list of JSON objects (columns, changes…)."""
        value = self.data.get(field)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise BadRequest(f"{field} must be a list of objects.", field=field)
        return value
