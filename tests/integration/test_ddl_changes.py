"""Create / alter / rename / comment / drop through the API, each previewed first: the preview is the SQL that runs.

Names are hostile on purpose; every check reads the catalogs directly.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql

from tests.plugins import catalog_fixtures as cf
from tests.plugins.catalog_fixtures import CatalogEnv, HostileDb
from tests.plugins.postgres_fixture import PgServer


def tag() -> str:
    return uuid.uuid4().hex[:6]


def one(conninfo: str, query: str, *params: Any) -> Any:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        row = conn.execute(query, params).fetchone()
    return row[0] if row else None


def change(env: CatalogEnv, method: str, path: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    """Preview, check nothing ran and the SQL is the same, then apply; returns the applied result."""
    preview = env.send(method, path, {**body, "preview": True})
    assert preview.status_code == 200, preview.get_json()
    assert preview.get_json()["applied"] is False
    applied = env.send(method, path, body)
    assert applied.status_code == status, applied.get_json()
    result = applied.get_json()
    assert result["applied"] is True and result["sql"] == preview.get_json()["sql"]
    return result


@pytest.fixture
def roles(pg_server: PgServer) -> Iterator[Callable[[str], str]]:
    """Role names for a test (cluster-wide objects), dropped afterwards with whatever they own."""
    made: list[str] = []

    def make(prefix: str) -> str:
        made.append(f"{prefix} {tag()}")
        return made[-1]

    yield make
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        for name in made:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


def test_role_and_database_for_a_new_application(catalog_env: CatalogEnv, pg_server: PgServer,
                                                 roles: Callable[[str], str]) -> None:
    """createuser --pwprompt + createdb --owner, from template0 with a non-default locale."""
    role, group = roles('app "owner" ü'), roles("readers")
    change(catalog_env, "post", "/objects", {"kind": "role", "name": group}, 201)
    secret = f"pw '{tag()}' ñ"
    body = {"kind": "role", "name": role, "login": True, "password": secret, "createdb": False, "inherit": True,
            "connection_limit": 5, "valid_until": "2099-01-01 00:00:00+00", "member_of": [group],
            "comment": "the app's owner"}
    preview = catalog_env.send("post", "/objects", {**body, "preview": True}).get_json()
    assert "PASSWORD '********'" in preview["sql"] and secret not in str(preview)
    assert one(pg_server.conninfo(), "SELECT count(*) FROM pg_roles WHERE rolname = %s", role) == 0
    created = change(catalog_env, "post", "/objects", body, 201)
    assert secret not in str(created) and created["ref"] == {"kind": "role", "name": role}
    verifier = one(pg_server.conninfo(), "SELECT rolpassword FROM pg_authid WHERE rolname = %s", role)
    assert verifier.startswith("SCRAM-SHA-256$") and secret not in verifier
    props = catalog_env.ok("/objects", kind="role", name=role)["properties"]
    assert props["login"] and props["connection_limit"] == 5 and props["member_of"] == [group]
    assert props["comment"] == "the app's owner" and props["valid_until"].startswith("2099-01-01")

    database = f'App "DB" ü {tag()}'
    template1 = catalog_env.ok("/objects/options", kind="database")
    assert {"template0", "template1"} <= set(template1["help"]["templates"])
    locale = next(loc for loc in ("C", "POSIX") if loc != template1["choices"]["template1"]["lc_collate"])
    refused = catalog_env.send("post", "/objects", {"kind": "database", "name": database, "template": "template1",
                                                    "locale": locale})
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "statement_failed"
    assert "template" in refused.get_json()["error"]["hint"]  # the server's own hint: use template0
    try:
        made = change(catalog_env, "post", "/objects", {
            "kind": "database", "name": database, "owner": role, "template": "template0", "encoding": "UTF8",
            "locale": locale, "connection_limit": 20, "comment": "app data"}, 201)
        assert 'TEMPLATE = "template0"' in made["sql"] and made["ref"] == {"kind": "database", "name": database}
        facts = catalog_env.ok("/objects", kind="database", name=database)["properties"]
        assert (facts["owner"], facts["encoding"], facts["lc_collate"], facts["lc_ctype"]) == (role, "UTF8", locale,
                                                                                               locale)
        assert facts["connection_limit"] == 20 and facts["comment"] == "app data"
        altered = change(catalog_env, "patch", "/objects", {"kind": "database", "name": database,
                                                            "connection_limit": 3, "is_template": False})
        assert "CONNECTION LIMIT 3" in altered["sql"]
    finally:
        dropped = catalog_env.send("post", "/objects/drop", {"kind": "database", "name": database})
        assert dropped.status_code == 200, dropped.get_json()
    assert one(pg_server.conninfo(), "SELECT count(*) FROM pg_database WHERE datname = %s", database) == 0


def test_a_created_role_logs_in_with_its_password(pw_pg_server: PgServer, catalog_env: CatalogEnv) -> None:
    """On a cluster that checks SCRAM passwords: the right one connects, a wrong one does not."""
    from tests.plugins.query_tool_helpers import register_server

    server_id = register_server(catalog_env.admin, pw_pg_server, "postgres")
    role, password = f"login ü {tag()}", f"s3cret-{tag()}"
    base = f"/api/v1/servers/{server_id}"
    try:
        created = catalog_env.admin.post(f"{base}/objects", json={"kind": "role", "name": role, "login": True,
                                                                  "password": password})
        assert created.status_code == 201, created.get_json()
        with psycopg.connect(host=pw_pg_server.host, port=pw_pg_server.port, dbname="postgres", user=role,
                             password=password) as conn:
            assert conn.execute("SELECT current_user").fetchone()[0] == role
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(host=pw_pg_server.host, port=pw_pg_server.port, dbname="postgres", user=role,
                            password="wrong")
    finally:
        with psycopg.connect(pw_pg_server.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def test_alter_role_attributes_membership_and_password(catalog_env: CatalogEnv, pg_server: PgServer,
                                                       roles: Callable[[str], str]) -> None:
    role, first, second = roles("alter me"), roles("group one"), roles("group two")
    for name in (first, second):
        change(catalog_env, "post", "/objects", {"kind": "role", "name": name}, 201)
    change(catalog_env, "post", "/objects", {"kind": "role", "name": role, "login": True, "password": "x-1",
                                             "member_of": [first]}, 201)
    result = change(catalog_env, "patch", "/objects", {"kind": "role", "name": role, "login": False,
                                                       "createdb": True, "password": None, "member_of": [second],
                                                       "comment": "now a group"})
    assert any(s.startswith("GRANT") for s in result["statements"])
    assert any(s.startswith("REVOKE") for s in result["statements"])
    props = catalog_env.ok("/objects", kind="role", name=role)["properties"]
    assert not props["login"] and props["createdb"] and props["member_of"] == [second]
    assert props["comment"] == "now a group"
    assert one(pg_server.conninfo(), "SELECT rolpassword FROM pg_authid WHERE rolname = %s", role) is None


TYPE_COLUMNS = [
    {"name": "id", "type": "bigint", "primary_key": True},
    {"name": "select", "type": "varchar(40)", "not_null": True, "default": "'x;y''z'"},
    {"name": "ñandú ü", "type": "numeric(10,2)", "default": "(1 + 2) * 3"},
    {"name": "a b", "type": "timestamp(3) with time zone", "default": "now()"},
    {"name": 'My "Col"', "type": 'text[]'},
    {"name": "mood", "type": '"My ""Schema"""."mood ü"'},
]


def test_schema_table_and_index_with_hostile_names(catalog_env: CatalogEnv, hostile_db: HostileDb,
                                                   roles: Callable[[str], str]) -> None:
    db, schema = hostile_db.name, f'New "Schema" {tag()}'
    owner = roles("owner ü")
    change(catalog_env, "post", "/objects", {"kind": "role", "name": owner}, 201)
    change(catalog_env, "post", "/objects", {"kind": "schema", "db": db, "name": schema, "owner": owner,
                                             "comment": "made here"}, 201)
    table = {"kind": "table", "db": db, "schema": schema, "name": 'My "Table"'}
    made = change(catalog_env, "post", "/objects", {**table, "columns": TYPE_COLUMNS, "comment": "t"}, 201)
    assert made["ref"] == table
    columns = {c["name"]: c["info"] for c in catalog_env.ok("/tree", kind="columns", db=db, schema=schema,
                                                            table='My "Table"')["items"]}
    assert columns["select"]["data_type"] == "character varying(40)" and columns["select"]["not_null"]
    assert columns["select"]["default"] == "'x;y''z'::character varying"
    assert columns["a b"]["data_type"] == "timestamp(3) with time zone"
    assert columns["id"]["is_primary_key"] and columns['My "Col"']["data_type"] == "text[]"
    altered = change(catalog_env, "patch", "/objects", {
        **table, "owner": owner, "add_columns": [{"name": "added", "type": "int", "default": "7"}],
        "alter_columns": [{"name": "ñandú ü", "type": "numeric(12,3)", "default": None, "not_null": True}],
        "drop_columns": ['My "Col"']})
    assert altered["statements"][0].startswith("ALTER TABLE")
    columns = {c["name"]: c["info"] for c in catalog_env.ok("/tree", kind="columns", db=db, schema=schema,
                                                            table='My "Table"')["items"]}
    assert 'My "Col"' not in columns and columns["added"]["default"] == "7"
    assert columns["ñandú ü"]["data_type"] == "numeric(12,3)"
    assert columns["ñandú ü"]["default"] is None and columns["ñandú ü"]["not_null"]
    assert catalog_env.ok("/objects", **table)["properties"]["owner"] == owner
    index = {"kind": "index", "db": db, "schema": schema, "table": 'My "Table"', "name": 'Idx "ü"'}
    change(catalog_env, "post", "/objects", {**index, "columns": [{"name": "select", "descending": True,
                                                                   "nulls": "last"}, "a b"],
                                             "unique": True, "include": ["mood"]}, 201)
    concurrent = {**index, "name": "idx concurrently"}
    done = change(catalog_env, "post", "/objects", {**concurrent, "columns": ["added"], "concurrently": True,
                                                    "method": "hash"}, 201)
    assert "CONCURRENTLY" in done["sql"] and "USING \"hash\"" in done["sql"]
    definition = catalog_env.ok("/objects", **index)["properties"]["definition"]
    assert definition.startswith('CREATE UNIQUE INDEX "Idx ""ü"""') and "DESC NULLS LAST" in definition
    assert "INCLUDE (mood)" in definition
    impact = catalog_env.ok("/objects/drop-impact", kind="schema", db=db, name=schema)
    assert impact["requires_cascade"] and any("My" in o for o in impact["cascades_to"])
    refused = catalog_env.send("post", "/objects/drop", {"kind": "schema", "db": db, "name": schema})
    assert refused.status_code == 400 and refused.get_json()["error"]["sqlstate"] == "2BP01"
    change(catalog_env, "post", "/objects/drop", {"kind": "schema", "db": db, "name": schema, "cascade": True})
    assert catalog_env.get("/objects", kind="schema", db=db, name=schema).status_code == 404


@pytest.mark.parametrize(("field", "value"), [
    ("type", "int; DROP TABLE x"), ("type", "int -- comment"), ("type", "nosuchtype"), ("type", "int)"),
    ("type", "varchar(-3)"), ("default", "1); DROP TABLE x; --"), ("default", "1, evil int"),
    ("default", "$$x$$"), ("default", "E'\\''"), ("default", "0 /* c */"), ("type", 'text COLLATE "C"'),
])
def test_hostile_types_and_defaults_are_refused(catalog_env: CatalogEnv, hostile_db: HostileDb, field: str,
                                               value: str) -> None:
    column = {"name": "c", "type": "int", field: value}
    response = catalog_env.send("post", "/objects", {"kind": "table", "db": hostile_db.name, "schema": "public",
                                                     "name": f"never {tag()}", "columns": [column]})
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["code"] in ("bad_request", "statement_failed")
    tables = catalog_env.ok("/tree", kind="tables", db=hostile_db.name, schema="public", q="never")
    assert tables["total"] == 0


OBJECTS = [  # (kind, extra ref fields) for every kind of the tree that lives in the hostile database
    ("schema", {"name": cf.SCHEMA}), ("event_trigger", {"name": cf.EVENT_TRIGGER}),
    ("table", {"schema": cf.SCHEMA, "name": cf.PARENT}), ("view", {"schema": cf.SCHEMA, "name": cf.VIEW}),
    ("materialized_view", {"schema": cf.SCHEMA, "name": cf.MATVIEW}),
    ("function", {"schema": cf.SCHEMA, "name": cf.FUNCTION, "args": "a text, b text"}),
    ("function", {"schema": cf.SCHEMA, "name": cf.PROCEDURE, "args": "IN n integer"}),
    ("sequence", {"schema": cf.SCHEMA, "name": cf.SEQUENCE}), ("type", {"schema": cf.SCHEMA, "name": cf.ENUM}),
    ("domain", {"schema": cf.SCHEMA, "name": cf.DOMAIN}), ("index", {"schema": cf.SCHEMA, "name": cf.INDEX}),
    ("column", {"schema": cf.SCHEMA, "table": cf.TABLE, "name": "a b"}),
    ("constraint", {"schema": cf.SCHEMA, "table": cf.TABLE, "name": "uniq select"}),
    ("trigger", {"schema": cf.SCHEMA, "table": cf.TABLE, "name": cf.TRIGGER}),
    ("policy", {"schema": cf.SCHEMA, "table": cf.TABLE, "name": cf.POLICY}),
    ("table", {"schema": cf.SCHEMA, "name": cf.PARTITIONS[0]}),
]


@pytest.mark.parametrize(("kind", "fields"), OBJECTS, ids=[f"{k}-{f['name']}" for k, f in OBJECTS])
def test_rename_and_comment_every_kind(catalog_env: CatalogEnv, hostile_db: HostileDb, kind: str,
                                       fields: dict[str, Any]) -> None:
    ref = {"kind": kind, "db": hostile_db.name, **fields}
    note = f"it's \"{kind}\" ü"
    commented = change(catalog_env, "post", "/objects/comment", {**ref, "comment": note})
    assert catalog_env.ok("/objects", **ref)["properties"]["comment"] == note
    assert commented["statements"][0].startswith("COMMENT ON ")
    change(catalog_env, "post", "/objects/comment", {**ref, "comment": None})
    assert catalog_env.ok("/objects", **ref)["properties"]["comment"] is None
    new_name = f'{fields["name"]} "renamed" ü'[:40]
    renamed = change(catalog_env, "post", "/objects/rename", {**ref, "new_name": new_name})
    assert renamed["ref"]["name"] == new_name
    assert catalog_env.get("/objects", **ref).status_code == 404
    assert catalog_env.ok("/objects", **renamed["ref"])["name"] == new_name
    back = catalog_env.send("post", "/objects/rename", {**renamed["ref"], "new_name": fields["name"]})
    assert back.status_code == 200 and catalog_env.ok("/objects", **ref)["name"] == fields["name"]


def test_rename_and_comment_server_level_kinds(catalog_env: CatalogEnv, pg_server: PgServer,
                                              roles: Callable[[str], str], scratch_db: Callable[[str], str]) -> None:
    role = roles("rename me")
    change(catalog_env, "post", "/objects", {"kind": "role", "name": role}, 201)
    database = scratch_db("rename db")
    for ref in ({"kind": "role", "name": role}, {"kind": "database", "name": database}):
        change(catalog_env, "post", "/objects/comment", {**ref, "comment": "noted"})
        assert catalog_env.ok("/objects", **ref)["properties"]["comment"] == "noted"
        renamed = change(catalog_env, "post", "/objects/rename", {**ref, "new_name": ref["name"] + " ü"})
        change(catalog_env, "post", "/objects/rename", {**renamed["ref"], "new_name": ref["name"]})
    extension = catalog_env.send("post", "/objects/rename", {"kind": "extension", "db": database, "name": "plpgsql",
                                                             "new_name": "x"})
    assert extension.status_code == 400 and "cannot rename" in extension.get_json()["error"]["message"]


def test_drop_cascade_lists_what_goes_with_it(catalog_env: CatalogEnv, pg_server: PgServer,
                                              scratch_db: Callable[[str], str], hostile_db: HostileDb) -> None:
    db = scratch_db("drop")
    cf.build_hostile_database(pg_server.conninfo(db), hostile_db.role)
    parent = {"kind": "table", "db": db, "schema": cf.SCHEMA, "name": cf.PARENT}
    impact = catalog_env.ok("/objects/drop-impact", **parent)
    assert impact["requires_cascade"] and impact["cascade_sql"].endswith("CASCADE;")
    assert impact["cascades_to"] == ['constraint My "Table"_parent_id_fkey on table "My ""Schema"""."My ""Table"""']
    table = {"kind": "table", "db": db, "schema": cf.SCHEMA, "name": cf.TABLE}
    impact = catalog_env.ok("/objects/drop-impact", **table)
    assert sorted(impact["cascades_to"]) == ['materialized view "My ""Schema"""."mat ü"',
                                             'view "My ""Schema"""."select view"']
    assert catalog_env.ok("/objects", **table)  # the probe rolled back
    refused = catalog_env.send("post", "/objects/drop", table)
    error = refused.get_json()["error"]
    assert refused.status_code == 400 and error["sqlstate"] == "2BP01" and error["rolled_back"]
    change(catalog_env, "post", "/objects/drop", {**table, "cascade": True})
    for ref in (table, {"kind": "view", "db": db, "schema": cf.SCHEMA, "name": cf.VIEW}):
        assert catalog_env.get("/objects", **ref).status_code == 404
    column = {"kind": "column", "db": db, "schema": cf.SCHEMA, "table": cf.PARENT, "name": "code"}
    assert catalog_env.ok("/objects/drop-impact", **column)["requires_cascade"] is False
    change(catalog_env, "post", "/objects/drop", column)
    assert catalog_env.get("/objects", **column).status_code == 404
    role_impact = catalog_env.ok("/objects/drop-impact", kind="role", name=hostile_db.role)
    assert role_impact["blocked_by"] and "REASSIGN OWNED" in role_impact["note"]
    no_cascade = catalog_env.send("post", "/objects/drop", {"kind": "role", "name": hostile_db.role, "cascade": True})
    assert no_cascade.status_code == 400


def test_nothing_to_change_and_unknown_fields_are_400(catalog_env: CatalogEnv, hostile_db: HostileDb) -> None:
    ref = {"kind": "table", "db": hostile_db.name, "schema": cf.SCHEMA, "name": cf.PARENT}
    empty = catalog_env.send("patch", "/objects", ref)
    assert empty.status_code == 400 and empty.get_json()["error"]["message"] == "Nothing to change."
    unknown = catalog_env.send("patch", "/objects", {**ref, "colour": "red"})
    assert unknown.status_code == 400 and "colour" in unknown.get_json()["error"]["message"]
    long_name = catalog_env.send("post", "/objects/rename", {**ref, "new_name": "x" * 64})
    assert long_name.status_code == 400 and "63 bytes" in long_name.get_json()["error"]["message"]
