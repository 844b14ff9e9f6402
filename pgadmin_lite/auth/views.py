"""Login, logout, the session API and the user's own password: HTTP only."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, logout_user

from pgadmin_lite.audit.log import record
from pgadmin_lite.auth import lockout
from pgadmin_lite.auth.identity import current_login_id
from pgadmin_lite.auth.ldap_config import DirectoryUnavailable
from pgadmin_lite.auth.login_flow import complete_login, refuse_login
from pgadmin_lite.auth.next_url import safe_next
from pgadmin_lite.auth.revocation import revoke_other_sessions
from pgadmin_lite.auth.sources import ldap_settings, password_login
from pgadmin_lite.connections import close_login_connections, connection_manager
from pgadmin_lite.errors import AppError, BadRequest, LoginLocked, LoginRefused
from pgadmin_lite.users import service as users_service
from pgadmin_lite.users.permissions import ANY_USER, blueprint_requires
from pgadmin_lite.web.csrf import generate_csrf
from pgadmin_lite.web.input import json_body

bp = Blueprint("auth", __name__)
blueprint_requires(bp, ANY_USER)
MAX_ROLL_BACK = 1000  # tx_ids a logout may name (more than any cap allows)


def _source() -> str:
    """Where the attempt comes from: the client address as the trusted-proxy middleware left it."""
    return lockout.client_source(request.remote_addr)


@bp.get("/login")
def login_form() -> ResponseReturnValue:
    target = safe_next(request.args.get("next"), request.script_root)
    if current_user.is_authenticated:
        return redirect(target or url_for("home.index"))
    return render_template("login.html", next=target or "", error=None, email="")


@bp.post("/login")
def login() -> ResponseReturnValue:
    email = request.form.get("email", "")
    target = safe_next(request.form.get("next"), request.script_root)
    config = current_app.config
    try:
        signed_in = password_login(email, request.form.get("password", ""), client=_source(),
                                   policy=lockout.policy(current_app), sources=config["AUTHENTICATION_SOURCES"],
                                   break_glass=config["INTERNAL_BREAK_GLASS"], ldap=ldap_settings(current_app))
    except LoginRefused as exc:
        refuse_login(email, method="+".join(config["AUTHENTICATION_SOURCES"]),
                     outcome="locked" if isinstance(exc, LoginLocked) else "refused", reason=exc.code)
        status = 503 if isinstance(exc, DirectoryUnavailable) else 401
        return render_template("login.html", next=target or "", error=exc.message, email=email), status
    user = signed_in.user
    complete_login(user, method=signed_in.method)
    if user.must_change_password:
        return redirect(url_for("auth.account"))
    return redirect(target or url_for("home.index"))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    if current_user.is_authenticated:
        record("logout", target=f"user:{current_user.id}")
        close_login_connections(current_app, current_user.id, current_login_id())
        _roll_back_chosen(request.form.getlist("roll_back"))
    logout_user()
    session.clear()
    return redirect(url_for("auth.login_form"))


def _roll_back_chosen(tx_ids: list[str]) -> None:
    """The logout dialog named the user's transactions in other browsers and the user chose to roll them back."""
    chosen = {tx_id for tx_id in tx_ids[:MAX_ROLL_BACK] if isinstance(tx_id, str)}
    if chosen:
        connection_manager(current_app).close_chosen(
            current_user.id, chosen, "You logged out in another browser and chose to roll back this query tool's "
                                     "transaction; it was closed.")


@bp.get("/api/v1/session")
def session_info() -> ResponseReturnValue:
    return jsonify({"user": {"id": current_user.id, "email": current_user.email,
                             "is_admin": current_user.is_admin, "role": current_user.role,
                             "permissions": sorted(current_user.permissions),
                             "must_change_password": current_user.must_change_password},
                    "csrf_token": generate_csrf()})


@bp.get("/account")
def account() -> ResponseReturnValue:
    return render_template("account.html", error=None)


@bp.post("/account/password")
def account_password_form() -> ResponseReturnValue:
    form = request.form
    if form.get("new_password") != form.get("confirm_password"):
        return render_template("account.html", error="The two new passwords differ."), 400
    try:
        _change_password(form.get("current_password", ""), form.get("new_password", ""))
    except AppError as exc:
        return render_template("account.html", error=exc.message), exc.status
    flash("Your password was changed.")
    return redirect(url_for("home.index"))


@bp.post("/api/v1/account/password")
def account_password_api() -> ResponseReturnValue:
    body = json_body()
    current, new = body.get("current_password", ""), body.get("new_password", "")
    if not isinstance(current, str) or not isinstance(new, str):  # str(12345678) would pass as a password
        raise BadRequest("current_password and new_password must be strings.")
    _change_password(current, new)
    return jsonify({"changed": True})


def _change_password(current: str, new: str) -> None:
    app = current_app._get_current_object()
    users_service.change_own_password(
        users_service.get_user(current_user.id), current, new, source=_source(), policy=lockout.policy(app),
        min_length=app.config["PASSWORD_LENGTH_MIN"],
        revoke_others=partial(revoke_other_sessions, app, keep=getattr(session, "token", None),
                              keep_login_id=current_login_id()))
    record("account.password", target=f"user:{current_user.id}")
