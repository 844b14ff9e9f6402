"""Object-browser HTTP API for changes: create, alter, rename, comment, drop — each with "preview": true.

A preview answers 200 with the exact SQL it would run; without preview the SQL runs and the answer
carries the SQL that ran (a create answers 201). Bodies are the object's ref fields plus the change's own.
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from pgadmin_lite.browser import changes
from pgadmin_lite.servers.targets import SERVER_API, request_target
from pgadmin_lite.users.permissions import ANY_USER, blueprint_requires
from pgadmin_lite.web.input import json_body

bp = Blueprint("browser_changes", __name__)
blueprint_requires(bp, ANY_USER)


@bp.post(f"{SERVER_API}/objects")
def create_object(server_id: int) -> ResponseReturnValue:
    """Create a database, role, schema, table or index (preview: only return its SQL)."""
    target = request_target(server_id)
    result = changes.create(target, json_body())
    return jsonify(result), 201 if result["applied"] else 200


@bp.patch(f"{SERVER_API}/objects")
def alter_object(server_id: int) -> ResponseReturnValue:
    """Alter an object: owner and comment for every kind, more for databases, roles and tables."""
    target = request_target(server_id)
    return jsonify(changes.alter(target, json_body()))


@bp.post(f"{SERVER_API}/objects/rename")
def rename_object(server_id: int) -> ResponseReturnValue:
    """Rename any object of the tree (new_name)."""
    target = request_target(server_id)
    return jsonify(changes.rename(target, json_body()))


@bp.post(f"{SERVER_API}/objects/comment")
def comment_object(server_id: int) -> ResponseReturnValue:
    """Set (or, with null, remove) any object's comment."""
    target = request_target(server_id)
    return jsonify(changes.set_comment(target, json_body()))


@bp.post(f"{SERVER_API}/objects/drop")
def drop_object(server_id: int) -> ResponseReturnValue:
    """Drop an object, optionally with CASCADE (see GET …/objects/drop-impact first)."""
    target = request_target(server_id)
    return jsonify(changes.drop(target, json_body()))
