"""Reading request input: JSON bodies (parsed by web.json_input), typed fields, flags, PostgreSQL names, and
text no store accepts."""

from __future__ import annotations

from typing import Any

from flask import Flask, request

from pgadmin_lite.errors import BadRequest
from pgadmin_lite.web.json_input import parse_json

FORM = "application/x-www-form-urlencoded"  # the login and account pages; multipart is only the streamed upload


def refuse_nul_text() -> None:
    """A NUL in a query string or form value is a 400 before any view runs: psycopg refuses to send one, so a login
    with it was a 500 on a PostgreSQL config DB and a dashboard ?q= with it a 502 "connection failed"."""
    pairs = list(request.args.items(multi=True))
    if request.mimetype == FORM:
        pairs += request.form.items(multi=True)
    for name, value in pairs:
        if "\x00" in name or "\x00" in value:
            raise BadRequest(f"The parameter {name.replace(chr(0), '')[:60]!r} holds a NUL character; send text "
                             "without it.")


def init_app(app: Flask) -> None:
    """After body_limit (the form is read here), before authentication and the views."""
    app.before_request(refuse_nul_text)


MAX_NAME_BYTES = 63  # NAMEDATALEN - 1: PostgreSQL would silently truncate a longer identifier


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
