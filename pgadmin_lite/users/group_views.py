"""Groups over HTTP (users.manage): local groups are made and changed here; LDAP/OIDC ones are listed, read-only."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from flask_login import current_user

from pgadmin_lite.audit.log import record
from pgadmin_lite.users import groups
from pgadmin_lite.users.permissions import blueprint_requires
from pgadmin_lite.web.input import json_body

bp = Blueprint("groups", __name__)
blueprint_requires(bp, "users.manage")
GROUP_ID = "<int:group_id>"
_USER_IDS = {"type": "array", "items": {"type": "integer"}}
_GROUP = {"type": "object", "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"}, "source": {"type": "string"},
    "is_local": {"type": "boolean"}, "created_at": {"type": ["string", "null"]},
    "members": {"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "integer"}, "email": {"type": "string"}, "display_name": {"type": ["string", "null"]}}}}}}
SCHEMAS = {
    "groups.list_groups": (None, {"type": "array", "items": _GROUP}),
    "groups.create_group": ({"type": "object", "required": ["name"], "additionalProperties": False,
                             "properties": {"name": {"type": "string", "maxLength": 255}, "user_ids": _USER_IDS}},
                            _GROUP),
    "groups.get_group": (None, _GROUP),
    "groups.rename_group": ({"type": "object", "required": ["name"], "additionalProperties": False,
                             "properties": {"name": {"type": "string", "maxLength": 255}}}, _GROUP),
    "groups.set_members": ({"type": "object", "required": ["user_ids"], "additionalProperties": False,
                            "properties": {"user_ids": _USER_IDS}}, _GROUP),
}


def _one(group_id: int) -> dict[str, object]:
    return groups.groups_json([groups.get_group(group_id)])[0]


@bp.get("/api/v1/groups")
def list_groups() -> ResponseReturnValue:
    return jsonify(groups.groups_json(groups.list_groups()))


@bp.post("/api/v1/groups")
def create_group() -> ResponseReturnValue:
    group = groups.create_group(json_body())
    record("group.create", target=f"group:{group.id}",
           details={"name": group.name, "user_ids": groups.member_ids([group.id])[group.id]})
    current_app.logger.info("Group %s (%s) created by %s", group.id, group.name, current_user.email)
    return jsonify(_one(group.id)), 201


@bp.get(f"/api/v1/groups/{GROUP_ID}")
def get_group(group_id: int) -> ResponseReturnValue:
    return jsonify(_one(group_id))


@bp.patch(f"/api/v1/groups/{GROUP_ID}")
def rename_group(group_id: int) -> ResponseReturnValue:
    group = groups.get_group(group_id)
    old = groups.rename_group(group, json_body())
    record("group.update", target=f"group:{group.id}", details={"name": {"from": old, "to": group.name}})
    return jsonify(_one(group.id))


@bp.put(f"/api/v1/groups/{GROUP_ID}/members")
def set_members(group_id: int) -> ResponseReturnValue:
    group = groups.get_group(group_id)
    added, removed = groups.set_members(group, json_body())
    record("group.members", target=f"group:{group.id}",
           details={"name": group.name, "added": added, "removed": removed})
    return jsonify(_one(group.id))


@bp.delete(f"/api/v1/groups/{GROUP_ID}")
def delete_group(group_id: int) -> ResponseReturnValue:
    group = groups.get_group(group_id)
    name, source = group.name, group.source
    members = groups.delete_group(group)
    record("group.delete", target=f"group:{group_id}", details={"name": name, "source": source, "user_ids": members})
    current_app.logger.info("Group %s (%s) deleted by %s", group_id, name, current_user.email)
    return "", 204
