"""Console users and the record of login attempts by account and source."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pgadmin_lite.extensions import db
from pgadmin_lite.models.columns import UTCDateTime, utcnow


class User(UserMixin, db.Model):
    """A person who logs in to the console."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    is_admin: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "email": self.email, "is_admin": self.is_admin, "is_active": self.active,
                "must_change_password": self.must_change_password,
                "created_at": self.created_at.isoformat() if self.created_at else None}


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
