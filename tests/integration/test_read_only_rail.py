"""A server registered read-only: a rail against honest mistakes (re-asserted before each statement, statements
that would switch it off refused), on the query tool, its grid edits, the browser's edits and a job's conninfo."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from tests.plugins.query_tool_helpers import QueryTool, open_tool, register_server

READ_ONLY = "25006"


@pytest.fixture
def server_id(admin_client: Any, pg_server: Any, pg_database: str) -> int:
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id int PRIMARY KEY, note text); INSERT INTO t VALUES (1, 'a')")
    return register_server(admin_client, pg_server, pg_database, read_only=True)


@pytest.fixture
def tool(admin_client: Any, server_id: int, pg_database: str) -> QueryTool:
    return open_tool(admin_client, server_id, pg_database)


def count(pg_server: Any, database: str) -> int:
    with psycopg.connect(pg_server.conninfo(database)) as conn:
        return conn.execute("SELECT count(*) FROM t").fetchone()[0]


def refused_by_server(result: dict[str, Any]) -> bool:
    return result["error"] is not None and result["error"]["sqlstate"] == READ_ONLY


def test_a_plain_select_works_and_an_insert_is_refused(tool: QueryTool, pg_server: Any, pg_database: str) -> None:
    assert tool.run("SELECT note FROM t")["rows"] == [["a"]]
    assert refused_by_server(tool.run("INSERT INTO t VALUES (2, 'b')"))
    assert refused_by_server(tool.run("CREATE TABLE other (x int)"))
    assert tool.run("SHOW default_transaction_read_only")["rows"] == [["on"]]
    assert tool.client.get(tool.base).get_json()["is_read_only"] is True
    for switch in ("set default_transaction_read_only = off", "begin read write"):
        assert "registered read-only" in tool.run(switch)["error"]["message"]
        assert refused_by_server(tool.run("INSERT INTO t VALUES (2, 'b')"))
    assert count(pg_server, pg_database) == 1


@pytest.mark.parametrize("switch", [
    "set default_transaction_read_only = off", "SET SESSION default_transaction_read_only TO false",
    "reset default_transaction_read_only", "RESET ALL", "set default_transaction_read_only to default",
    "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE", "begin read write",
    "START TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ WRITE", "begin; set transaction read write",
    "begin; set local transaction_read_only = 0",
])
def test_statements_that_switch_it_off_are_refused_before_anything_runs(tool: QueryTool, pg_server: Any,
                                                                        pg_database: str, switch: str) -> None:
    result = tool.run(f"INSERT INTO t VALUES (3, 'first'); {switch}; INSERT INTO t VALUES (2, 'b')")
    error = result["error"]
    assert error["sqlstate"] == READ_ONLY and "registered read-only" in error["message"]
    assert "nothing was run" in error["message"] and result["statements"] == []
    assert result["transaction_status"] == "idle" and count(pg_server, pg_database) == 1


def test_set_config_in_a_select_lasts_one_statement(tool: QueryTool, pg_server: Any, pg_database: str) -> None:
    result = tool.run("select set_config('default_transaction_read_only', 'off', false); "
                      "insert into t values (2, 'b')")
    assert result["statements"][0]["status"] == "ok" and refused_by_server(result)
    result = tool.run("begin; select set_config('transaction_read_only', 'off', false)")
    assert result["error"] is not None  # PostgreSQL: read-write mode must be set before any query
    tool.run("rollback")
    result = tool.run("select set_config('default_transaction_read_only', 'off', false)")
    assert refused_by_server(tool.run("begin; insert into t values (2, 'b')"))
    assert tool.run("rollback")["transaction_status"] == "idle"
    assert count(pg_server, pg_database) == 1


def test_transactions_and_modes_still_work(tool: QueryTool, admin_client: Any) -> None:
    result = tool.run("begin; set transaction isolation level serializable; select 1; commit")
    assert result["error"] is None and result["transaction_status"] == "idle"
    result = tool.run("begin; select 1/0; select 1")  # nothing of ours runs (or fails) in the aborted transaction
    assert result["transaction_status"] == "in_error" and len(result["statements"]) == 2
    assert "division by zero" in result["error"]["message"]
    assert tool.run("rollback")["transaction_status"] == "idle"
    assert admin_client.patch(tool.base, json={"autocommit": False, "auto_rollback": True}).status_code == 200
    result = tool.run("select 1; insert into t values (2, 'b'); select 2")
    assert refused_by_server(result) and result["transaction_status"] == "in_transaction"  # auto-rollback kept it
    assert tool.run("select 3")["rows"] == [[3]]
    assert tool.run("rollback")["transaction_status"] == "idle"


def test_grid_edits_are_refused_even_after_set_config(tool: QueryTool, pg_server: Any, pg_database: str) -> None:
    result = tool.run("select set_config('default_transaction_read_only', 'off', false), id, note from t")
    assert result["error"] is None
    response = tool.client.post(f"{tool.base}/changes", json={"run": result["run"], "statement": 0,
                                                              "inserts": [{"id": 5, "note": "x"}]})
    assert response.status_code >= 400 and response.get_json()["error"]["sqlstate"] == READ_ONLY
    assert count(pg_server, pg_database) == 1


def test_the_browsers_edits_are_refused(admin_client: Any, server_id: int, pg_server: Any, pg_database: str) -> None:
    body = {"db": pg_database, "schema": "public", "name": "t",
            "changes": [{"op": "insert", "values": {"id": 9, "note": "x"}}]}
    response = admin_client.post(f"/api/v1/servers/{server_id}/rows/changes", json=body)
    assert response.status_code >= 400 and response.get_json()["error"]["sqlstate"] == READ_ONLY
    assert count(pg_server, pg_database) == 1


@pytest.mark.parametrize(("kind", "options"), [
    ("restore", {"input_path": "globals.sql"}),  # pg_dumpall's globals begin with SET default_transaction_read_only
    ("import", {"input_path": "rows.csv", "schema": "public", "table": "t"}),
    ("maintenance", {"operation": "vacuum"}),
])
def test_jobs_that_write_are_refused_on_a_read_only_server(admin_client: Any, server_id: int, pg_database: str,
                                                           kind: str, options: dict[str, Any]) -> None:
    """A job's file runs past the rail (its own SET statements would switch it off): refused before it starts."""
    before = admin_client.get("/api/v1/jobs").get_json()
    refused = admin_client.post("/api/v1/jobs", json={"server_id": server_id, "kind": kind, "database": pg_database,
                                                      **options})
    assert refused.status_code == 409, refused.get_json()
    assert refused.get_json()["error"]["code"] == "read_only" and "read-only" in refused.get_json()["error"]["message"]
    assert admin_client.get("/api/v1/jobs").get_json() == before


def test_a_tab_already_open_takes_the_rail_when_its_server_becomes_read_only(
        admin_client: Any, pg_server: Any, pg_database: str) -> None:
    writable = register_server(admin_client, pg_server, pg_database)
    tool = open_tool(admin_client, writable, pg_database)
    tool.run("create table t (id int)")
    assert tool.run("insert into t values (1)")["error"] is None
    assert admin_client.patch(f"/api/v1/servers/{writable}", json={"read_only": True}).status_code == 200
    assert refused_by_server(tool.run("insert into t values (2)"))
    switched = tool.run("set default_transaction_read_only = off; insert into t values (3)")
    assert "registered read-only" in switched["error"]["message"] and switched["statements"] == []
    assert count(pg_server, pg_database) == 1
