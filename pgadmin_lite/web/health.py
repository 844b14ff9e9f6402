"""GET /health: liveness for proxies and tests; never touches the session."""

from __future__ import annotations

import os

from flask import Blueprint, Flask, current_app, jsonify
from flask.typing import ResponseReturnValue

bp = Blueprint("health", __name__)


@bp.get("/health")
def health() -> ResponseReturnValue:
    body = {"status": "ok", "version": current_app.config["VERSION"], "pid": os.getpid()}
    warnings = [check() for check in current_app.extensions.get("health_checks", [])]
    warnings = [w for w in warnings if w]
    if warnings:
        body.update(status="degraded", warnings=warnings)
    return jsonify(body)


def init_app(app: Flask) -> None:
    app.extensions.setdefault("health_checks", [])
    app.register_blueprint(bp)
