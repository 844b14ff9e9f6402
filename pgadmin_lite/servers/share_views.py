"""Sharing a server with everyone, chosen users, roles and groups over HTTP (administrators who own it)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from flask_login import current_user

from pgadmin_lite.audit.log import record
from pgadmin_lite.auth.identity import Principal
from pgadmin_lite.connections import short_lived_connections
from pgadmin_lite.errors import PermissionDenied
from pgadmin_lite.servers import service, sharing
from pgadmin_lite.users.permissions import ANY_USER, blueprint_requires, requires
from pgadmin_lite.web.input import json_body

bp = Blueprint("server_shares", __name__)
blueprint_requires(bp, ANY_USER)  # an owner's own server (sharing.replace_shares checks who may share)
SERVER_ID = "<int:server_id>"
_IDS = {"type": "array", "items": {"type": "integer"}}
_SHARES_BODY = {"type": "object", "additionalProperties": False, "properties": {
    "everyone": {"type": "boolean"}, "users": _IDS, "groups": _IDS,
    "roles": {"type": "array", "items": {"type": ["string", "integer"],
                                         "description": "User, Administrator, a custom role's name, or its id"}}}}
_NAMED = {"type": "array", "items": {"type": "object", "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"}, "email": {"type": "string"}, "source": {"type": "string"}}}}
_SHARES = {"type": "object", "properties": {"everyone": {"type": "boolean"}, "users": _NAMED, "roles": _NAMED,
                                            "groups": _NAMED}}
_TARGETS = {"type": "object", "properties": {"users": _NAMED, "roles": _NAMED, "groups": _NAMED}}
SCHEMAS = {"server_shares.get_shares": (None, _SHARES), "server_shares.put_shares": (_SHARES_BODY, _SHARES),
           "server_shares.share_targets": (None, _TARGETS)}


def _me() -> Principal:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _require_admin() -> None:
    if not current_user.is_admin:
        raise PermissionDenied("Only administrators can share servers.")


@bp.get("/api/v1/servers/share-targets")
@requires("users.manage")  # every user's name: and, below, administrators only
def share_targets() -> ResponseReturnValue:
    """The users, roles and groups a server can be shared with."""
    _require_admin()
    return jsonify(sharing.targets_json())


@bp.get(f"/api/v1/servers/{SERVER_ID}/shares")
def get_shares(server_id: int) -> ResponseReturnValue:
    """Who the server is shared with (its owner only: 404 if invisible, 403 if only shared with you)."""
    return jsonify(sharing.shares_json(service.get_owned_server(_me(), server_id)))


@bp.put(f"/api/v1/servers/{SERVER_ID}/shares")
def put_shares(server_id: int) -> ResponseReturnValue:
    """Replace who the server is shared with; whoever lost it loses their credentials and open tabs on it."""
    me = _me()
    server = service.get_owned_server(me, server_id)
    details = sharing.replace_shares(server, me, json_body())
    short_lived_connections(current_app).close_server(server.id)
    record("server.share", target=f"server:{server.id}", details={"name": server.name, **details})
    current_app.logger.info("Shares of server %s set by %s", server.id, me.email)
    return jsonify(sharing.shares_json(server))
