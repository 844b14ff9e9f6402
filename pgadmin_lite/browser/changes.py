"""Create, alter, rename, comment and drop objects — each previewable — and what a DROP … CASCADE would take."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import psycopg
from psycopg import sql

from pgadmin_lite.browser import alterations, catalog, objects, server_objects, statements, table_objects
from pgadmin_lite.browser.body import Body
from pgadmin_lite.browser.executor import Plan, apply, change_connection
from pgadmin_lite.browser.refs import KINDS, Ref, check_name, parse_ref
from pgadmin_lite.errors import BadRequest

Creator = Callable[[psycopg.Connection[Any], Ref, Body], Plan]
CREATORS: dict[str, tuple[Creator, tuple[str, ...]]] = {
    "database": (server_objects.create_database, server_objects.DATABASE_FIELDS),
    "role": (server_objects.create_role, server_objects.ROLE_FIELDS),
    "schema": (table_objects.create_schema, ("owner", "comment")),
    "table": (table_objects.create_table, ("columns", "primary_key", "owner", "comment", "unlogged")),
    "index": (table_objects.create_index, ("columns", "unique", "method", "include", "concurrently", "comment")),
}
ALTER_FIELDS = {
    "database": ("connection_limit", "allow_connections", "is_template", "tablespace"),
    "role": tuple(f for f in server_objects.ROLE_FIELDS if f != "comment"),
    "table": ("add_columns", "alter_columns", "drop_columns", *alterations.CONSTRAINT_FIELDS),
    "sequence": alterations.SEQUENCE_FIELDS,
    "function": alterations.FUNCTION_FIELDS,
    "column": ("type", "default", "not_null"),
}
NOT_TRANSACTIONAL_DROPS = frozenset({"database", "tablespace"})
CASCADE_PREFIX = "drop cascades to "
# Milliseconds the drop-impact probe waits for a lock: it must never queue behind a long transaction.
PROBE_LOCK_TIMEOUT_MS = 2000


def _release_database(target: catalog.Target, ref: Ref) -> None:
    """PostgreSQL drops, renames or moves a database only when nobody is connected: our idle connections let go."""
    if ref.kind == "database" and ref.name:
        target.pool.close_database(target.server.id, ref.name)


def create(target: catalog.Target, data: Mapping[str, Any]) -> dict[str, Any]:
    """Create a database, role, schema, table or index; preview returns the SQL without running it."""
    ref = parse_ref(data, allow=frozenset(CREATORS))
    creator, fields = CREATORS[ref.kind]
    body = Body(data, fields)
    with change_connection(target, objects.object_db(ref)) as conn:
        return apply(conn, creator(conn, ref, body), preview=body.preview)


def alter(target: catalog.Target, data: Mapping[str, Any]) -> dict[str, Any]:
    """Change an object in one previewable plan, in this order: its own attributes, owner, comment,
    privileges, schema, name — and last, alone, what PostgreSQL runs only outside a transaction."""
    ref = parse_ref(data, allow=frozenset(KINDS))
    body = Body(data, ("owner", "comment", *ALTER_FIELDS.get(ref.kind, ()), *alterations.relocation_fields(ref.kind)))
    with change_connection(target, objects.object_db(ref)) as conn:
        row = objects.resolve(conn, ref)
        sent, shown = _kind_statements(conn, ref, row, body)
        common: list[sql.Composable] = []
        if (owner := body.name("owner")) is not None:
            common.append(statements.owner(ref, row, owner))
        if body.has("comment"):
            common.append(statements.comment(ref, row, body.text("comment")))
        common += alterations.privilege_changes(ref, row, body)
        tablespace = body.name("tablespace")
        if tablespace is not None and ref.kind != "database":
            common.append(alterations.set_tablespace(ref, row, tablespace))
        if (schema := body.name("new_schema")) is not None:
            common.append(alterations.set_schema(ref, row, schema))
        final = alterations.moved(ref, body)
        if (new_name := body.name("new_name")) is not None:
            common.append(statements.rename(final, row, new_name))
            final = Ref(**{**final.params(), "name": new_name})
        alone = [alterations.set_tablespace(final, row, tablespace)] if tablespace and ref.kind == "database" else []
        if not sent and not common and not alone:
            raise BadRequest("Nothing to change.", hint="Send at least one field to change.")
        plan = Plan([*sent, *common, *alone], shown=[*shown, *common, *alone], ref=final, alone=len(alone))
        if not body.preview:
            _release_database(target, ref)
        return apply(conn, plan, preview=body.preview)


def _kind_statements(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any], body: Body
                     ) -> tuple[list[sql.Composable], list[sql.Composable]]:
    """(sent, shown) statements of the kind's own attributes (a role's password is masked in the shown ones)."""
    if ref.kind == "role":
        return server_objects.alter_role(conn, ref, row, body)
    if ref.kind == "database":
        found = server_objects.alter_database(ref, body)
    elif ref.kind == "table":
        found = table_objects.alter_table(conn, ref, body, alterations.constraint_actions(body))
    elif ref.kind == "column":
        found = table_objects.alter_one_column(conn, ref, body)
    else:
        found = alterations.kind_changes(ref, row, body)
    return found, found


def rename(target: catalog.Target, data: Mapping[str, Any]) -> dict[str, Any]:
    ref = parse_ref(data, allow=frozenset(KINDS))
    body = Body(data, ("new_name",))
    new_name = check_name(body.data.get("new_name"), "new_name") or ""
    with change_connection(target, objects.object_db(ref)) as conn:
        row = objects.resolve(conn, ref)
        renamed = Ref(**{**ref.params(), "name": new_name})
        if not body.preview:
            _release_database(target, ref)
        return apply(conn, Plan([statements.rename(ref, row, new_name)], ref=renamed), preview=body.preview)


def set_comment(target: catalog.Target, data: Mapping[str, Any]) -> dict[str, Any]:
    ref = parse_ref(data, allow=frozenset(KINDS))
    body = Body(data, ("comment",))
    if not body.has("comment"):
        raise BadRequest("comment is required (null removes the comment).", field="comment")
    with change_connection(target, objects.object_db(ref)) as conn:
        row = objects.resolve(conn, ref)
        return apply(conn, Plan([statements.comment(ref, row, body.text("comment"))], ref=ref), preview=body.preview)


def drop(target: catalog.Target, data: Mapping[str, Any]) -> dict[str, Any]:
    ref = parse_ref(data, allow=frozenset(KINDS))
    body = Body(data, ("cascade",))
    with change_connection(target, objects.object_db(ref)) as conn:
        row = objects.resolve(conn, ref)
        plan = Plan([statements.drop(ref, row, cascade=bool(body.flag("cascade")))],
                    is_transactional=ref.kind not in NOT_TRANSACTIONAL_DROPS)
        if not body.preview:
            _release_database(target, ref)
        return apply(conn, plan, preview=body.preview)


def _cascaded(notices: list[tuple[str, str]]) -> list[str]:
    """The objects named by 'drop cascades to …' NOTICEs (one object: in the message; more: in the detail)."""
    found: list[str] = []
    for message, detail in notices:
        lines = [message, *detail.splitlines()]
        found += [line[len(CASCADE_PREFIX):] for line in lines
                  if line.startswith(CASCADE_PREFIX) and not line.endswith(" other objects")]
    return found


def drop_impact(target: catalog.Target, ref: Ref) -> dict[str, Any]:
    """Run DROP … CASCADE in a transaction that is always rolled back, and report what it would take with it."""
    with change_connection(target, objects.object_db(ref)) as conn:
        row = objects.resolve(conn, ref)
        plain = statements.script(conn, [statements.drop(ref, row, cascade=False)]).strip()
        result: dict[str, Any] = {"ref": ref.to_json(), "sql": plain, "cascade_sql": None,
                                  "requires_cascade": False, "cascades_to": [], "blocked_by": None}
        if ref.kind in NOT_TRANSACTIONAL_DROPS:
            result["note"] = ("Everything stored in it goes with it; PostgreSQL refuses while anyone is connected."
                              if ref.kind == "database" else "PostgreSQL refuses unless the tablespace is empty.")
            return result
        if ref.kind == "role":
            return _role_impact(conn, ref, row, result)
        cascade = statements.drop(ref, row, cascade=True)
        result["cascade_sql"] = statements.script(conn, [cascade]).strip()
        notices: list[tuple[str, str]] = []
        # A Diagnostic is only valid inside the handler (its result is freed afterwards): copy the texts.
        conn.add_notice_handler(lambda d: notices.append((d.message_primary or "", d.message_detail or "")))
        with conn.transaction(force_rollback=True):
            conn.execute("SELECT pg_catalog.set_config('lock_timeout', %s, true), "
                         "pg_catalog.set_config('client_min_messages', 'notice', true)", [str(PROBE_LOCK_TIMEOUT_MS)])
            catalog.execute_one(conn, cascade)
        result["cascades_to"] = _cascaded(notices)
        result["requires_cascade"] = bool(result["cascades_to"])
        return result


def _role_impact(conn: psycopg.Connection[Any], ref: Ref, row: dict[str, Any], result: dict[str, Any]
                 ) -> dict[str, Any]:
    """DROP ROLE has no CASCADE: try it (rolled back) and report the objects that still depend on the role."""
    try:
        with conn.transaction(force_rollback=True):
            catalog.execute_one(conn, statements.drop(ref, row, cascade=False))
    except psycopg.errors.DependentObjectsStillExist as exc:
        result["blocked_by"] = (exc.diag.message_detail or "").splitlines()
        result["note"] = ("Reassign or drop what the role owns first (REASSIGN OWNED BY … TO …; DROP OWNED BY …) "
                          "in every database listed.")
    return result
