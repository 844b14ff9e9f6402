"""Console users, their TOTP recovery codes, and the record of login attempts by account and source."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pgadmin_lite.extensions import db
from pgadmin_lite.models.access import Role
from pgadmin_lite.models.columns import UTCDateTime, utcnow

INTERNAL = "internal"  # the auth_source of accounts whose password this console checks


class User(UserMixin, db.Model):
    """A person who logs in to the console."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("auth_source", "external_id", name="uq_users_source_external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    is_admin: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    # A custom role (None: the built-in User; is_admin: the built-in Administrator, whatever this says).
    role_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("roles.id", ondelete="RESTRICT"), nullable=True)
    role: Mapped[Role | None] = relationship(Role, lazy="joined")
    # Where the password is checked: "internal", "ldap", "oidc:<provider>", "proxy"; and that source's id.
    auth_source: Mapped[str] = mapped_column(String(64), nullable=False, default=INTERNAL)
    external_id: Mapped[str | None] = mapped_column(String(512), nullable=True)
    display_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    totp_secret_enc: Mapped[str | None] = mapped_column(Text, nullable=True)  # vault ciphertext
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "email": self.email, "is_admin": self.is_admin, "is_active": self.active,
                "must_change_password": self.must_change_password, "role_id": self.role_id,
                "auth_source": self.auth_source, "display_name": self.display_name,
                "has_totp": self.totp_enabled_at is not None,
                "created_at": self.created_at.isoformat() if self.created_at else None}


class RecoveryCode(db.Model):
    """A one-time TOTP recovery code (hashed like a password); used_at marks it spent."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
                                         index=True)
    code_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class LoginAttempt(db.Model):
    """Login attempts per email and client source, plus one account-wide row per email (source "*").

    Rows exist for unknown emails too, so a lockout reveals nothing about who has an account;
    pgadmin_lite.auth.lockout is the only code that reads or writes them.
    """

    __tablename__ = "login_attempts"

    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False)
    window_ends: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    known_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
