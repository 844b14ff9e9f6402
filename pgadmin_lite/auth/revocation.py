"""Revoking a user's access at once: their login sessions and their query-tool connections."""

from __future__ import annotations

from flask import Flask

from pgadmin_lite.auth.session_store import SessionStore


def close_query_sessions(app: Flask, user_id: int) -> None:
    """Close the user's query-tool connections, when the connection manager is present."""
    manager = app.extensions.get("connection_manager")
    if manager is not None:
        manager.close_user(user_id)


def close_login_query_sessions(app: Flask, user_id: int, login_id: str | None) -> None:
    """At logout: the query tools of that login end; the user's other browsers keep theirs."""
    manager = app.extensions.get("connection_manager")
    if manager is not None:
        manager.close_login(user_id, login_id)


def revoke_user_access(app: Flask, user_id: int) -> None:
    """Used on deactivation, deletion and password reset."""
    store: SessionStore = app.extensions["session_store"]
    store.delete_user(user_id)
    close_query_sessions(app, user_id)


def revoke_other_sessions(app: Flask, user_id: int, *, keep: str | None) -> None:
    """Used when a user changes their own password: their other login sessions end, the current one stays.

    The query tools of the revoked logins are not closed here: a revoked login can no longer reach them, and
    they end with their lease.
    """
    store: SessionStore = app.extensions["session_store"]
    store.delete_other_sessions(user_id, keep)
