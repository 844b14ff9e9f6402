"""The SQL tab: a CREATE script rebuilt from the catalogs for every kind in the tree.

No line of the script carries a name outside a quoted identifier or literal (not even in a comment),
so a name with a newline cannot turn a comment into a statement.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
from psycopg import sql

from pgadmin_lite.browser import catalog, ddl_table, objects, statements
from pgadmin_lite.browser.refs import Ref
from pgadmin_lite.servers import targets

Builder = Callable[[psycopg.Connection[Any], Ref, dict[str, Any]], list[sql.Composable]]
ROLE_FLAGS = (("login", "LOGIN", "NOLOGIN"), ("superuser", "SUPERUSER", "NOSUPERUSER"),
              ("createdb", "CREATEDB", "NOCREATEDB"), ("createrole", "CREATEROLE", "NOCREATEROLE"),
              ("inherit", "INHERIT", "NOINHERIT"), ("replication", "REPLICATION", "NOREPLICATION"),
              ("bypassrls", "BYPASSRLS", "NOBYPASSRLS"))
EVENT_TRIGGER_STATES = {"D": "DISABLE", "R": "ENABLE REPLICA", "A": "ENABLE ALWAYS"}
_text = ddl_table._text


def _tail(ref: Ref, row: dict[str, Any], *, owner: bool = True) -> list[sql.Composable]:
    """OWNER TO, COMMENT ON and the grants that follow every CREATE."""
    out: list[sql.Composable] = []
    if owner and row.get("owner"):
        out.append(statements.owner(ref, row, row["owner"]))
    if row.get("comment"):
        out.append(statements.comment(ref, row, row["comment"]))
    return out + statements.grants(ref, row)


def _database(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any]) -> list[sql.Composable]:
    options: list[sql.Composable] = [
        sql.SQL("OWNER = {}").format(sql.Identifier(row["owner"])), sql.SQL("TEMPLATE = template0"),
        sql.SQL("ENCODING = {}").format(sql.Literal(row["encoding"])),
        sql.SQL("LC_COLLATE = {}").format(sql.Literal(row["lc_collate"])),
        sql.SQL("LC_CTYPE = {}").format(sql.Literal(row["lc_ctype"]))]
    if row.get("locale_provider") == "i":
        options += [sql.SQL("LOCALE_PROVIDER = icu"), sql.SQL("ICU_LOCALE = {}").format(sql.Literal(row["icu_locale"]))]
    options += [sql.SQL("TABLESPACE = {}").format(sql.Identifier(row["tablespace"])),
                sql.SQL("CONNECTION LIMIT = {}").format(sql.Literal(row["connection_limit"]))]
    if row["is_template"]:
        options.append(sql.SQL("IS_TEMPLATE = true"))
    if not row["allow_connections"]:
        options.append(sql.SQL("ALLOW_CONNECTIONS = false"))
    create = sql.SQL("CREATE DATABASE {} WITH\n    {}").format(sql.Identifier(row["name"]),
                                                              sql.SQL("\n    ").join(options))
    return [create, *_tail(ref, row, owner=False)]


def role_options(row: dict[str, Any]) -> list[sql.Composable]:
    """The WITH options of CREATE/ALTER ROLE for the attributes present in row."""
    out: list[sql.Composable] = [sql.SQL(yes if row[key] else no) for key, yes, no in ROLE_FLAGS if key in row
                                 and row[key] is not None]
    if row.get("connection_limit") is not None:
        out.append(sql.SQL("CONNECTION LIMIT {}").format(sql.Literal(int(row["connection_limit"]))))
    if "valid_until" in row:
        value = row["valid_until"]
        out.append(sql.SQL("VALID UNTIL {}").format(sql.Literal(value if value is not None else "infinity")))
    return out


def _role(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any]) -> list[sql.Composable]:
    name = sql.Identifier(row["name"])
    settings = {k: v for k, v in row.items() if k != "valid_until" or v is not None}
    options = sql.SQL(" ").join(role_options(settings))
    out: list[sql.Composable] = [sql.SQL("CREATE ROLE {} WITH {}").format(name, options)]
    out += [sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), name) for group in row["member_of"]]
    return out + _tail(ref, row, owner=False)


def _tablespace(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any]) -> list[sql.Composable]:
    create = sql.SQL("CREATE TABLESPACE {} OWNER {} LOCATION {}").format(
        sql.Identifier(row["name"]), sql.Identifier(row["owner"]), sql.Literal(row["location"] or ""))
    return [create, *_tail(ref, row, owner=False)]


def _schema(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any]) -> list[sql.Composable]:
    create = sql.SQL("CREATE SCHEMA {} AUTHORIZATION {}").format(sql.Identifier(row["name"]),
                                                                 sql.Identifier(row["owner"]))
    return [create, *_tail(ref, row, owner=False)]


def _extension(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any]) -> list[sql.Composable]:
    return [sql.SQL("CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {} VERSION {}").format(
        sql.Identifier(row["name"]), sql.Identifier(row["schema_name"]), sql.Literal(row["version"]))]


def _event_trigger(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any]) -> list[sql.Composable]:
    when = sql.SQL("")
    if row["tags"]:
        when = sql.SQL("\n    WHEN TAG IN ({})").format(sql.SQL(", ").join(sql.Literal(t) for t in row["tags"]))
    out: list[sql.Composable] = [sql.SQL("CREATE EVENT TRIGGER {} ON {}{}\n    EXECUTE FUNCTION {}()").format(
        sql.Identifier(row["name"]), sql.Identifier(row["event"]), when,
        sql.Identifier(row["function_schema"], row["function_name"]))]
    if row["enabled_code"] in EVENT_TRIGGER_STATES:
        out.append(sql.SQL("ALTER EVENT TRIGGER {} {}").format(
            sql.Identifier(row["name"]), _text(EVENT_TRIGGER_STATES[row["enabled_code"]])))
    return out + _tail(ref, row)


def _function(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any]) -> list[sql.Composable]:
    return [_text(row["definition"].rstrip().rstrip(";")), *_tail(ref, row)]


def _sequence(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any]) -> list[sql.Composable]:
    name = sql.Identifier(row["schema"], row["name"])
    out = [ddl_table.sequence_statement(name, row)]
    if row["owned_kind"] == "a":
        out.append(sql.SQL("ALTER SEQUENCE {} OWNED BY {}").format(name, sql.Identifier(
            row["owned_by_schema"], row["owned_by_table"], row["owned_by_column"])))
    return out + _tail(ref, row)


def _type(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any]) -> list[sql.Composable]:
    name = sql.Identifier(row["schema"], row["name"])
    kind = row["type_kind"]
    if kind == "enum":
        body = sql.SQL("AS ENUM ({})").format(sql.SQL(", ").join(sql.Literal(label) for label in row["labels"]))
    elif kind == "composite":
        attrs = [sql.SQL("{} {}").format(sql.Identifier(a["name"]), _text(a["data_type"]))
                 for a in row["attributes"] or []]
        body = sql.SQL("AS (\n    {}\n)").format(sql.SQL(",\n    ").join(attrs))
    elif kind == "range":
        opts = [sql.SQL("SUBTYPE = {}").format(_text(row["range_subtype"]))]
        if row.get("range_subtype_diff"):
            opts.append(sql.SQL("SUBTYPE_DIFF = {}").format(_text(row["range_subtype_diff"])))
        body = sql.SQL("AS RANGE ({})").format(sql.SQL(", ").join(opts))
    else:
        return _tail(ref, row)  # a base type is C code: only its ownership and comment can be scripted
    return [sql.SQL("CREATE TYPE {} {}").format(name, body), *_tail(ref, row)]


def _domain(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any]) -> list[sql.Composable]:
    parts: list[sql.Composable] = [sql.SQL("CREATE DOMAIN {} AS {}").format(
        sql.Identifier(row["schema"], row["name"]), _text(row["base_type"]))]
    if row.get("collation"):
        parts.append(sql.SQL("COLLATE {}").format(sql.Identifier(row["collation_schema"], row["collation"])))
    if row.get("default") is not None:
        parts.append(sql.SQL("DEFAULT {}").format(_text(row["default"])))
    if row["not_null"]:
        parts.append(sql.SQL("NOT NULL"))
    for con in row.get("constraints") or []:
        parts.append(ddl_table.constraint_definition(con))
    return [sql.SQL("\n    ").join(parts), *_tail(ref, row)]


def _index(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any]) -> list[sql.Composable]:
    return [_text(row["definition"]), *_tail(ref, row, owner=False)]


def _column(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any]) -> list[sql.Composable]:
    add = sql.SQL("ALTER TABLE {} ADD COLUMN {}").format(statements.table_name(ref), ddl_table.column_definition(row))
    return [add, *_tail(ref, row, owner=False)]


def _constraint(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any]) -> list[sql.Composable]:
    add = sql.SQL("ALTER TABLE {} ADD {}").format(statements.table_name(ref), ddl_table.constraint_definition(row))
    return [add, *_tail(ref, row, owner=False)]


def _trigger(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any]) -> list[sql.Composable]:
    return [*ddl_table.trigger_statements(statements.table_name(ref), row), *_tail(ref, row, owner=False)]


def _policy(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any]) -> list[sql.Composable]:
    return [ddl_table.policy_statement(statements.table_name(ref), row), *_tail(ref, row, owner=False)]


BUILDERS: dict[str, Builder] = {
    "database": _database, "role": _role, "tablespace": _tablespace, "schema": _schema, "extension": _extension,
    "event_trigger": _event_trigger, "table": ddl_table.table_ddl, "view": ddl_table.view_ddl,
    "materialized_view": ddl_table.view_ddl, "function": _function, "sequence": _sequence, "type": _type,
    "domain": _domain, "index": _index, "column": _column, "constraint": _constraint, "trigger": _trigger,
    "policy": _policy,
}


def object_ddl(target: catalog.Target, ref: Ref) -> dict[str, Any]:
    """The reconstructed CREATE script of one object, as text."""
    with targets.connect(target, objects.object_db(ref)) as conn:
        row = objects.resolve(conn, ref)
        script = statements.script(conn, BUILDERS[ref.kind](conn, ref, row))
    return {"ref": ref.to_json(), "sql": script}
