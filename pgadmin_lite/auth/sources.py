"""The login form's one password check across AUTHENTICATION_SOURCES ("internal", "ldap"), under one lockout."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from pgadmin_lite.auth import ldap_config, lockout
from pgadmin_lite.auth.ldap_config import DirectoryUnavailable, LdapSettings
from pgadmin_lite.auth.lockout import LockoutPolicy
from pgadmin_lite.auth.passwords import verify_password
from pgadmin_lite.auth.provisioning import provision
from pgadmin_lite.auth.service import FAILED_MESSAGE, locked_error, normalize_email
from pgadmin_lite.errors import LoginRefused
from pgadmin_lite.extensions import db
from pgadmin_lite.models import User
from pgadmin_lite.models.users import INTERNAL

if TYPE_CHECKING:
    from flask import Flask

EXTENSION_KEY = "ldap_settings"


@dataclass(frozen=True)
class SignIn:
    """Who logged in, and how ("internal", "internal-break-glass", "ldap")."""

    user: User
    method: str


def _internal(email: str, password: str, *, admins_only: bool) -> User | None:
    """The internal account this password opens (one KDF run whether or not the email exists)."""
    user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one_or_none()
    if user is not None and (user.auth_source != INTERNAL or (admins_only and not user.is_admin)):
        user = None  # external users' passwords are never checked here; break glass is for administrators only
    if user is None:
        verify_password(None, password)
        return None
    return user if verify_password(user.password_hash, password) and user.active else None


class _PersonLockout:
    """The person the directory found for a typed name ("alice" or alice@example.org) is counted under their email
    too, so each name that reaches them does not bring its own MAX_LOGIN_ATTEMPTS."""

    def __init__(self, key: str, client: str, policy: LockoutPolicy) -> None:
        self.key, self.client, self.policy = key, client, policy
        self.email: str | None = None
        self.locked_until: datetime | None = None

    def may_try(self, email: str) -> bool:
        email = normalize_email(email)
        if email == self.key:  # the typed name's reservation already counted this attempt
            return True
        reservation = lockout.reserve_attempt(email, self.client, self.policy)
        self.email, self.locked_until = email, reservation.locked_until
        return reservation.is_allowed

    def record_success(self) -> None:
        if self.email is not None:
            lockout.record_success(self.email, self.client, self.policy)


def password_login(name: str, password: str, *, client: str, policy: LockoutPolicy, sources: list[str],
                   break_glass: bool, ldap: LdapSettings | None) -> SignIn:
    """The user these credentials open in the first source that accepts them, else LoginRefused.

    The attempt is reserved first (auth/lockout.py) whatever source decides; every attempt costs one KDF run.
    """
    key = normalize_email(name)
    reservation = lockout.reserve_attempt(key, client, policy)
    if not (reservation.is_allowed and key):
        verify_password(None, password)
        raise locked_error(reservation.locked_until) if reservation.locked_until else LoginRefused(FAILED_MESSAGE)
    signed_in, down, is_hashed = None, None, False
    person = _PersonLockout(key, client, policy)
    for source in sources:
        if source == INTERNAL:
            user, is_hashed = _internal(key, password, admins_only=False), True
            signed_in = SignIn(user, INTERNAL) if user else None
        elif source == ldap_config.SOURCE and ldap is not None:
            from pgadmin_lite.auth import ldap_source  # ldap3 loads with the first LDAP login, not at start-up

            try:
                identity = ldap_source.authenticate(ldap, name, password, person.may_try)
            except DirectoryUnavailable as exc:
                down = exc
                continue
            signed_in = SignIn(provision(identity, auto_create=ldap.auto_create), "ldap") if identity else None
        if signed_in:
            break
    if signed_in is None and INTERNAL not in sources and break_glass:
        user, is_hashed = _internal(key, password, admins_only=True), True
        signed_in = SignIn(user, "internal-break-glass") if user else None
    if not is_hashed:
        verify_password(None, password)  # the same cost as an internal check
    if signed_in is not None:
        lockout.record_success(key, client, policy)
        person.record_success()
        return signed_in
    if down is not None:
        raise down
    locked_until = reservation.locked_until or person.locked_until
    if locked_until is not None:
        raise locked_error(locked_until)
    raise LoginRefused(FAILED_MESSAGE)


def init_app(app: Flask) -> None:
    """Validate the LDAP settings at start-up when "ldap" is a source: a mistake stops the app naming the setting."""
    is_on = ldap_config.SOURCE in app.config["AUTHENTICATION_SOURCES"]
    app.extensions[EXTENSION_KEY] = LdapSettings.from_config(app.config) if is_on else None


def ldap_settings(app: Flask) -> LdapSettings | None:
    return app.extensions[EXTENSION_KEY]
