"""The one way a login ends, whatever checked the person (password, LDAP, OpenID Connect, a trusted proxy)."""

from __future__ import annotations

from flask import current_app, request, session
from flask_login import login_user

from pgadmin_lite.audit.log import record
from pgadmin_lite.auth.identity import Identity, begin_login, remember_identity
from pgadmin_lite.models import User


def complete_login(user: User, *, method: str, is_mfa_done: bool = False) -> None:
    """A new session (rotated: no fixation), the user's identity, and the audit line; method: "internal", "ldap"…

    is_mfa_done: the source itself checked a second factor (an OpenID provider trusted for it).
    """
    session.clear()
    session.rotate = True  # type: ignore[attr-defined]
    login_user(Identity.of(user))  # current_user is the session's snapshot in this request too, as in later ones
    begin_login()
    remember_identity(user)
    current_app.logger.info("Login of user %s by %s from %s", user.email, method, request.remote_addr)
    record("login", target=f"user:{user.id}", details={"method": method}, actor_id=user.id,
           actor_email=user.email)


def refuse_login(email: str, *, method: str, outcome: str, reason: str) -> None:
    """Log and audit a refused login (outcome "refused" or "locked"); the person sees only the generic message."""
    current_app.logger.info("Login refused for %r by %s from %s (%s)", email, method, request.remote_addr, reason)
    record("login", outcome=outcome, details={"method": method, "reason": reason}, actor_email=email or None)
