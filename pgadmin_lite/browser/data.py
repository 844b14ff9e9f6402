"""View and edit a table's rows: paged, sorted and filtered reads; edits as one all-or-nothing transaction.

Sort and filter columns must be real columns of the relation; filter values are bound parameters; rows
come back with the query tool's faithful JSON encoding. Edits need a primary key to name each row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import tuple_row

from pgadmin_lite.browser import catalog, statements
from pgadmin_lite.browser.body import Body
from pgadmin_lite.browser.executor import change_connection
from pgadmin_lite.browser.refs import Ref
from pgadmin_lite.browser.table_objects import check_fragment
from pgadmin_lite.connections import row_changes
from pgadmin_lite.connections.encoding import keep_text_forms
from pgadmin_lite.errors import BadRequest, NotFound, ReadOnly
from pgadmin_lite.servers import targets

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
OPS = {"eq": "=", "ne": "<>", "lt": "<", "le": "<=", "gt": ">", "ge": ">=", "like": "LIKE", "ilike": "ILIKE",
       "is_null": "IS NULL", "not_null": "IS NOT NULL"}
EDITABLE_RELKINDS = frozenset({"r", "p"})


@dataclass(frozen=True)
class RowQuery:
    """One page of rows as the grid asks for it."""

    limit: int = DEFAULT_LIMIT
    offset: int = 0
    sort: str | None = None
    descending: bool = False
    filter: str | None = None
    op: str = "eq"
    value: str | None = None
    where: str | None = None  # a condition as typed ("View filtered rows"), run read-only as the user


def parse_row_query(args: Any) -> RowQuery:
    try:
        limit, offset = int(args.get("limit") or DEFAULT_LIMIT), int(args.get("offset") or 0)
    except ValueError:
        raise BadRequest("limit and offset must be integers.") from None
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise BadRequest(f"limit must be 1 to {MAX_LIMIT} and offset at least 0.")
    direction = (args.get("dir") or "asc").lower()
    op = args.get("op") or "eq"
    if direction not in ("asc", "desc") or op not in OPS:
        raise BadRequest(f"dir must be asc or desc; op one of {', '.join(OPS)}.")
    if args.get("filter") and op not in ("is_null", "not_null") and args.get("value") is None:
        raise BadRequest(f"A filter with op {op} needs a value.", field="value")
    where = args.get("where") or None
    if where is not None:
        check_fragment(where, "where", allow_strings=True)
    return RowQuery(limit, offset, args.get("sort") or None, direction == "desc", args.get("filter") or None, op,
                    args.get("value"), where)


def _relation(conn: psycopg.Connection[Any], ref: Ref) -> dict[str, Any]:
    row = catalog.query_one(conn, "data_relation", ref.params())
    if row is None:
        raise NotFound(f"No table or view {ref.schema}.{ref.name!r}.", hint="Refresh the tree.")
    return row


def read_only_reason(rel: dict[str, Any]) -> str | None:
    if rel["relkind"] not in EDITABLE_RELKINDS:
        return "Views, materialized views and foreign tables are read-only here; edit the underlying table."
    if not rel["key_columns"]:
        return ("This table has no primary key, so a row cannot be named safely: it is read-only here. "
                "Add a primary key to edit its rows.")
    return None


def _column(rel: dict[str, Any], name: str, field: str) -> sql.Identifier:
    if name not in rel["columns"]:
        raise BadRequest(f"{field}: no column {name!r} in this table.", field=field)
    return sql.Identifier(name)


def _select(ref: Ref, rel: dict[str, Any], q: RowQuery) -> tuple[sql.Composable, list[Any]]:
    query = sql.SQL("SELECT {} FROM {}").format(statements.identifiers(rel["columns"]),
                                               sql.Identifier(ref.schema or "", ref.name or ""))
    params: list[Any] = []
    conditions: list[sql.Composable] = [sql.SQL("({})").format(sql.SQL(q.where))] if q.where else []  # type: ignore[arg-type]
    if q.filter:
        column = _column(rel, q.filter, "filter")
        if q.op in ("is_null", "not_null"):
            conditions.append(sql.SQL("{} {}").format(column, sql.SQL(OPS[q.op])))
        elif q.op in ("like", "ilike"):
            conditions.append(sql.SQL("{}::text {} %s").format(column, sql.SQL(OPS[q.op])))
            params.append(q.value)
        else:
            conditions.append(sql.SQL("{} {} %s").format(column, sql.SQL(OPS[q.op])))
            params.append(q.value)
    if conditions:
        query = sql.SQL("{} WHERE {}").format(query, sql.SQL(" AND ").join(conditions))
    order = [sql.SQL("{} {}").format(_column(rel, q.sort, "sort"), sql.SQL("DESC" if q.descending else "ASC"))
             ] if q.sort else []
    # Without a sort column, dir orders by the key: dir=desc is "the last rows" (pgAdmin's View Last 100 Rows).
    key_order = sql.SQL(" DESC" if q.descending and not q.sort else "")
    order += [sql.SQL("{}{}").format(sql.Identifier(k), key_order) for k in rel["key_columns"] if k != q.sort]
    if order:
        query = sql.SQL("{} ORDER BY {}").format(query, sql.SQL(", ").join(order))
    query = sql.SQL("{} LIMIT {} OFFSET {}").format(query, sql.Literal(q.limit + 1), sql.Literal(q.offset))
    return query, params


def read_rows(target: catalog.Target, ref: Ref, q: RowQuery) -> dict[str, Any]:
    """One page of rows, with what the grid needs to know to offer editing."""
    with targets.connect(target, ref.db) as conn:
        rel = _relation(conn, ref)
        query, params = _select(ref, rel, q)
        cur = conn.cursor(row_factory=tuple_row)
        keep_text_forms(cur.adapters)  # the rows as the query tool shows them (the catalog read parses its own)
        cur.execute(query, params)
        rows = [list(r) for r in cur.fetchmany(q.limit + 1)]
    reason = read_only_reason(rel)
    return {"ref": ref.to_json(), "offset": q.offset, "limit": q.limit, "has_more": len(rows) > q.limit,
            "rows": rows[:q.limit], "key_columns": rel["key_columns"], "is_editable": reason is None,
            "read_only_reason": reason, "estimated_total": rel["rows_estimate"],
            "columns": [{"name": n, "type": t, "is_key": n in rel["key_columns"]}
                        for n, t in zip(rel["columns"], rel["types"], strict=True)]}


def apply_changes(target: catalog.Target, ref: Ref, data: dict[str, Any]) -> dict[str, Any]:
    """Preview the statements, or run them in one transaction: every change applies, or none does."""
    body = Body(data, ("changes",))
    changes = body.items("changes")
    row_changes.check_count(changes)
    with change_connection(target, ref.db) as conn:
        rel = _relation(conn, ref)
        if (reason := read_only_reason(rel)) is not None:
            raise ReadOnly(reason)
        table = row_changes.RowTable(sql.Identifier(ref.schema or "", ref.name or ""), rel["columns"],
                                     rel["key_columns"])
        texts = statements.render(conn, [row_changes.change_sql(table, c, f"changes[{i}]")
                                         for i, c in enumerate(changes)])
        result: dict[str, Any] = {"ref": ref.to_json(), "statements": texts, "applied": False,
                                  "sql": "\n".join(f"{t};" for t in texts)}
        if body.preview:
            return result
        result["results"] = row_changes.run_changes(conn, texts, changes)
        result["applied"] = True
        return result
