"""Two-factor authentication over HTTP: the second login step, the forced enrolment, the Account page's
TOTP section and the administrator's reset. HTTP only; the rules are in auth/mfa.py."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from pgadmin_lite.audit.log import record
from pgadmin_lite.auth import lockout, mfa, mfa_api, second_step
from pgadmin_lite.auth.login_flow import complete_login
from pgadmin_lite.auth.revocation import revoke_user_access
from pgadmin_lite.errors import AppError, LoginLocked, MfaCodeInvalid, PermissionDenied
from pgadmin_lite.models import User
from pgadmin_lite.servers.vault import app_vault
from pgadmin_lite.users import service as users_service
from pgadmin_lite.users.permissions import ANY_USER, blueprint_requires, requires

bp = Blueprint("mfa", __name__)
blueprint_requires(bp, ANY_USER)  # the login steps are public (PUBLIC_ENDPOINTS); the reset needs users.manage
# The half-login reaches these and nothing else (they check it themselves).
PUBLIC_ENDPOINTS = frozenset({"mfa.step_form", "mfa.step_verify", "mfa.enrol_form", "mfa.enrol_confirm",
                              "mfa.enrol_restart", "mfa.step_cancel"})
EXPIRED = "The second step of your login timed out or was ended; log in again."


def init_app(app: Flask) -> None:
    second_step.init_app(app)
    app.register_error_handler(second_step.SecondFactorRequired, _to_second_step)
    app.add_template_global(account_state, "mfa_account_state")
    app.register_blueprint(bp)
    mfa_api.init_app(app)


def _to_second_step(_: second_step.SecondFactorRequired) -> ResponseReturnValue:
    return redirect(url_for("mfa.step_form"))


def _vault() -> Any:
    return app_vault(current_app._get_current_object())


def _source() -> str:
    return lockout.client_source(request.remote_addr)


def _restart() -> ResponseReturnValue:
    if current_user.is_authenticated:  # a login finished already (another tab, the back button)
        return redirect(url_for("home.index"))
    second_step.end()
    flash(EXPIRED)
    return redirect(url_for("auth.login_form"))


def _after_login(user: User, next_url: str) -> str:
    if user.must_change_password:
        return url_for("auth.account")
    return next_url or url_for("home.index")


# --- The second step of a login -----------------------------------------------------------------------------

@bp.get("/login/mfa")
def step_form() -> ResponseReturnValue:
    pending = second_step.current()
    if pending is None:
        return _restart()
    if pending.is_enrolment:
        return redirect(url_for("mfa.enrol_form"))
    return render_template("mfa/login_step.html", error=None)


@bp.post("/login/mfa")
def step_verify() -> ResponseReturnValue:
    pending = second_step.current()
    if pending is None or pending.is_enrolment:
        return _restart()
    user = pending.user
    try:
        method = mfa.check_code_counted(user, _vault(), request.form.get("code", ""), source=_source(),
                                        policy=lockout.policy(current_app))
    except (MfaCodeInvalid, LoginLocked) as exc:
        outcome = "locked" if isinstance(exc, LoginLocked) else "refused"
        record("mfa.verify", target=f"user:{user.id}", outcome=outcome, details={"method": pending.method},
               actor_id=user.id, actor_email=user.email)
        return render_template("mfa/login_step.html", error=exc.message), 429 if outcome == "locked" else 401
    if method == "recovery_code":
        record("mfa.recovery_used", target=f"user:{user.id}", actor_id=user.id, actor_email=user.email,
               details={"left": mfa.recovery_codes_left(user)})
    complete_login(user, method=pending.method, is_mfa_done=True, mfa_method=method)
    return redirect(_after_login(user, pending.next_url))


@bp.post("/login/mfa/cancel")
def step_cancel() -> ResponseReturnValue:
    second_step.end()
    return redirect(url_for("auth.login_form"))


@bp.get("/login/mfa/enrol")
def enrol_form() -> ResponseReturnValue:
    pending = second_step.current()
    if pending is None:
        return _restart()
    if not pending.is_enrolment:
        return redirect(url_for("mfa.step_form"))
    return _enrol_page(pending)


def _enrol_page(pending: second_step.PendingLogin, *, error: str | None = None,
                status: int = 200) -> ResponseReturnValue:
    """The enrolment this half-login started; none when another browser replaced it (then a button restarts)."""
    user = pending.user
    is_ours = pending.enrolment == second_step.fingerprint(user)
    enrolment = mfa.pending_enrolment(user, _vault()) if is_ours else None
    if enrolment is None and error is None:
        error, status = "The set-up was restarted in another browser. Start it again here to get a new code.", 409
    return render_template("mfa/login_enrol.html", enrolment=enrolment, error=error), status


@bp.post("/login/mfa/enrol/restart")
def enrol_restart() -> ResponseReturnValue:
    pending = second_step.current()
    if pending is None or not pending.is_enrolment:
        return _restart()
    mfa.start_enrolment(pending.user, _vault())
    second_step.remember_enrolment(pending.user)
    return redirect(url_for("mfa.enrol_form"))


@bp.post("/login/mfa/enrol")
def enrol_confirm() -> ResponseReturnValue:
    pending = second_step.current()
    if pending is None or not pending.is_enrolment:
        return _restart()
    user = pending.user
    if pending.enrolment != second_step.fingerprint(user):
        return _enrol_page(pending)
    try:
        codes = mfa.confirm_enrolment(user, _vault(), request.form.get("code", ""))
    except MfaCodeInvalid as exc:
        return _enrol_page(pending, error=exc.message, status=exc.status)
    record("mfa.enrol", target=f"user:{user.id}", actor_id=user.id, actor_email=user.email,
           details={"at_login": True})
    complete_login(user, method=pending.method, is_mfa_done=True, mfa_method="enrolled")
    return render_template("mfa/login_codes.html", recovery_codes=codes,
                           continue_url=_after_login(user, pending.next_url))


# --- The Account page ---------------------------------------------------------------------------------------

def account_state() -> dict[str, Any]:
    """What the Account page's two-factor section shows for the logged-in user."""
    user = users_service.get_user(current_user.id)
    enabled = mfa.is_enabled(user)
    return {"enabled": enabled, "enrolment": None if enabled else mfa.pending_enrolment(user, _vault()),
            "codes_left": mfa.recovery_codes_left(user) if enabled else 0,
            "required": mfa.is_required(user, second_step.required_for(current_app))}


def _account(*, error: str | None = None, codes: list[str] | None = None, status: int = 200) -> ResponseReturnValue:
    return render_template("account.html", error=None, mfa_error=error, recovery_codes=codes), status


def _me() -> User:
    return users_service.get_user(current_user.id)


def _checked(user: User) -> None:
    """A fresh code (TOTP or recovery) proves the person at the keyboard holds the second factor."""
    mfa.check_code_counted(user, _vault(), request.form.get("code", ""), source=_source(),
                           policy=lockout.policy(current_app))


@bp.post("/account/mfa/enrol")
def account_enrol() -> ResponseReturnValue:
    mfa.start_enrolment(_me(), _vault())
    return redirect(url_for("auth.account", _anchor="mfa"))


@bp.post("/account/mfa/cancel")
def account_cancel() -> ResponseReturnValue:
    mfa.cancel_enrolment(_me())
    return redirect(url_for("auth.account", _anchor="mfa"))


@bp.post("/account/mfa/confirm")
def account_confirm() -> ResponseReturnValue:
    user = _me()
    try:
        codes = mfa.confirm_enrolment(user, _vault(), request.form.get("code", ""))
    except AppError as exc:
        return _account(error=exc.message, status=exc.status)
    record("mfa.enrol", target=f"user:{user.id}", details={"at_login": False})
    mfa_api.end_other_logins(user)
    flash("Two-factor authentication is on. Your other logins ended: they had not given a code.")
    return _account(codes=codes)


@bp.post("/account/mfa/disable")
def account_disable() -> ResponseReturnValue:
    user = _me()
    if mfa.is_required(user, second_step.required_for(current_app)):
        return _account(error="Your role requires two-factor authentication; it cannot be turned off.",
                        status=409)
    try:
        _checked(user)
    except AppError as exc:
        record("mfa.verify", target=f"user:{user.id}", outcome="refused", details={"for": "disable"})
        return _account(error=exc.message, status=exc.status)
    mfa.disable(user)
    record("mfa.disable", target=f"user:{user.id}")
    flash("Two-factor authentication is off.")
    return redirect(url_for("auth.account"))


@bp.post("/account/mfa/recovery-codes")
def account_regenerate() -> ResponseReturnValue:
    user = _me()
    try:
        _checked(user)
        codes = mfa.regenerate_recovery_codes(user, _vault())
    except AppError as exc:
        record("mfa.verify", target=f"user:{user.id}", outcome="refused", details={"for": "recovery_codes"})
        return _account(error=exc.message, status=exc.status)
    record("mfa.recovery_regenerate", target=f"user:{user.id}")
    return _account(codes=codes)


# --- Administrators -----------------------------------------------------------------------------------------

@bp.post("/api/v1/users/<int:user_id>/mfa/reset")
@requires("users.manage")
def admin_reset(user_id: int) -> ResponseReturnValue:
    """Turn a user's TOTP off (a lost phone); their sessions end, and a required user enrols at next login."""
    user = users_service.get_user(user_id)
    if user.is_admin and not current_user.is_admin:  # users.manage alone never weakens an administrator
        raise PermissionDenied("Only an administrator can reset an administrator's two-factor authentication.")
    was_enabled = mfa.is_enabled(user)
    mfa.disable(user)
    revoke_user_access(current_app._get_current_object(), user.id)
    record("mfa.reset", target=f"user:{user.id}", details={"email": user.email, "was_enabled": was_enabled})
    current_app.logger.info("Two-factor authentication of %s reset by %s", user.email, current_user.email)
    return jsonify(user.to_dict())
