"""Curated properties: an object as a DBA reads it, in tabs (General, Definition, Columns, Constraints, Security).

The raw catalog row (objects.properties) keeps oids and codes for scripts; this view names everything:
relkinds become "Table", owners are role names, sizes are pg_size_pretty's, grants are a table with PUBLIC
named. `values` carries the current settings an alter dialog starts from, `choices` what it can pick.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import psycopg

from pgadmin_lite.browser import alterations, catalog, objects
from pgadmin_lite.browser.humanize import connection_limit, pretty_size, shown
from pgadmin_lite.browser.refs import Ref
from pgadmin_lite.servers import targets

Section = dict[str, Any]
Tab = dict[str, Any]
RELATION_LABELS = {"r": "Table", "p": "Partitioned table", "v": "View", "m": "Materialized view",
                   "f": "Foreign table"}
TYPE_LABELS = {"base": "Base type", "composite": "Composite type", "enum": "Enum type", "range": "Range type",
               "domain": "Domain"}
FUNCTION_LABELS = {"function": "Function", "procedure": "Procedure", "window": "Window function"}
# Raw fields no panel shows: ids, codes the labels above replace, and what other tabs carry.
NOISE = frozenset({"oid", "classid", "relkind", "typtype", "has_acl", "grants", "table_oid", "table_relkind",
                   "table_owner", "sort_key", "enabled_code", "owned_kind", "function_schema", "function_name",
                   "collation_schema", "size_bytes"})
GRANT_COLUMNS = ["Grantee", "Privileges", "Grantable", "Grantor"]
TRIGGER_STATES = {"origin": "Enabled", "disabled": "Disabled", "replica": "Only on replicas (session_replication_role)",
                  "always": "Always, replicas included"}


def fields(*pairs: tuple[str, Any]) -> Section:
    """A name/value list; values are shown humanised."""
    return {"type": "fields", "items": [{"label": label, "value": shown(value)} for label, value in pairs]}


def table(title: str, columns: list[str], rows: Iterable[Iterable[Any]], empty: str = "None.") -> Section:
    return {"type": "table", "title": title, "columns": columns,
            "rows": [[shown(v) for v in row] for row in rows], "empty": empty}


def code(title: str, text: str | None) -> Section:
    return {"type": "code", "title": title, "text": text or ""}


def tab(tab_id: str, label: str, *sections: Section) -> Tab:
    return {"id": tab_id, "label": label, "sections": list(sections)}


def _grants(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any]) -> tuple[Tab, list[dict[str, Any]]]:
    rows = catalog.query(conn, "props_grants", {"catalog": objects.CATALOGS.get(ref.kind, "pg_class"),
                                                "oid": row["oid"]})
    note = ("No privileges were ever granted or revoked: these are PostgreSQL's defaults for the owner and PUBLIC."
            if rows and rows[0]["is_default"] else None)
    section = table("Privileges", GRANT_COLUMNS,
                    ([g["grantee"], g["privileges"], g["grantable"], g["grantor"]] for g in rows),
                    "No one holds privileges on it.")
    if note:
        section["note"] = note
    return tab("security", "Security", section), [{k: g[k] for k in ("grantee", "privileges", "grantable")}
                                                  for g in rows]


def _size(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any]) -> str | None:
    found = catalog.query_one(conn, "props_size", {"catalog": objects.CATALOGS[ref.kind], "oid": row["oid"]})
    return found["size"] if found else None


def _columns_tab(conn: psycopg.Connection[Any], ref: Ref) -> tuple[Tab, list[dict[str, Any]]]:
    cols = catalog.query_listing(conn, "list_columns", ref.params(table=ref.name, name=None))
    rows = ([c["position"], c["name"], c["data_type"], not c["not_null"],
             c["default"] or (f"GENERATED ALWAYS AS ({c['generated']}) STORED" if c["generated"] else None)
             or (f"identity ({c['identity']})" if c["identity"] else None), c["is_primary_key"], c["comment"]]
            for c in cols)
    section = table("Columns", ["#", "Name", "Type", "Nullable", "Default", "Primary key", "Comment"], rows,
                    "No columns.")
    values = [{"name": c["name"], "type": c["data_type"], "not_null": c["not_null"], "default": c["default"],
               "is_generated": bool(c["generated"] or c["identity"])} for c in cols]
    return tab("columns", "Columns", section), values


def _table(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any], out: dict[str, Any]) -> list[Tab]:
    sizes = catalog.query_one(conn, "props_relation_sizes", {"oid": row["oid"]}) or {}
    label = RELATION_LABELS.get(row["relkind"], "Table")
    if row["is_partition"]:
        label = f"Partition of {row['parent_schema']}.{row['parent_name']}"
    general = fields(("Name", row["name"]), ("Schema", row["schema"]), ("Kind", label), ("Owner", row["owner"]),
                     ("Tablespace", row["tablespace"] or "pg_default"),
                     ("Persistence", "Unlogged" if row["is_unlogged"] else "Logged"),
                     ("Rows (estimate)", row["rows_estimate"]), ("Total size", sizes.get("total")),
                     ("Table size", sizes.get("heap")), ("Indexes size", sizes.get("indexes")),
                     ("TOAST and maps size", sizes.get("toast")), ("Row level security", row["row_security"]),
                     ("Partition key", row["partition_key"]), ("Partition bound", row["partition_bound"]),
                     ("Storage options", row["options"]), ("Comment", row["comment"]))
    columns, out["values"]["columns"] = _columns_tab(conn, ref)
    params = ref.params(table=ref.name, name=None)
    cons = catalog.query_listing(conn, "list_constraints", params)
    out["values"]["constraints"] = [{"name": c["name"], "type": c["constraint_type"]} for c in cons]
    indexes = catalog.query_listing(conn, "list_indexes", params)
    sections = [table("Constraints", ["Name", "Type", "Definition", "Deferrable", "Validated"],
                      ([c["name"], c["constraint_type"], c["definition"], c["is_deferrable"], c["is_validated"]]
                       for c in cons), "No constraints."),
                table("Indexes", ["Name", "Definition", "Unique", "Primary", "Valid", "Size"],
                      ([i["name"], i["definition"], i["is_unique"], i["is_primary"], i["is_valid"],
                        pretty_size(i["size_bytes"])] for i in indexes), "No indexes.")]
    if row["relkind"] == "p":
        parts = catalog.query_listing(conn, "list_partitions", params)
        sections.append(table("Partitions", ["Schema", "Name", "Bound", "Partitioned", "Rows (estimate)"],
                              ([p["schema"], p["name"], p["bound"], p["is_partitioned"], p["rows_estimate"]]
                               for p in parts), "No partitions."))
    return [tab("general", "General", general), columns, tab("constraints", "Constraints", *sections)]


def _view(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any], out: dict[str, Any]) -> list[Tab]:
    is_matview = row["relkind"] == "m"
    pairs = [("Name", row["name"]), ("Schema", row["schema"]), ("Kind", RELATION_LABELS[row["relkind"]]),
             ("Owner", row["owner"])]
    if is_matview:
        sizes = catalog.query_one(conn, "props_relation_sizes", {"oid": row["oid"]}) or {}
        pairs += [("Populated", row["is_populated"]), ("Tablespace", row["tablespace"] or "pg_default"),
                  ("Rows (estimate)", row["rows_estimate"]), ("Total size", sizes.get("total"))]
    pairs.append(("Comment", row["comment"]))
    columns, out["values"]["columns"] = _columns_tab(conn, ref)
    return [tab("general", "General", fields(*pairs)),
            tab("definition", "Definition", code("Query", row["definition"])), columns]


def _sequence(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any], out: dict[str, Any]) -> list[Tab]:
    owned = ".".join(p for p in (row["owned_by_schema"], row["owned_by_table"], row["owned_by_column"]) if p)
    out["values"].update({k: row[k] for k in ("start", "increment", "min_value", "max_value", "cache", "cycle")})
    return [tab("general", "General", fields(("Name", row["name"]), ("Schema", row["schema"]), ("Owner", row["owner"]),
                                             ("Owned by", owned or None), ("Comment", row["comment"]))),
            tab("definition", "Definition", fields(
                ("Data type", row["data_type"]), ("Start", row["start"]), ("Increment", row["increment"]),
                ("Minimum", row["min_value"]), ("Maximum", row["max_value"]), ("Cache", row["cache"]),
                ("Cycles", row["cycle"]), ("Last value", row["last_value"])))]


def _function(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any], out: dict[str, Any]) -> list[Tab]:
    out["values"].update({k: row[k] for k in ("volatility", "is_strict", "security_definer", "cost")})
    out["values"]["function_kind"] = row["function_kind"]
    signature = f"{row['schema']}.{row['name']}({row['arguments']})"
    pairs = [("Signature", signature), ("Returns", row["returns"]), ("Language", row["language"])]
    if row["function_kind"] != "procedure":
        pairs += [("Volatility", row["volatility"].capitalize()), ("Strict", row["is_strict"]),
                  ("Estimated cost", row["cost"]), ("Estimated rows", row["rows"] or None)]
    pairs.append(("Security definer", row["security_definer"]))
    return [tab("general", "General", fields(("Name", row["name"]), ("Schema", row["schema"]),
                                             ("Kind", FUNCTION_LABELS[row["function_kind"]]),
                                             ("Owner", row["owner"]), ("Comment", row["comment"]))),
            tab("definition", "Definition", fields(*pairs), code("Definition", row["definition"]))]


def _type(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any], out: dict[str, Any]) -> list[Tab]:
    kind = row["type_kind"]
    general = fields(("Name", row["name"]), ("Schema", row["schema"]), ("Kind", TYPE_LABELS[kind]),
                     ("Owner", row["owner"]), ("Comment", row["comment"]))
    sections: list[Section] = []
    if kind == "domain":
        sections.append(fields(("Base type", row["base_type"]), ("Not null", row["not_null"]),
                               ("Default", row["default"]), ("Collation", row["collation"])))
        sections.append(table("Constraints", ["Name", "Definition"],
                              ([c["name"], c["definition"]] for c in row["constraints"] or []), "No constraints."))
    elif kind == "enum":
        sections.append(table("Labels", ["#", "Label"], enumerate(row["labels"], 1)))
    elif kind == "composite":
        sections.append(table("Attributes", ["Name", "Type"],
                              ([a["name"], a["data_type"]] for a in row["attributes"] or [])))
    elif kind == "range":
        sections.append(fields(("Subtype", row["range_subtype"]), ("Subtype difference", row["range_subtype_diff"])))
    return [tab("general", "General", general), *([tab("definition", "Definition", *sections)] if sections else [])]


def _database(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any], out: dict[str, Any]) -> list[Tab]:
    out["values"].update({k: row[k] for k in ("connection_limit", "allow_connections", "is_template")})
    provider = {"c": "libc", "i": "ICU", "b": "builtin"}.get(row["locale_provider"] or "", row["locale_provider"])
    return [tab("general", "General", fields(
        ("Name", row["name"]), ("Owner", row["owner"]), ("Encoding", row["encoding"]),
        ("Collation", row["lc_collate"]), ("Character type", row["lc_ctype"]), ("Locale provider", provider),
        ("Locale", row["icu_locale"]), ("Tablespace", row["tablespace"]),
        ("Connection limit", connection_limit(row["connection_limit"])),
        ("Allows connections", row["allow_connections"]), ("Template", row["is_template"]),
        ("Size", _size(conn, ref, row)), ("Comment", row["comment"])))]


def _role(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any], out: dict[str, Any]) -> list[Tab]:
    extra = catalog.query_one(conn, "props_role", {"oid": row["oid"]}) or {}
    flags = ("login", "superuser", "createdb", "createrole", "inherit", "replication", "bypassrls")
    out["values"].update({k: row[k] for k in (*flags, "connection_limit", "member_of")})
    out["values"]["valid_until"] = extra.get("valid_until")
    general = fields(("Name", row["name"]), ("Can log in", row["login"]), ("Superuser", row["superuser"]),
                     ("Can create databases", row["createdb"]), ("Can create roles", row["createrole"]),
                     ("Inherits privileges", row["inherit"]), ("Replication", row["replication"]),
                     ("Bypasses row level security", row["bypassrls"]),
                     ("Connection limit", connection_limit(row["connection_limit"])),
                     ("Password valid until", extra.get("valid_until") or "no expiry"), ("Comment", row["comment"]))
    membership = table("Member of", ["Role", "Admin option", "Granted by"],
                       ([m["role"], m["admin_option"], m["grantor"]] for m in extra.get("memberships") or []),
                       "Not a member of any role.")
    members = table("Members", ["Role"], ([m] for m in row["members"]), "No members.")
    return [tab("general", "General", general), tab("membership", "Membership", membership, members)]


def _extension(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any], out: dict[str, Any]) -> list[Tab]:
    out["values"]["schema_name"] = row["schema_name"]
    return [tab("general", "General", fields(
        ("Name", row["name"]), ("Version", row["version"]), ("Schema", row["schema_name"]),
        ("Relocatable", row["is_relocatable"]), ("Owner", row["owner"]), ("Comment", row["comment"])))]


def _tablespace(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any], out: dict[str, Any]) -> list[Tab]:
    return [tab("general", "General", fields(
        ("Name", row["name"]), ("Owner", row["owner"]), ("Location", row["location"] or "(the data directory)"),
        ("Size", _size(conn, ref, row)), ("Options", row["options"]), ("Comment", row["comment"])))]


def _schema(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any], out: dict[str, Any]) -> list[Tab]:
    return [tab("general", "General", fields(("Name", row["name"]), ("Owner", row["owner"]),
                                             ("System schema", row["is_system"]), ("Comment", row["comment"])))]


def _policy(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any], out: dict[str, Any]) -> list[Tab]:
    roles = ["PUBLIC" if r is None else r for r in row["roles"]]
    return [tab("general", "General", fields(
        ("Name", row["name"]), ("Table", f"{ref.schema}.{ref.table}"), ("Command", row["command"]),
        ("Permissive", row["is_permissive"]), ("Roles", roles), ("Comment", row["comment"]))),
        tab("definition", "Definition", code("Using", row["using_expression"]),
            code("With check", row["check_expression"]))]


def _trigger(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any], out: dict[str, Any]) -> list[Tab]:
    return [tab("general", "General", fields(
        ("Name", row["name"]), ("Table", f"{ref.schema}.{ref.table}"), ("Function", row["function"]),
        ("Fires", TRIGGER_STATES.get(row["enabled"], row["enabled"])),
        ("Constraint trigger", row["is_constraint_trigger"]), ("Inherited", row["is_inherited"]),
        ("Comment", row["comment"]))), tab("definition", "Definition", code("Definition", row["definition"]))]


def _event_trigger(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any], out: dict[str, Any]) -> list[Tab]:
    state = {"O": "origin", "D": "disabled", "R": "replica", "A": "always"}.get(row["enabled_code"], "")
    return [tab("general", "General", fields(
        ("Name", row["name"]), ("Event", row["event"]), ("Command tags", row["tags"]),
        ("Function", f"{row['function_schema']}.{row['function_name']}()"),
        ("Fires", TRIGGER_STATES.get(state, row["enabled_code"])), ("Owner", row["owner"]),
        ("Comment", row["comment"])))]


def _column(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any], out: dict[str, Any]) -> list[Tab]:
    out["values"].update(type=row["data_type"], default=row["default"], not_null=row["not_null"],
                         is_generated=bool(row["generated"] or row["identity"]))
    return _generic(conn, ref, row, out)


def _generic(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any], out: dict[str, Any]) -> list[Tab]:
    """Indexes, columns, constraints, triggers, policies, event triggers: their row without the noise."""
    pairs = [(key.replace("_", " ").capitalize(), value) for key, value in row.items() if key not in NOISE]
    return [tab("general", "General", fields(*pairs))]


Builder = Callable[[psycopg.Connection[Any], Ref, dict[str, Any], dict[str, Any]], list[Tab]]
BUILDERS: dict[str, Builder] = {
    "table": _table, "view": _view, "materialized_view": _view, "sequence": _sequence, "function": _function,
    "type": _type, "domain": _type, "database": _database, "role": _role, "extension": _extension,
    "tablespace": _tablespace, "schema": _schema, "policy": _policy, "trigger": _trigger,
    "column": _column, "event_trigger": _event_trigger}
GRANTABLE = frozenset({"table", "view", "materialized_view", "sequence", "function", "type", "domain", "database",
                       "schema", "tablespace"})


def curated(target: catalog.Target, ref: Ref) -> dict[str, Any]:
    """The properties dialog's tabs, the values an alter dialog starts from, and the choices it offers."""
    with targets.connect(target, objects.object_db(ref)) as conn:
        row = objects.resolve(conn, ref)
        out: dict[str, Any] = {"ref": ref.to_json(), "kind": ref.kind, "name": ref.name, "values": {
            key: row.get(key) for key in ("name", "owner", "comment", "schema", "tablespace") if key in row}}
        tabs = BUILDERS.get(ref.kind, _generic)(conn, ref, row, out)
        if ref.kind in GRANTABLE:
            security, out["values"]["grants"] = _grants(conn, ref, row)
            tabs.append(security)
        out["choices"] = {**(catalog.query_one(conn, "props_choices") or {}),
                          "privileges": list(alterations.PRIVILEGES.get(ref.kind, ()))}
    out["title"] = next((i["value"] for t in tabs for s in t["sections"] if s["type"] == "fields"
                         for i in s["items"] if i["label"] == "Kind"), ref.kind.replace("_", " ").capitalize())
    out["tabs"] = tabs
    return out
