"""My sessions: every query-tool connection a user holds in this process, and closing them (admins: anyone's)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The page and API, and the per-user cap's error pointing at the page."""
    from pgadmin_lite.connections import connection_manager
    from pgadmin_lite.tool_sessions.views import SCHEMAS, bp, cap_advice
    from pgadmin_lite.web.openapi import register_schemas

    connection_manager(app).cap_advice = cap_advice

    register_schemas(app, SCHEMAS, {"tool_sessions.list_all": {"type": "object", "properties": {
        "all": {"type": "string", "enum": ["1", "0", "true", "false"]}}}})
    app.register_blueprint(bp)
