"""The process-wide connection manager and short-lived connections: created once per app, closed at exit.

Flask is named for type hints only: connections/ knows no web framework and no feature (see DESIGN.md §2).
Import-light: the job worker imports connections.splitter, and this __init__ runs first, so what init_app
builds is imported there.
"""

from __future__ import annotations

import atexit
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

    from pgadmin_lite.connections.manager import ConnectionManager
    from pgadmin_lite.connections.short_lived import ShortLivedConnections

MANAGER_KEY = "connection_manager"
SHORT_LIVED_KEY = "short_lived_connections"


def init_app(app: Flask) -> None:
    from pgadmin_lite.connections.manager import ConnectionManager, Limits
    from pgadmin_lite.connections.process_guard import ServingGuard
    from pgadmin_lite.connections.short_lived import ShortLivedConnections
    from pgadmin_lite.connections.spool import Holding

    cfg = app.config
    limits = Limits(per_user=cfg["MAX_CONNECTIONS_PER_USER"], total=cfg["MAX_CONNECTIONS"],
                    idle_s=float(cfg["MAX_SESSION_IDLE_TIME"]), page_size=cfg["RESULT_PAGE_SIZE"],
                    max_rows=cfg["MAX_RESULT_ROWS"], preview_rows=cfg["RESULT_PREVIEW_ROWS"],
                    access_check_s=float(cfg["QUERY_TOOL_ACCESS_CHECK_SECONDS"]),
                    holding=Holding(float(cfg["RESULT_HOLD_SECONDS"]), Path(cfg["DATA_DIR"]) / "results",
                                    int(cfg["RESULT_SPOOL_MAX_MB"] * 1024 * 1024)),
                    lease_s=float(cfg["QUERY_TOOL_LEASE_SECONDS"]),
                    close_grace_s=float(cfg["QUERY_TOOL_CLOSE_GRACE_SECONDS"]))
    guard = ServingGuard(cfg["DATA_DIR"], float(cfg["SERVING_LOCK_GRACE"]))
    manager = ConnectionManager(limits, guard)  # the query tool sets its on_finish (history)
    app.extensions[MANAGER_KEY] = manager
    short_lived = ShortLivedConnections(float(cfg["SHORT_LIVED_IDLE_SECONDS"]), cfg["SHORT_LIVED_MAX_IDLE"])
    app.extensions[SHORT_LIVED_KEY] = short_lived
    app.extensions["health_checks"].append(guard.warning)

    @app.before_request
    def take_serving_lock() -> None:
        """Lazily, at the first request: importing the app (e.g. a CLI command) never takes the lock."""
        guard.problem()

    @app.context_processor
    def serving_problem() -> dict[str, Any]:
        return {"serving_problem": guard.warning()}

    atexit.register(_close_at_exit, weakref.ref(manager), weakref.ref(short_lived))  # weak: a dropped app is freed


def connection_manager(app: Flask) -> ConnectionManager:
    manager: ConnectionManager = app.extensions[MANAGER_KEY]
    return manager


def short_lived_connections(app: Flask) -> ShortLivedConnections:
    pool: ShortLivedConnections = app.extensions[SHORT_LIVED_KEY]
    return pool


def close_user_connections(app: Flask, user_id: int) -> None:
    """On revocation: the user's query-tool sessions and short-lived connections end."""
    manager = app.extensions.get(MANAGER_KEY)
    if manager is not None:
        manager.close_user(user_id)
    pool = app.extensions.get(SHORT_LIVED_KEY)
    if pool is not None:
        pool.close_user(user_id)


def close_login_connections(app: Flask, user_id: int, login_id: str | None) -> None:
    """On logout: the query tools of that login end (the user's other browsers keep theirs, and their
    transactions), and the user's short-lived connections close (they hold no state and reopen on demand)."""
    manager = app.extensions.get(MANAGER_KEY)
    if manager is not None:
        manager.close_login(user_id, login_id)
    pool = app.extensions.get(SHORT_LIVED_KEY)
    if pool is not None:
        pool.close_user(user_id)


def close_other_login_connections(app: Flask, user_id: int, keep_login_id: str | None, reason: str) -> None:
    """On a password change: the query tools of the user's other logins end (the one that changed it keeps its)."""
    manager = app.extensions.get(MANAGER_KEY)
    if manager is not None:
        manager.close_other_logins(user_id, keep_login_id, reason)


def _close_at_exit(manager_ref: weakref.ref[ConnectionManager], pool_ref: weakref.ref[ShortLivedConnections]) -> None:
    for ref in (manager_ref, pool_ref):
        target = ref()
        if target is not None:
            target.close_all()
