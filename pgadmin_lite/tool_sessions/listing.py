"""What each query-tool session is doing, as the My sessions panel shows it (read without waiting on a run)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from pgadmin_lite.connections.leases import ALIVE
from pgadmin_lite.connections.manager import is_holding_transaction
from pgadmin_lite.connections.session import QuerySession
from pgadmin_lite.extensions import db
from pgadmin_lite.models import Server, User
from pgadmin_lite.tool_sessions.masking import preview

LOGIN_SHOWN = 6  # characters of a login id shown to tell two browsers apart (the id is not the cookie)


@dataclass(frozen=True)
class Viewer:
    """Who is looking: their own sessions in their own login are "this browser"."""

    user_id: int
    login_id: str | None


def state_of(session: QuerySession) -> str:
    """idle | active (a statement runs) | in_transaction | in_error | lost (the connection died)."""
    if session.is_running:
        return "active"
    if session.lost_in_transaction is not None:
        return "lost"
    return session.user_status


def kept_because(session: QuerySession) -> str | None:
    """Why a session whose page is gone is still open (the reaper closes the others within seconds)."""
    if session.lease.state() == ALIVE:
        return None
    if is_holding_transaction(session):
        return "open transaction"
    return "statement running" if session.is_running else None


def describe(session: QuerySession, viewer: Viewer, servers: dict[int, str], emails: dict[int, str],
             now: float) -> dict[str, Any]:
    """One row of the panel; read without the session's lock, so a long statement never delays the list."""
    holds_tx = is_holding_transaction(session)
    return {
        "tx_id": session.tx_id, "user": {"id": session.user_id, "email": emails.get(session.user_id)},
        "server_id": session.server_id, "server_name": servers.get(session.server_id), "database": session.database,
        "backend_pid": session.backend_pid, "state": state_of(session),
        "transaction_age_s": round(now - session.tx_started, 1) if holds_tx and session.tx_started else None,
        "idle_s": round(now - session.last_used, 1),
        "opened_at": datetime.fromtimestamp(session.opened_at, UTC).isoformat(timespec="seconds"),
        "last_statement": preview(session.last_sql),
        "browser": {"user_agent": session.client, "login": (session.login_id or "")[:LOGIN_SHOWN] or None,
                    "is_this_browser": session.user_id == viewer.user_id and session.login_id is not None
                    and session.login_id == viewer.login_id},
        "lease": session.lease.to_dict(), "kept": kept_because(session),
    }


def _names(model: Any, column: Any, ids: Iterable[int]) -> dict[int, str]:
    """Names by id in one query (servers and users may be deleted meanwhile: then the row shows the id)."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = db.session.execute(select(model.id, column).where(model.id.in_(wanted)))
    return {row[0]: row[1] for row in rows}


def list_sessions(sessions: list[QuerySession], viewer: Viewer) -> list[dict[str, Any]]:
    """Each session with its server's name and its owner's email (one query each)."""
    servers = _names(Server, Server.name, (s.server_id for s in sessions))
    emails = _names(User, User.email, (s.user_id for s in sessions))
    now = time.monotonic()
    return [describe(session, viewer, servers, emails, now) for session in sessions]
