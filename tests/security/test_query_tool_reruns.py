"""Issue 13 items 4 and 6 against a live Gunicorn: an export never charges twice, and a link cannot start one;
a bad wait_ms is refused before the INSERT runs."""

from __future__ import annotations

from typing import Any

import psycopg

from tests.plugins.http_session import HttpClient

SETUP = """
create table charges (n int);
create function charge_card() returns int language sql as 'insert into charges values (1) returning 1';
create sequence s;
"""


def open_tool(client: HttpClient, pg_server: Any, database: str) -> str:
    server = client.post("/api/v1/servers", json={
        "name": f"sec {database}", "host": pg_server.host, "port": pg_server.port, "username": pg_server.user,
        "maintenance_db": database})
    assert server.status_code == 201, server.text
    opened = client.post("/api/v1/query-tool", json={"server_id": server.json()["id"], "database": database})
    assert opened.status_code == 201, opened.text
    return f"/api/v1/query-tool/{opened.json()['tx_id']}"


def run(client: HttpClient, base: str, text: str) -> dict[str, Any]:
    response = client.post(f"{base}/execute", json={"sql": text, "wait_ms": 10000})
    assert response.status_code == 200, response.text
    return response.json()


def test_an_export_never_charges_the_card_twice(admin_http: HttpClient, pg_server: Any, pg_database: str) -> None:
    base = open_tool(admin_http, pg_server, pg_database)
    run(admin_http, base, SETUP)
    assert run(admin_http, base, "select charge_card(), nextval('s') as n")["rows"] == [[1, 1]]
    assert admin_http.get(f"{base}/export.csv").status_code == 405  # a link (GET) cannot trigger it
    assert admin_http.http.post(admin_http.base_url + f"{base}/export.csv", timeout=30).status_code == 400  # no CSRF
    csv = admin_http.post(f"{base}/export.csv")
    assert csv.status_code == 200 and csv.text == "charge_card,n\n1,1\n"  # what the grid showed
    stored = admin_http.post(f"{base}/export-to-storage", json={"path": "/charges.csv"})
    assert stored.status_code == 201, stored.text
    with psycopg.connect(pg_server.conninfo(pg_database)) as conn:
        assert conn.execute("select (select count(*) from charges), (select last_value from s)").fetchone() == (1, 1)


def test_a_bad_wait_ms_runs_nothing(admin_http: HttpClient, pg_server: Any, pg_database: str) -> None:
    base = open_tool(admin_http, pg_server, pg_database)
    run(admin_http, base, "create table t (a int)")
    for wait_ms in ("soon", [1], {"ms": 1}):
        refused = admin_http.post(f"{base}/execute", json={"sql": "insert into t values (1)", "wait_ms": wait_ms})
        assert refused.status_code == 400, refused.text
    assert run(admin_http, base, "select count(*) from t")["rows"] == [[0]]
