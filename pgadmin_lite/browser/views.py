"""Object-browser HTTP API: catalog listings for a server the user may use."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from flask_login import current_user

from pgadmin_lite.browser.catalog import run_catalog
from pgadmin_lite.servers import service as servers

bp = Blueprint("browser", __name__)


@bp.get("/api/v1/servers/<int:server_id>/databases")
def databases(server_id: int) -> ResponseReturnValue:
    server = servers.get_server_for_user(current_user, server_id)
    rows = run_catalog(server, current_user, "databases", connect_timeout=current_app.config["CONNECT_TIMEOUT"])
    return jsonify(rows)
