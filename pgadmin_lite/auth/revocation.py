"""Revoking a user's access at once: their login sessions and their PostgreSQL connections."""

from __future__ import annotations

from flask import Flask

from pgadmin_lite.auth.session_store import SessionStore
from pgadmin_lite.connections import close_user_connections


def revoke_user_access(app: Flask, user_id: int) -> None:
    """Used on deactivation, deletion and password reset."""
    store: SessionStore = app.extensions["session_store"]
    store.delete_user(user_id)
    close_user_connections(app, user_id)


def revoke_other_sessions(app: Flask, user_id: int, *, keep: str | None) -> None:
    """Used when a user changes their own password: their other login sessions end, the current one stays.

    Query-tool connections belong to the user, not to a login session, and the current tabs use them; a
    revoked session can no longer reach them, and they end with their lease.
    """
    store: SessionStore = app.extensions["session_store"]
    store.delete_other_sessions(user_id, keep)
