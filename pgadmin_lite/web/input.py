"""Reading API requests: a JSON object or a clear 400, typed fields, flags and PostgreSQL names."""

from __future__ import annotations

from typing import Any

from flask import request

from pgadmin_lite.errors import BadRequest

MAX_NAME_BYTES = 63  # NAMEDATALEN - 1: PostgreSQL would silently truncate a longer identifier


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a clear 400."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object (Content-Type: application/json).")
    return body


def optional_bool(body: dict[str, Any], name: str) -> bool | None:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise BadRequest(f"{name} must be true or false.")
    return value


def parse_bool(raw: Any) -> bool:
    """A query-string flag: 1, true, yes or on."""
    return str(raw).lower() in {"1", "true", "yes", "on"}


def check_name(value: Any, field: str, *, required: bool = True) -> str | None:
    """A PostgreSQL identifier as the user typed it: any characters but NUL, at most 63 bytes."""
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise BadRequest(f"{field} must be a non-empty string.", field=field)
    if "\x00" in value:
        raise BadRequest(f"{field} must not contain a NUL character.", field=field)
    if len(value.encode("utf-8")) > MAX_NAME_BYTES:
        raise BadRequest(f"{field} is longer than {MAX_NAME_BYTES} bytes; PostgreSQL would truncate it.",
                         field=field)
    return value
