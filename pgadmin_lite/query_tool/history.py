"""Recording and searching the per-user query history (capped per user)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, bindparam, delete, select

from pgadmin_lite.extensions import db
from pgadmin_lite.models.columns import utcnow
from pgadmin_lite.models.history import QueryHistory
from pgadmin_lite.query_tool.masking import mask_secrets

MAX_SQL_CHARS = 100_000
STATUSES = ("ok", "error", "cancelled", "lost")


def outcome_status(result: dict[str, Any]) -> str:
    error = result.get("error")
    if not error:
        return "ok"
    if error.get("cancelled"):
        return "cancelled"
    return "lost" if error.get("connection_lost") else "error"


def entry_for(user_id: int, server_id: int | None, database: str, sql: str, result: dict[str, Any],
              kind: str = "query") -> dict[str, Any]:
    """The history row for one finished run (sql as typed; its secrets are masked when it is stored)."""
    return {"user_id": user_id, "server_id": server_id, "database": database, "sql": sql[:MAX_SQL_CHARS],
            "kind": kind, "status": outcome_status(result), "rows": row_count(result),
            "duration_ms": result.get("duration_ms"), "created_at": utcnow()}


def row_count(result: dict[str, Any]) -> int | None:
    """Rows its statements affected or returned in all; None when not known (rows still to page, or it failed).

    Never a page size: a row set still being paged has no count until it is read to its end.
    """
    statements = result.get("statements") or []
    if result.get("error") or not statements:
        return None  # rows of an earlier statement would misdescribe a failed run
    shown = result.get("rows_statement_index")
    if shown is not None and (result.get("has_more") or result.get("truncated")):
        return None
    counts = [record.get("row_count") for record in statements]
    if shown is not None and counts[shown] is None:
        return None
    return sum(count or 0 for count in counts)


TABLE = QueryHistory.__table__
NEWEST_FIRST = (TABLE.c.created_at.desc(), TABLE.c.id.desc())
# Core statements built once: the batch insert and the trim skip the ORM's per-call compilation.
INSERT = TABLE.insert()
TRIM = delete(TABLE).where(TABLE.c.id.in_(
    select(TABLE.c.id).where(TABLE.c.user_id == bindparam("user_id")).order_by(*NEWEST_FIRST)
    .offset(bindparam("keep", type_=Integer)).scalar_subquery()))


def store(entries: list[dict[str, Any]], *, trim_users: Iterable[int], keep: int) -> None:
    """Mask secrets, insert a batch in one transaction and drop the given users' oldest entries past `keep`."""
    db.session.execute(INSERT, [{**entry, "sql": mask_secrets(entry["sql"])} for entry in entries])
    for user_id in trim_users:
        db.session.execute(TRIM, {"user_id": user_id, "keep": keep})
    db.session.commit()


@dataclass(frozen=True)
class Filters:
    """What the history panel narrows the list to (each None: any)."""

    text: str = ""
    server_id: int | None = None
    database: str | None = None
    status: str | None = None


def search(user_id: int, filters: Filters, limit: int = 100, *, keep: int) -> list[QueryHistory]:
    """Newest first, never past the `keep` newest (rows beyond it wait for the writer's next trim)."""
    query = db.select(QueryHistory).filter_by(user_id=user_id)
    if filters.text:
        escaped = filters.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(QueryHistory.sql.ilike(f"%{escaped}%", escape="\\"))
    if filters.server_id is not None:
        query = query.where(QueryHistory.server_id == filters.server_id)
    if filters.database is not None:
        query = query.where(QueryHistory.database == filters.database)
    if filters.status is not None:
        query = query.where(QueryHistory.status == filters.status)
    newest = select(TABLE.c.id).where(TABLE.c.user_id == user_id).order_by(*NEWEST_FIRST).limit(keep)
    query = query.where(QueryHistory.id.in_(newest.scalar_subquery())).order_by(*NEWEST_FIRST).limit(limit)
    return list(db.session.execute(query).scalars())


def clear(user_id: int) -> int:
    result = db.session.execute(db.delete(QueryHistory).filter_by(user_id=user_id))
    db.session.commit()
    return result.rowcount
