"""The query tool: its API, page and history, on top of the connection manager's sessions."""

from __future__ import annotations

import atexit
import weakref
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

if TYPE_CHECKING:
    from pgadmin_lite.connections.manager import AccessCheck, ConnectionManager
    from pgadmin_lite.connections.session import QuerySession, RunNote
    from pgadmin_lite.query_tool.history_writer import HistoryWriter


def init_app(app: Flask) -> None:
    """Record each finished run in the history (written by a thread of its own), and serve the API."""
    from pgadmin_lite.connections import connection_manager
    from pgadmin_lite.query_tool.api_schemas import QUERY, SCHEMAS
    from pgadmin_lite.query_tool.history_writer import HistoryWriter
    from pgadmin_lite.query_tool.views import bp
    from pgadmin_lite.servers.signals import server_access_lost, server_access_narrowed, server_made_read_only
    from pgadmin_lite.users.signals import user_updated
    from pgadmin_lite.web.openapi import register_schemas

    register_schemas(app, SCHEMAS, QUERY)

    writer = HistoryWriter(app, keep=app.config["QUERY_HISTORY_MAX"])
    app.extensions["history_writer"] = writer
    manager = connection_manager(app)
    manager.on_finish = _history_recorder(writer)
    manager.access_check = _access_check(weakref.ref(app))
    # Registered after the connections' own exit hook, so this runs first (atexit is last-in first-out): sessions
    # end, then the history of their last statements is stored before the process ends (the thread is a daemon).
    atexit.register(_close_then_flush, weakref.ref(manager), weakref.ref(writer))
    server_access_lost.connect(_close_server_tabs)  # connecting the same function again is a no-op
    server_access_narrowed.connect(_close_lost_tabs)
    server_made_read_only.connect(_tighten_server_tabs)
    user_updated.connect(_close_tabs_of_a_role_without_the_tool)
    app.register_blueprint(bp)


def _close_server_tabs(server_id: int, *, reason: str, keep_user: int | None = None, **_: Any) -> None:
    """Tabs on a server end with their users' right to it (a signal keeps servers.service unaware of tabs)."""
    from pgadmin_lite.connections import connection_manager

    connection_manager(current_app).close_server(server_id, reason, keep_user=keep_user)


def _close_tabs_of_a_role_without_the_tool(user: Any, **_: Any) -> None:
    """A user whose role (or its permissions) no longer grants query_tool.use loses their open tabs at once."""
    from pgadmin_lite.connections import connection_manager
    from pgadmin_lite.users.permissions import permissions_of

    if "query_tool.use" not in permissions_of(user):
        connection_manager(current_app).close_user(user.id, "Your role no longer allows the query tool, which "
                                                            "closed this query tool; any open transaction was "
                                                            "rolled back.")


def _close_lost_tabs(_: Any, *, reason: str, server_ids: frozenset[int] | None = None,
                     user_ids: frozenset[int] | None = None, **__: Any) -> None:
    """Tabs whose user may have lost their server (a share, group or role changed) end if the right is really gone."""
    from pgadmin_lite.connections import connection_manager
    from pgadmin_lite.errors import ServerAccessLost
    from pgadmin_lite.servers.access import lost_pairs

    manager = connection_manager(current_app)
    sessions = [s for s in manager.sessions() if (server_ids is None or s.server_id in server_ids)
                and (user_ids is None or s.user_id in user_ids)]
    lost = lost_pairs((s.user_id, s.server_id) for s in sessions) if sessions else set()
    for session in sessions:
        if (session.user_id, session.server_id) in lost:
            manager.close_session(session, reason, ServerAccessLost)


def _tighten_server_tabs(server_id: int, **_: Any) -> None:
    """Tabs open on a server that became read-only take the rail (a signal keeps servers.service unaware of tabs)."""
    from pgadmin_lite.connections import connection_manager

    connection_manager(current_app).make_read_only(server_id)


def _access_check(app_ref: weakref.ref[Flask]) -> AccessCheck:
    """The manager's reaper asks this about every open tab (weakly: a discarded app is freed)."""
    from pgadmin_lite.query_tool.access import ended_owners

    def check(owners: set[Any]) -> dict[Any, Any]:
        app = app_ref()
        if app is None:
            return {}
        with app.app_context():
            return ended_owners(owners, app.extensions["session_store"])
    return check


def _history_recorder(writer: HistoryWriter) -> Any:
    """Hand each finished run to the history writer (no config-DB work on the statement's thread)."""
    from pgadmin_lite.query_tool import history

    def on_finish(session: QuerySession, note: RunNote, result: dict[str, Any]) -> None:
        writer.submit(history.entry_for(session.user_id, session.server_id, session.database, note.sql, result,
                                        note.kind))
    return on_finish


def _close_then_flush(manager_ref: weakref.ref[ConnectionManager], writer_ref: weakref.ref[HistoryWriter]) -> None:
    manager, writer = manager_ref(), writer_ref()
    if manager is not None:
        manager.close_all()
    if writer is not None:
        writer.flush()
