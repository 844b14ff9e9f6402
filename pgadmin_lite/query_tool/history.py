"""Recording and searching the per-user query history (capped per user)."""

from __future__ import annotations

from typing import Any

from pgadmin_lite.extensions import db
from pgadmin_lite.models.columns import utcnow
from pgadmin_lite.models.history import QueryHistory

MAX_SQL_CHARS = 100_000


def outcome_status(result: dict[str, Any]) -> str:
    error = result.get("error")
    if not error:
        return "ok"
    if error.get("cancelled"):
        return "cancelled"
    return "lost" if error.get("connection_lost") else "error"


def entry_for(user_id: int, server_id: int, database: str, sql: str, result: dict[str, Any]) -> dict[str, Any]:
    """The history row for one finished run."""
    rows = result.get("rows_affected")
    if rows is None and result.get("columns"):
        rows = len(result.get("rows") or [])
    if result.get("error"):
        rows = None  # rows of an earlier statement would misdescribe a failed run
    return {"user_id": user_id, "server_id": server_id, "database": database, "sql": sql[:MAX_SQL_CHARS],
            "status": outcome_status(result), "rows": rows, "duration_ms": result.get("duration_ms"),
            "created_at": utcnow()}


def store(entries: list[dict[str, Any]], *, keep: int) -> None:
    """Insert a batch in one transaction and drop each user's oldest entries past `keep`."""
    db.session.execute(db.insert(QueryHistory), entries)
    for user_id in {entry["user_id"] for entry in entries}:
        stale = (db.select(QueryHistory.id).filter_by(user_id=user_id)
                 .order_by(QueryHistory.created_at.desc(), QueryHistory.id.desc()).offset(keep))
        db.session.execute(db.delete(QueryHistory).where(QueryHistory.id.in_(stale.scalar_subquery())))
    db.session.commit()


def search(user_id: int, text: str = "", limit: int = 100) -> list[QueryHistory]:
    query = db.select(QueryHistory).filter_by(user_id=user_id)
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(QueryHistory.sql.ilike(f"%{escaped}%", escape="\\"))
    query = query.order_by(QueryHistory.created_at.desc(), QueryHistory.id.desc()).limit(limit)
    return list(db.session.execute(query).scalars())


def clear(user_id: int) -> int:
    result = db.session.execute(db.delete(QueryHistory).filter_by(user_id=user_id))
    db.session.commit()
    return result.rowcount
