"""Create, alter, rename, comment and drop objects — each previewable — and what a DROP … CASCADE would take."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import psycopg
from psycopg import sql

from pgadmin_lite.browser import catalog, objects, server_objects, statements, table_objects
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
    "table": ("add_columns", "alter_columns", "drop_columns"),
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
    """Change an object's owner, comment and kind-specific attributes in one previewable plan."""
    ref = parse_ref(data, allow=frozenset(KINDS))
    body = Body(data, ("owner", "comment", *ALTER_FIELDS.get(ref.kind, ())))
    with change_connection(target, objects.object_db(ref)) as conn:
        row = objects.resolve(conn, ref)
        sent: list[sql.Composable] = []
        shown: list[sql.Composable] = []
        if ref.kind == "role":
            sent, shown = server_objects.alter_role(conn, ref, row, body)
        elif ref.kind == "database":
            sent = shown = server_objects.alter_database(conn, ref, row, body)
        elif ref.kind == "table":
            sent = shown = table_objects.alter_table(conn, ref, body)
        common: list[sql.Composable] = []
        if (owner := body.name("owner")) is not None:
            common.append(statements.owner(ref, row, owner))
        if body.has("comment"):
            common.append(statements.comment(ref, row, body.text("comment")))
        if not sent and not common:
            raise BadRequest("Nothing to change.", hint="Send at least one field to change.")
        plan = Plan([*sent, *common], shown=[*shown, *common], ref=ref,
                    is_transactional=ref.kind != "database")
        if not body.preview:
            _release_database(target, ref)
        return apply(conn, plan, preview=body.preview)


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
