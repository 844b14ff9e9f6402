"""Create and alter schemas, tables and indexes.

A column type is text the user typed: it must pass a lexical check (no statement separator, comment,
quote trick or unbalanced parenthesis) AND PostgreSQL's own parser (to_regtype) before it is composed
with sql.SQL. A default is an SQL expression by nature (now(), nextval(…)); it passes the same lexical
check, is wrapped in parentheses, and every change runs over the extended protocol, which refuses a
second statement — so it can only ever be one expression, run with the user's own privileges.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from pgadmin_lite.browser import catalog, statements
from pgadmin_lite.browser.body import Body
from pgadmin_lite.browser.executor import Plan
from pgadmin_lite.browser.refs import Ref, check_name
from pgadmin_lite.errors import BadRequest

COLUMN_FIELDS = frozenset({"name", "type", "default", "not_null", "primary_key"})
INDEX_COLUMN_FIELDS = frozenset({"name", "descending", "nulls"})


def _skip_quoted(text: str, start: int, quote: str, field: str) -> int:
    """The index after the quoted run opening at start ('' or "" inside it are escapes)."""
    i = start + 1
    while True:
        end = text.find(quote, i)
        if end < 0:
            raise BadRequest(f"{field} has an unterminated {quote} quote.", field=field)
        if end + 1 < len(text) and text[end + 1] == quote:
            i = end + 2
            continue
        return end + 1


def check_fragment(text: str, field: str, *, allow_strings: bool) -> str:
    """One type or expression as typed: reject ; comments, $-quotes, E'' strings and unbalanced parentheses."""
    if not text.strip() or "\x00" in text:
        raise BadRequest(f"{field} must not be empty.", field=field)
    depth, i = 0, 0
    while i < len(text):
        ch = text[i]
        if ch == '"' or (ch == "'" and allow_strings):
            if ch == "'" and i > 0 and text[i - 1] in "eE":
                raise BadRequest(f"{field}: write E'…' strings as standard '…' strings.", field=field)
            i = _skip_quoted(text, i, ch, field)
            continue
        is_dollar_quote = ch == "$" and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_"))
        if ch in ("'", ";") or is_dollar_quote:
            raise BadRequest(f"{field} may not contain {ch!r} here.", field=field)
        if text.startswith(("--", "/*"), i):
            raise BadRequest(f"{field} may not contain a comment.", field=field)
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            raise BadRequest(f"{field} has an unbalanced ')'.", field=field)
        i += 1
    if depth:
        raise BadRequest(f"{field} has an unbalanced '('.", field=field)
    return text


def checked_type(conn: psycopg.Connection[Any], text: Any, field: str) -> sql.Composable:
    """A type name PostgreSQL's parser accepted and found (to_regtype), composed only then."""
    if not isinstance(text, str):
        raise BadRequest(f"{field} must be a type name such as integer, text or varchar(40).", field=field)
    check_fragment(text, field, allow_strings=False)
    try:
        found = catalog.query_one(conn, "check_type", {"type": text})
    except psycopg.Error as exc:
        raise BadRequest(f"{field}: {text!r} is not a type name ({exc.diag.message_primary}).", field=field) from None
    if not found or not found["ok"]:
        raise BadRequest(f"{field}: no type {text!r} on this server.", field=field,
                         hint="Qualify a type of another schema: myschema.mytype.")
    return sql.SQL(text)  # type: ignore[arg-type]


def default_expression(value: Any, field: str) -> sql.Composable:
    if not isinstance(value, str):
        raise BadRequest(f"{field} must be an SQL expression as text, e.g. 0, 'none' or now().", field=field)
    return sql.SQL("({})").format(sql.SQL(check_fragment(value, field, allow_strings=True)))  # type: ignore[arg-type]


def column_sql(conn: psycopg.Connection[Any], col: dict[str, Any], where: str) -> sql.Composable:
    """name type [DEFAULT (…)] [NOT NULL] from one column spec."""
    unknown = set(col) - COLUMN_FIELDS
    if unknown:
        raise BadRequest(f"{where}: unknown field(s) {', '.join(sorted(unknown))}.")
    parts = [sql.Identifier(check_name(col.get("name"), f"{where}.name") or ""),
             checked_type(conn, col.get("type"), f"{where}.type")]
    if col.get("default") is not None:
        parts.append(sql.SQL("DEFAULT {}").format(default_expression(col["default"], f"{where}.default")))
    if col.get("not_null"):
        parts.append(sql.SQL("NOT NULL"))
    return sql.SQL(" ").join(parts)


def create_schema(conn: psycopg.Connection[Any], ref: Ref, body: Body) -> Plan:
    create = sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(ref.name or ""))
    if (owner := body.name("owner")) is not None:
        create = sql.SQL("{} AUTHORIZATION {}").format(create, sql.Identifier(owner))
    plan = [create]
    if body.text("comment"):
        plan.append(statements.comment(ref, {}, body.text("comment")))
    return Plan(plan, ref=ref)


def create_table(conn: psycopg.Connection[Any], ref: Ref, body: Body) -> Plan:
    """CREATE TABLE with columns and a primary key, then owner and comment, in one transaction."""
    columns = body.items("columns") or []
    lines = [column_sql(conn, col, f"columns[{i}]") for i, col in enumerate(columns)]
    names = [col["name"] for col in columns]
    key = body.names("primary_key") or [col["name"] for col in columns if col.get("primary_key")]
    if missing := [k for k in key if k not in names]:
        raise BadRequest(f"primary_key names unknown column(s): {', '.join(missing)}.", field="primary_key")
    if key:
        lines.append(sql.SQL("PRIMARY KEY ({})").format(statements.identifiers(key)))
    name = sql.Identifier(ref.schema or "", ref.name or "")
    unlogged = sql.SQL("UNLOGGED " if body.flag("unlogged") else "")
    plan: list[sql.Composable] = [sql.SQL("CREATE {}TABLE {} (\n    {}\n)").format(
        unlogged, name, sql.SQL(",\n    ").join(lines))]
    if (owner := body.name("owner")) is not None:
        plan.append(statements.owner(ref, {}, owner))
    if body.text("comment"):
        plan.append(statements.comment(ref, {}, body.text("comment")))
    return Plan(plan, ref=ref)


def _alter_column(conn: psycopg.Connection[Any], spec: dict[str, Any], where: str) -> list[sql.Composable]:
    unknown = set(spec) - {"name", "type", "default", "not_null"}
    if unknown:
        raise BadRequest(f"{where}: unknown field(s) {', '.join(sorted(unknown))}.")
    column = sql.Identifier(check_name(spec.get("name"), f"{where}.name") or "")
    actions: list[sql.Composable] = []
    if "type" in spec:
        actions.append(sql.SQL("ALTER COLUMN {} TYPE {}").format(column, checked_type(conn, spec["type"],
                                                                                         f"{where}.type")))
    if "default" in spec:
        actions.append(sql.SQL("ALTER COLUMN {} DROP DEFAULT").format(column) if spec["default"] is None else
                       sql.SQL("ALTER COLUMN {} SET DEFAULT {}").format(
                           column, default_expression(spec["default"], f"{where}.default")))
    if "not_null" in spec:
        actions.append(sql.SQL("ALTER COLUMN {} {} NOT NULL").format(column, sql.SQL("SET" if spec["not_null"]
                                                                                        else "DROP")))
    return actions


def alter_table(conn: psycopg.Connection[Any], ref: Ref, body: Body, extra: list[sql.Composable]
                ) -> list[sql.Composable]:
    """One ALTER TABLE with every column action (add, alter, drop), then the extra ones (constraints)."""
    actions: list[sql.Composable] = []
    for i, col in enumerate(body.items("add_columns") or []):
        actions.append(sql.SQL("ADD COLUMN {}").format(column_sql(conn, col, f"add_columns[{i}]")))
    for i, spec in enumerate(body.items("alter_columns") or []):
        actions += _alter_column(conn, spec, f"alter_columns[{i}]")
    for name in body.names("drop_columns") or []:
        actions.append(sql.SQL("DROP COLUMN {}").format(sql.Identifier(name)))
    actions += extra
    if not actions:
        return []
    return [sql.SQL("ALTER TABLE {}\n    {}").format(sql.Identifier(ref.schema or "", ref.name or ""),
                                                     sql.SQL(",\n    ").join(actions))]


def alter_one_column(conn: psycopg.Connection[Any], ref: Ref, body: Body) -> list[sql.Composable]:
    """A column's own alter dialog: type, default and not null of ref (a column) as one ALTER TABLE."""
    spec = {"name": ref.name, **{k: body.data[k] for k in ("type", "default", "not_null") if body.has(k)}}
    if "not_null" in spec:
        body.flag("not_null")
    actions = _alter_column(conn, spec, "column")
    if not actions:
        return []
    return [sql.SQL("ALTER TABLE {}\n    {}").format(statements.table_name(ref), sql.SQL(",\n    ").join(actions))]


def _index_column(spec: Any, where: str) -> sql.Composable:
    if isinstance(spec, str):
        spec = {"name": spec}
    if not isinstance(spec, dict) or set(spec) - INDEX_COLUMN_FIELDS:
        raise BadRequest(f"{where} must be a column name or {{name, descending, nulls}}.")
    parts = [sql.Identifier(check_name(spec.get("name"), f"{where}.name") or "")]
    if spec.get("descending"):
        parts.append(sql.SQL("DESC"))
    if spec.get("nulls") is not None:
        if spec["nulls"] not in ("first", "last"):
            raise BadRequest(f"{where}.nulls must be 'first' or 'last'.")
        parts.append(sql.SQL("NULLS FIRST" if spec["nulls"] == "first" else "NULLS LAST"))
    return sql.SQL(" ").join(parts)


def create_index(conn: psycopg.Connection[Any], ref: Ref, body: Body) -> Plan:
    """CREATE [UNIQUE] INDEX [CONCURRENTLY] name ON table USING method (columns) [INCLUDE (…)]."""
    if not ref.table:
        raise BadRequest("An index needs the table it indexes.", field="table")
    columns = body.data.get("columns")
    if not isinstance(columns, list) or not columns:
        raise BadRequest("columns must list at least one column.", field="columns")
    method = body.text("method") or "btree"
    if catalog.query_one(conn, "index_method", {"method": method}) is None:
        raise BadRequest(f"No index method {method!r} on this server.", field="method")
    concurrently = bool(body.flag("concurrently"))
    create = sql.SQL("CREATE {}INDEX {}{} ON {} USING {} ({})").format(
        sql.SQL("UNIQUE " if body.flag("unique") else ""), sql.SQL("CONCURRENTLY " if concurrently else ""),
        sql.Identifier(ref.name or ""), statements.table_name(ref), sql.Identifier(method),
        sql.SQL(", ").join(_index_column(c, f"columns[{i}]") for i, c in enumerate(columns)))
    if include := body.names("include"):
        create = sql.SQL("{} INCLUDE ({})").format(create, statements.identifiers(include))
    plan = [create]
    if body.text("comment"):
        plan.append(statements.comment(ref, {}, body.text("comment")))
    return Plan(plan, is_transactional=not concurrently, ref=ref)
