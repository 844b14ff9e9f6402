"""The one way a login ends, whatever checked the person (password, LDAP, OpenID Connect, a trusted proxy)."""

from __future__ import annotations

import hashlib

from flask import current_app, request, session
from flask_login import login_user

from pgadmin_lite.audit.log import record
from pgadmin_lite.auth import mfa, second_step
from pgadmin_lite.auth.identity import Identity, begin_login, remember_identity
from pgadmin_lite.auth.next_url import safe_next
from pgadmin_lite.auth.service import EMAIL_RE, normalize_email
from pgadmin_lite.extensions import db
from pgadmin_lite.models import User


def complete_login(user: User, *, method: str, is_mfa_done: bool = False, next_url: str | None = None,
                   mfa_method: str | None = None) -> None:
    """A new session (rotated: no fixation), the user's identity, and the audit line; method: "internal", "ldap"…

    is_mfa_done: the source itself checked a second factor (an OpenID provider trusted for it), or our own
    second step did (mfa_method says how). Else a user with TOTP on, or required to have it, is not logged in:
    a half-login is kept and SecondFactorRequired raised, which the app answers with a redirect to /login/mfa
    (next_url, or the request's `next`, is where the full login then goes).
    """
    if not is_mfa_done and mfa.needs_second_step(user, second_step.required_for(current_app)):
        target = next_url if next_url is not None else safe_next(request.values.get("next"), request.script_root)
        second_step.begin(user, method=method, next_url=target or "")
        current_app.logger.info("Password step of user %s by %s from %s passed; second factor pending",
                                user.email, method, request.remote_addr)
        raise second_step.SecondFactorRequired
    session.clear()
    session.rotate = True  # type: ignore[attr-defined]
    login_user(Identity.of(user))  # current_user is the session's snapshot in this request too, as in later ones
    begin_login()
    remember_identity(user)
    current_app.logger.info("Login of user %s by %s from %s", user.email, method, request.remote_addr)
    details = {"method": method, **({"mfa": mfa_method} if mfa_method else {})}
    record("login", target=f"user:{user.id}", details=details, actor_id=user.id, actor_email=user.email)


def loggable_name(name: str) -> str:
    """What a refused login is logged and audited under: the name if it is an email or an account's, else a digest.

    People type passwords into the name field; those must reach neither the log files nor the audit page.
    """
    normalized = normalize_email(name)
    if EMAIL_RE.match(normalized) or db.session.execute(
            db.select(User.id).filter_by(email=normalized)).first() is not None:
        return normalized[:254]
    return f"(not an email: sha256 {hashlib.sha256(name.encode()).hexdigest()[:16]})"


def refuse_login(email: str, *, method: str, outcome: str, reason: str) -> None:
    """Log and audit a refused login (outcome "refused" or "locked"); the person sees only the generic message."""
    name = loggable_name(email) if email else None
    current_app.logger.info("Login refused for %s by %s from %s (%s)", name, method, request.remote_addr, reason)
    record("login", outcome=outcome, details={"method": method, "reason": reason}, actor_email=name)
