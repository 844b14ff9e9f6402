"""One object by ref: its catalog row (properties), statistics and dependencies."""

from __future__ import annotations

from typing import Any

import psycopg

from pgadmin_lite.browser import catalog
from pgadmin_lite.browser.refs import Ref
from pgadmin_lite.errors import NotFound
from pgadmin_lite.servers import targets

SHARED_KINDS = frozenset({"database", "role", "tablespace"})
RELKINDS = {"table": ["r", "p"], "view": ["v"], "materialized_view": ["m"]}
TYPTYPES = {"type": ["b", "c", "e", "r"], "domain": ["d"]}
SUB_OBJECT_LISTS = {"column": "list_columns", "constraint": "list_constraints", "trigger": "list_triggers",
                    "policy": "list_policies"}
# The system catalog that records each kind (pg_depend's classid).
CATALOGS = {"database": "pg_database", "role": "pg_authid", "tablespace": "pg_tablespace",
            "schema": "pg_namespace", "extension": "pg_extension", "event_trigger": "pg_event_trigger",
            "function": "pg_proc", "type": "pg_type", "domain": "pg_type", "constraint": "pg_constraint",
            "trigger": "pg_trigger", "policy": "pg_policy"}
STATS = {"table": "stats_relation", "materialized_view": "stats_relation", "index": "stats_index",
         "sequence": "stats_sequence", "database": "stats_database", "function": "stats_function"}


def object_db(ref: Ref) -> str | None:
    """The database to connect to for an object: shared objects are reached from the maintenance DB."""
    return None if ref.kind in SHARED_KINDS else ref.db


def _missing(ref: Ref) -> NotFound:
    where = ".".join(p for p in (ref.schema, ref.table) if p)
    label = f"{ref.name}({ref.args})" if ref.kind == "function" else ref.name
    return NotFound(f"No {ref.kind.replace('_', ' ')} {label!r}" + (f" in {where!r}." if where else "."),
                    hint="It may have been dropped or renamed: refresh the tree.")


def resolve(conn: psycopg.Connection[Any], ref: Ref) -> dict[str, Any]:
    """The object's catalog row, or NotFound; sub-objects also carry their table's oid and relkind."""
    params = ref.params()
    if ref.kind in RELKINDS:
        row = catalog.query_one(conn, "object_relation", {**params, "relkinds": RELKINDS[ref.kind]})
    elif ref.kind in TYPTYPES:
        row = catalog.query_one(conn, "object_type", {**params, "typtypes": TYPTYPES[ref.kind]})
    elif ref.kind in SUB_OBJECT_LISTS:
        row = _resolve_sub_object(conn, ref)
    else:
        row = catalog.query_one(conn, f"object_{ref.kind}", params)
    if row is None:
        raise _missing(ref)
    return row


def _resolve_sub_object(conn: psycopg.Connection[Any], ref: Ref) -> dict[str, Any] | None:
    table = catalog.query_one(conn, "object_relation", {**ref.params(name=ref.table),
                                                        "relkinds": ["r", "p", "v", "m", "f"]})
    if table is None:
        raise NotFound(f"No table {ref.schema}.{ref.table!r}.", hint="It may have been dropped or renamed.")
    row = catalog.query_one(conn, SUB_OBJECT_LISTS[ref.kind], ref.params())
    if row is None:
        return None
    return {**row, "table_oid": table["oid"], "table_relkind": table["relkind"], "table_owner": table["owner"]}


def properties(target: catalog.Target, ref: Ref) -> dict[str, Any]:
    """The properties panel: the catalog row as name → value."""
    with targets.connect(target, object_db(ref)) as conn:
        row = resolve(conn, ref)
    return {"ref": ref.to_json(), "kind": ref.kind, "name": ref.name, "properties": row}


def statistics(target: catalog.Target, ref: Ref) -> dict[str, Any]:
    """Sizes, scans, tuples, I/O, vacuum times — for the kinds PostgreSQL keeps statistics on."""
    with targets.connect(target, object_db(ref)) as conn:
        row = resolve(conn, ref)
        name = STATS.get(ref.kind)
        if ref.kind == "table" and row["relkind"] == "p":
            name = None  # a partitioned table holds no data itself: its partitions have the numbers
        stats = catalog.query_one(conn, name, {"oid": row["oid"]}) if name else None
    note = None if stats is not None else f"PostgreSQL keeps no statistics for this {ref.kind.replace('_', ' ')}."
    return {"ref": ref.to_json(), "stats": stats, "note": note}


def _dependency_target(ref: Ref, row: dict[str, Any]) -> dict[str, Any]:
    if ref.kind == "column":
        return {"catalog": "pg_class", "oid": row["table_oid"], "subid": row["position"]}
    return {"catalog": CATALOGS.get(ref.kind, "pg_class"), "oid": row["oid"], "subid": 0}


def dependencies(target: catalog.Target, ref: Ref) -> dict[str, Any]:
    """What the object depends on and what depends on it (pg_depend; pg_shdepend for shared objects)."""
    with targets.connect(target, object_db(ref)) as conn:
        row = resolve(conn, ref)
        name = "shared_dependencies" if ref.kind in SHARED_KINDS else "dependencies"
        rows = catalog.query(conn, name, _dependency_target(ref, row))
    split: dict[str, list[dict[str, Any]]] = {"dependency": [], "dependent": []}
    for dep in rows:
        split[dep.pop("direction")].append(dep)
    return {"ref": ref.to_json(), "dependencies": split["dependency"], "dependents": split["dependent"]}
