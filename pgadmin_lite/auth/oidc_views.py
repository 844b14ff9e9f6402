"""OpenID Connect login: start (redirect to the provider) and callback (verify, provision, log in): HTTP only."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, current_app, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from pgadmin_lite.auth import oidc
from pgadmin_lite.auth.login_flow import complete_login, refuse_login
from pgadmin_lite.auth.next_url import safe_next
from pgadmin_lite.auth.provisioning import provision
from pgadmin_lite.errors import ConfigError, LoginRefused
from pgadmin_lite.extensions import db

bp = Blueprint("oidc", __name__)
PENDING_KEY = "oidc_pending"  # logins this browser started: provider, state, nonce, PKCE verifier, next


def providers(app: Flask | None = None) -> dict[str, oidc.Provider]:
    """The configured providers (empty unless "oidc" is among AUTHENTICATION_SOURCES)."""
    return (app or current_app).extensions.get("oidc_providers", {})


def _provider(name: str) -> oidc.Provider:
    provider = providers().get(name)
    if provider is None:
        abort(404)
    return provider


@bp.app_context_processor
def _login_buttons() -> dict[str, Any]:
    return {"oidc_providers": list(providers().values())}


@bp.get("/oidc/<name>/login")
def start(name: str) -> ResponseReturnValue:
    provider = _provider(name)
    target = safe_next(request.args.get("next"), request.script_root)
    try:
        url, pending = oidc.begin(provider, url_for("oidc.callback", name=name, _external=True), target)
    except oidc.OidcRefused as exc:
        return _refused(provider, exc)
    _, others = oidc.take_pending(session.get(PENDING_KEY), "")  # the fresh ones only
    session[PENDING_KEY] = [*others[-(oidc.MAX_PENDING - 1):], pending]
    return redirect(url)


@bp.get("/oidc/<name>/callback")
def callback(name: str) -> ResponseReturnValue:
    provider = _provider(name)
    started = session.pop(PENDING_KEY, None)
    pending, others = oidc.take_pending(started, request.args.get("state", ""))
    if others:
        session[PENDING_KEY] = others  # one use: a replayed callback finds nothing
    try:
        code = oidc.check_callback(provider, pending, request.args, started_any=bool(pending or others))
        identity = oidc.identity_of(provider, oidc.exchange(provider, code, pending))
    except oidc.OidcRefused as exc:
        return _refused(provider, exc)
    try:
        oidc.bind_precreated(identity)
        user = provision(identity, auto_create=provider.auto_create)
    except LoginRefused as exc:
        db.session.rollback()  # nothing half-provisioned reaches the audit line's commit
        return _refused(provider, oidc.OidcRefused(exc.message, reason=exc.message, email=identity.email))
    complete_login(user, method=provider.source, is_mfa_done=provider.trust_mfa)
    return redirect(safe_next(pending.get("next"), request.script_root) or url_for("home.index"))


def _refused(provider: oidc.Provider, exc: oidc.OidcRefused) -> ResponseReturnValue:
    refuse_login(exc.email, method=provider.source, outcome="refused", reason=exc.reason)
    return render_template("login.html", next="", email="",
                           error=f"Sign-in with {provider.label} refused: {exc.message}"), 401


def init_app(app: Flask) -> None:
    configured = "oidc" in app.config.get("AUTHENTICATION_SOURCES", [])
    app.extensions["oidc_providers"] = oidc.parse_providers(app.config["OIDC_PROVIDERS"]) if configured else {}
    if configured and not app.extensions["oidc_providers"]:
        raise ConfigError('AUTHENTICATION_SOURCES lists "oidc" but OIDC_PROVIDERS is empty; add a provider '
                          "(docs/authentication.md) or remove \"oidc\".")
    app.register_blueprint(bp)
