"""The catalog snapshot a tab completes from: contents, the tab's search_path, ETag, bounds, 5,000 tables."""

from __future__ import annotations

import time
from typing import Any

import psycopg
import pytest

from tests.plugins.postgres_fixture import PgServer
from tests.plugins.query_tool_helpers import QueryTool, open_tool, register_server

TABLES = 5000
SETUP = """
CREATE SCHEMA shop;
CREATE TABLE shop.orders (id bigint PRIMARY KEY, placed_at timestamptz, total numeric(10,2), "Note" text);
CREATE VIEW shop.big_orders AS SELECT id, total FROM shop.orders WHERE total > 100;
CREATE TYPE shop.mood AS ENUM ('ok', 'sad');
CREATE FUNCTION shop.add_tax(amount numeric, rate numeric DEFAULT 0.2) RETURNS numeric
    LANGUAGE sql AS 'SELECT amount * (1 + rate)';
CREATE TABLE public.customers (id int, name text);
"""


@pytest.fixture
def tool(admin_client: Any, pg_server: PgServer, pg_database: str) -> QueryTool:
    tool = open_tool(admin_client, register_server(admin_client, pg_server, pg_database), pg_database)
    assert tool.run(SETUP)["error"] is None
    return tool


def snapshot(tool: QueryTool, etag: str | None = None) -> Any:
    headers = {"If-None-Match": etag} if etag else {}
    return tool.client.get(f"{tool.base}/catalog", headers=headers)


def test_snapshot_holds_relations_columns_functions_and_types(tool: QueryTool) -> None:
    response = snapshot(tool)
    assert response.status_code == 200
    body = response.get_json()
    assert {"shop", "public", "pg_catalog"} <= set(body["schemas"]) and not body["truncated"]
    relations = {(r["schema"], r["name"]): r for r in body["relations"]}
    orders = relations[("shop", "orders")]
    assert orders["kind"] == "r" and orders["columns"] == [
        {"name": "id", "type": "bigint"}, {"name": "placed_at", "type": "timestamp with time zone"},
        {"name": "total", "type": "numeric(10,2)"}, {"name": "Note", "type": "text"}]
    assert relations[("shop", "big_orders")]["kind"] == "v" and ("pg_catalog", "pg_class") in relations
    assert {"schema": "shop", "name": "add_tax", "kind": "f", "arguments": "amount numeric, rate numeric",
            "result": "numeric"} in body["functions"]
    types = {(t["schema"], t["name"]): t["kind"] for t in body["types"]}
    assert types[("shop", "mood")] == "e" and types[("pg_catalog", "int4")] == "b"
    assert ("pg_catalog", "_int4") not in types and ("shop", "orders") not in types
    assert body["search_path"] == '"$user", public' and body["search_path_schemas"] == ["public"]
    assert body["search_path_source"] == "session"


def test_search_path_is_the_tabs_own_and_never_read_inside_its_transaction(tool: QueryTool) -> None:
    tool.run("SET search_path = shop, public")
    body = snapshot(tool).get_json()
    assert body["search_path_schemas"] == ["shop", "public"] and body["search_path_source"] == "session"
    assert tool.run("BEGIN; SELECT 1/0")["transaction_status"] == "in_error"
    during = snapshot(tool)
    assert during.status_code == 200 and during.get_json()["search_path_source"] == "default"
    assert during.get_json()["search_path_schemas"] == ["public"]
    after = tool.run("ROLLBACK")  # the failed transaction is the user's as they left it: nothing of ours ran in it
    assert after["error"] is None and after["statements"][0]["command"] == "ROLLBACK"


def test_etag_answers_304_until_ddl_changes_the_catalog(tool: QueryTool) -> None:
    first = snapshot(tool)
    etag = first.headers["ETag"]
    again = snapshot(tool, etag)
    assert again.status_code == 304 and again.headers["ETag"] == etag and not again.data
    tool.run("ALTER TABLE shop.orders ADD COLUMN status text")
    changed = snapshot(tool, etag)
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    orders = next(r for r in changed.get_json()["relations"] if r["name"] == "orders")
    assert orders["columns"][-1] == {"name": "status", "type": "text"}
    tool.run("SET search_path = shop")
    assert snapshot(tool, changed.headers["ETag"]).status_code == 200  # the path is part of the snapshot


def test_snapshot_of_another_users_tab_is_refused(tool: QueryTool, user_client: Any) -> None:
    assert user_client.get(f"{tool.base}/catalog").status_code in {404, 409}


@pytest.fixture
def many_tables(pg_server: PgServer) -> Any:
    name = "catalog 5000 tables"
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(pg_server.conninfo(name), autocommit=True) as conn:
        for start in range(0, TABLES, 500):
            conn.execute(";".join(f"CREATE TABLE t{i:05d} (id int, name text, created_at timestamptz)"
                                  for i in range(start, start + 500)))
    yield name
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_snapshot_of_five_thousand_tables(admin_client: Any, pg_server: PgServer, many_tables: str) -> None:
    tool = open_tool(admin_client, register_server(admin_client, pg_server, many_tables), many_tables)
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        response = snapshot(tool)
        timings.append((time.perf_counter() - started) * 1000)
    body = response.get_json()
    mine = [r for r in body["relations"] if r["schema"] == "public"]
    assert len(mine) == TABLES and mine[0]["columns"][2] == {"name": "created_at", "type": "timestamp with time zone"}
    started = time.perf_counter()
    assert snapshot(tool, response.headers["ETag"]).status_code == 304
    unchanged_ms = (time.perf_counter() - started) * 1000
    print(f"catalog snapshot of {TABLES} tables: {min(timings):.0f} ms (best of 3), {len(response.data)} bytes; "
          f"304 revalidation {unchanged_ms:.0f} ms")
    assert min(timings) < 5000 and unchanged_ms < min(timings)


def test_a_tab_opened_with_a_typed_password_completes_from_its_catalog(admin_client: Any, pw_pg_server: PgServer,
                                                                        make_pw_role: Any) -> None:
    role = make_pw_role()  # its password is saved nowhere: the user types it when the tab opens
    server_id = register_server(admin_client, pw_pg_server, "postgres", username=role.name)
    assert admin_client.post("/api/v1/query-tool", json={"server_id": server_id}).status_code == 400
    opened = admin_client.post("/api/v1/query-tool", json={"server_id": server_id, "password": role.password})
    assert opened.status_code == 201, opened.get_json()
    response = snapshot(QueryTool(admin_client, opened.get_json()["tx_id"]))
    assert response.status_code == 200, response.get_json()
    assert ("pg_catalog", "pg_class") in {(r["schema"], r["name"]) for r in response.get_json()["relations"]}
