"""The administrators' LDAP sync: HTTP only."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from pgadmin_lite.auth.ldap_sync import sync
from pgadmin_lite.auth.sources import ldap_settings
from pgadmin_lite.users.permissions import require_permission

bp = Blueprint("ldap", __name__)


@bp.post("/api/v1/ldap/sync")
def ldap_sync() -> ResponseReturnValue:
    """Check every LDAP user against the directory now (as `setup_db.py sync-ldap` does)."""
    require_permission("users.manage")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return jsonify(sync(app, ldap_settings(app)).to_dict())
