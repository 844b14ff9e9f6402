"""The workspace's search box: objects of one database found by name, as refs the tree and the tabs understand."""

from __future__ import annotations

from typing import Any

from pgadmin_lite.browser import catalog
from pgadmin_lite.browser.refs import Ref
from pgadmin_lite.browser.tree import Listing
from pgadmin_lite.errors import BadRequest
from pgadmin_lite.servers import targets
from pgadmin_lite.web.input import check_name, parse_bool

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_QUERY_CHARS = 200


def parse_search(args: Any) -> tuple[str, Listing]:
    """db, q, limit and system from query parameters, checked before anything connects."""
    db = check_name(args.get("db"), "db")
    q = (args.get("q") or "").strip()
    if not q or len(q) > MAX_QUERY_CHARS:
        raise BadRequest(f"q must be 1 to {MAX_QUERY_CHARS} characters of the name to find.", field="q")
    try:
        limit = int(args.get("limit") or DEFAULT_LIMIT)
    except ValueError:
        raise BadRequest("limit must be an integer.", field="limit") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"limit must be 1 to {MAX_LIMIT}.", field="limit")
    return str(db), Listing(q=q, limit=limit, system=parse_bool(args.get("system")))


def search(target: catalog.Target, db: str, listing: Listing) -> dict[str, Any]:
    """At most listing.limit objects whose name contains q (case-insensitive, % and _ taken literally)."""
    params = {"pattern": listing.pattern, "system": listing.system, "limit": listing.limit + 1}
    with targets.connect(target, db) as conn:
        rows = catalog.query(conn, "search_objects", params)
    items = [_item(db, row) for row in rows[:listing.limit]]
    return {"items": items, "truncated": len(rows) > listing.limit, "limit": listing.limit}


def _item(db: str, row: dict[str, Any]) -> dict[str, Any]:
    kind = row["kind"]
    if kind == "schema":
        ref = Ref(kind, db=db, name=row["name"])
    else:
        ref = Ref(kind, db=db, schema=row["schema"], table=row["table"], name=row["name"],
                  args=row["args"] if kind == "function" else None)
    label = f"{row['name']}({row['args']})" if kind == "function" else row["name"]
    return {"kind": kind, "name": row["name"], "label": label, "schema": row["schema"], "ref": ref.to_json()}
