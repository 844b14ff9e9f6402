"""Custom roles over HTTP (users.manage): list with the built-ins, create, change, delete; each change audited."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from flask_login import current_user

from pgadmin_lite.audit.log import record
from pgadmin_lite.users import roles
from pgadmin_lite.users.permissions import blueprint_requires
from pgadmin_lite.web.input import json_body

bp = Blueprint("roles", __name__)
blueprint_requires(bp, "users.manage")
API = "/api/v1/roles"
ROLE_BODY = {"type": "object", "properties": {
    "name": {"type": "string", "minLength": 1, "maxLength": 64}, "description": {"type": "string"},
    "permissions": {"type": "array", "items": {"type": "string"}}, "require_mfa": {"type": "boolean"}}}
ROLE = {"type": "object", "properties": {
    "id": {"type": ["integer", "null"]}, "name": {"type": "string"}, "description": {"type": "string"},
    "is_builtin": {"type": "boolean"}, "permissions": {"type": "array", "items": {"type": "string"}},
    "require_mfa": {"type": "boolean"}, "user_count": {"type": "integer"}}}
SCHEMAS = {"roles.list_roles": (None, {"type": "object", "properties": {
               "items": {"type": "array", "items": ROLE}, "permissions": {"type": "array", "items": {
                   "type": "object", "properties": {"name": {"type": "string"}, "label": {"type": "string"}}}}}}),
           "roles.create_role": ({**ROLE_BODY, "required": ["name", "permissions"]}, ROLE),
           "roles.get_role": (None, ROLE), "roles.update_role": (ROLE_BODY, ROLE)}


@bp.get(API)
def list_roles() -> ResponseReturnValue:
    """The built-in roles (read-only), the custom ones, and the permission catalogue for the editor."""
    return jsonify({"items": roles.builtin_json() + [roles.role_json(role) for role in roles.list_roles()],
                    "permissions": roles.catalogue()})


@bp.post(API)
def create_role() -> ResponseReturnValue:
    role = roles.create_role(json_body())
    record("role.create", target=f"role:{role.id}", details={"name": role.name, "permissions": role.permissions,
                                                             "require_mfa": role.require_mfa})
    current_app.logger.info("Role %s created by %s", role.name, current_user.email)
    return jsonify(roles.role_json(role)), 201


@bp.get(f"{API}/<int:role_id>")
def get_role(role_id: int) -> ResponseReturnValue:
    return jsonify(roles.role_json(roles.get_role(role_id)))


@bp.patch(f"{API}/<int:role_id>")
def update_role(role_id: int) -> ResponseReturnValue:
    body = json_body()
    role = roles.update_role(roles.get_role(role_id), body)
    record("role.update", target=f"role:{role.id}", details={"name": role.name, "changed": sorted(body),
                                                             "permissions": role.permissions,
                                                             "require_mfa": role.require_mfa})
    current_app.logger.info("Role %s updated by %s (%s)", role.name, current_user.email, sorted(body))
    return jsonify(roles.role_json(role))


@bp.delete(f"{API}/<int:role_id>")
def delete_role(role_id: int) -> ResponseReturnValue:
    role = roles.get_role(role_id)
    name = role.name
    roles.delete_role(role)
    record("role.delete", target=f"role:{role_id}", details={"name": name})
    current_app.logger.info("Role %s deleted by %s", name, current_user.email)
    return "", 204
