"""Login for every route by default, server-side sessions, and the login manager."""

from __future__ import annotations

from flask import Flask, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from pgadmin_lite.auth import ldap_views, lockout, mfa_views, sources
from pgadmin_lite.auth.identity import Identity, remember_identity
from pgadmin_lite.auth.proxy_auth import sign_in_from_proxy
from pgadmin_lite.auth.session_interface import ConsoleSessionInterface
from pgadmin_lite.auth.session_store import SessionStore
from pgadmin_lite.auth.views import bp
from pgadmin_lite.errors import NotAuthenticated, PasswordChangeRequired
from pgadmin_lite.extensions import db, login_manager
from pgadmin_lite.models import User
from pgadmin_lite.users.signals import user_updated

# Endpoints reachable without a login; everything else needs one.
PUBLIC_ENDPOINTS = frozenset({"auth.login_form", "auth.login", "health.health", "static",
                              "oidc.start", "oidc.callback"}) | mfa_views.PUBLIC_ENDPOINTS
# Endpoints a user who must change their password may still reach.
PASSWORD_CHANGE_ENDPOINTS = frozenset({"auth.account", "auth.account_password_form",
                                       "auth.account_password_api", "auth.session_info", "auth.logout"})


@login_manager.user_loader
def load_user(user_id: str) -> Identity | None:
    """The identity read with the session row; only a session older than identities reads `users`."""
    identity = getattr(session, "identity", None)
    if identity is not None and str(identity.id) == user_id:
        return identity
    user = db.session.get(User, int(user_id))
    if user is None or not user.active:
        return None
    remember_identity(user)
    return Identity.of(user)


@user_updated.connect
def _user_updated(user: User, **_: object) -> None:
    remember_identity(user)


def _is_api() -> bool:
    return request.path.startswith("/api/")


def require_login() -> ResponseReturnValue | None:
    """Refuse every non-public endpoint to anonymous users (401 for the API, redirect for pages)."""
    if request.endpoint is None or request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        expired = getattr(session, "expired", False)
        if _is_api():
            raise NotAuthenticated("Your session has expired; log in again." if expired else
                                   "Log in first.", hint="POST /login with email, password and csrf_token.")
        # next must carry the prefix: safe_next only accepts paths under request.script_root.
        return redirect(url_for("auth.login_form", next=request.script_root + request.full_path.rstrip("?")))
    if current_user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        if _is_api():
            raise PasswordChangeRequired("An administrator reset your password; change it first.",
                                         hint="POST /api/v1/account/password")
        return redirect(url_for("auth.account"))
    return None


def init_app(app: Flask) -> None:
    store = SessionStore(app.config["SESSION_DB_PATH"], app.config["SQLITE_BUSY_TIMEOUT"])
    app.extensions["session_store"] = store
    app.session_interface = ConsoleSessionInterface(store)
    lockout.init_app(app)
    sources.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = None  # sessions are server-side and rotated at login
    login_manager.login_view = "auth.login_form"
    app.before_request(sign_in_from_proxy)  # before the login check: a proxy user is logged in by then
    app.before_request(require_login)
    app.register_blueprint(bp)
    ldap_views.init_app(app)
    mfa_views.init_app(app)
    from pgadmin_lite.auth import oidc_views  # here: provisioning imports users, which imports auth

    oidc_views.init_app(app)
    store.purge_expired()
