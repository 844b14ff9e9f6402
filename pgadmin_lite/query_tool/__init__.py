"""The query tool: SQL execution over a session's dedicated connection, its API, page and history."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app


def init_app(app: Flask) -> None:
    from pgadmin_lite.query_tool.views import bp
    from pgadmin_lite.servers.signals import server_access_lost

    server_access_lost.connect(_close_server_tabs)  # connecting the same function again is a no-op
    app.register_blueprint(bp)


def _close_server_tabs(server_id: int, *, reason: str, keep_user: int | None = None, **_: Any) -> None:
    """Tabs on a server end with their users' right to it (a signal keeps servers.service unaware of tabs)."""
    manager = current_app.extensions.get("connection_manager")
    if manager is not None:
        manager.close_server(server_id, reason, keep_user=keep_user)
