"""The catalog snapshot a query-tool tab completes from: schemas, relations with columns, functions, types.

Read on a short-lived connection of its own (a read-only transaction, rolled back), never on the tab's: no
statement of ours may run inside the user's transaction. Bounded (a cut list says so), and fingerprinted by a
cheap query so a page that asks again after DDL gets 304 while nothing changed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import orjson
import psycopg

from pgadmin_lite.connections.queries import load_sql

PACKAGE = "pgadmin_lite.query_tool"
LIMITS = {"relations": 20_000, "functions": 10_000, "types": 5_000}
MAX_COLUMNS = 250_000  # about, in all relations together: relations past it come without columns (and it says so)


@dataclass(frozen=True)
class SearchPath:
    """The tab's search_path: its own when it could be read (idle, outside a transaction), else the default."""

    text: str
    schemas: list[str]
    source: str  # "session" | "default"


def fingerprint(conn: psycopg.Connection[Any], search_path: SearchPath | None) -> tuple[str, SearchPath]:
    """The ETag of the snapshot as it would be now, and the search_path it holds (the default unless given)."""
    conn.execute("SELECT pg_catalog.set_config('jit', 'off', true)")  # compiling costs more than it saves
    row = conn.execute(load_sql("catalog_version", PACKAGE)).fetchone()
    assert row is not None
    path = search_path or SearchPath(row["search_path"], list(row["search_path_schemas"]), "default")
    text = "|".join([row["version"], path.source, path.text, ",".join(path.schemas), repr(sorted(LIMITS.items()))])
    return hashlib.sha256(text.encode()).hexdigest()[:32], path


def snapshot(conn: psycopg.Connection[Any], path: SearchPath) -> bytes:
    """Everything completion needs, as a JSON object; `truncated` names the lists that were cut.

    PostgreSQL builds each list's JSON and it is passed on as is: parsing and writing again 5,000 tables'
    columns in Python would take longer than the server takes to read them.
    """
    truncated: list[str] = []
    lists: dict[str, str] = {}
    for name, limit in LIMITS.items():
        row = conn.execute(load_sql(f"catalog_{name}", PACKAGE), {"limit": limit, "max_columns": MAX_COLUMNS}
                           ).fetchone()
        assert row is not None
        lists[name] = row["items"]
        truncated += [name] if row["is_cut"] else []
        truncated += ["columns"] if row.get("columns_cut") else []
    schemas = [row["name"] for row in conn.execute(load_sql("catalog_schemas", PACKAGE)).fetchall()]
    head = orjson.dumps({"schemas": schemas, "search_path": path.text, "search_path_schemas": path.schemas,
                         "search_path_source": path.source, "truncated": truncated})
    return head[:-1] + b"".join(f',"{name}":{text}'.encode() for name, text in lists.items()) + b"}"
