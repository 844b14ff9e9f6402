"""Custom roles: validation, the built-ins as read-only entries, use counts, and who holds a role."""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import func

from pgadmin_lite.errors import BadRequest, Conflict, NotFound
from pgadmin_lite.extensions import db
from pgadmin_lite.models import Role, ServerShare, User
from pgadmin_lite.users.permissions import ADMINISTRATOR, BUILTIN_USER, PERMISSIONS, USER
from pgadmin_lite.users.signals import user_updated

FIELDS = frozenset({"name", "description", "permissions", "require_mfa"})
MAX_NAME = 64
MAX_DESCRIPTION = 1000
BUILTIN_DESCRIPTIONS = {ADMINISTRATOR: "Every permission; users.is_admin.",
                        USER: "Everything but acting on other users and managing users (a user with no role)."}


def catalogue() -> list[dict[str, str]]:
    """The permissions a role may hold, in the editor's order, with their labels."""
    return [{"name": name, "label": label} for name, label in PERMISSIONS.items()]


def _count(**where: Any) -> int:
    return db.session.execute(db.select(func.count()).select_from(User).filter_by(**where)).scalar_one()


def builtin_json() -> list[dict[str, Any]]:
    """The built-in Administrator and User: listed, never changed here (their sets are users/permissions.py)."""
    return [{"id": None, "name": name, "description": BUILTIN_DESCRIPTIONS[name], "is_builtin": True,
             "permissions": [p for p in PERMISSIONS if p in permissions], "require_mfa": False, "user_count": count}
            for name, permissions, count in ((ADMINISTRATOR, frozenset(PERMISSIONS), _count(is_admin=True)),
                                             (USER, BUILTIN_USER, _count(is_admin=False, role_id=None)))]


def role_json(role: Role) -> dict[str, Any]:
    return {"id": role.id, "name": role.name, "description": role.description, "is_builtin": False,
            "permissions": [p for p in PERMISSIONS if p in (role.permissions or ())],
            "require_mfa": role.require_mfa, "user_count": _count(role_id=role.id),
            "created_at": role.created_at.isoformat() if role.created_at else None}


def list_roles() -> list[Role]:
    return list(db.session.execute(db.select(Role).order_by(Role.name)).scalars())


def get_role(role_id: int) -> Role:
    role = db.session.get(Role, role_id)
    if role is None:
        raise NotFound(f"No role with id {role_id}.")
    return role


def find_role(name: str) -> Role | None:
    return db.session.execute(db.select(Role).where(func.lower(Role.name) == name.lower())).scalar_one_or_none()


def _name(value: Any, role: Role | None) -> str:
    if not isinstance(value, str):
        raise BadRequest("name must be a string.", field="name")
    name = " ".join(value.split())
    if not name or len(name) > MAX_NAME or any(unicodedata.category(c).startswith("C") for c in name):
        raise BadRequest(f"name must be 1 to {MAX_NAME} printable characters.", field="name")
    if name.lower() in {ADMINISTRATOR.lower(), USER.lower()}:
        raise Conflict(f"{name!r} is a built-in role.", hint="Choose another name.", field="name")
    other = find_role(name)
    if other is not None and other is not role:
        raise Conflict(f"A role named {other.name!r} already exists.", field="name")
    return name


def _permissions(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        raise BadRequest("permissions must be a list of permission names.", field="permissions")
    unknown = sorted(set(value) - set(PERMISSIONS))
    if unknown:
        raise BadRequest(f"Unknown permission(s): {', '.join(unknown)}.", field="permissions",
                         hint=f"Known: {', '.join(PERMISSIONS)}.")
    return [p for p in PERMISSIONS if p in value]


def _checked(body: dict[str, Any], role: Role | None) -> dict[str, Any]:
    """Every field checked before anything is written; a create needs name and permissions."""
    unknown = sorted(set(body) - FIELDS)
    if unknown:
        raise BadRequest(f"Unknown field(s): {', '.join(unknown)}.", hint=f"Allowed: {', '.join(sorted(FIELDS))}.")
    if role is None and ("name" not in body or "permissions" not in body):
        raise BadRequest("A role needs a name and a list of permissions.")
    fields: dict[str, Any] = {}
    if "name" in body:
        fields["name"] = _name(body["name"], role)
    if "description" in body:
        if not isinstance(body["description"], str) or len(body["description"]) > MAX_DESCRIPTION:
            raise BadRequest(f"description must be a string of at most {MAX_DESCRIPTION} characters.",
                             field="description")
        fields["description"] = body["description"].strip()
    if "permissions" in body:
        fields["permissions"] = _permissions(body["permissions"])
    if "require_mfa" in body:
        if not isinstance(body["require_mfa"], bool):
            raise BadRequest("require_mfa must be true or false.", field="require_mfa")
        fields["require_mfa"] = body["require_mfa"]
    return fields


def members(role: Role) -> list[User]:
    return list(db.session.execute(db.select(User).filter_by(role_id=role.id)).scalars())


def create_role(body: dict[str, Any]) -> Role:
    role = Role(**{"description": "", "require_mfa": False, **_checked(body, None)})
    db.session.add(role)
    db.session.commit()
    return role


def update_role(role: Role, body: dict[str, Any]) -> Role:
    """Apply the changes; every member's sessions see the new permissions from their next request."""
    for name, value in _checked(body, role).items():
        setattr(role, name, value)
    db.session.commit()
    for user in members(role):
        db.session.refresh(user)
        user_updated.send(user)
    return role


def delete_role(role: Role) -> None:
    """Only a role nobody holds (its users would silently become plain users); its server shares go with it, so a
    later role that gets the same id inherits nothing."""
    count = len(members(role))
    if count:
        raise Conflict(f"The role {role.name!r} is held by {count} user(s); give them another role first.",
                       hint="Change their role on the Users page.", user_count=count)
    db.session.execute(db.delete(ServerShare).where(ServerShare.kind == "role", ServerShare.target_id == role.id))
    db.session.delete(role)
    db.session.commit()


def assignment(name: Any) -> tuple[bool, Role | None]:
    """A role name as PATCH /api/v1/users/<id> takes it: (is_admin, custom role or None)."""
    if not isinstance(name, str):
        raise BadRequest("role must be a role's name.", field="role")
    if name == ADMINISTRATOR:
        return True, None
    if name == USER:
        return False, None
    role = find_role(name)
    if role is None:
        raise BadRequest(f"No role named {name!r}.", field="role",
                         hint=f"{ADMINISTRATOR}, {USER} or a custom role from GET /api/v1/roles.")
    return False, role
