"""The check every object-valued preference starts with: an object whose keys are all known names."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pgadmin_lite.errors import BadRequest


def known_object(value: Any, field: str, names: Iterable[str], what: str, shape: str = "an object") -> dict[str, Any]:
    """value itself when it is an object of known keys; else a 400 naming the field (and the known names)."""
    if not isinstance(value, dict):
        raise BadRequest(f"{field} must be {shape}.", field=field)
    known = list(names)
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise BadRequest(f"Unknown {what} {', '.join(unknown)}; known: {', '.join(known)}.", field=field)
    return value
