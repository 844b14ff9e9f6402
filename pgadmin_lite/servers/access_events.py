"""Keep shares and access in step with users, roles and groups: a deleted target takes its shares with it (an id
reused later must not inherit them), and a user whose role or groups changed loses what they no longer may use."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapper

from pgadmin_lite.models import Group, Role, ServerShare, User
from pgadmin_lite.users.signals import user_updated

CHANGED = "your role or your groups changed"
KIND_OF = {User: "user", Role: "role", Group: "group"}


def _forget_shares(mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    connection.execute(delete(ServerShare).where(ServerShare.kind == KIND_OF[mapper.class_],
                                                 ServerShare.target_id == target.id))


def _user_updated(user: User, **_: Any) -> None:
    """After any change to a user (an administrator's edit, or groups and role synced at an LDAP/OIDC login)."""
    from pgadmin_lite.servers.access import end_lost_access

    end_lost_access(why=CHANGED, user_ids=[user.id])


def connect() -> None:
    """Listen once per process (connecting again is a no-op)."""
    for model in KIND_OF:
        if not event.contains(model, "after_delete", _forget_shares):
            event.listen(model, "after_delete", _forget_shares)
    user_updated.connect(_user_updated)
