"""The alter dialog's API (PATCH …/objects): what the preview shows is exactly what runs, in one transaction.

An event trigger in the test database records current_query() of every DDL statement the server ran, so
"exactly" is checked against the server's own record, not against our answer.
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql

from tests.plugins.catalog_fixtures import CatalogEnv
from tests.plugins.postgres_fixture import PgServer, make_cluster_root

RECORDER = """
CREATE TABLE public.ddl_log (n serial, q text);
CREATE FUNCTION public.record_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.ddl_log (q) VALUES (current_query()); END $$;
CREATE EVENT TRIGGER record_ddl ON ddl_command_end EXECUTE FUNCTION public.record_ddl();
CREATE SCHEMA "Other ü";
CREATE TABLE public."Orders" (id integer PRIMARY KEY, amount integer, note text);
CREATE TABLE public.taken (id integer);
CREATE SEQUENCE public.seq START 1;
CREATE FUNCTION public.f(a integer) RETURNS integer LANGUAGE sql AS $$ SELECT a $$;
"""


@pytest.fixture
def db(scratch_db: Callable[[str], str], pg_server: PgServer) -> Iterator[str]:
    name = scratch_db("alter")
    with psycopg.connect(pg_server.conninfo(name), autocommit=True) as conn:
        conn.execute(RECORDER)
    yield name


def recorded(pg_server: PgServer, db: str) -> list[str]:
    """Every DDL statement the server ran since the last call (the log is emptied)."""
    with psycopg.connect(pg_server.conninfo(db), autocommit=True) as conn:
        rows = conn.execute("DELETE FROM public.ddl_log RETURNING n, q").fetchall()
    return [q for _, q in sorted(rows)]


def value(pg_server: PgServer, db: str | None, query: str, *params: Any) -> Any:
    with psycopg.connect(pg_server.conninfo(db), autocommit=True) as conn:
        row = conn.execute(query, params).fetchone()
    return row[0] if row else None


def preview_then_apply(env: CatalogEnv, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    preview = env.send("patch", "/objects", {**body, "preview": True})
    assert preview.status_code == 200, preview.get_json()
    applied = env.send("patch", "/objects", body)
    assert applied.status_code == 200, applied.get_json()
    return preview.get_json(), applied.get_json()


def test_table_changes_run_exactly_as_previewed(catalog_env: CatalogEnv, pg_server: PgServer, db: str) -> None:
    recorded(pg_server, db)
    body = {"kind": "table", "db": db, "schema": "public", "name": "Orders",
            "alter_columns": [{"name": "amount", "type": "bigint", "default": "0", "not_null": True}],
            "add_columns": [{"name": "placed at", "type": "timestamptz", "default": "now()"}],
            "add_constraints": [{"name": "positive", "type": "check", "expression": "amount >= 0"}],
            "comment": "orders' table", "grant": [{"grantee": "PUBLIC", "privileges": ["SELECT"]}],
            "new_schema": "Other ü", "new_name": "Orders 2"}
    preview, applied = preview_then_apply(catalog_env, body)
    assert preview["applied"] is False and applied["applied"] is True
    assert applied["statements"] == preview["statements"] and applied["sql"] == preview["sql"]
    assert recorded(pg_server, db) == preview["statements"]
    assert preview["statements"][-2:] == ['ALTER TABLE "public"."Orders" SET SCHEMA "Other ü"',
                                          'ALTER TABLE "Other ü"."Orders" RENAME TO "Orders 2"']
    assert applied["ref"] == {"kind": "table", "db": db, "schema": "Other ü", "name": "Orders 2"}
    assert applied["outside_transaction"] == []
    assert value(pg_server, db, """SELECT format_type(atttypid, atttypmod) || ' ' || attnotnull FROM pg_attribute
                                   WHERE attrelid = '"Other ü"."Orders 2"'::regclass AND attname = 'amount'"""
                 ) == "bigint true"
    assert value(pg_server, db, "SELECT has_table_privilege('public', '\"Other ü\".\"Orders 2\"', 'SELECT')")
    props = catalog_env.ok("/objects/properties", kind="table", db=db, schema="Other ü", name="Orders 2")
    assert {"grantee": "PUBLIC", "privileges": "SELECT", "grantable": False} in props["values"]["grants"]
    constraints = {c["name"] for c in props["values"]["constraints"]}
    assert "positive" in constraints
    dropped = preview_then_apply(catalog_env, {"kind": "table", "db": db, "schema": "Other ü", "name": "Orders 2",
                                               "drop_constraints": ["positive"], "drop_columns": ["placed at"],
                                               "revoke": [{"grantee": "PUBLIC", "privileges": ["ALL"]}]})[1]
    assert recorded(pg_server, db) == dropped["statements"]
    assert not value(pg_server, db, "SELECT has_table_privilege('public', '\"Other ü\".\"Orders 2\"', 'SELECT')")


def test_a_columns_own_dialog(catalog_env: CatalogEnv, pg_server: PgServer, db: str) -> None:
    recorded(pg_server, db)
    body = {"kind": "column", "db": db, "schema": "public", "table": "Orders", "name": "note", "type": "varchar(20)",
            "default": "'none'", "not_null": True, "comment": "a note", "new_name": "remark"}
    preview, applied = preview_then_apply(catalog_env, body)
    assert recorded(pg_server, db) == preview["statements"] == applied["statements"]
    assert preview["statements"][0] == ('ALTER TABLE "public"."Orders"\n    ALTER COLUMN "note" TYPE varchar(20),\n'
                                        '    ALTER COLUMN "note" SET DEFAULT (\'none\'),\n'
                                        '    ALTER COLUMN "note" SET NOT NULL')
    values = catalog_env.ok("/objects/properties", kind="column", db=db, schema="public", table="Orders",
                            name="remark")["values"]
    assert (values["type"], values["default"], values["not_null"], values["comment"]) == \
        ("character varying(20)", "'none'::character varying", True, "a note")
    bad = catalog_env.send("patch", "/objects", {**body, "name": "remark", "new_name": None, "not_null": "yes"})
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "not_null"


def test_a_failing_statement_rolls_back_all_of_them(catalog_env: CatalogEnv, pg_server: PgServer, db: str) -> None:
    body = {"kind": "table", "db": db, "schema": "public", "name": "Orders",
            "add_columns": [{"name": "extra", "type": "integer"}], "comment": "changed", "new_name": "taken"}
    preview = catalog_env.send("patch", "/objects", {**body, "preview": True}).get_json()
    assert len(preview["statements"]) == 3
    recorded(pg_server, db)
    failed = catalog_env.send("patch", "/objects", body)
    assert failed.status_code == 400
    error = failed.get_json()["error"]
    assert error["sqlstate"] == "42P07" and error["index"] == 2 and error["rolled_back"] is True
    assert error["statement"] == preview["statements"][2] and error["applied_statements"] == []
    assert value(pg_server, db, "SELECT count(*) FROM pg_attribute WHERE attrelid = 'public.\"Orders\"'::regclass "
                                "AND attname = 'extra'") == 0
    assert value(pg_server, db, "SELECT obj_description('public.\"Orders\"'::regclass)") is None
    assert recorded(pg_server, db) == []


@pytest.mark.parametrize(("change", "field"), [
    ({"alter_columns": [{"name": "amount", "type": "intgr"}]}, "alter_columns[0].type"),
    ({"alter_columns": [{"name": "amount", "default": "1; DROP TABLE taken"}]}, "alter_columns[0].default"),
    ({"add_constraints": [{"type": "check", "expression": "1 = 1) OR (true"}]}, None),
    ({"add_constraints": [{"type": "exclusion", "columns": ["id"]}]}, None),
    ({"grant": [{"grantee": "PUBLIC", "privileges": ["EXECUTE"]}]}, None),
    ({"grant": [{"grantee": "PUBLIC", "privileges": ["SELECT; DROP TABLE taken"]}]}, None),
    ({"new_schema": 'x"' * 40}, "new_schema"),
    ({"increment": 2}, None),
])
def test_bad_input_is_400_and_changes_nothing(catalog_env: CatalogEnv, pg_server: PgServer, db: str,
                                              change: dict[str, Any], field: str | None) -> None:
    recorded(pg_server, db)
    response = catalog_env.send("patch", "/objects", {"kind": "table", "db": db, "schema": "public",
                                                      "name": "Orders", "comment": "must not stick", **change})
    assert response.status_code == 400, response.get_json()
    if field:
        assert response.get_json()["error"].get("field") == field
    assert value(pg_server, db, "SELECT obj_description('public.\"Orders\"'::regclass)") is None
    assert value(pg_server, db, "SELECT count(*) FROM public.taken") == 0
    assert recorded(pg_server, db) == []


def test_sequence_and_function_attributes(catalog_env: CatalogEnv, pg_server: PgServer, db: str) -> None:
    recorded(pg_server, db)
    seq = {"kind": "sequence", "db": db, "schema": "public", "name": "seq", "increment": 3, "min_value": 1,
           "max_value": 1000, "restart": 50, "cache": 4, "cycle": True}
    preview, applied = preview_then_apply(catalog_env, seq)
    assert preview["statements"] == ['ALTER SEQUENCE "public"."seq" INCREMENT BY 3 MINVALUE 1 MAXVALUE 1000 '
                                     'RESTART WITH 50 CACHE 4 CYCLE'] == recorded(pg_server, db)
    assert value(pg_server, db, "SELECT row(seqincrement, seqmin, seqmax, seqcache, seqcycle)::text FROM pg_sequence "
                                "WHERE seqrelid = 'public.seq'::regclass") == "(3,1,1000,4,t)"
    assert value(pg_server, db, "SELECT nextval('public.seq')") == 50
    fn = {"kind": "function", "db": db, "schema": "public", "name": "f", "args": "a integer", "volatility": "immutable",
          "is_strict": True, "security_definer": True, "new_schema": "Other ü", "new_name": "g"}
    preview, applied = preview_then_apply(catalog_env, fn)
    assert recorded(pg_server, db) == preview["statements"] == applied["statements"]
    assert value(pg_server, db, "SELECT row(provolatile, proisstrict, prosecdef)::text FROM pg_proc "
                                "WHERE oid = '\"Other ü\".g(integer)'::regprocedure") == "(i,t,t)"
    bad = catalog_env.send("patch", "/objects", {**fn, "schema": "Other ü", "name": "g", "volatility": "sometimes",
                                                 "new_schema": None, "new_name": None})
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "volatility"


def test_database_tablespace_is_flagged_and_runs_alone(catalog_env: CatalogEnv, pg_server: PgServer,
                                                       scratch_db: Callable[[str], str]) -> None:
    name, space = scratch_db("moving"), f"space {uuid.uuid4().hex[:6]}"
    assert pg_server.manager is not None
    location = make_cluster_root("pgadmin_lite-space-")  # traversable by the server's OS user, made theirs
    if pg_server.manager.run_as.is_switching:
        os.chown(location, pg_server.manager.run_as.uid, pg_server.manager.run_as.gid)
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE TABLESPACE {} LOCATION {}").format(sql.Identifier(space),
                                                                        sql.Literal(str(location))))
    try:
        body = {"kind": "database", "name": name, "connection_limit": 7, "comment": "moved", "tablespace": space}
        preview, applied = preview_then_apply(catalog_env, body)
        assert applied["statements"] == preview["statements"]
        assert preview["outside_transaction"] == [2]
        assert preview["statements"][2] == sql.SQL("ALTER DATABASE {} SET TABLESPACE {}").format(
            sql.Identifier(name), sql.Identifier(space)).as_string()
        assert value(pg_server, None, "SELECT t.spcname || ' ' || d.datconnlimit FROM pg_database d "
                                      "JOIN pg_tablespace t ON t.oid = d.dattablespace WHERE datname = %s",
                     name) == f"{space} 7"
        back = catalog_env.send("patch", "/objects", {"kind": "database", "name": name, "tablespace": "pg_default"})
        assert back.status_code == 200, back.get_json()
    finally:
        with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("DROP TABLESPACE IF EXISTS {}").format(sql.Identifier(space)))
        shutil.rmtree(location, ignore_errors=True)


def test_role_password_is_masked_and_never_logged(catalog_env: CatalogEnv, pg_server: PgServer,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    role, group, secret = f"pw role {uuid.uuid4().hex[:6]}", f"pw group {uuid.uuid4().hex[:6]}", "s3cr3t ñ 'x'"
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {}; CREATE ROLE {}").format(sql.Identifier(role), sql.Identifier(group)))
    try:
        caplog.set_level(logging.DEBUG)
        body = {"kind": "role", "name": role, "login": True, "password": secret, "valid_until": "2099-01-01 00:00+00",
                "connection_limit": 2, "member_of": [group]}
        preview, applied = preview_then_apply(catalog_env, body)
        assert "PASSWORD '********'" in preview["sql"] and applied["statements"] == preview["statements"]
        assert secret not in str(preview) + str(applied) and secret not in caplog.text
        assert value(pg_server, None, "SELECT rolpassword FROM pg_authid WHERE rolname = %s", role).startswith("SCRAM")
        props = catalog_env.ok("/objects/properties", kind="role", name=role)
        assert props["values"]["member_of"] == [group] and props["values"]["valid_until"].startswith("2099-01-01")
        assert secret not in str(props)
    finally:
        with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}; DROP ROLE IF EXISTS {}").format(
                sql.Identifier(role), sql.Identifier(group)))
