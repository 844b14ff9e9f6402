"""The single place that turns exceptions into HTML or JSON responses."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from pgadmin_lite.errors import AppError
from pgadmin_lite.web.csrf import CSRFError

log = logging.getLogger(__name__)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(status: int, body: dict[str, Any]) -> Response:
    """Render one error as JSON for API clients, as a page for browsers."""
    if _wants_json():
        response = jsonify({"error": body})
    else:
        response = Response(render_template("error.html", status=status, error=body), mimetype="text/html")
    response.status_code = status
    return response


def _handle_app_error(exc: AppError) -> Response:
    return error_response(exc.status, exc.to_dict())


def _handle_csrf(exc: CSRFError) -> Response:
    return error_response(400, {
        "code": "csrf_failed",
        "message": f"The request was refused: {exc.description}",
        "hint": "Reload the page; API clients send the token from GET /api/v1/session in X-CSRFToken.",
    })


def _handle_http(exc: HTTPException) -> Response:
    code = (exc.name or "error").lower().replace(" ", "_")
    return error_response(exc.code or 500, {"code": code, "message": exc.description or exc.name})


def _handle_unexpected(exc: Exception) -> Response:
    log.exception("Unhandled error on %s %s", request.method, request.path)
    return error_response(500, {"code": "internal_error",
                                "message": "An unexpected error occurred; the server log has the details."})


def init_app(app: Flask) -> None:
    """Register the one mapping from exceptions to responses."""
    app.register_error_handler(AppError, _handle_app_error)
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(Exception, _handle_unexpected)
