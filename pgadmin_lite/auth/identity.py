"""Who is acting: the few user facts authorization needs, kept beside the session so no request reads `users`."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Protocol

from flask import current_app, session
from flask_login import UserMixin

from pgadmin_lite.models import User
from pgadmin_lite.users.permissions import USER, permissions_of, role_name

LOGIN_ID_KEY = "_login_id"


class Principal(Protocol):
    """The acting user as services see it; a User row and a session Identity are both one."""

    @property
    def id(self) -> int: ...

    @property
    def email(self) -> str: ...

    @property
    def is_admin(self) -> bool: ...


@dataclass(frozen=True, eq=False)
class Identity(UserMixin):
    """A logged-in user's snapshot; every change to these facts rewrites it (users service → session store)."""

    id: int
    email: str
    is_admin: bool
    must_change_password: bool
    permissions: frozenset[str] = frozenset()  # users/permissions.py: what the user's role grants
    role: str = USER

    @classmethod
    def of(cls, user: User) -> Identity:
        return cls(user.id, user.email, bool(user.is_admin), bool(user.must_change_password),
                   permissions_of(user), role_name(user))


def remember_identity(user: User) -> None:
    """At login and after every change to the user: all their sessions see the new facts at once."""
    current_app.extensions["session_store"].put_identity(Identity.of(user))


def begin_login() -> None:
    """Name this login (not by its cookie, a secret): the query tools opened in it end with it, and only they."""
    session[LOGIN_ID_KEY] = secrets.token_urlsafe(12)


def current_login_id() -> str | None:
    """The id of the login making this request (None for a session from before logins had one)."""
    login_id = session.get(LOGIN_ID_KEY)
    return login_id if isinstance(login_id, str) else None
