"""GET and PUT /api/v1/workspace: the caller's own workspace layout (open tabs, their order, the active one)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from pgadmin_lite.errors import PayloadTooLarge
from pgadmin_lite.users.permissions import ANY_USER, blueprint_requires
from pgadmin_lite.web.input import json_body
from pgadmin_lite.workspace import service

bp = Blueprint("workspace", __name__)
blueprint_requires(bp, ANY_USER)
API = "/api/v1/workspace"
MAX_BODY_BYTES = 128 * 1024  # 50 tabs of generous titles and parameters fit several times over


@bp.get(API)
def get_layout() -> ResponseReturnValue:
    """The user's saved layout; none yet is an empty one (200), so a first visit is not an error."""
    return jsonify(service.get_layout(current_user.id))


@bp.put(API)
def put_layout() -> ResponseReturnValue:
    """Replace the layout: {"tabs": [{"id", "kind", "title", "params"}], "active", "panel_width"}."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"The request body is larger than {MAX_BODY_BYTES} bytes.")
    return jsonify(service.save_layout(current_user.id, json_body()))
