"""Create and alter databases and roles: the `createdb --owner` / `createuser --pwprompt` routine.

A role's password never reaches the server in clear: libpq hashes it first (PQencryptPasswordConn, with
the server's password_encryption), so not even log_statement=all records it; previews and results
show PASSWORD '********'.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from pgadmin_lite.browser import ddl, statements
from pgadmin_lite.browser.body import Body
from pgadmin_lite.browser.executor import Plan
from pgadmin_lite.browser.refs import Ref
from pgadmin_lite.errors import BadRequest

MASK = sql.SQL("'********'")
TEMPLATE_HELP = {
    "template1": "The default. The new database copies template1, including anything installed there "
                 "(extensions, functions, tables); it must keep template1's encoding and locale.",
    "template0": "A pristine copy of the initial database with nothing added. Choose it to set a different "
                 "encoding or locale (collation, ctype), or to restore a pg_dump into a clean database.",
}
DATABASE_FIELDS = ("owner", "template", "encoding", "locale", "lc_collate", "lc_ctype", "tablespace",
                   "connection_limit", "allow_connections", "is_template", "comment")
ROLE_FLAGS = ("login", "superuser", "createdb", "createrole", "inherit", "replication", "bypassrls")
ROLE_FIELDS = (*ROLE_FLAGS, "password", "connection_limit", "valid_until", "member_of", "comment")


def _database_options(body: Body) -> list[sql.Composable]:
    options: list[sql.Composable] = []
    for key, word in (("owner", "OWNER"), ("template", "TEMPLATE"), ("tablespace", "TABLESPACE")):
        if (value := body.name(key)) is not None:
            options.append(sql.SQL(f"{word} = {{}}").format(sql.Identifier(value)))
    for key, word in (("encoding", "ENCODING"), ("locale", "LOCALE"), ("lc_collate", "LC_COLLATE"),
                      ("lc_ctype", "LC_CTYPE")):
        if (value := body.text(key)) is not None:
            options.append(sql.SQL(f"{word} = {{}}").format(sql.Literal(value)))
    if (limit := body.integer("connection_limit", minimum=-1)) is not None:
        options.append(sql.SQL("CONNECTION LIMIT = {}").format(sql.Literal(limit)))
    for key, word in (("allow_connections", "ALLOW_CONNECTIONS"), ("is_template", "IS_TEMPLATE")):
        if (flag := body.flag(key)) is not None:
            options.append(sql.SQL(f"{word} = {{}}").format(sql.SQL("true" if flag else "false")))
    return options


def create_database(conn: psycopg.Connection[Any], ref: Ref, body: Body) -> Plan:
    """CREATE DATABASE cannot run inside a transaction block: the plan runs statement by statement."""
    name = sql.Identifier(ref.name or "")
    options = _database_options(body)
    create = sql.SQL("CREATE DATABASE {} WITH {}").format(name, sql.SQL(" ").join(options)) if options else \
        sql.SQL("CREATE DATABASE {}").format(name)
    plan = [create]
    if body.text("comment"):
        plan.append(statements.comment(ref, {}, body.text("comment")))
    return Plan(plan, is_transactional=False, ref=ref)


def alter_database(ref: Ref, body: Body) -> list[sql.Composable]:
    """ALTER DATABASE … WITH its options (SET TABLESPACE, which runs alone, is built by changes.alter)."""
    name = sql.Identifier(ref.name or "")
    options: list[sql.Composable] = []
    if (limit := body.integer("connection_limit", minimum=-1)) is not None:
        options.append(sql.SQL("CONNECTION LIMIT {}").format(sql.Literal(limit)))
    for key, word in (("allow_connections", "ALLOW_CONNECTIONS"), ("is_template", "IS_TEMPLATE")):
        if (flag := body.flag(key)) is not None:
            options.append(sql.SQL(f"{word} {{}}").format(sql.SQL("true" if flag else "false")))
    out: list[sql.Composable] = []
    if options:
        out.append(sql.SQL("ALTER DATABASE {} WITH {}").format(name, sql.SQL(" ").join(options)))
    return out


def _password(conn: psycopg.Connection[Any], role: str, body: Body) -> tuple[sql.Composable, sql.Composable] | None:
    """(sent, shown) PASSWORD clauses: the libpq-hashed verifier, and the mask."""
    if not body.has("password"):
        return None
    password = body.text("password")
    if password is None:
        return sql.SQL("PASSWORD NULL"), sql.SQL("PASSWORD NULL")
    if not password:
        raise BadRequest("password must not be empty (send null to remove the password).", field="password")
    verifier = conn.pgconn.encrypt_password(password.encode("utf-8"), role.encode("utf-8"))
    return (sql.SQL("PASSWORD {}").format(sql.Literal(verifier.decode("ascii"))),
            sql.SQL("PASSWORD {}").format(MASK))


def _role_settings(body: Body) -> dict[str, Any]:
    settings: dict[str, Any] = {key: body.flag(key) for key in ROLE_FLAGS if body.has(key)}
    if body.has("connection_limit"):
        settings["connection_limit"] = body.integer("connection_limit", minimum=-1)
    if body.has("valid_until"):
        settings["valid_until"] = body.text("valid_until")
    return settings


def _role_statement(head: sql.Composable, options: list[sql.Composable], password: sql.Composable | None,
                    tail: sql.Composable | None = None) -> sql.Composable:
    parts = [*options, *([password] if password is not None else []), *([tail] if tail is not None else [])]
    return sql.SQL("{} WITH {}").format(head, sql.SQL(" ").join(parts)) if parts else head


def create_role(conn: psycopg.Connection[Any], ref: Ref, body: Body) -> Plan:
    name = ref.name or ""
    options = ddl.role_options(_role_settings(body))
    password = _password(conn, name, body)
    groups = body.names("member_of") or []
    in_role = sql.SQL("IN ROLE {}").format(statements.identifiers(groups)) if groups else None
    head = sql.SQL("CREATE ROLE {}").format(sql.Identifier(name))
    sent = [_role_statement(head, options, password[0] if password else None, in_role)]
    shown = [_role_statement(head, options, password[1] if password else None, in_role)]
    if body.text("comment"):
        extra = statements.comment(ref, {}, body.text("comment"))
        sent.append(extra)
        shown.append(extra)
    return Plan(sent, shown=shown, ref=ref)


def alter_role(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any], body: Body
               ) -> tuple[list[sql.Composable], list[sql.Composable]]:
    """(sent, shown) statements: attributes and password, then membership changes to reach member_of."""
    name = sql.Identifier(ref.name or "")
    options = ddl.role_options(_role_settings(body))
    password = _password(conn, ref.name or "", body)
    sent: list[sql.Composable] = []
    shown: list[sql.Composable] = []
    if options or password:
        head = sql.SQL("ALTER ROLE {}").format(name)
        sent.append(_role_statement(head, options, password[0] if password else None))
        shown.append(_role_statement(head, options, password[1] if password else None))
    wanted = body.names("member_of")
    if wanted is not None:
        current = set(row["member_of"])
        membership = [sql.SQL("GRANT {} TO {}").format(sql.Identifier(g), name) for g in wanted if g not in current]
        membership += [sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(g), name)
                       for g in sorted(current - set(wanted))]
        sent += membership
        shown += membership
    return sent, shown
