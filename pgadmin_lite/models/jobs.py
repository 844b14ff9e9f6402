"""Background jobs (backup, restore, maintenance, CSV import/export): what ran, for whom, and how it ended."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pgadmin_lite.extensions import db
from pgadmin_lite.models.columns import UTCDateTime, utcnow

ACTIVE_STATES = ("queued", "running")
FINAL_STATES = ("succeeded", "failed", "cancelled")


class Job(db.Model):
    """One job process; the row outlives the web process, so a restarted server still shows (and can stop) it."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_user_created", "user_id", "created_at"), Index("ix_jobs_state", "state"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    server_id: Mapped[int | None] = mapped_column(ForeignKey("servers.id", ondelete="SET NULL"), nullable=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    database: Mapped[str] = mapped_column(String(255), nullable=False)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="queued")
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    exit_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # "<boot id>:<start ticks>" of the worker process: a pid alone could belong to a later, unrelated process.
    process_ident: Mapped[str | None] = mapped_column(String(80), nullable=True)
    is_cancel_requested: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    job_dir: Mapped[str] = mapped_column(String(64), nullable=False)
    output_root: Mapped[str | None] = mapped_column(String(64), nullable=True)
    output_path: Mapped[str | None] = mapped_column(Text, nullable=True)
    output_is_dir: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    output_size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    input_root: Mapped[str | None] = mapped_column(String(64), nullable=True)
    input_path: Mapped[str | None] = mapped_column(Text, nullable=True)
    progress: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES
