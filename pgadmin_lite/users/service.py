"""User administration rules: validation, last-administrator protection, access revocation."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func

from pgadmin_lite.auth import service as auth_service
from pgadmin_lite.auth.lockout import LockoutPolicy
from pgadmin_lite.auth.passwords import check_password_rules, hash_password
from pgadmin_lite.errors import BadRequest, Conflict, LastAdmin, LoginLocked, LoginRefused, NotFound
from pgadmin_lite.extensions import db
from pgadmin_lite.models import User
from pgadmin_lite.users.signals import user_created, user_deleted, user_deleting, user_updated

Revoke = Callable[[int], None]


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"No user with id {user_id}.")
    return user


def find_by_email(email: str) -> User:
    user = db.session.execute(
        db.select(User).filter_by(email=auth_service.normalize_email(email))).scalar_one_or_none()
    if user is None:
        raise NotFound(f"No user with email {email!r}.", hint="List users with: python setup_db.py get-users")
    return user


def list_users() -> list[User]:
    return list(db.session.execute(db.select(User).order_by(User.email)).scalars())


def create_user(email: str, password: str, *, is_admin: bool, min_length: int) -> User:
    email = auth_service.check_email(email)
    check_password_rules(password, min_length)
    if db.session.execute(db.select(User.id).filter_by(email=email)).first():
        raise Conflict(f"A user with email {email!r} already exists.")
    user = User(email=email, password_hash=hash_password(password), is_admin=bool(is_admin), active=True)
    db.session.add(user)
    db.session.commit()
    user_created.send(user)
    return user


def _active_admin_count() -> int:
    return db.session.execute(
        db.select(func.count()).select_from(User).filter_by(is_admin=True, active=True)).scalar_one()


def _guard_last_admin(user: User, action: str) -> None:
    """The last active administrator can never be removed, demoted or deactivated."""
    if user.is_admin and user.active and _active_admin_count() <= 1:
        raise LastAdmin(f"Cannot {action} {user.email}: it is the last active administrator.",
                        hint="Make another user an administrator first.")


def update_user(user: User, *, revoke: Revoke, is_admin: bool | None = None, active: bool | None = None,
                password: str | None = None, min_length: int = 8, unlock: bool = False,
                force_change: bool = True) -> User:
    """Apply an administrator's changes; a reset password must be changed at next login."""
    if is_admin is False and user.is_admin:
        _guard_last_admin(user, "demote")
    if active is False and user.active:
        _guard_last_admin(user, "deactivate")
    if password is not None:
        check_password_rules(password, min_length)
        user.password_hash = hash_password(password)
        user.must_change_password = force_change
    if is_admin is not None:
        user.is_admin = bool(is_admin)
    if active is not None:
        user.active = bool(active)
    db.session.commit()
    user_updated.send(user)
    if unlock:
        auth_service.unlock(user.email)
    if active is False or password is not None:
        revoke(user.id)
    return user


def delete_user(user: User, *, revoke: Revoke) -> None:
    _guard_last_admin(user, "delete")
    user_deleting.send(user)
    user_id = user.id
    db.session.delete(user)
    db.session.commit()
    revoke(user_id)
    user_deleted.send(user_id)


def change_own_password(user: User, current: str, new: str, *, source: str, policy: LockoutPolicy,
                        min_length: int, revoke_others: Revoke) -> None:
    """A user changes their own password; the current one is checked as a login is, lockout included.

    Every other login session of the user ends: whoever else held one no longer holds the password.
    """
    if current == new:
        raise BadRequest("The new password must differ from the current one.")
    check_password_rules(new, min_length)
    try:
        auth_service.authenticate(user.email, current, source=source, policy=policy)
    except LoginLocked:
        raise
    except LoginRefused:
        raise BadRequest("The current password is not correct.") from None
    user.password_hash = hash_password(new)
    user.must_change_password = False
    db.session.commit()
    user_updated.send(user)
    revoke_others(user.id)
