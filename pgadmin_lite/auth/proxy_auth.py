"""Proxy (webserver) authentication: the person the front server authenticated (NGINX auth_basic or auth_request,
Apache's Auth* directives, a single-sign-on agent) is the console user, from REMOTE_USER or a named header."""

from __future__ import annotations

from flask import current_app, request, session
from flask.typing import ResponseReturnValue
from flask_login import current_user, logout_user

from pgadmin_lite.auth.login_flow import complete_login, refuse_login
from pgadmin_lite.auth.provisioning import ExternalIdentity, provision
from pgadmin_lite.errors import BadRequest, LoginRefused, PermissionDenied
from pgadmin_lite.web.proxy import PEER_TRUSTED

SOURCE = "proxy"
REMOTE_USER = "REMOTE_USER"
PROXY_USER_KEY = "_proxy_user"  # in the session: the name the login came from, compared on every request
MAX_NAME = 254


def _name_from(environ: dict[str, object], setting: str) -> tuple[str | None, bool]:
    """The user name the front server passed, and whether the header route (needing a trusted peer) carried it."""
    if setting.upper() == REMOTE_USER:
        value = environ.get(REMOTE_USER)
        return (value if isinstance(value, str) else None), False
    value = environ.get("HTTP_" + setting.upper().replace("-", "_"))
    return (value if isinstance(value, str) else None), True


def email_for(name: str, domain: str) -> str:
    """A proxy user's email: the name itself when it is one, else name@PROXY_AUTH_EMAIL_DOMAIN."""
    if "@" in name:
        return name
    if not domain:
        raise LoginRefused(f"The proxy user {name!r} is not an email address and PROXY_AUTH_EMAIL_DOMAIN is empty.")
    return f"{name}@{domain}"


def sign_in_from_proxy() -> ResponseReturnValue | None:
    """Before every request (before the login check): follow the front server's user, or refuse an impostor."""
    config = current_app.config
    if SOURCE not in config["AUTHENTICATION_SOURCES"] or request.endpoint in (None, "static", "health.health"):
        return None
    name, needs_trusted_peer = _name_from(request.environ, config["PROXY_AUTH_HEADER"])
    name = (name or "").strip()
    if session.get(PROXY_USER_KEY) and session.get(PROXY_USER_KEY) != name and current_user.is_authenticated:
        logout_user()  # the front server now names someone else, or no one: this login is over
        session.clear()
    if not name:
        return None
    if needs_trusted_peer and not request.environ.get(PEER_TRUSTED):
        current_app.logger.warning("Refused %s=%r from %s: not one of TRUSTED_PROXIES", config["PROXY_AUTH_HEADER"],
                                   name[:MAX_NAME], request.remote_addr)
        refuse_login(name[:MAX_NAME], method=SOURCE, outcome="refused", reason="untrusted_peer")
        raise PermissionDenied(f"The {config['PROXY_AUTH_HEADER']} header is only honoured from the console's "
                               "proxy.", hint="Reach the console through its web server, not directly.")
    if current_user.is_authenticated and session.get(PROXY_USER_KEY) == name:
        return None
    _log_in(name[:MAX_NAME])
    return None


def _log_in(name: str) -> None:
    config = current_app.config
    try:
        identity = ExternalIdentity(source=SOURCE, external_id=name.lower(),
                                    email=email_for(name.lower(), config["PROXY_AUTH_EMAIL_DOMAIN"]))
        user = provision(identity, auto_create=config["PROXY_AUTH_AUTO_CREATE"])
    except (LoginRefused, BadRequest) as exc:
        refuse_login(name, method=SOURCE, outcome="refused", reason=exc.message)
        raise PermissionDenied(f"Your web server signed you in as {name!r}, but: {exc.message}") from None
    complete_login(user, method=SOURCE, is_mfa_done=True)  # the web server's sign-in stands whole: no TOTP step
    session[PROXY_USER_KEY] = name
