"""The retention purge: the one code that deletes audit events, those older than AUDIT_RETENTION_DAYS, at most once a
day per process (lazily, after an event is recorded or the log is read)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import delete
from sqlalchemy.exc import SQLAlchemyError

from pgadmin_lite.extensions import db
from pgadmin_lite.models import AuditEvent
from pgadmin_lite.models.columns import utcnow

PURGE_EVERY_S = 86_400.0
PURGE_OPTION = "audit_purge"  # the execution option that lets a DELETE of audit_log through (log.py's guard)


@dataclass
class RetentionClock:
    """When this process last purged; a lock so that concurrent requests purge once."""

    days: int
    clock: Callable[[], float] = time.monotonic
    last_run: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def is_due(self) -> bool:
        return self.days > 0 and (self.last_run is None or self.clock() - self.last_run >= PURGE_EVERY_S)


def purge_expired(days: int, *, now: datetime | None = None) -> int:
    """Delete the events older than `days` days (0: none) and commit; returns how many went."""
    if days <= 0:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=days)
    result = db.session.execute(delete(AuditEvent.__table__).where(AuditEvent.__table__.c.at < cutoff),
                                execution_options={PURGE_OPTION: True})
    db.session.commit()
    return int(result.rowcount or 0)


def maybe_purge(app: Flask) -> int:
    """Purge if this process has not done so for a day; another thread already purging is not waited for."""
    state = retention(app)
    if not state.is_due() or not state.lock.acquire(blocking=False):
        return 0
    count = 0
    try:
        if state.is_due():
            count = _purge_logged(app, state.days)
            state.last_run = state.clock()
    finally:
        state.lock.release()
    return count


def _purge_logged(app: Flask, days: int) -> int:
    """purge_expired, logged; a failure is logged, not raised: the change being recorded was committed already."""
    try:
        count = purge_expired(days)
    except SQLAlchemyError:
        db.session.rollback()
        app.logger.exception("Audit log: the retention purge failed; it is tried again in a day")
        return 0
    if count:
        app.logger.info("Audit log: %d event(s) older than %d day(s) purged (AUDIT_RETENTION_DAYS)", count, days)
    return count


def retention(app: Flask) -> RetentionClock:
    """This app's retention state (set by audit.init_app)."""
    return app.extensions["audit_retention"]  # type: ignore[no-any-return]
