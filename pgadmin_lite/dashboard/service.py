"""The server and database dashboard: sessions, locks, prepared transactions, settings, pg_hba rules, counters.

Each call runs on one of the user's short-lived connections (servers.targets.connect) with a statement
timeout; the dashboard's own probe connection is left out of what it reports.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg

from pgadmin_lite.connections.queries import load_sql
from pgadmin_lite.errors import NotFound, PrivilegeRequired
from pgadmin_lite.servers.targets import Target, connect

PACKAGE = "pgadmin_lite.dashboard"


def _query(conn: psycopg.Connection[Any], name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return conn.execute(load_sql(name, PACKAGE), params or {}).fetchall()  # type: ignore[arg-type]


def sessions(target: Target, db: str | None) -> dict[str, Any]:
    """Every session (of one database, when db is given) and whether this role may cancel/terminate it."""
    with connect(target) as conn:
        me = _query(conn, "me")[0]
        items = _query(conn, "sessions", {"db": db})
    return {"items": items, "me": me}


def signal(target: Target, pid: int, *, terminate: bool, check_other: Callable[[], None]) -> dict[str, Any]:
    """pg_cancel_backend / pg_terminate_backend; PostgreSQL itself refuses what the role may not do (403).

    A backend of another PostgreSQL role than the dashboard's is another user's: check_other raises when the
    console user's role may not act on those, before any signal is sent.
    """
    with connect(target, autocommit=True) as conn:
        owner = _query(conn, "backend_owner", {"pid": pid})
        if not owner:
            raise NotFound(f"No PostgreSQL session with pid {pid}; it may have ended already.")
        if not owner[0]["is_own"]:
            check_other()
        signalled = _query(conn, "signal", {"pid": pid, "terminate": terminate})[0]["signalled"]
    if not signalled:
        raise NotFound(f"No PostgreSQL session with pid {pid}; it may have ended already.")
    return {"pid": pid, "action": "terminate" if terminate else "cancel", "signalled": True}


def _chains(waits: dict[int, list[int]]) -> list[dict[str, Any]]:
    """For each waiting pid, the chain through its first blocker to the session at the head (cycles stop)."""
    out = []
    for pid, blockers in sorted(waits.items()):
        chain = [pid]
        current = blockers[0]
        while current not in chain:
            chain.append(current)
            if not waits.get(current):
                break
            current = waits[current][0]
        out.append({"pid": pid, "blocked_by": blockers, "chain": chain, "head": chain[-1]})
    return out


def locks(target: Target, db: str | None) -> dict[str, Any]:
    """Locks held and awaited, with the blocking chains (pg_blocking_pids) of every waiting session."""
    with connect(target, db) as conn:
        items = _query(conn, "locks", {"db": db})
    waits = {row["pid"]: row["blocked_by"] for row in items if row["blocked_by"]}
    return {"items": items, "blocking": _chains(waits)}


def prepared(target: Target, db: str | None) -> dict[str, Any]:
    with connect(target) as conn:
        return {"items": _query(conn, "prepared", {"db": db})}


def settings(target: Target, q: str | None, *, pending_only: bool) -> dict[str, Any]:
    """pg_settings, filtered by a search over name, description and category."""
    pattern = None
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    with connect(target) as conn:
        return {"items": _query(conn, "settings", {"pattern": pattern, "pending_only": pending_only})}


def hba_rules(target: Target) -> dict[str, Any]:
    """pg_hba_file_rules, which PostgreSQL shows to superusers only (unless granted)."""
    try:
        with connect(target) as conn:
            rows = _query(conn, "hba")
    except PrivilegeRequired as exc:
        raise PrivilegeRequired("Only superusers can read the authentication rules (pg_hba_file_rules).",
                                hint="Connect to this server as a superuser, or have one GRANT SELECT ON "
                                     "pg_hba_file_rules and EXECUTE ON FUNCTION pg_hba_file_rules() to your role.",
                                sqlstate=exc.extra.get("sqlstate")) from None
    return {"items": [row["rule"] for row in rows]}


def stats(target: Target, db: str | None) -> dict[str, Any]:
    """Raw counters (sessions by state, transactions, tuples, blocks) stamped with the server's clock."""
    with connect(target) as conn:
        row = _query(conn, "stats", {"db": db})[0]
    counters = row["counters"]
    counters["tuples_in"] = counters["tup_inserted"] + counters["tup_updated"] + counters["tup_deleted"]
    counters["tuples_out"] = counters["tup_fetched"] + counters["tup_returned"]
    return {"timestamp": row["timestamp"], "epoch": row["epoch"], "database": db, "sessions": row["sessions"],
            **counters}
