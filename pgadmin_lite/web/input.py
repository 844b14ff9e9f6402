"""Reading request input: JSON bodies (parsed by web.json_input), typed fields, and text no store accepts."""

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
