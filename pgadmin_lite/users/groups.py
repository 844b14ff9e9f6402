"""Groups of users: local ones an administrator defines, and those mirrored from LDAP or an OpenID provider (their
members are set at each login by auth/provisioning.sync_groups, so they are read-only here)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError

from pgadmin_lite.errors import BadRequest, Conflict, NotFound
from pgadmin_lite.extensions import db
from pgadmin_lite.models import Group, GroupMember, User
from pgadmin_lite.servers import access
from pgadmin_lite.servers.sharing import storable

LOCAL = "local"
MAX_NAME = 255
MAX_MEMBERS = 10000


def get_group(group_id: int) -> Group:
    group = db.session.get(Group, group_id)
    if group is None:
        raise NotFound(f"No group with id {group_id}.")
    return group


def list_groups() -> list[Group]:
    return list(db.session.execute(db.select(Group).order_by(Group.source, Group.name, Group.id)).scalars())


def member_ids(group_ids: list[int]) -> dict[int, list[int]]:
    """The members of these groups by group id, in one query."""
    found: dict[int, list[int]] = {group_id: [] for group_id in group_ids}
    if group_ids:
        rows = db.session.execute(db.select(GroupMember.group_id, GroupMember.user_id)
                                  .where(GroupMember.group_id.in_(group_ids)).order_by(GroupMember.user_id))
        for row in rows:
            found[row.group_id].append(row.user_id)
    return found


def groups_json(groups: list[Group]) -> list[dict[str, Any]]:
    members = member_ids([group.id for group in groups])
    users = {user.id: user for user in db.session.execute(
        db.select(User).where(User.id.in_({uid for ids in members.values() for uid in ids}))).scalars()}
    return [{"id": group.id, "name": group.name, "source": group.source, "is_local": group.source == LOCAL,
             "created_at": group.created_at.isoformat() if group.created_at else None,
             "members": [{"id": uid, "email": users[uid].email, "display_name": users[uid].display_name}
                         for uid in members[group.id] if uid in users]} for group in groups]


def clean_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadRequest("name must be a non-empty string.", field="name")
    name = value.strip()
    if len(name) > MAX_NAME or any(ord(ch) < 32 for ch in name):
        raise BadRequest(f"name must be at most {MAX_NAME} characters, without control characters.", field="name")
    return name


def clean_user_ids(body: Mapping[str, Any]) -> set[int]:
    """user_ids: a list of existing users' ids (400 naming the first unknown one)."""
    value = body.get("user_ids", [])
    if not isinstance(value, list) or len(value) > MAX_MEMBERS:
        raise BadRequest(f"user_ids must be a list of at most {MAX_MEMBERS} user ids.", field="user_ids")
    bad = [item for item in value if not isinstance(item, int) or isinstance(item, bool)]
    if bad:
        raise BadRequest(f"user_ids must list integers (ids); got {str(bad[0])[:40]!r}.", field="user_ids")
    found = set(db.session.execute(db.select(User.id).where(User.id.in_(storable(value)))).scalars())
    missing = sorted(set(value) - found)
    if missing:
        raise BadRequest(f"No user with id {missing[0]}.", field="user_ids")
    return found


def _check_unique(name: str, group_id: int | None = None) -> None:
    query = db.select(Group.id).filter_by(source=LOCAL, name=name)
    if group_id is not None:
        query = query.where(Group.id != group_id)
    if db.session.execute(query).first():
        raise Conflict(f"A local group named {name!r} already exists.")


def _check_local(group: Group, action: str) -> None:
    if group.source != LOCAL:
        raise Conflict(f"The group {group.name!r} comes from {group.source}: its name and members are set there, at "
                       f"each member's login; it cannot {action} here.",
                       hint="Change it in the directory or the identity provider.")


def create_group(body: Mapping[str, Any]) -> Group:
    unknown = sorted(set(body) - {"name", "user_ids"})
    if unknown:
        raise BadRequest(f"Unknown field(s): {', '.join(unknown)}.", hint="Allowed: name, user_ids.")
    name = clean_name(body.get("name"))
    users = clean_user_ids(body)
    _check_unique(name)
    group = Group(name=name, source=LOCAL)
    db.session.add(group)
    try:
        db.session.flush()
        db.session.add_all(GroupMember(group_id=group.id, user_id=user_id) for user_id in sorted(users))
        db.session.commit()
    except IntegrityError:  # made at the same moment by another request
        db.session.rollback()
        raise Conflict(f"A local group named {name!r} already exists.") from None
    return group


def rename_group(group: Group, body: Mapping[str, Any]) -> str:
    """The old name, after the change."""
    unknown = sorted(set(body) - {"name"})
    if unknown:
        raise BadRequest(f"Unknown field(s): {', '.join(unknown)}.", hint="Allowed: name.")
    name = clean_name(body.get("name"))
    _check_local(group, "be renamed")
    _check_unique(name, group.id)
    old, group.name = group.name, name
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(f"A local group named {name!r} already exists.") from None
    return old


def set_members(group: Group, body: Mapping[str, Any]) -> tuple[list[int], list[int]]:
    """Make the members exactly user_ids; returns (added, removed). The removed lose what only the group gave."""
    unknown = sorted(set(body) - {"user_ids"})
    if unknown or "user_ids" not in body:
        raise BadRequest("The body must be {\"user_ids\": [...]}.", field="user_ids")
    wanted = clean_user_ids(body)
    _check_local(group, "have its members changed")
    current = set(member_ids([group.id])[group.id])
    added, removed = sorted(wanted - current), sorted(current - wanted)
    if removed:
        db.session.execute(db.delete(GroupMember).where(GroupMember.group_id == group.id,
                                                        GroupMember.user_id.in_(removed)))
    db.session.add_all(GroupMember(group_id=group.id, user_id=user_id) for user_id in added)
    _commit_losing(removed, f"you were removed from the group {group.name!r}")
    return added, removed


def _commit_losing(user_ids: list[int], why: str) -> None:
    """Commit a change that may take servers from these users, with their credentials for them (one transaction);
    then end their tabs on those servers."""
    if user_ids:
        db.session.flush()
        access.forget_lost_credentials(user_ids=user_ids)
    db.session.commit()
    if user_ids:
        access.announce(why=why, user_ids=user_ids)


def delete_group(group: Group) -> list[int]:
    """Its members and its shares go with it (servers/access_events.py); returns who was in it."""
    members = member_ids([group.id])[group.id]
    name = group.name
    db.session.execute(db.delete(GroupMember).where(GroupMember.group_id == group.id))
    db.session.delete(group)
    _commit_losing(members, f"the group {name!r} was deleted")
    return members
