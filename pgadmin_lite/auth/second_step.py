"""The half-login between the password and the second factor: a short-lived mark in the (cookie) session.

It holds no _user_id, so Flask-Login sees nobody: every page and API but the /login/mfa pages answers as to an
anonymous visitor (a redirect to /login, a 401). It is minted fresh (session cleared, a new nonce) at each
password success and dropped by the full login, which rotates the session again.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, session

from pgadmin_lite.auth import mfa
from pgadmin_lite.errors import ConfigError
from pgadmin_lite.extensions import db
from pgadmin_lite.models import User
from pgadmin_lite.servers.vault import app_vault

PENDING_KEY = "mfa_pending"
EXTENSION_KEY = "mfa_required_for"


class SecondFactorRequired(Exception):
    """complete_login stopped before logging in: the app answers with a redirect to /login/mfa."""


@dataclass(frozen=True)
class PendingLogin:
    """Who passed the password step, by which source, where they were going, and what is left to do."""

    user: User
    method: str
    next_url: str
    is_enrolment: bool  # required but not enrolled: enrol now, before anything else
    enrolment: str  # fingerprint of the enrolment this half-login started ("" before it starts one)


def init_app(app: Flask) -> None:
    """Validate the MFA settings at start-up."""
    app.extensions[EXTENSION_KEY] = mfa.check_required_for(app.config["MFA_REQUIRED_FOR"])
    if not isinstance(app.config["MFA_LOGIN_TIMEOUT"], int) or app.config["MFA_LOGIN_TIMEOUT"] < 30:
        raise ConfigError(f"MFA_LOGIN_TIMEOUT must be at least 30 seconds, got "
                              f"{app.config['MFA_LOGIN_TIMEOUT']!r} (config.py).")


def required_for(app: Flask) -> tuple[str, ...]:
    return app.extensions[EXTENSION_KEY]


def begin(user: User, *, method: str, next_url: str) -> None:
    """Replace whatever the session held by a new half-login for user; one who must enrol gets a new secret
    now (in the password's POST, not in a GET of the enrolment page)."""
    is_enrolment = not mfa.is_enabled(user)
    if is_enrolment:
        mfa.start_enrolment(user, app_vault(current_app._get_current_object()))
    session.clear()
    session[PENDING_KEY] = {"user_id": user.id, "method": method, "next": next_url, "is_enrolment": is_enrolment,
                            "enrolment": fingerprint(user) if is_enrolment else "",
                            "nonce": secrets.token_urlsafe(16),
                            "expires": time.time() + current_app.config["MFA_LOGIN_TIMEOUT"]}


def current() -> PendingLogin | None:
    """The half-login of this browser, if it is still valid (not expired, the user still active, their TOTP
    state still what it was); an invalid one is dropped."""
    raw: Any = session.get(PENDING_KEY)
    pending = _read(raw) if isinstance(raw, dict) else None
    if raw is not None and pending is None:
        end()
    return pending


def _read(raw: dict[str, Any]) -> PendingLogin | None:
    user_id, expires = raw.get("user_id"), raw.get("expires")
    if not isinstance(user_id, int) or not isinstance(expires, int | float) or expires < time.time():
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or bool(raw.get("is_enrolment")) == mfa.is_enabled(user):
        return None
    return PendingLogin(user, str(raw.get("method", "")), str(raw.get("next", "")), bool(raw.get("is_enrolment")),
                        str(raw.get("enrolment", "")))


def fingerprint(user: User) -> str:
    """Names the unconfirmed enrolment now stored, so a half-login only ever confirms the one it showed."""
    return hashlib.sha256((user.totp_secret_enc or "").encode()).hexdigest()[:32]


def remember_enrolment(user: User) -> None:
    session[PENDING_KEY] = {**session[PENDING_KEY], "enrolment": fingerprint(user)}


def end() -> None:
    session.pop(PENDING_KEY, None)
