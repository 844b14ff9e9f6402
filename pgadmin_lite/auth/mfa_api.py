"""The logged-in user's own two-factor authentication as JSON, for scripts (the Account page posts forms)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request, session
from flask.typing import ResponseReturnValue
from flask_login import current_user

from pgadmin_lite.audit.log import record
from pgadmin_lite.auth import lockout, mfa, second_step
from pgadmin_lite.auth.identity import current_login_id
from pgadmin_lite.auth.revocation import revoke_other_sessions
from pgadmin_lite.errors import BadRequest, Conflict, LoginLocked, MfaCodeInvalid
from pgadmin_lite.models import User
from pgadmin_lite.servers.vault import app_vault
from pgadmin_lite.users import service as users_service
from pgadmin_lite.users.permissions import ANY_USER, blueprint_requires
from pgadmin_lite.web.input import json_body

bp = Blueprint("mfa_api", __name__, url_prefix="/api/v1/account/mfa")
blueprint_requires(bp, ANY_USER)  # one's own account
CODE_BODY = {"type": "object", "required": ["code"], "properties": {"code": {"type": "string", "maxLength": 64}}}
ENROLMENT = {"type": "object", "properties": {"secret": {"type": "string"}, "otpauth_uri": {"type": "string"},
                                              "qr_svg": {"type": "string"}}}
STATE = {"type": "object", "properties": {
    "enabled": {"type": "boolean"}, "required": {"type": "boolean"}, "recovery_codes_left": {"type": "integer"},
    "enrolment": {"anyOf": [ENROLMENT, {"type": "null"}]}}}
CODES = {"type": "object", "properties": {"recovery_codes": {"type": "array", "items": {"type": "string"}}}}
SCHEMAS = {"mfa_api.state": (None, STATE), "mfa_api.start": (None, ENROLMENT), "mfa_api.confirm": (CODE_BODY, CODES),
           "mfa_api.disable": (CODE_BODY, STATE), "mfa_api.regenerate": (CODE_BODY, CODES)}


def init_app(app: Flask) -> None:
    from pgadmin_lite.web.openapi import register_schemas

    register_schemas(app, SCHEMAS)
    app.register_blueprint(bp)


def end_other_logins(user: User) -> None:
    """Turning TOTP on: the user's other sessions, opened with the password alone, end with their query tools."""
    revoke_other_sessions(current_app._get_current_object(), user.id, keep=getattr(session, "token", None),
                          keep_login_id=current_login_id(), reason="Two-factor authentication was turned on in "
                          "another login, which ended this one; any open transaction was rolled back.")


def _me() -> User:
    return users_service.get_user(current_user.id)


def _vault() -> Any:
    return app_vault(current_app._get_current_object())


def _code() -> str:
    code = json_body().get("code")
    if not isinstance(code, str):
        raise BadRequest("code must be a string: the app's current code or a recovery code.")
    return code


def _enrolment_json(enrolment: mfa.Enrolment) -> dict[str, str]:
    return {"secret": enrolment.secret, "otpauth_uri": enrolment.uri, "qr_svg": enrolment.qr_svg()}


def _state(user: User) -> dict[str, Any]:
    enabled = mfa.is_enabled(user)
    enrolment = None if enabled else mfa.pending_enrolment(user, _vault())
    return {"enabled": enabled, "required": mfa.is_required(user, second_step.required_for(current_app)),
            "recovery_codes_left": mfa.recovery_codes_left(user) if enabled else 0,
            "enrolment": _enrolment_json(enrolment) if enrolment else None}


def _check(user: User, purpose: str) -> None:
    """A fresh code, counted like a login's; a refusal is audited."""
    try:
        mfa.check_code_counted(user, _vault(), _code(), source=lockout.client_source(request.remote_addr),
                               policy=lockout.policy(current_app))
    except (MfaCodeInvalid, LoginLocked):
        record("mfa.verify", target=f"user:{user.id}", outcome="refused", details={"for": purpose})
        raise


@bp.get("")
def state() -> ResponseReturnValue:
    """Whether two-factor authentication is on, required, and an unconfirmed enrolment if one was started."""
    return jsonify(_state(_me()))


@bp.post("/enrolment")
def start() -> ResponseReturnValue:
    """Start an enrolment: a new secret, as text, otpauth URI and QR code (SVG); confirm it with a code."""
    return jsonify(_enrolment_json(mfa.start_enrolment(_me(), _vault()))), 201


@bp.post("/confirm")
def confirm() -> ResponseReturnValue:
    """The first code from the app turns two-factor on; answers the recovery codes (given only this once)."""
    user = _me()
    codes = mfa.confirm_enrolment(user, _vault(), _code())
    record("mfa.enrol", target=f"user:{user.id}", details={"at_login": False, "api": True})
    end_other_logins(user)
    return jsonify({"recovery_codes": codes})


@bp.post("/disable")
def disable() -> ResponseReturnValue:
    """Turn two-factor off (needs a current code; refused when the user's role requires it)."""
    user = _me()
    if mfa.is_required(user, second_step.required_for(current_app)):
        raise Conflict("Your role requires two-factor authentication; it cannot be turned off.")
    _check(user, "disable")
    mfa.disable(user)
    record("mfa.disable", target=f"user:{user.id}", details={"api": True})
    return jsonify(_state(user))


@bp.post("/recovery-codes")
def regenerate() -> ResponseReturnValue:
    """New recovery codes (needs a current code); the old ones stop working."""
    user = _me()
    _check(user, "recovery_codes")
    codes = mfa.regenerate_recovery_codes(user, _vault())
    record("mfa.recovery_regenerate", target=f"user:{user.id}", details={"api": True})
    return jsonify({"recovery_codes": codes})
