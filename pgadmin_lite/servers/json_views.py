"""servers.json over HTTP: export a user's servers, preview an import, apply it (one transaction).

A user imports and exports their own servers; an administrator may name another user by `user_id`.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from pgadmin_lite.audit.log import record
from pgadmin_lite.auth.identity import Principal
from pgadmin_lite.connections import short_lived_connections
from pgadmin_lite.errors import BadRequest, ConfigError, NotFound, PermissionDenied
from pgadmin_lite.extensions import db
from pgadmin_lite.models import User
from pgadmin_lite.servers import current_policy, servers_import, servers_json
from pgadmin_lite.servers.user_files import read_user_file
from pgadmin_lite.web.converters import INT_MAX
from pgadmin_lite.web.input import json_body

bp = Blueprint("servers_json", __name__)
BODY_KEYS = frozenset({"text", "path", "user_id"})
MAX_AUDITED_NAMES = 100  # the servers an import's audit line names
_USER_ID = {"type": "integer", "description": "another user's id (administrators only)"}
_IMPORT_BODY = {"type": "object", "properties": {
    "text": {"type": "string", "description": "the servers.json content"},
    "path": {"type": "string", "description": "or a servers.json in your file area"}, "user_id": _USER_ID}}
_NAMES = {"type": "array", "items": {"type": "string"}}
_IMPORT_RESULT = {"type": "object", "properties": {
    "user": {"type": "object"}, "added": {"type": "integer"}, "replaced": {"type": "integer"}, "unsupported": _NAMES,
    "servers": {"type": "array", "items": {"type": "object", "properties": {
        "key": {"type": "string"}, "name": {"type": "string"}, "group": {"type": "string"},
        "action": {"enum": ["add", "replace"]}, "server_id": {"type": ["integer", "null"]}, "files": _NAMES,
        "missing_files": {"type": "array", "items": {"type": "object"}}, "unsupported": _NAMES, "notes": _NAMES}}}}}
SCHEMAS = {"servers_json.preview_import": (_IMPORT_BODY, _IMPORT_RESULT),
           "servers_json.apply_import": (_IMPORT_BODY, _IMPORT_RESULT)}
QUERY = {"servers_json.export_servers": {"type": "object", "properties": {"user_id": _USER_ID}}}


def _me() -> Principal:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _owner(me: Principal, user_id: Any) -> Principal:
    """Whose servers: the caller's, or (administrators only) another user's."""
    if user_id is None or user_id == me.id:
        return me
    if isinstance(user_id, bool) or not isinstance(user_id, int) or not 0 < user_id <= INT_MAX:
        raise BadRequest("user_id must be a user's id.", field="user_id")
    if not me.is_admin:
        raise PermissionDenied("Only administrators can import or export another user's servers.")
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"No user with id {user_id}.")
    return user


def _document(me: Principal, body: dict[str, Any]) -> tuple[str, str]:
    """(text, source) of the file: sent as text, or a path in the caller's file area."""
    unknown = sorted(set(body) - BODY_KEYS)
    if unknown:
        raise BadRequest(f"Unknown field(s): {', '.join(unknown)}.", hint="Send text or path, and optionally user_id.")
    if ("text" in body) == ("path" in body):
        raise BadRequest("Send either text (the file's content) or path (a file in your file area).")
    if "path" in body:
        try:
            return read_user_file(me, body["path"]), str(body["path"])
        except ConfigError as exc:  # this app has no file storage
            raise BadRequest(str(exc), hint="Upload the file instead.") from None
    if not isinstance(body["text"], str):
        raise BadRequest("text must be a string.", field="text")
    return body["text"], "servers.json"


def _plan(me: Principal) -> tuple[Principal, list[servers_import.Planned]]:
    """Parse, validate and plan the request's file for its owner; nothing is written."""
    body = json_body()
    owner = _owner(me, body.get("user_id"))
    text, source = _document(me, body)
    parsed = servers_json.parse_servers_file(text, policy=current_policy(), may_share=owner.is_admin, source=source)
    plans = servers_import.plan_import(owner, parsed, lambda path: read_user_file(owner, path),
                                       mode=servers_import.Mode.MERGE, source=source)
    return owner, plans


def _result(owner: Principal, plans: list[servers_import.Planned]) -> dict[str, Any]:
    items = [servers_import.planned_json(planned) for planned in plans]
    return {"user": {"id": owner.id, "email": owner.email}, "servers": items,
            "added": sum(item["action"] == "add" for item in items),
            "replaced": sum(item["action"] == "replace" for item in items),
            "unsupported": sorted({name for item in items for name in item["unsupported"]})}


@bp.get("/api/v1/servers/export")
def export_servers() -> ResponseReturnValue:
    """The user's own servers as a pgAdmin servers.json download (no passwords, keys or certificates)."""
    user_id = request.args.get("user_id")
    if user_id is not None and not (user_id.isascii() and user_id.isdigit() and len(user_id) <= 19):
        raise BadRequest("user_id must be a user's id.", field="user_id")
    owner = _owner(_me(), int(user_id) if user_id is not None else None)
    text = json.dumps(servers_json.dump_servers(owner), indent=4) + "\n"
    return Response(text, mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="servers.json"'})


@bp.post("/api/v1/servers/import/preview")
def preview_import() -> ResponseReturnValue:
    """What an import would add or replace, which files it reads, and what it cannot keep; nothing is written."""
    owner, plans = _plan(_me())
    return jsonify(_result(owner, plans))


@bp.post("/api/v1/servers/import")
def apply_import() -> ResponseReturnValue:
    """Import a servers.json: same group and name replaces, others are added, in one transaction."""
    me = _me()
    owner, plans = _plan(me)
    servers_import.apply_import(owner, plans, mode=servers_import.Mode.MERGE)
    for planned in plans:
        if planned.existing is not None:
            short_lived_connections(current_app).close_server(planned.existing.id)
    current_app.logger.info("servers.json imported by %s for %s: %d server(s)", me.email, owner.email, len(plans))
    result = _result(owner, plans)
    record("servers.import", target=f"user:{owner.id}", details={
        "owner": owner.email, "added": result["added"], "replaced": result["replaced"],
        "servers": [f"{item['group']}/{item['name']}" for item in result["servers"][:MAX_AUDITED_NAMES]]})
    return jsonify(result)
