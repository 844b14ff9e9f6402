"""User administration over HTTP; every route here needs users.manage."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Blueprint, current_app, jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from pgadmin_lite import storage
from pgadmin_lite.audit.log import record
from pgadmin_lite.auth import lockout
from pgadmin_lite.auth import service as auth_service
from pgadmin_lite.auth.revocation import revoke_user_access
from pgadmin_lite.errors import BadRequest, PermissionDenied
from pgadmin_lite.models import User
from pgadmin_lite.users import roles, service
from pgadmin_lite.users.permissions import blueprint_requires, role_name
from pgadmin_lite.web.input import json_body, optional_bool

bp = Blueprint("users", __name__)
blueprint_requires(bp, "users.manage")  # administrators hold every permission


def _user_json(user: User) -> dict[str, Any]:
    data = user.to_dict() | {"role": role_name(user)}
    until = auth_service.locked_until(user.email, lockout.policy(current_app))
    data["locked_until"] = until.isoformat() if until else None
    return data



@bp.get("/users")
def users_page() -> ResponseReturnValue:
    return render_template("users.html")


@bp.get("/api/v1/users")
def list_users() -> ResponseReturnValue:
    return jsonify([_user_json(user) | storage.user_usage_fields(user.id) for user in service.list_users()])


def _string_field(body: dict[str, Any], name: str) -> str:
    """A text field; str() of a number or a list would silently become an email or a password."""
    value = body.get(name, "")
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a string.")
    return value


@bp.post("/api/v1/users")
def create_user() -> ResponseReturnValue:
    body = json_body()
    unknown = set(body) - {"email", "password", "is_admin"}
    if unknown:
        raise BadRequest(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    is_admin = bool(optional_bool(body, "is_admin"))
    _guard_administrators(is_admin)
    user = service.create_user(_string_field(body, "email"), _string_field(body, "password"),
                               is_admin=is_admin,
                               min_length=current_app.config["PASSWORD_LENGTH_MIN"])
    current_app.logger.info("User %s created by %s", user.email, current_user.email)
    record("user.create", target=f"user:{user.id}", details={"email": user.email, "is_admin": user.is_admin})
    return jsonify(_user_json(user)), 201


@bp.get("/api/v1/users/<int:user_id>")
def get_user(user_id: int) -> ResponseReturnValue:
    return jsonify(_user_json(service.get_user(user_id)))


@bp.patch("/api/v1/users/<int:user_id>")
def update_user(user_id: int) -> ResponseReturnValue:
    body = json_body()
    unknown = set(body) - {"is_admin", "is_active", "password", "unlock", "role"}
    if unknown:
        raise BadRequest(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    is_admin, role = _role_change(body)
    target = service.get_user(user_id)
    _guard_administrators(target.is_admin or bool(is_admin))
    password = body.get("password")
    if password is not None and not isinstance(password, str):
        raise BadRequest("password must be a string.")
    user = service.update_user(
        target, revoke=partial(revoke_user_access, current_app._get_current_object()),
        is_admin=is_admin, active=optional_bool(body, "is_active"), password=password, role=role,
        unlock=bool(optional_bool(body, "unlock")), min_length=current_app.config["PASSWORD_LENGTH_MIN"])
    current_app.logger.info("User %s updated by %s (%s)", user.email, current_user.email, sorted(body))
    changed = {name: value for name, value in body.items() if name != "password" and value is not None}
    record("user.update", target=f"user:{user.id}",  # the new password itself never
           details={"email": user.email, **changed, "password_reset": password is not None})
    if "role" in body:
        record("user.role", target=f"user:{user.id}", details={"email": user.email, "role": role_name(user)})
    return jsonify(_user_json(user))


def _guard_administrators(is_involved: bool) -> None:
    """users.manage without being an administrator: no making, changing or deleting administrators (a takeover)."""
    if is_involved and not current_user.is_admin:
        raise PermissionDenied("Only an administrator can make, change or delete an administrator.",
                               hint="Ask an administrator.")


def _role_change(body: dict[str, Any]) -> tuple[bool | None, Any]:
    """(is_admin, role) for update_user: {"role": name} sets both; without it is_admin as sent, the role kept."""
    if "role" not in body:
        return optional_bool(body, "is_admin"), service.KEEP_ROLE
    if "is_admin" in body:
        raise BadRequest("Send role or is_admin, not both.", hint='"role": "Administrator" makes an administrator.')
    return roles.assignment(body["role"])


@bp.delete("/api/v1/users/<int:user_id>")
def delete_user(user_id: int) -> ResponseReturnValue:
    user = service.get_user(user_id)
    _guard_administrators(user.is_admin)
    email = user.email
    service.delete_user(user, revoke=partial(revoke_user_access, current_app._get_current_object()))
    current_app.logger.info("User %s deleted by %s", email, current_user.email)
    record("user.delete", target=f"user:{user_id}", details={"email": email})
    return "", 204
