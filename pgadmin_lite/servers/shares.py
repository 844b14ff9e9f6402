"""Which servers are shared with a user: with them by name, with their role, or with one of their groups."""

from __future__ import annotations

from sqlalchemy import Select, and_, or_, select

from pgadmin_lite.extensions import db
from pgadmin_lite.models import GroupMember, ServerShare, User

BUILTIN_USER_ROLE = 0  # ServerShare(kind="role").target_id of the built-in User; custom roles use their id
ADMINISTRATOR_ROLE = -1  # and of the built-in Administrator


def role_key(user_id: int) -> int | None:
    """The role target a share names for this user (None: no such user)."""
    row = db.session.execute(select(User.role_id, User.is_admin).where(User.id == user_id)).one_or_none()
    if row is None:
        return None
    return ADMINISTRATOR_ROLE if row.is_admin else (row.role_id or BUILTIN_USER_ROLE)


def shared_server_ids(user_id: int) -> Select[tuple[int]]:
    """A sub-select of the ids of servers shared with this user through any share."""
    groups = select(GroupMember.group_id).where(GroupMember.user_id == user_id)
    return select(ServerShare.server_id).where(or_(
        and_(ServerShare.kind == "user", ServerShare.target_id == user_id),
        and_(ServerShare.kind == "role", ServerShare.target_id == role_key(user_id)),
        and_(ServerShare.kind == "group", ServerShare.target_id.in_(groups))))


def is_shared_with(server_id: int, user_id: int) -> bool:
    query = select(ServerShare.id).where(ServerShare.server_id == server_id,
                                         ServerShare.server_id.in_(shared_server_ids(user_id))).limit(1)
    return db.session.execute(query).first() is not None
