"""Recording and searching the per-user query history (capped per user)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Integer, bindparam, delete, select

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


TABLE = QueryHistory.__table__
NEWEST_FIRST = (TABLE.c.created_at.desc(), TABLE.c.id.desc())
# Core statements built once: the batch insert and the trim skip the ORM's per-call compilation.
INSERT = TABLE.insert()
TRIM = delete(TABLE).where(TABLE.c.id.in_(
    select(TABLE.c.id).where(TABLE.c.user_id == bindparam("user_id")).order_by(*NEWEST_FIRST)
    .offset(bindparam("keep", type_=Integer)).scalar_subquery()))


def store(entries: list[dict[str, Any]], *, trim_users: Iterable[int], keep: int) -> None:
    """Insert a batch in one transaction and drop the given users' oldest entries past `keep`."""
    db.session.execute(INSERT, entries)
    for user_id in trim_users:
        db.session.execute(TRIM, {"user_id": user_id, "keep": keep})
    db.session.commit()


def search(user_id: int, text: str = "", limit: int = 100, *, keep: int) -> list[QueryHistory]:
    """Newest first, never past the `keep` newest (rows beyond it wait for the writer's next trim)."""
    query = db.select(QueryHistory).filter_by(user_id=user_id)
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(QueryHistory.sql.ilike(f"%{escaped}%", escape="\\"))
    newest = select(TABLE.c.id).where(TABLE.c.user_id == user_id).order_by(*NEWEST_FIRST).limit(keep)
    query = query.where(QueryHistory.id.in_(newest.scalar_subquery())).order_by(*NEWEST_FIRST).limit(limit)
    return list(db.session.execute(query).scalars())


def clear(user_id: int) -> int:
    result = db.session.execute(db.delete(QueryHistory).filter_by(user_id=user_id))
    db.session.commit()
    return result.rowcount
