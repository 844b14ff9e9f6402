"""Editor drafts: the last text of each query-tool editor, so a reload or an expired login loses nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pgadmin_lite.extensions import db
from pgadmin_lite.models.columns import UTCDateTime, utcnow


class EditorDraft(db.Model):
    """One user's autosaved editor text under a key the page chooses (e.g. ``qt:<server_id>:<database>``)."""

    __tablename__ = "editor_drafts"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_editor_drafts_user_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    key: Mapped[str] = mapped_column(String(200), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow)

    def to_dict(self) -> dict[str, object]:
        return {"key": self.key, "text": self.text, "updated_at": self.updated_at.isoformat()}
