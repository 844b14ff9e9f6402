"""The query tool: SQL execution over a session's dedicated connection, its API, page and history."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from pgadmin_lite.query_tool.views import bp

    app.register_blueprint(bp)
