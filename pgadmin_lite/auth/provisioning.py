"""Users whose identity another source vouches for (LDAP, OpenID Connect, a trusted proxy): found by the source's
id, created on first login when allowed, their mapped role and their source's groups applied at each login."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from pgadmin_lite.auth.passwords import hash_password
from pgadmin_lite.auth.service import check_email
from pgadmin_lite.errors import LoginRefused
from pgadmin_lite.extensions import db
from pgadmin_lite.models import Group, GroupMember, Role, User
from pgadmin_lite.users.permissions import ADMINISTRATOR, USER
from pgadmin_lite.users.signals import user_created, user_updated

NOT_ALLOWED = "You have no account on this console yet; ask an administrator to create one."


@dataclass(frozen=True)
class ExternalIdentity:
    """What a source says about a person it authenticated."""

    source: str  # "ldap", "oidc:<provider>", "proxy"
    external_id: str  # the source's stable id (DN, issuer+sub, user name)
    email: str
    display_name: str | None = None
    groups: frozenset[str] = field(default_factory=frozenset)
    role: str | None = None  # a role name the source's mapping chose; None: keep (new users: the built-in User)
    # Whether the source vouches for the email (a directory's or proxy's: yes; an OpenID provider's: email_verified).
    # An unverified one never binds a pre-created account nor replaces a known user's email.
    is_email_verified: bool = True


def provision(identity: ExternalIdentity, *, auto_create: bool) -> User:
    """The console user for this identity (LoginRefused: unknown and not allowed, disabled, or email taken)."""
    email = check_email(identity.email)
    user = db.session.execute(db.select(User).filter_by(auth_source=identity.source,
                                                        external_id=identity.external_id)).scalar_one_or_none()
    is_new = user is None
    if user is None:
        if db.session.execute(db.select(User.id).filter_by(email=email)).first():
            raise LoginRefused(f"The account {email} exists here with another sign-in method; an administrator "
                               "can tell which.")
        if not auto_create:
            raise LoginRefused(NOT_ALLOWED)
        # An unusable random password: the internal form can never log this user in (authenticate checks the source).
        user = User(email=email, password_hash=hash_password(secrets.token_urlsafe(32)), auth_source=identity.source,
                    external_id=identity.external_id, is_admin=False, active=True)
        db.session.add(user)
    if not user.active:
        raise LoginRefused("This account is disabled; an administrator can enable it.")
    if email != user.email and identity.is_email_verified:
        if db.session.execute(db.select(User.id).filter(User.email == email, User.id != user.id)).first():
            raise LoginRefused(f"Your new email {email} belongs to another account here; an administrator can "
                               "sort it out.")
        user.email = email
    user.display_name = identity.display_name or user.display_name
    if identity.role is not None:
        _apply_role(user, identity.role)
    db.session.flush()
    sync_groups(user, identity.source, identity.groups)
    db.session.commit()
    (user_created if is_new else user_updated).send(user)
    return user


def _apply_role(user: User, name: str) -> None:
    if name == ADMINISTRATOR:
        user.is_admin, user.role_id = True, None
        return
    role = None if name == USER else db.session.execute(db.select(Role).filter_by(name=name)).scalar_one_or_none()
    if name != USER and role is None:
        raise LoginRefused(f"The role {name!r} your groups map to does not exist here; an administrator must "
                           "create it or fix the mapping.")
    user.is_admin, user.role_id = False, role.id if role is not None else None


def sync_groups(user: User, source: str, names: Iterable[str]) -> None:
    """Make the user's groups of this source exactly `names` (creating groups as needed); local groups stay."""
    wanted = {name for name in names if name}
    existing = {group.name: group for group in db.session.execute(
        db.select(Group).filter_by(source=source).where(Group.name.in_(wanted))).scalars()} if wanted else {}
    for name in wanted - existing.keys():
        existing[name] = Group(name=name, source=source)
        db.session.add(existing[name])
    db.session.flush()
    wanted_ids = {group.id for group in existing.values()}
    current = set(db.session.execute(
        db.select(GroupMember.group_id).join(Group, Group.id == GroupMember.group_id)
        .where(GroupMember.user_id == user.id, Group.source == source)).scalars())
    for group_id in current - wanted_ids:
        db.session.execute(db.delete(GroupMember).filter_by(user_id=user.id, group_id=group_id))
    for group_id in wanted_ids - current:
        db.session.add(GroupMember(user_id=user.id, group_id=group_id))
