"""The administrators' LDAP sync and accounts added from the directory: HTTP only."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify
from flask.typing import ResponseReturnValue

from pgadmin_lite.auth.ldap_sync import add_person, sync
from pgadmin_lite.auth.sources import ldap_settings
from pgadmin_lite.errors import BadRequest
from pgadmin_lite.users.permissions import blueprint_requires
from pgadmin_lite.web.input import json_body
from pgadmin_lite.web.openapi import register_schemas

bp = Blueprint("ldap", __name__)
blueprint_requires(bp, "users.manage")
NAMES = {"type": "array", "items": {"type": "string"}}
SCHEMAS = {
    "ldap.ldap_sync": (None, {"type": "object", "properties": {
        "checked": {"type": "integer"}, "deactivated": NAMES, "refreshed": NAMES, "problems": NAMES}}),
    "ldap.ldap_add_user": ({"type": "object", "required": ["username"],
                            "properties": {"username": {"type": "string", "minLength": 1}}}, None),
}


def init_app(app: Flask) -> None:
    register_schemas(app, SCHEMAS)
    app.register_blueprint(bp)


@bp.post("/api/v1/ldap/sync")
def ldap_sync() -> ResponseReturnValue:
    """Check every LDAP user against the directory now (as `setup_db.py sync-ldap` does)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return jsonify(sync(app, ldap_settings(app)).to_dict())


@bp.post("/api/v1/ldap/users")
def ldap_add_user() -> ResponseReturnValue:
    """Create the account of the directory person `username` finds, before their first login."""
    username = json_body().get("username")
    if not isinstance(username, str) or not username.strip():
        raise BadRequest("username must be the person's directory login name (or email).")
    return jsonify(add_person(ldap_settings(current_app), username).to_dict()), 201
