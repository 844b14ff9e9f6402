"""The object tree: expanding a node is one catalog query on a short-lived connection.

An object node (server, database, schema, table/view) expands to its collections, with counts; a
collection expands to a page of its items (first ``limit`` of ``total``, narrowed by ``q``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg import sql

from pgadmin_lite.browser import catalog
from pgadmin_lite.browser.refs import COLLECTIONS, KINDS, SCHEMA, TABLE, Ref
from pgadmin_lite.errors import BadRequest, NotFound
from pgadmin_lite.servers import targets
from pgadmin_lite.web.input import parse_bool

DEFAULT_LIMIT = 500
MAX_LIMIT = 5000
STANDARD = frozenset({"name", "oid", "sort_key", "label", "args", "schema", "has_children", "total"})
# The collections under each expandable object, in display order.
NODE_COLLECTIONS = {
    "server": ("databases", "roles", "tablespaces"),
    "database": ("schemas", "extensions", "event_triggers"),
    "schema": ("tables", "views", "materialized_views", "functions", "sequences", "types", "domains"),
}
RELATION_COLLECTIONS = {
    "r": ("columns", "constraints", "indexes", "triggers", "policies"),
    "p": ("columns", "constraints", "indexes", "triggers", "policies", "partitions"),
    "v": ("columns", "triggers"),
    "m": ("columns", "indexes"),
    "f": ("columns", "constraints", "triggers"),
}
EXPANDABLE_ITEMS = frozenset({"database", "schema", "table", "view", "materialized_view"})
PAGE = sql.SQL("""WITH matched AS MATERIALIZED (
    SELECT * FROM ({inner}) AS listed WHERE %(pattern)s::text IS NULL OR listed.name ILIKE %(pattern)s),
page AS (SELECT * FROM matched ORDER BY sort_key, name LIMIT %(limit)s OFFSET %(offset)s)
SELECT counted.total, page.* FROM (SELECT count(*) AS total FROM matched) AS counted LEFT JOIN page ON true
ORDER BY page.sort_key, page.name""")


@dataclass(frozen=True)
class Listing:
    """What the UI asked to see of a collection."""

    q: str | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    system: bool = False

    @property
    def pattern(self) -> str | None:
        """q as an ILIKE pattern matching anywhere, its own %, _ and backslashes taken literally."""
        if not self.q:
            return None
        escaped = self.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"%{escaped}%"


def parse_listing(args: Any) -> Listing:
    """q, limit, offset and system from query parameters, checked."""
    try:
        limit = int(args.get("limit") or DEFAULT_LIMIT)
        offset = int(args.get("offset") or 0)
    except ValueError:
        raise BadRequest("limit and offset must be integers.") from None
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise BadRequest(f"limit must be 1 to {MAX_LIMIT} and offset at least 0.")
    return Listing(args.get("q") or None, limit, offset, parse_bool(args.get("system")))


def expand(target: catalog.Target, ref: Ref, listing: Listing) -> dict[str, Any]:
    """The children of the node the ref names: collections of an object, or a page of a collection."""
    if ref.is_collection:
        return _list_collection(target, ref, listing)
    if ref.kind in NODE_COLLECTIONS or ref.kind in ("table", "view", "materialized_view"):
        items = _collections(target, ref, listing)
        return {"items": items, "total": len(items), "truncated": False, "offset": 0, "limit": len(items)}
    raise BadRequest(f"A {ref.kind} has no children in the tree.", field="kind")


def shown_databases(target: catalog.Target) -> list[str] | None:
    """The server's database list (the only databases the tree and the pickers show), or None: all of them."""
    return list(target.server.db_restriction or []) or None


def _collections(target: catalog.Target, ref: Ref, listing: Listing) -> list[dict[str, Any]]:
    params = ref.params(system=listing.system, databases=shown_databases(target))
    with targets.connect(target, ref.database) as conn:
        if ref.kind in NODE_COLLECTIONS:
            counts = catalog.query_one(conn, f"children_{ref.kind}", params)
            names = NODE_COLLECTIONS[ref.kind]
        else:
            counts = catalog.query_one(conn, "children_relation", params)
            names = RELATION_COLLECTIONS[counts["relkind"]] if counts else ()
    if counts is None:
        raise NotFound(f"No {ref.kind} {ref.name!r} in {ref.db!r}.")
    return [_collection_item(ref, name, counts[name]) for name in names]


def _collection_item(parent: Ref, name: str, count: int) -> dict[str, Any]:
    scope = COLLECTIONS[name].scope
    if parent.kind == "server":
        ref = Ref(name)
    elif parent.kind == "database":
        ref = Ref(name, db=parent.name)
    elif scope == SCHEMA:
        ref = Ref(name, db=parent.db, schema=parent.name)
    else:
        ref = Ref(name, db=parent.db, schema=parent.schema, table=parent.name)
    return {"kind": name, "name": name, "label": COLLECTIONS[name].label, "is_collection": True,
            "has_children": count > 0, "ref": ref.to_json(), "info": {"count": count}}


def _list_collection(target: catalog.Target, ref: Ref, listing: Listing) -> dict[str, Any]:
    text = catalog.load_sql(f"list_{ref.kind}").strip()
    # A file that binds %(limit)s pages itself (to run costly columns for the page only); others get PAGE around.
    query = sql.SQL(text) if "%(limit)s" in text else PAGE.format(inner=sql.SQL(text))  # type: ignore[arg-type]
    params = ref.params(system=listing.system, pattern=listing.pattern, limit=listing.limit,
                        offset=listing.offset, databases=shown_databases(target))
    with targets.connect(target, ref.database) as conn:
        rows = conn.execute(query, params).fetchall()
    total = rows[0]["total"] if rows else 0
    items = [_item(ref, row) for row in rows if row["name"] is not None]
    return {"items": items, "total": total, "truncated": listing.offset + len(items) < total,
            "offset": listing.offset, "limit": listing.limit}


def _item_ref(parent: Ref, kind: str, row: dict[str, Any]) -> Ref:
    name = row["name"]
    scope = KINDS[kind].scope
    if scope == "server":
        return Ref(kind, name=name)
    if scope == "database":
        return Ref(kind, db=parent.db, name=name)
    if parent.kind == "partitions":
        return Ref(kind, db=parent.db, schema=row["schema"], name=name)
    if scope == SCHEMA:
        return Ref(kind, db=parent.db, schema=parent.schema, name=name, args=row.get("args"),
                   table=parent.table if kind == "index" else None)
    assert scope == TABLE
    return Ref(kind, db=parent.db, schema=parent.schema, table=parent.table, name=name)


def _item(parent: Ref, row: dict[str, Any]) -> dict[str, Any]:
    kind = COLLECTIONS[parent.kind].item_kind
    has_children = row.get("has_children", kind in EXPANDABLE_ITEMS)
    item = {"kind": kind, "name": row["name"], "label": row.get("label") or row["name"],
            "has_children": bool(has_children), "ref": _item_ref(parent, kind, row).to_json(),
            "info": {k: v for k, v in row.items() if k not in STANDARD}}
    if row.get("oid") is not None:
        item["oid"] = row["oid"]
    return item
