"""Who may do what: custom roles (sets of permissions), groups and their members, and servers shared with them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pgadmin_lite.extensions import db
from pgadmin_lite.models.columns import UTCDateTime, utcnow


class Role(db.Model):
    """A custom role an administrator made; the built-in Administrator and User are not rows (users.is_admin, NULL)."""

    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    permissions: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)  # users/permissions.py
    require_mfa: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class Group(db.Model):
    """A set of users: defined here ("local") or mirrored from LDAP or an OpenID provider at each login."""

    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("source", "name", name="uq_groups_source_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    source: Mapped[str] = mapped_column(String(64), nullable=False, default="local")  # local | ldap | oidc:<name>
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class GroupMember(db.Model):
    """One user in one group."""

    __tablename__ = "group_members"

    group_id: Mapped[int] = mapped_column(Integer, ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
                                         index=True)


class ServerShare(db.Model):
    """A server shared with one user, one custom role ("role", target 0: the built-in User) or one group."""

    __tablename__ = "server_shares"
    __table_args__ = (UniqueConstraint("server_id", "kind", "target_id", name="uq_server_shares_target"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    server_id: Mapped[int] = mapped_column(Integer, ForeignKey("servers.id", ondelete="CASCADE"), nullable=False,
                                           index=True)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)  # user | role | group
    target_id: Mapped[int] = mapped_column(Integer, nullable=False)
