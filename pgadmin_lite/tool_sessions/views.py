"""My sessions: the page and its API (list, close); sessions.see_others sees and closes everyone's, with a reason."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from pgadmin_lite.auth.identity import current_login_id
from pgadmin_lite.connections import connection_manager
from pgadmin_lite.connections.session import QuerySession
from pgadmin_lite.errors import BadRequest, ClosedByAdmin, Gone
from pgadmin_lite.tool_sessions.listing import Viewer, list_sessions
from pgadmin_lite.users.permissions import (
    ANY_USER,
    blueprint_requires,
    checks_in_view,
    has_permission,
    require_permission,
)
from pgadmin_lite.web.input import json_body, parse_bool

bp = Blueprint("tool_sessions", __name__)
blueprint_requires(bp, ANY_USER)
API = "/api/v1/sessions"
MAX_REASON = 500
SESSION = {"type": "object", "properties": {
    "tx_id": {"type": "string"}, "user": {"type": "object"}, "server_id": {"type": "integer"},
    "server_name": {"type": ["string", "null"]}, "database": {"type": "string"},
    "state": {"enum": ["idle", "active", "in_transaction", "in_error", "lost"]},
    "transaction_age_s": {"type": ["number", "null"]}, "last_statement": {"type": ["string", "null"]},
    "browser": {"type": "object", "properties": {"user_agent": {"type": ["string", "null"]},
                                                 "login": {"type": ["string", "null"]},
                                                 "is_this_browser": {"type": "boolean"}}},
    "lease": {"type": "object"}, "kept": {"type": ["string", "null"]}}}
SCHEMAS = {"tool_sessions.list_all": (None, {"type": "array", "items": SESSION}),
           "tool_sessions.close_session": ({"type": "object", "properties": {"reason": {"type": "string"}}}, None)}


def _viewer() -> Viewer:
    return Viewer(current_user.id, current_login_id())


def cap_advice() -> dict[str, str]:
    """At the per-user cap: the page (under the prefix) where the user sees and closes what they hold."""
    link = url_for("tool_sessions.page")
    return {"hint": f"Close one you no longer need on My sessions ({link}), or ask an administrator to raise "
                    "MAX_CONNECTIONS_PER_USER.", "sessions_url": link}


@bp.get("/sessions")
def page() -> ResponseReturnValue:
    return render_template("sessions.html")


@bp.get(API)
@checks_in_view("sessions.see_others")
def list_all() -> ResponseReturnValue:
    """The caller's query-tool connections in this process (?all=1: everyone's, with sessions.see_others)."""
    everyone = parse_bool(request.args.get("all", ""))
    if everyone:
        require_permission("sessions.see_others")
    manager = connection_manager(current_app)
    sessions = manager.sessions(None if everyone else current_user.id)
    return jsonify(list_sessions(sessions, _viewer()))


def _reason(raw: dict[str, Any]) -> str:
    reason = raw.get("reason", "")
    if not isinstance(reason, str) or len(reason) > MAX_REASON:
        raise BadRequest(f"reason must be a string of at most {MAX_REASON} characters.")
    return " ".join(reason.split())


def _target(tx_id: str) -> QuerySession:
    """The caller's own session, or (with sessions.see_others) anyone's; every other tx_id is a 404."""
    manager = connection_manager(current_app)
    other = manager.peek(tx_id) if has_permission("sessions.see_others") else None
    return other if other is not None else manager.find(tx_id, current_user.id)


@bp.delete(f"{API}/<tx_id>")
def close_session(tx_id: str) -> ResponseReturnValue:
    """Close (roll back) a query tool; body {"reason"}: what an administrator tells the owner."""
    reason = _reason(json_body() if request.get_data(cache=True) else {})
    session = _target(tx_id)
    manager = connection_manager(current_app)
    if session.user_id == current_user.id:
        manager.close_session(session, "You closed this query tool from My sessions; any open transaction "
                                       "was rolled back.", Gone)
    else:
        told = f"Closed by an administrator: {reason}" if reason else "Closed by an administrator (no reason given)."
        manager.close_session(session, told, ClosedByAdmin)
        current_app.logger.info("Administrator %s closed query tool %s of user %s (%s)", current_user.email,
                                tx_id[:20], session.user_id, reason or "no reason")
    return "", 204
