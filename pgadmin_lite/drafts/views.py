"""Editor drafts over HTTP: GET, PUT and DELETE /api/v1/drafts/<key>, always the caller's own."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from pgadmin_lite.drafts import service
from pgadmin_lite.errors import PayloadTooLarge
from pgadmin_lite.users.permissions import ANY_USER, blueprint_requires
from pgadmin_lite.web.input import json_body

bp = Blueprint("drafts", __name__)
blueprint_requires(bp, ANY_USER)
MAX_BODY_BYTES = 8 * service.MAX_TEXT_BYTES  # JSON escaping can grow text up to 6x; the text limit decides


@bp.get("/api/v1/drafts/<path:key>")
def get_draft(key: str) -> ResponseReturnValue:
    """The user's draft under key; none yet is an empty one (200), so a first load is not an error."""
    draft = service.get_draft(current_user.id, key)
    if draft is None:
        return jsonify({"key": key, "text": "", "updated_at": None})
    return jsonify(draft.to_dict())


@bp.put("/api/v1/drafts/<path:key>")
def put_draft(key: str) -> ResponseReturnValue:
    """Create or replace the user's draft under key: {"text"}, at most 1 MiB of UTF-8 (else 413)."""
    service.check_key(key)
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"The request body is larger than {MAX_BODY_BYTES} bytes.")
    draft = service.save_draft(current_user.id, key, json_body().get("text"))
    return jsonify({"key": draft.key, "updated_at": draft.updated_at.isoformat(), "size": len(draft.text)})


@bp.delete("/api/v1/drafts/<path:key>")
def delete_draft(key: str) -> ResponseReturnValue:
    """Forget the user's draft under key (204 whether or not there was one)."""
    service.delete_draft(current_user.id, key)
    return "", 204
