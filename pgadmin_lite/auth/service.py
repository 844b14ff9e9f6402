"""The one login code path: credential check, per-email lockout, and its reset."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NoReturn

from pgadmin_lite.auth.passwords import verify_password
from pgadmin_lite.errors import AppError
from pgadmin_lite.extensions import db
from pgadmin_lite.models import LoginFailure, User
from pgadmin_lite.models.columns import utcnow

FAILED_MESSAGE = "Incorrect email or password."


class LoginRefused(AppError):
    """Wrong credentials, or a locked email; the message never says which emails exist."""

    status, code = 401, "login_failed"


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def locked_message(until: datetime) -> str:
    return (f"Too many failed logins: this account is locked until {until:%Y-%m-%d %H:%M} UTC. "
            "An administrator can unlock it sooner.")


def authenticate(email: str, password: str, *, max_attempts: int, lockout_minutes: int) -> User:
    """Return the user for valid credentials or raise LoginRefused; record failures per email."""
    email = normalize_email(email)
    failure = db.session.get(LoginFailure, email) if email else None
    now = utcnow()
    if failure and failure.locked_until and failure.locked_until > now:
        verify_password(None, password)  # same cost as a real check
        raise LoginRefused(locked_message(failure.locked_until), locked_until=failure.locked_until.isoformat())
    user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one_or_none() if email else None
    if user is not None and verify_password(user.password_hash, password) and user.active:
        if failure:
            db.session.delete(failure)
            db.session.commit()
        return user
    if user is None:
        verify_password(None, password)
    _record_failure(email, failure, now, max_attempts, lockout_minutes)


def _record_failure(email: str, failure: LoginFailure | None, now: datetime, max_attempts: int,
                    lockout_minutes: int) -> NoReturn:
    if not email:
        raise LoginRefused(FAILED_MESSAGE)
    if failure is None:
        failure = LoginFailure(email=email, count=0)
        db.session.add(failure)
    if failure.locked_until and failure.locked_until <= now:
        failure.locked_until, failure.count = None, 0
    failure.count += 1
    if failure.count >= max_attempts:
        failure.locked_until = now + timedelta(minutes=lockout_minutes)
        failure.count = 0
        db.session.commit()
        raise LoginRefused(locked_message(failure.locked_until), locked_until=failure.locked_until.isoformat())
    db.session.commit()
    raise LoginRefused(FAILED_MESSAGE)


def unlock(email: str) -> bool:
    """Clear an email's failures; True if it was locked."""
    failure = db.session.get(LoginFailure, normalize_email(email))
    if failure is None:
        return False
    was_locked = bool(failure.locked_until and failure.locked_until > utcnow())
    db.session.delete(failure)
    db.session.commit()
    return was_locked


def locked_until(email: str) -> datetime | None:
    failure = db.session.get(LoginFailure, normalize_email(email))
    if failure and failure.locked_until and failure.locked_until > utcnow():
        return failure.locked_until
    return None
