"""The process-wide connection manager: created once per app, closed at exit.

Import-light: the job worker imports connections.splitter, and a package's __init__ runs first, so what
needs Flask or the config DB is imported by init_app, not here.
"""

from __future__ import annotations

import atexit
import logging
import weakref
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

    from pgadmin_lite.connections.manager import ConnectionManager
    from pgadmin_lite.connections.session import QuerySession
    from pgadmin_lite.query_tool.history_writer import HistoryWriter

log = logging.getLogger(__name__)


def _history_recorder(writer: HistoryWriter) -> Any:
    """Hand each finished run to the history writer (no config-DB work on the statement's thread)."""
    from pgadmin_lite.query_tool import history
    def on_finish(session: QuerySession, sql: str, result: dict[str, Any]) -> None:
        writer.submit(history.entry_for(session.user_id, session.server_id, session.database, sql, result))
    return on_finish


def init_app(app: Flask) -> None:
    from pgadmin_lite.connections.manager import ConnectionManager, Limits
    from pgadmin_lite.connections.process_guard import ServingGuard
    from pgadmin_lite.query_tool.history_writer import HistoryWriter

    cfg = app.config
    limits = Limits(per_user=cfg["MAX_CONNECTIONS_PER_USER"], total=cfg["MAX_CONNECTIONS"],
                    idle_s=float(cfg["MAX_SESSION_IDLE_TIME"]), page_size=cfg["RESULT_PAGE_SIZE"],
                    max_rows=cfg["MAX_RESULT_ROWS"])
    guard = ServingGuard(cfg["DATA_DIR"], float(cfg["SERVING_LOCK_GRACE"]))
    writer = HistoryWriter(app, keep=cfg["QUERY_HISTORY_MAX"])
    app.extensions["history_writer"] = writer
    manager = ConnectionManager(limits, guard, on_finish=_history_recorder(writer))
    app.extensions["connection_manager"] = manager
    app.extensions["health_checks"].append(guard.warning)

    @app.before_request
    def take_serving_lock() -> None:
        """Lazily, at the first request: importing the app (e.g. a CLI command) never takes the lock."""
        guard.problem()

    @app.context_processor
    def serving_problem() -> dict[str, Any]:
        return {"serving_problem": guard.warning()}

    atexit.register(_flush_at_exit, weakref.ref(writer))  # runs after _close_at_exit (atexit is last-in first-out)
    atexit.register(_close_at_exit, weakref.ref(manager))  # weak: an app that is dropped is freed


def _close_at_exit(ref: weakref.ref[ConnectionManager]) -> None:
    manager = ref()
    if manager is not None:
        manager.close_all()


def _flush_at_exit(ref: weakref.ref[HistoryWriter]) -> None:
    """The history of the last statements is stored before the process ends (its thread is a daemon)."""
    writer = ref()
    if writer is not None:
        writer.flush()
