"""Query history against the real PostgreSQL: secrets never stored, the SQL as typed, true row counts, filters."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from pgadmin_lite.extensions import db
from pgadmin_lite.models.history import QueryHistory
from tests.plugins.query_tool_helpers import QueryTool, open_tool, register_server

SECRET = "Sup3r-s3cret"


@pytest.fixture
def server_id(admin_client: Any, pg_server: Any, pg_database: str) -> int:
    return register_server(admin_client, pg_server, pg_database)


@pytest.fixture
def tool(admin_client: Any, server_id: int, pg_database: str) -> QueryTool:
    return open_tool(admin_client, server_id, pg_database)


def stored(app: Flask) -> list[QueryHistory]:
    """The history rows as the config DB holds them (read behind the API's back)."""
    app.extensions["history_writer"].flush()
    with app.app_context():
        rows = list(db.session.execute(select(QueryHistory).order_by(QueryHistory.id)).scalars())
        db.session.expunge_all()
        return rows


def history(tool: QueryTool, **params: Any) -> list[dict[str, Any]]:
    response = tool.client.get("/api/v1/query-history", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.mark.parametrize(("script", "kept"), [
    (f"BEGIN; CREATE ROLE hist_a LOGIN PASSWORD '{SECRET}'; ROLLBACK", "CREATE ROLE hist_a LOGIN PASSWORD '***'"),
    (f"BEGIN; CREATE USER hist_b WITH ENCRYPTED PASSWORD '{SECRET}' VALID UNTIL 'infinity'; ROLLBACK",
     "ENCRYPTED PASSWORD '***' VALID UNTIL 'infinity'"),
    (f"BEGIN; CREATE ROLE hist_c; ALTER ROLE hist_c PASSWORD $pw${SECRET}$pw$; ROLLBACK", "PASSWORD '***'"),
    (f"BEGIN; CREATE ROLE hist_d; ALTER USER hist_d PASSWORD E'{SECRET}\\' still secret'; ROLLBACK",
     "ALTER USER hist_d PASSWORD '***'"),
    (f"BEGIN; CREATE ROLE hist_e; ALTER ROLE hist_e PASSWORD /* comment */ '{SECRET}'; ROLLBACK",
     "PASSWORD /* comment */ '***'"),
    ("BEGIN; CREATE EXTENSION postgres_fdw; CREATE SERVER fdw_s FOREIGN DATA WRAPPER postgres_fdw;\n"
     f"CREATE USER MAPPING FOR CURRENT_USER SERVER fdw_s OPTIONS (user 'bob', password '{SECRET}');\n"
     f"ALTER USER MAPPING FOR CURRENT_USER SERVER fdw_s OPTIONS (SET password '{SECRET}x'); ROLLBACK",
     "OPTIONS (user 'bob', password '***')"),
    (f"BEGIN; CREATE SUBSCRIPTION hist_sub CONNECTION 'host=127.0.0.1 port=1 password={SECRET} dbname=x' "
     "PUBLICATION p WITH (connect = false); ROLLBACK", "CONNECTION 'host=127.0.0.1 port=1 password=*** dbname=x'"),
    (f"CREATE SUBSCRIPTION hist_sub CONNECTION 'host=h password=''{SECRET} x'' user=u' PUBLICATION p",
     "CONNECTION 'host=h password=***'"),
    (f"BEGIN; CREATE EXTENSION dblink; SELECT dblink_connect('c', 'host=127.0.0.1 port=1 password={SECRET}');"
     " ROLLBACK", "dblink_connect('c', 'host=127.0.0.1 port=1 password=***')"),
    (f"SELECT dblink_connect('postgresql://bob:{SECRET}@127.0.0.1:1/x')", "'postgresql://bob:***@127.0.0.1:1/x'"),
    (f"DO $$ BEGIN EXECUTE 'CREATE ROLE hist_f PASSWORD ''{SECRET}'''; RAISE EXCEPTION 'undo'; END $$",
     "EXECUTE '***'"),
])
def test_secrets_are_masked_before_the_history_stores_them(app: Flask, tool: QueryTool, script: str,
                                                           kept: str) -> None:
    tool.run(script)  # some fail on purpose (no such publication, nothing listens on port 1): still recorded
    rows = stored(app)
    assert len(rows) == 1
    assert SECRET not in rows[0].sql and kept in rows[0].sql, rows[0].sql
    assert history(tool)[0]["sql"] == rows[0].sql


def test_a_password_word_with_no_literal_after_it_keeps_the_sql(app: Flask, tool: QueryTool) -> None:
    script = "CREATE TABLE acct (password text); UPDATE acct SET password = 'kept' WHERE 'password' <> ''"
    tool.run(script)
    assert stored(app)[0].sql == script


def test_explain_records_the_sql_as_typed(app: Flask, tool: QueryTool) -> None:
    tool.run("CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 10) g")
    typed = "  SELECT id FROM t WHERE id > 3;  "
    for options, kind in (({}, "explain"), ({"analyze": True, "buffers": True}, "explain_analyze")):
        response = tool.client.post(f"{tool.base}/execute", json={"sql": typed, "explain": options, "wait_ms": 5000})
        assert response.status_code == 200, response.get_json()
        plan = response.get_json()
        assert plan["error"] is None and plan["columns"][0]["name"] == "QUERY PLAN"
        assert ("Actual Rows" in str(plan["rows"])) is (kind == "explain_analyze")
        entry = history(tool)[0]
        assert entry["sql"] == typed and entry["kind"] == kind
    failed = tool.client.post(f"{tool.base}/execute", json={"sql": "SELECT nope FROM t", "explain": {}}).get_json()
    assert failed["error"]["position"] == "SELECT nope FROM t".index("nope") + 1  # in what was typed
    assert [e["kind"] for e in history(tool)] == ["explain", "explain_analyze", "explain", "query"]


@pytest.mark.parametrize("body", [{"sql": "SELECT 1; SELECT 2", "explain": {}},
                                  {"sql": "SELECT 1", "explain": {"format": "text"}},
                                  {"sql": "SELECT 1", "explain": {"analyze": "yes"}}, {"sql": "", "explain": {}}])
def test_explain_takes_one_statement_and_known_options(tool: QueryTool, body: dict[str, Any]) -> None:
    assert tool.client.post(f"{tool.base}/execute", json=body).status_code == 400
    assert history(tool) == []


def test_rows_are_those_of_every_statement_of_the_script(tool: QueryTool) -> None:
    tool.run("CREATE TABLE r (x int); INSERT INTO r SELECT generate_series(1, 5); UPDATE r SET x = x + 1 WHERE x > 2")
    tool.run("SELECT * FROM r")
    tool.run("SELECT 1/0")
    failed, selected, script = history(tool)
    assert script["rows"] == 5 + 3 and script["status"] == "ok" and script["duration_ms"] > 0
    assert selected["rows"] == 5
    assert failed["rows"] is None and failed["status"] == "error"


def test_rows_of_a_large_select_paged_once_are_not_a_page_size(tool: QueryTool) -> None:
    first = tool.run("SELECT g FROM generate_series(1, 100000) g")
    assert first["has_more"] and len(first["rows"]) < 100000
    page = tool.fetch(1000).get_json()
    assert page["has_more"]
    assert history(tool)[0]["rows"] is None  # not counted yet: never the rows of a page or two
    tool.run("SELECT g FROM generate_series(1, 100000) g WHERE g % 2 = 0 LIMIT 600")
    assert history(tool)[0]["rows"] == 600


def test_history_filters_by_server_database_and_status(admin_client: Any, pg_server: Any, pg_database: str,
                                                      server_id: int) -> None:
    other_server = register_server(admin_client, pg_server, pg_database, name="second registration")
    here = open_tool(admin_client, server_id, pg_database)
    here.run("SELECT 'here ok'")
    here.run("SELECT 'here error'::int")
    open_tool(admin_client, server_id, "postgres").run("SELECT 'maintenance db'")
    open_tool(admin_client, other_server, pg_database).run("SELECT 'other server'")

    def sqls(**params: Any) -> list[str]:
        return [entry["sql"] for entry in history(here, **params)]

    assert sqls(server_id=server_id, database=pg_database) == ["SELECT 'here error'::int", "SELECT 'here ok'"]
    assert sqls(server_id=server_id, database=pg_database, status="error") == ["SELECT 'here error'::int"]
    assert sqls(server_id=server_id) == ["SELECT 'maintenance db'", "SELECT 'here error'::int", "SELECT 'here ok'"]
    assert sqls(server_id=other_server) == ["SELECT 'other server'"]
    assert sqls(status="ok", q="server") == ["SELECT 'other server'"]
    assert all(entry["server_id"] == other_server for entry in history(here, server_id=other_server))
    for bad in ({"status": "fine"}, {"server_id": "x"}):
        assert here.client.get("/api/v1/query-history", query_string=bad).status_code == 400
