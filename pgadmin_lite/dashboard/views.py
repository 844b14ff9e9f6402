"""Dashboard HTTP API for a server (or one database with ?db=): activity, locks, settings and live counters."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from pgadmin_lite.audit.log import record
from pgadmin_lite.dashboard import service
from pgadmin_lite.errors import AppError
from pgadmin_lite.servers import service as servers
from pgadmin_lite.servers.targets import SERVER_API, Target, request_target
from pgadmin_lite.users.permissions import (
    ANY_USER,
    blueprint_requires,
    checks_in_view,
    has_permission,
    require_permission,
)
from pgadmin_lite.web.input import check_name, parse_bool

bp = Blueprint("dashboard", __name__)
blueprint_requires(bp, ANY_USER)
DASHBOARD = f"{SERVER_API}/dashboard"
PID = "<int:pid>"  # a backend pid is an int4 (as every <int:…> is): pg_cancel_backend(bigint) does not exist


def _db() -> str | None:
    raw = request.args.get("db")
    return check_name(raw, "db") if raw else None


@bp.get("/servers/<int:server_id>/dashboard")
def dashboard_page(server_id: int) -> ResponseReturnValue:
    """The dashboard page for a server (or one database with ?db=)."""
    server = servers.get_server_for_user(current_user, server_id)
    return render_template("dashboard.html", server=server)


@bp.get(f"{DASHBOARD}/sessions")
def sessions(server_id: int) -> ResponseReturnValue:
    """Sessions from pg_stat_activity, each with can_signal (may this role cancel/terminate it)."""
    target = request_target(server_id)
    data = service.sessions(target, _db())
    may_cancel, may_terminate = has_permission("dashboard.cancel"), has_permission("dashboard.terminate")
    for item in data["items"]:  # another role's backend needs the console permission too (UI hides the buttons)
        is_own = item["user"] == data["me"]["role"]
        item["can_cancel"] = item["can_signal"] and (is_own or may_cancel)
        item["can_terminate"] = item["can_signal"] and (is_own or may_terminate)
    return jsonify(data)


@bp.post(f"{DASHBOARD}/sessions/{PID}/cancel")
@checks_in_view("dashboard.cancel")
def cancel_session(server_id: int, pid: int) -> ResponseReturnValue:
    """Cancel the session's running query (pg_cancel_backend); another role's needs dashboard.cancel."""
    target = request_target(server_id)
    return jsonify(_signal(target, pid, terminate=False))


@bp.post(f"{DASHBOARD}/sessions/{PID}/terminate")
@checks_in_view("dashboard.terminate")
def terminate_session(server_id: int, pid: int) -> ResponseReturnValue:
    """End the session (pg_terminate_backend); another role's needs dashboard.terminate."""
    target = request_target(server_id)
    return jsonify(_signal(target, pid, terminate=True))


def _signal(target: Target, pid: int, *, terminate: bool) -> dict[str, Any]:
    """Signal the backend and audit it, a refusal (PostgreSQL's, or the permission for another role's backend) or a pid
    gone included."""
    action, server = ("dashboard.terminate" if terminate else "dashboard.cancel"), target.server
    try:
        result = service.signal(target, pid, terminate=terminate, check_other=lambda: require_permission(action))
    except AppError as exc:
        record(action, target=f"server:{server.id}", outcome="refused" if exc.status == 403 else "failed",
               details={"pid": pid, "server": server.name, "reason": exc.code})
        raise
    record(action, target=f"server:{server.id}", details={"pid": pid, "server": server.name})
    return result


@bp.get(f"{DASHBOARD}/locks")
def locks(server_id: int) -> ResponseReturnValue:
    """Locks with the blocking chains of waiting sessions."""
    target = request_target(server_id)
    return jsonify(service.locks(target, _db()))


@bp.get(f"{DASHBOARD}/prepared")
def prepared(server_id: int) -> ResponseReturnValue:
    """Prepared (two-phase) transactions."""
    target = request_target(server_id)
    return jsonify(service.prepared(target, _db()))


@bp.get(f"{DASHBOARD}/settings")
def settings(server_id: int) -> ResponseReturnValue:
    """Server settings: q searches name/description/category; pending_restart=true keeps only those."""
    target = request_target(server_id)
    return jsonify(service.settings(target, request.args.get("q") or None,
                                    pending_only=parse_bool(request.args.get("pending_restart"))))


@bp.get(f"{DASHBOARD}/hba")
def hba(server_id: int) -> ResponseReturnValue:
    """pg_hba.conf rules as parsed by the server (superusers only: 403 otherwise)."""
    target = request_target(server_id)
    return jsonify(service.hba_rules(target))


@bp.get(f"{DASHBOARD}/stats")
def stats(server_id: int) -> ResponseReturnValue:
    """Counters for live graphs: sessions by state, commits/rollbacks, tuples in/out, blocks read/hit."""
    target = request_target(server_id)
    return jsonify(service.stats(target, _db()))
