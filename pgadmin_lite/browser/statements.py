"""SQL for naming an object in a statement, and the statements every kind shares: rename, comment, owner, drop, grant.

Identifiers go through sql.Identifier and values through sql.Literal. Text PostgreSQL itself produced
(pg_get_*def, format_type, pg_get_expr, identity arguments) is composed with sql.SQL: it is the server's
own SQL, read from the catalog, never something a user typed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from psycopg import sql

from pgadmin_lite.browser.refs import KINDS, Ref
from pgadmin_lite.errors import BadRequest

RELATION_KEYWORDS = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "f": "FOREIGN TABLE",
                     "S": "SEQUENCE"}
# Privilege names aclexplode reports; anything else is left out rather than pasted into SQL.
PRIVILEGES = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "EXECUTE",
                        "USAGE", "CREATE", "CONNECT", "TEMPORARY", "MAINTAIN"})
GRANT_KEYWORDS = {"table": "TABLE", "view": "TABLE", "materialized_view": "TABLE", "sequence": "SEQUENCE",
                  "schema": "SCHEMA", "database": "DATABASE", "tablespace": "TABLESPACE", "type": "TYPE",
                  "domain": "DOMAIN"}
NO_CASCADE = frozenset({"database", "role", "tablespace"})


def keyword(ref: Ref, row: dict[str, Any]) -> str:
    """The SQL keyword for the object: FUNCTION or PROCEDURE as the catalog says."""
    if ref.kind == "function":
        return "PROCEDURE" if row.get("function_kind") == "procedure" else "FUNCTION"
    return KINDS[ref.kind].keyword


def table_name(ref: Ref) -> sql.Composable:
    return sql.Identifier(ref.schema or "", ref.table or "")


def target(ref: Ref, row: dict[str, Any]) -> sql.Composable:
    """The object as written after its keyword: name, schema.name, name(args) or name ON table."""
    scope = KINDS[ref.kind].scope
    if ref.kind == "function":
        return sql.SQL("{}.{}({})").format(sql.Identifier(ref.schema or ""), sql.Identifier(ref.name or ""),
                                           sql.SQL(row["args"]))
    if scope in ("server", "database"):
        return sql.Identifier(ref.name or "")
    if scope == "schema":
        return sql.Identifier(ref.schema or "", ref.name or "")
    if ref.kind == "column":
        return sql.Identifier(ref.schema or "", ref.table or "", ref.name or "")
    return sql.SQL("{} ON {}").format(sql.Identifier(ref.name or ""), table_name(ref))


def _relation_keyword(row: dict[str, Any]) -> sql.SQL:
    return sql.SQL(RELATION_KEYWORDS.get(row.get("table_relkind") or "r", "TABLE"))


def comment(ref: Ref, row: dict[str, Any], text: str | None) -> sql.Composable:
    value = sql.Literal(text) if text else sql.SQL("NULL")
    return sql.SQL("COMMENT ON {} {} IS {}").format(sql.SQL(keyword(ref, row)), target(ref, row), value)


def rename(ref: Ref, row: dict[str, Any], new_name: str) -> sql.Composable:
    """ALTER … RENAME for every kind that can be renamed."""
    new = sql.Identifier(new_name)
    if not KINDS[ref.kind].can_rename:
        raise BadRequest(f"PostgreSQL cannot rename a {ref.kind}.")
    if ref.kind == "column":
        return sql.SQL("ALTER {} {} RENAME COLUMN {} TO {}").format(
            _relation_keyword(row), table_name(ref), sql.Identifier(ref.name or ""), new)
    if ref.kind == "constraint":
        return sql.SQL("ALTER TABLE {} RENAME CONSTRAINT {} TO {}").format(
            table_name(ref), sql.Identifier(ref.name or ""), new)
    return sql.SQL("ALTER {} {} RENAME TO {}").format(sql.SQL(keyword(ref, row)), target(ref, row), new)


def owner(ref: Ref, row: dict[str, Any], role: str) -> sql.Composable:
    if not KINDS[ref.kind].is_owned:
        raise BadRequest(f"A {ref.kind} has no owner of its own.", field="owner")
    return sql.SQL("ALTER {} {} OWNER TO {}").format(sql.SQL(keyword(ref, row)), target(ref, row),
                                                     sql.Identifier(role))


def drop(ref: Ref, row: dict[str, Any], *, cascade: bool) -> sql.Composable:
    """DROP (or ALTER TABLE … DROP) with CASCADE where PostgreSQL has it."""
    if cascade and ref.kind in NO_CASCADE:
        raise BadRequest(f"DROP {keyword(ref, row)} has no CASCADE.",
                         hint="For a role: REASSIGN OWNED and DROP OWNED in each database first.")
    tail = sql.SQL(" CASCADE" if cascade else "")
    if ref.kind in ("column", "constraint"):
        return sql.SQL("ALTER {} {} DROP {} {}{}").format(
            _relation_keyword(row), table_name(ref), sql.SQL(keyword(ref, row)), sql.Identifier(ref.name or ""), tail)
    return sql.SQL("DROP {} {}{}").format(sql.SQL(keyword(ref, row)), target(ref, row), tail)


def privilege_target(ref: Ref, row: dict[str, Any]) -> sql.Composable:
    """What GRANT and REVOKE name after ON: TABLE s.t, FUNCTION s.f(args), SCHEMA s…"""
    return sql.SQL("{} {}").format(sql.SQL(GRANT_KEYWORDS.get(ref.kind) or keyword(ref, row)), target(ref, row))


def grants(ref: Ref, row: dict[str, Any]) -> list[sql.Composable]:
    """REVOKE ALL FROM PUBLIC then one GRANT per grantee, when the object has an ACL (owner's rights implied)."""
    if not row.get("has_acl") or ref.kind not in (*GRANT_KEYWORDS, "function"):
        return []
    on = privilege_target(ref, row)
    statements: list[sql.Composable] = [sql.SQL("REVOKE ALL ON {} FROM PUBLIC").format(on)]
    grouped: dict[tuple[str | None, bool], list[str]] = {}
    for grant in row.get("grants") or []:
        if grant["grantee"] == row.get("owner") or grant["privilege"] not in PRIVILEGES:
            continue
        grouped.setdefault((grant["grantee"], grant["grantable"]), []).append(grant["privilege"])
    for (grantee, grantable), privileges in grouped.items():
        to = sql.Identifier(grantee) if grantee is not None else sql.SQL("PUBLIC")
        statements.append(sql.SQL("GRANT {} ON {} TO {}{}").format(
            sql.SQL(", ").join(sql.SQL(p) for p in privileges), on, to,
            sql.SQL(" WITH GRANT OPTION" if grantable else "")))
    return statements


def identifiers(names: Iterable[str]) -> sql.Composable:
    return sql.SQL(", ").join(sql.Identifier(n) for n in names)


def render(conn: Any, statements: Iterable[sql.Composable]) -> list[str]:
    """Each statement as the exact text PostgreSQL receives (quoting follows the connection's settings)."""
    return [s.as_string(conn) for s in statements]


def script(conn: Any, statements: Iterable[sql.Composable]) -> str:
    """Statements as one script, each ended by a semicolon."""
    return "\n\n".join(f"{text};" for text in render(conn, statements)) + "\n"
