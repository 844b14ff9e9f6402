"""Reading API request bodies: a JSON object or a clear 400 (parsed by web.json_input), and typed fields."""

from __future__ import annotations

from typing import Any

from flask import request

from pgadmin_lite.errors import BadRequest
from pgadmin_lite.web.json_input import parse_json


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a clear 400; every view reads its body through here."""
    if not request.is_json:
        raise BadRequest("The request body must be a JSON object (Content-Type: application/json).")
    body = parse_json(request.get_data(cache=True))
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object (Content-Type: application/json).")
    return body


def optional_bool(body: dict[str, Any], name: str) -> bool | None:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise BadRequest(f"{name} must be true or false.")
    return value
