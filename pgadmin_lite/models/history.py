"""Per-user query history of the query tool."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pgadmin_lite.extensions import db
from pgadmin_lite.models.columns import UTCDateTime, utcnow


class QueryHistory(db.Model):
    """One executed script: what, where, how it ended, how long it took."""

    __tablename__ = "query_history"
    __table_args__ = (Index("ix_query_history_user_created", "user_id", "created_at"),
                      Index("ix_query_history_user_server", "user_id", "server_id", "database", "created_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    server_id: Mapped[int | None] = mapped_column(ForeignKey("servers.id", ondelete="SET NULL"), nullable=True)
    database: Mapped[str] = mapped_column(String(255), nullable=False)
    sql: Mapped[str] = mapped_column(Text, nullable=False)  # as typed, secrets masked (query_tool.masking)
    kind: Mapped[str] = mapped_column(String(24), nullable=False, default="query", server_default="query")
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    rows: Mapped[int | None] = mapped_column(Integer, nullable=True)  # of all its statements; None: not known
    duration_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "server_id": self.server_id, "database": self.database, "sql": self.sql,
                "kind": self.kind, "status": self.status, "rows": self.rows, "duration_ms": self.duration_ms,
                "created_at": self.created_at.isoformat()}
