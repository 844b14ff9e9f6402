"""The append-only audit log: who did what, from where, with what outcome."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pgadmin_lite.extensions import db
from pgadmin_lite.models.columns import UTCDateTime, utcnow


class AuditEvent(db.Model):
    """One event; the actor is kept by id and email so the row outlives the user."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    actor_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    action: Mapped[str] = mapped_column(String(64), nullable=False, index=True)  # "login", "user.update", …
    outcome: Mapped[str] = mapped_column(String(16), nullable=False, default="ok")  # ok | refused | locked
    target: Mapped[str | None] = mapped_column(String(255), nullable=True)  # "user:7", "server:3", …
    source: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the client address
    details: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "at": self.at.isoformat(), "actor_id": self.actor_id,
                "actor_email": self.actor_email, "action": self.action, "outcome": self.outcome,
                "target": self.target, "source": self.source, "details": self.details}
