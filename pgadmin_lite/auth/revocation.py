"""Revoking a user's access at once: their login sessions and their PostgreSQL connections."""

from __future__ import annotations

from flask import Flask

from pgadmin_lite.auth.session_store import SessionStore
from pgadmin_lite.connections import close_other_login_connections, close_user_connections


def revoke_user_access(app: Flask, user_id: int) -> None:
    """Used on deactivation, deletion and password reset."""
    store: SessionStore = app.extensions["session_store"]
    store.delete_user(user_id)
    close_user_connections(app, user_id)


AFTER_CHANGE_ELSEWHERE = ("Your password was changed in another login, which closed this query tool; any open "
                    "transaction was rolled back.")


def revoke_other_sessions(app: Flask, user_id: int, *, keep: str | None, keep_login_id: str | None,
                          reason: str = AFTER_CHANGE_ELSEWHERE) -> None:
    """Used when a user changes their own password (or turns TOTP on): their other login sessions end, and their
    query tools with them (rolled back, a 410 after the next login says why); the current login and its tabs stay."""
    store: SessionStore = app.extensions["session_store"]
    store.delete_other_sessions(user_id, keep)
    close_other_login_connections(app, user_id, keep_login_id, reason)
