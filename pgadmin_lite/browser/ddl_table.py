"""The SQL tab of tables, partitions, views and materialized views, rebuilt from the catalogs.

CREATE TABLE is composed here (names through sql.Identifier); column types, defaults, constraint,
index and trigger definitions are PostgreSQL's own text (format_type, pg_get_expr, pg_get_*def).
"""

from __future__ import annotations

import re
from typing import Any

import psycopg
from psycopg import sql

from pgadmin_lite.browser import catalog, statements
from pgadmin_lite.browser.refs import Ref

OPTION = re.compile(r"^([A-Za-z_][A-Za-z0-9_.]*)=(.*)$", re.DOTALL)
TRIGGER_STATES = {"disabled": "DISABLE", "replica": "ENABLE REPLICA", "always": "ENABLE ALWAYS"}


def _text(value: str) -> sql.SQL:
    """SQL text PostgreSQL generated (a definition, a type, an expression)."""
    return sql.SQL(value)  # type: ignore[arg-type]


def with_options(options: list[str] | None, skip: frozenset[str] = frozenset()) -> sql.Composable:
    """ WITH (name = 'value', …) from reloptions; names checked, values as literals."""
    parts = []
    for option in options or []:
        match = OPTION.match(option)
        if match and match.group(1) not in skip:
            parts.append(sql.SQL("{} = {}").format(_text(match.group(1)), sql.Literal(match.group(2))))
    return sql.SQL(" WITH ({})").format(sql.SQL(", ").join(parts)) if parts else sql.SQL("")


def column_definition(col: dict[str, Any]) -> sql.Composable:
    """name type [COLLATE] [GENERATED …] [DEFAULT …] [NOT NULL] for one column."""
    parts: list[sql.Composable] = [sql.Identifier(col["name"]), _text(col["data_type"])]
    if col.get("collation"):
        parts.append(sql.SQL("COLLATE {}").format(sql.Identifier(col["collation_schema"], col["collation"])))
    if col.get("identity"):
        parts.append(_text(f"GENERATED {col['identity'].upper()} AS IDENTITY"))
    elif col.get("generated"):
        parts.append(sql.SQL("GENERATED ALWAYS AS ({}) STORED").format(_text(col["generated"])))
    elif col.get("default") is not None:
        parts.append(sql.SQL("DEFAULT {}").format(_text(col["default"])))
    if col["not_null"] and not col.get("identity"):
        parts.append(sql.SQL("NOT NULL"))
    return sql.SQL(" ").join(parts)


def constraint_definition(con: dict[str, Any]) -> sql.Composable:
    return sql.SQL("CONSTRAINT {} {}").format(sql.Identifier(con["name"]), _text(con["definition"]))


def policy_statement(table: sql.Composable, pol: dict[str, Any]) -> sql.Composable:
    roles = [sql.Identifier(r) if r is not None else sql.SQL("PUBLIC") for r in pol["roles"]] or [sql.SQL("PUBLIC")]
    text = sql.SQL("CREATE POLICY {} ON {} AS {} FOR {} TO {}").format(
        sql.Identifier(pol["name"]), table, sql.SQL("PERMISSIVE" if pol["is_permissive"] else "RESTRICTIVE"),
        _text(pol["command"]), sql.SQL(", ").join(roles))
    if pol.get("using_expression"):
        text = sql.SQL("{} USING ({})").format(text, _text(pol["using_expression"]))
    if pol.get("check_expression"):
        text = sql.SQL("{} WITH CHECK ({})").format(text, _text(pol["check_expression"]))
    return text


def trigger_statements(table: sql.Composable, trg: dict[str, Any]) -> list[sql.Composable]:
    out: list[sql.Composable] = [_text(trg["definition"])]
    if trg["enabled"] in TRIGGER_STATES:
        out.append(sql.SQL("ALTER TABLE {} {} TRIGGER {}").format(
            table, _text(TRIGGER_STATES[trg["enabled"]]), sql.Identifier(trg["name"])))
    return out


def sequence_statement(name: sql.Composable, seq: dict[str, Any]) -> sql.Composable:
    return sql.SQL("CREATE SEQUENCE {} AS {} INCREMENT BY {} MINVALUE {} MAXVALUE {} START WITH {} CACHE {}{}").format(
        name, _text(seq["data_type"]), sql.Literal(int(seq["increment"])), sql.Literal(int(seq["min_value"])),
        sql.Literal(int(seq["max_value"])), sql.Literal(int(seq["start"])), sql.Literal(int(seq["cache"])),
        sql.SQL(" CYCLE" if seq["cycle"] else " NO CYCLE"))


def _sub_objects(conn: psycopg.Connection[Any], ref: Ref) -> dict[str, list[dict[str, Any]]]:
    params = {"db": ref.db, "schema": ref.schema, "table": ref.name, "name": None}
    return {name: catalog.query_listing(conn, f"list_{name}", params)
            for name in ("columns", "constraints", "indexes", "triggers", "policies")}


def _create_table(name: sql.Composable, row: dict[str, Any], parts: dict[str, list[dict[str, Any]]]
                  ) -> list[sql.Composable]:
    unlogged = sql.SQL("UNLOGGED " if row["is_unlogged"] else "")
    local = [c for c in parts["constraints"] if c["is_local"]]
    if row["is_partition"]:
        parent = sql.Identifier(row["parent_schema"], row["parent_name"])
        create = sql.SQL("CREATE {}TABLE {} PARTITION OF {} {}").format(unlogged, name, parent,
                                                                      _text(row["partition_bound"]))
        adds = [sql.SQL("ALTER TABLE {} ADD {}").format(name, constraint_definition(c)) for c in local]
        return [create, *adds]
    lines = [column_definition(c) for c in parts["columns"]] + [constraint_definition(c) for c in local]
    body = sql.SQL(",\n    ").join(lines)
    create = sql.SQL("CREATE {}TABLE {} (\n    {}\n)").format(unlogged, name, body)
    if row.get("partition_key"):
        create = sql.SQL("{} PARTITION BY {}").format(create, _text(row["partition_key"]))
    create = sql.SQL("{}{}").format(create, with_options(row.get("options")))
    if row.get("tablespace"):
        create = sql.SQL("{} TABLESPACE {}").format(create, sql.Identifier(row["tablespace"]))
    return [create]


def _comments(name: sql.Composable, row: dict[str, Any], parts: dict[str, list[dict[str, Any]]],
              keyword: str) -> list[sql.Composable]:
    out: list[sql.Composable] = []
    if row.get("comment"):
        out.append(sql.SQL("COMMENT ON {} {} IS {}").format(_text(keyword), name, sql.Literal(row["comment"])))
    for col in parts.get("columns", []):
        if col.get("comment"):
            out.append(sql.SQL("COMMENT ON COLUMN {}.{} IS {}").format(
                name, sql.Identifier(col["name"]), sql.Literal(col["comment"])))
    for kind, items in (("CONSTRAINT", parts.get("constraints", [])), ("TRIGGER", parts.get("triggers", [])),
                        ("POLICY", parts.get("policies", []))):
        for item in items:
            if item.get("comment"):
                out.append(sql.SQL("COMMENT ON {} {} ON {} IS {}").format(
                    _text(kind), sql.Identifier(item["name"]), name, sql.Literal(item["comment"])))
    return out


def _index_statements(ref: Ref, indexes: list[dict[str, Any]]) -> list[sql.Composable]:
    out: list[sql.Composable] = []
    for index in indexes:
        if index["constraint_name"] or index["is_partition_index"]:
            continue
        out.append(_text(index["definition"]))
        if index.get("comment"):
            out.append(sql.SQL("COMMENT ON INDEX {} IS {}").format(
                sql.Identifier(ref.schema or "", index["name"]), sql.Literal(index["comment"])))
    return out


def table_ddl(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any]) -> list[sql.Composable]:
    """Owned sequences, CREATE TABLE, indexes, triggers, row security, owner, comments and grants."""
    name = sql.Identifier(ref.schema or "", ref.name or "")
    parts = _sub_objects(conn, ref)
    if row["is_partition"]:
        parts["columns"] = []  # a partition's columns are its parent's
    out: list[sql.Composable] = []
    owned = catalog.query(conn, "table_sequences", {"oid": row["oid"]})
    for seq in owned:
        out.append(sequence_statement(sql.Identifier(seq["schema"], seq["name"]), seq))
    out += _create_table(name, row, parts)
    for seq in owned:
        out.append(sql.SQL("ALTER SEQUENCE {} OWNED BY {}.{}").format(
            sql.Identifier(seq["schema"], seq["name"]), name, sql.Identifier(seq["column_name"])))
    out += _index_statements(ref, parts["indexes"])
    for trg in parts["triggers"]:
        if not trg["is_inherited"]:
            out += trigger_statements(name, trg)
    if row["row_security"]:
        out.append(sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(name))
    if row["force_row_security"]:
        out.append(sql.SQL("ALTER TABLE {} FORCE ROW LEVEL SECURITY").format(name))
    out += [policy_statement(name, pol) for pol in parts["policies"]]
    out.append(sql.SQL("ALTER TABLE {} OWNER TO {}").format(name, sql.Identifier(row["owner"])))
    out += _comments(name, row, parts, "TABLE")
    return out + statements.grants(ref, row)


def view_ddl(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any]) -> list[sql.Composable]:
    """CREATE [MATERIALIZED] VIEW with its options, then indexes/triggers, owner, comments and grants."""
    name = sql.Identifier(ref.schema or "", ref.name or "")
    query = _text(row["definition"].strip().rstrip(";"))
    params = {"db": ref.db, "schema": ref.schema, "table": ref.name, "name": None}
    parts = {"columns": catalog.query_listing(conn, "list_columns", params)}
    out: list[sql.Composable] = []
    if ref.kind == "materialized_view":
        tablespace = (sql.SQL(" TABLESPACE {}").format(sql.Identifier(row["tablespace"]))
                      if row.get("tablespace") else sql.SQL(""))
        out.append(sql.SQL("CREATE MATERIALIZED VIEW {}{}{} AS\n{}\nWITH {}DATA").format(
            name, with_options(row.get("options")), tablespace, query,
            sql.SQL("" if row["is_populated"] else "NO ")))
        out += _index_statements(ref, catalog.query_listing(conn, "list_indexes", params))
        keyword = "MATERIALIZED VIEW"
    else:
        check = next((o.split("=", 1)[1] for o in row.get("options") or [] if o.startswith("check_option=")), None)
        out.append(sql.SQL("CREATE OR REPLACE VIEW {}{} AS\n{}{}").format(
            name, with_options(row.get("options"), frozenset({"check_option"})), query,
            sql.SQL(f"\nWITH {check.upper()} CHECK OPTION" if check in ("local", "cascaded") else "")))
        parts["triggers"] = catalog.query_listing(conn, "list_triggers", params)
        for trg in parts["triggers"]:
            out.append(_text(trg["definition"]))
        keyword = "VIEW"
    out.append(sql.SQL("ALTER {} {} OWNER TO {}").format(_text(keyword), name, sql.Identifier(row["owner"])))
    out += _comments(name, row, parts, keyword)
    return out + statements.grants(ref, row)
