"""The query tool: its API, page and history, on top of the connection manager's sessions."""

from __future__ import annotations

import atexit
import weakref
from typing import TYPE_CHECKING, Any

from flask import Flask

if TYPE_CHECKING:
    from pgadmin_lite.connections.manager import ConnectionManager
    from pgadmin_lite.connections.session import QuerySession
    from pgadmin_lite.query_tool.history_writer import HistoryWriter


def init_app(app: Flask) -> None:
    """Record each finished run in the history (written by a thread of its own), and serve the API."""
    from pgadmin_lite.connections import connection_manager
    from pgadmin_lite.query_tool.history_writer import HistoryWriter
    from pgadmin_lite.query_tool.views import bp

    writer = HistoryWriter(app, keep=app.config["QUERY_HISTORY_MAX"])
    app.extensions["history_writer"] = writer
    manager = connection_manager(app)
    manager.on_finish = _history_recorder(writer)
    # Registered after the connections' own exit hook, so this runs first (atexit is last-in first-out): sessions
    # end, then the history of their last statements is stored before the process ends (the thread is a daemon).
    atexit.register(_close_then_flush, weakref.ref(manager), weakref.ref(writer))
    app.register_blueprint(bp)


def _history_recorder(writer: HistoryWriter) -> Any:
    """Hand each finished run to the history writer (no config-DB work on the statement's thread)."""
    from pgadmin_lite.query_tool import history

    def on_finish(session: QuerySession, sql: str, result: dict[str, Any]) -> None:
        writer.submit(history.entry_for(session.user_id, session.server_id, session.database, sql, result))
    return on_finish


def _close_then_flush(manager_ref: weakref.ref[ConnectionManager], writer_ref: weakref.ref[HistoryWriter]) -> None:
    manager, writer = manager_ref(), writer_ref()
    if manager is not None:
        manager.close_all()
    if writer is not None:
        writer.flush()
