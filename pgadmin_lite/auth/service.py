"""The one password check (login and password change): reserve the attempt, then verify, at the same cost."""

from __future__ import annotations

import re
from datetime import datetime

from pgadmin_lite.auth import lockout
from pgadmin_lite.auth.lockout import LockoutPolicy
from pgadmin_lite.auth.passwords import verify_password
from pgadmin_lite.errors import BadRequest, LoginLocked, LoginRefused
from pgadmin_lite.extensions import db
from pgadmin_lite.models import User
from pgadmin_lite.models.users import INTERNAL

FAILED_MESSAGE = "Incorrect email or password."
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def check_email(email: str) -> str:
    """The normalized email, or a 400 naming it: an account's email, whichever source vouches for it."""
    email = normalize_email(email)
    if len(email) > 254 or not EMAIL_RE.match(email):
        raise BadRequest(f"{email!r} is not a valid email address.")
    return email


def locked_error(until: datetime) -> LoginLocked:
    return LoginLocked(f"Too many failed logins: this account is locked for your address until "
                       f"{until:%Y-%m-%d %H:%M} UTC. An administrator can unlock it sooner.",
                       locked_until=until.isoformat())


def authenticate(email: str, password: str, *, source: str, policy: LockoutPolicy) -> User:
    """Return the user for valid credentials, else raise LoginRefused (LoginLocked once the attempts run out).

    The attempt is reserved before anything else (auth/lockout.py): a refused one still costs a KDF run, so
    locked, unknown and wrong all take the same time and say nothing about which emails exist.
    """
    email = normalize_email(email)
    reservation = lockout.reserve_attempt(email, source, policy)
    is_checked = reservation.is_allowed and bool(email)
    user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one_or_none() if is_checked else None
    if user is not None and user.auth_source != INTERNAL:
        user = None  # LDAP, OIDC and proxy users' passwords are never checked here
    if user is not None and verify_password(user.password_hash, password) and user.active:
        lockout.record_success(email, source, policy)
        return user
    if user is None:
        verify_password(None, password)  # a refused attempt or an unknown email costs the same
    if reservation.locked_until is not None:  # always set when the attempt was refused
        raise locked_error(reservation.locked_until)
    raise LoginRefused(FAILED_MESSAGE)


def second_factor_key(email: str) -> str:
    """The lockout rows of an email's TOTP codes: like its password rows, but no password success resets them."""
    return "mfa:" + normalize_email(email)


def unlock(email: str) -> None:
    """Clear an email's lockout (passwords and TOTP codes) from every address and account-wide."""
    lockout.unlock(normalize_email(email))
    lockout.unlock(second_factor_key(email))


def locked_until(email: str, policy: LockoutPolicy) -> datetime | None:
    ends = [lockout.locked_until(key, policy) for key in (normalize_email(email), second_factor_key(email))]
    return max((end for end in ends if end is not None), default=None)
