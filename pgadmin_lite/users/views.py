"""User administration over HTTP; every route here is for administrators only."""

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
from pgadmin_lite.users import service
from pgadmin_lite.web.input import json_body, optional_bool

bp = Blueprint("users", __name__)


@bp.before_request
def require_admin() -> None:
    """Admin-only for the whole blueprint, enforced on the server."""
    if not current_user.is_authenticated or not current_user.is_admin:
        raise PermissionDenied("Only administrators can manage users.")


def _user_json(user: User) -> dict[str, Any]:
    data = user.to_dict()
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
    user = service.create_user(_string_field(body, "email"), _string_field(body, "password"),
                               is_admin=bool(optional_bool(body, "is_admin")),
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
    unknown = set(body) - {"is_admin", "is_active", "password", "unlock"}
    if unknown:
        raise BadRequest(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    password = body.get("password")
    if password is not None and not isinstance(password, str):
        raise BadRequest("password must be a string.")
    user = service.update_user(
        service.get_user(user_id), revoke=partial(revoke_user_access, current_app._get_current_object()),
        is_admin=optional_bool(body, "is_admin"), active=optional_bool(body, "is_active"), password=password,
        unlock=bool(optional_bool(body, "unlock")), min_length=current_app.config["PASSWORD_LENGTH_MIN"])
    current_app.logger.info("User %s updated by %s (%s)", user.email, current_user.email, sorted(body))
    changed = {name: value for name, value in body.items() if name != "password" and value is not None}
    record("user.update", target=f"user:{user.id}",  # the new password itself never
           details={"email": user.email, **changed, "password_reset": password is not None})
    return jsonify(_user_json(user))


@bp.delete("/api/v1/users/<int:user_id>")
def delete_user(user_id: int) -> ResponseReturnValue:
    user = service.get_user(user_id)
    email = user.email
    service.delete_user(user, revoke=partial(revoke_user_access, current_app._get_current_object()))
    current_app.logger.info("User %s deleted by %s", email, current_user.email)
    record("user.delete", target=f"user:{user_id}", details={"email": email})
    return "", 204
