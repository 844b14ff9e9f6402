"""Issue 17's connection options of a registration: validation, the role and post-connection SQL on every new
connection (query tool, browser, test), the tree's database list, query-tool defaults, and testing a form unsaved."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql

from pgadmin_lite.connections import opening
from pgadmin_lite.jobs import commands
from pgadmin_lite.users import service as users_service
from tests.plugins.app_fixtures import ApiClient, api_client
from tests.plugins.catalog_fixtures import create_database, drop_database
from tests.plugins.postgres_fixture import PgServer
from tests.plugins.query_tool_helpers import open_tool, register_server
from tests.plugins.servers_fixtures import PgRole


def body_for(pg: PgServer, **extra: Any) -> dict[str, Any]:
    return {"name": "opts", "host": pg.host, "port": pg.port, "username": pg.user, **extra}


@pytest.fixture
def other_client(app: Any) -> ApiClient:
    with app.app_context():
        users_service.create_user("other@example.com", "other-password-1", is_admin=False, min_length=8)
    return api_client(app, "other@example.com", "other-password-1")


@pytest.fixture
def nologin_role(pg_server: PgServer) -> Iterator[str]:
    name = f"pgl target {uuid.uuid4().hex[:6]}"  # a space: SET ROLE quotes it
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {}").format(sql.Identifier(name)))
    yield name
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


# --- Validation -----------------------------------------------------------------------------------------------

def test_the_fields_round_trip(user_client: ApiClient, pg_server: PgServer) -> None:
    fields = {"comment": "Line one\n\tline two", "role": "reporting", "db_restriction": ["app", "app", "b"],
              "colors": {"bg": "#A0B0C0", "fg": ""}, "read_only": True, "post_connection_sql": "SET x.y = 1;\n",
              "query_defaults": {"statement_timeout_ms": 0, "preview_rows": 50}}
    created = user_client.post("/api/v1/servers", json=body_for(pg_server, **fields)).get_json()
    assert {name: created[name] for name in fields} == {**fields, "db_restriction": ["app", "b"],
                                                       "colors": {"bg": "#a0b0c0"}}
    url = f"/api/v1/servers/{created['id']}"
    cleared = user_client.patch(url, json={"comment": "", "role": None, "db_restriction": [], "colors": {},
                                           "post_connection_sql": "", "query_defaults": {"preview_rows": None}})
    assert cleared.status_code == 200, cleared.get_json()
    got = user_client.get(url).get_json()
    assert (got["comment"], got["role"], got["db_restriction"], got["colors"], got["post_connection_sql"],
            got["query_defaults"]) == (None, None, [], {}, None, {})


@pytest.mark.parametrize(("field", "value", "message"), [
    ("comment", "a\x07b", "comment must be text"), ("comment", 3, "comment must be text"),
    ("role", "é" * 40, "role must be at most 63 bytes"), ("role", "a\nb", "role must be at most"),
    ("db_restriction", "app", "db_restriction must be a list"), ("db_restriction", ["ok", ""], "db_restriction[1]"),
    ("colors", {"bg": "red"}, "colors.bg must be a colour"), ("colors", {"border": "#000000"}, "unknown colour"),
    ("read_only", "yes", "read_only must be true or false"),
    ("post_connection_sql", ["SET x = 1"], "post_connection_sql must be text"),
    ("query_defaults", {"statement_timeout_ms": -1}, "query_defaults.statement_timeout_ms must be an integer"),
    ("query_defaults", {"page": 3}, "unknown default(s) page"),
    ("connect_params", {"target_session_attrs": "writer"}, "connect_params.target_session_attrs must be one of"),
])
def test_bad_values_are_400_naming_the_field(user_client: ApiClient, pg_server: PgServer, field: str, value: Any,
                                             message: str) -> None:
    response = user_client.post("/api/v1/servers", json=body_for(pg_server, **{field: value}))
    assert response.status_code == 400 and message in response.get_json()["error"]["message"]
    assert user_client.get("/api/v1/servers").get_json() == []


# --- What every new connection runs ---------------------------------------------------------------------------

def test_the_role_is_set_on_query_tool_browser_and_test_connections(admin_client: ApiClient, pg_server: PgServer,
                                                                    pg_database: str, nologin_role: str) -> None:
    server_id = register_server(admin_client, pg_server, pg_database, role=nologin_role)
    tool = open_tool(admin_client, server_id, pg_database)
    assert tool.run("SELECT current_user, session_user")["rows"] == [[nologin_role, pg_server.user]]
    tool.client.post(f"{tool.base}/reconnect")
    assert tool.run("SELECT current_user")["rows"] == [[nologin_role]]
    assert admin_client.post(f"/api/v1/servers/{server_id}/test").get_json()["ok"] is True
    props = admin_client.get(f"/api/v1/servers/{server_id}/tree", query_string={"kind": "databases"})
    assert props.status_code == 200, props.get_json()


def test_a_jobs_programs_get_the_role_and_the_rail(pg_server: PgServer, nologin_role: str) -> None:
    """pg_dump and pg_restore connect with the job's conninfo: its startup options carry both."""
    params = {"host": pg_server.host, "port": pg_server.port, "user": pg_server.user, "dbname": "postgres",
              "options": "-c search_path=pg_catalog", opening.SETUP: opening.Setup(nologin_role, "SELECT 1", True)}
    with psycopg.connect(commands.conninfo(params)) as conn:
        row = conn.execute("SELECT current_user, current_setting('default_transaction_read_only'), "
                           "current_setting('search_path')").fetchone()
    assert row == (nologin_role, "on", "pg_catalog")


def test_a_role_that_cannot_be_set_is_a_clear_error(admin_client: ApiClient, pg_server: PgServer,
                                                    pg_database: str) -> None:
    server_id = register_server(admin_client, pg_server, pg_database, role="no such role")
    response = admin_client.post("/api/v1/query-tool", json={"server_id": server_id, "database": pg_database})
    error = response.get_json()["error"]
    assert response.status_code == 502 and error["code"] == "connection_setup_failed"
    assert error["message"].startswith("SET ROLE no such role after connecting failed") and "Role" in error["hint"]


def active_names(pg_server: PgServer, name: str) -> int:
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [name]).fetchone()[0]


def test_post_connection_sql_runs_on_every_new_connection(admin_client: ApiClient, pg_server: PgServer,
                                                          pg_database: str) -> None:
    marker = f"pgl_post_{uuid.uuid4().hex[:8]}"
    post = f"SET application_name = '{marker}';\nSET search_path = pgl_post, public; CREATE TEMP TABLE seen (x int);"
    server_id = register_server(admin_client, pg_server, pg_database, post_connection_sql=post)
    tool = open_tool(admin_client, server_id, pg_database)
    assert tool.run("SHOW search_path")["rows"] == [["pgl_post, public"]]
    assert tool.run("SELECT count(*) FROM seen")["error"] is None  # the temp table of the session's setup
    assert active_names(pg_server, marker) == 1
    listed = admin_client.get(f"/api/v1/servers/{server_id}/tree", query_string={"kind": "databases"})
    assert listed.status_code == 200
    assert active_names(pg_server, marker) == 2  # the browser's short-lived connection, idle in the pool
    admin_client.delete(tool.base)


@pytest.mark.parametrize(("post", "message"), [
    ("SELECT 1/0", "The server's post-connection SQL failed: division by zero"),
    ("BEGIN", "left a transaction open"),
])
def test_failing_post_connection_sql_is_named(admin_client: ApiClient, pg_server: PgServer, pg_database: str,
                                              post: str, message: str) -> None:
    server_id = register_server(admin_client, pg_server, pg_database, post_connection_sql=post)
    for response in (admin_client.post("/api/v1/query-tool", json={"server_id": server_id}),
                     admin_client.post(f"/api/v1/servers/{server_id}/test"),
                     admin_client.get(f"/api/v1/servers/{server_id}/databases")):
        error = response.get_json()["error"]
        assert response.status_code == 502 and message in error["message"] and "post-connection SQL" in error["hint"]


# --- The tree's databases and the query tool's defaults -------------------------------------------------------

@pytest.fixture
def two_databases(pg_server: PgServer) -> Iterator[list[str]]:
    names = [f"pgl_r_{uuid.uuid4().hex[:6]}_{i}" for i in range(2)]
    for name in names:
        create_database(pg_server, name)
    yield names
    for name in names:
        drop_database(pg_server, name)


def test_the_tree_shows_only_the_listed_databases(admin_client: ApiClient, pg_server: PgServer,
                                                  two_databases: list[str]) -> None:
    shown = two_databases[1]
    server_id = register_server(admin_client, pg_server, "postgres", db_restriction=[shown, "gone"])
    base = f"/api/v1/servers/{server_id}"
    counts = admin_client.get(f"{base}/tree", query_string={"kind": "server"}).get_json()["items"]
    assert next(item for item in counts if item["kind"] == "databases")["info"]["count"] == 1
    listed = admin_client.get(f"{base}/tree", query_string={"kind": "databases"}).get_json()
    assert [item["name"] for item in listed["items"]] == [shown] and listed["total"] == 1
    assert [row["name"] for row in admin_client.get(f"{base}/databases").get_json()] == [shown]
    admin_client.patch(base, json={"db_restriction": []})
    listed = admin_client.get(f"{base}/tree", query_string={"kind": "databases"}).get_json()
    assert set(two_databases) <= {item["name"] for item in listed["items"]}


def test_query_tool_defaults_of_the_server(admin_client: ApiClient, pg_server: PgServer, pg_database: str) -> None:
    server_id = register_server(admin_client, pg_server, pg_database, query_defaults={
        "statement_timeout_ms": 1234, "preview_rows": 3}, query_modes={"autocommit": False})
    opened = admin_client.post("/api/v1/query-tool", json={"server_id": server_id, "database": pg_database})
    body = opened.get_json()
    assert body["preview_rows"] == 3 and body["modes"]["autocommit"] is False
    tool = open_tool(admin_client, server_id, pg_database)
    assert tool.run("SHOW statement_timeout")["rows"] == [["1234ms"]]
    admin_client.put("/api/v1/preferences", json={"result_preview_rows": 7})
    assert admin_client.post("/api/v1/query-tool", json={"server_id": server_id}).get_json()["preview_rows"] == 7


# --- Testing the dialog's form before saving ------------------------------------------------------------------

def server_count(client: ApiClient) -> int:
    return len(client.get("/api/v1/servers").get_json())


def test_testing_an_unsaved_form_saves_nothing(user_client: ApiClient, pg_server: PgServer,
                                               nologin_role: str) -> None:
    response = user_client.post("/api/v1/servers/test", json=body_for(pg_server, role=nologin_role,
                                                                      post_connection_sql="SELECT 1"))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["ok"] is True and server_count(user_client) == 0
    assert response.get_json()["current_user"] == nologin_role
    refused = user_client.post("/api/v1/servers/test", json=body_for(pg_server, port=80))
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "server_not_allowed"
    invalid = user_client.post("/api/v1/servers/test", json=body_for(pg_server, colors={"bg": "blue"}))
    assert invalid.status_code == 400 and server_count(user_client) == 0
    failed = user_client.post("/api/v1/servers/test", json=body_for(pg_server, post_connection_sql="SELEC 1"))
    assert failed.status_code == 502 and "post-connection SQL" in failed.get_json()["error"]["message"]


def test_testing_with_passwords(user_client: ApiClient, other_client: ApiClient, pw_pg_server: PgServer,
                                make_pw_role: Callable[[], PgRole]) -> None:
    role = make_pw_role()
    form = body_for(pw_pg_server, username=role.name)
    wrong = user_client.post("/api/v1/servers/test", json={**form, "password": "wrong"})
    assert wrong.status_code == 502 and "password authentication failed" in wrong.get_json()["error"]["message"]
    missing = user_client.post("/api/v1/servers/test", json=form)
    assert missing.status_code == 400 and missing.get_json()["error"]["code"] == "password_required"
    ok = user_client.post("/api/v1/servers/test", json={**form, "password": role.password, "save_password": True})
    assert ok.get_json()["username"] == role.name and server_count(user_client) == 0
    saved = user_client.post("/api/v1/servers", json={**form, "password": role.password, "save_password": True})
    server_id = saved.get_json()["id"]
    edited = {**form, "name": "renamed", "server_id": server_id}  # the saved password serves when none is typed
    assert user_client.post("/api/v1/servers/test", json=edited).get_json()["ok"] is True
    assert user_client.get(f"/api/v1/servers/{server_id}").get_json()["name"] == "opts"  # nothing saved
    theirs = other_client.post("/api/v1/servers/test", json=edited)
    assert theirs.status_code == 404
