"""Transaction modes per tab, as psql's AUTOCOMMIT off, ON_ERROR_ROLLBACK and --single-transaction."""

from __future__ import annotations

from typing import Any

import pytest

from tests.plugins.psql_fixture import Psql
from tests.plugins.query_tool_helpers import QueryTool, open_tool, register_server

TABLE_EXISTS = "select count(*) from pg_class where relname = 't'"


@pytest.fixture
def tool(admin_client: Any, pg_server: Any, pg_database: str) -> QueryTool:
    return open_tool(admin_client, register_server(admin_client, pg_server, pg_database), pg_database)


def set_modes(tool: QueryTool, **modes: bool) -> dict[str, Any]:
    response = tool.client.patch(tool.base, json=modes)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["modes"]


def test_autocommit_off_begins_before_the_first_statement_that_needs_it(tool: QueryTool, psql: Psql) -> None:
    script = "create table t(a int); insert into t values (1);"
    assert psql.run(script, "-v", "AUTOCOMMIT=off") is None  # psql ends without COMMIT: rolled back
    assert set_modes(tool, autocommit=False)["autocommit"] is False
    result = tool.run(script)
    assert result["transaction_status"] == "in_transaction" and result["fates"] == ["in_transaction"] * 2
    assert [s["command"] for s in result["statements"]] == ["CREATE TABLE", "INSERT 0 1"]  # our BEGIN is not shown
    tool.run("rollback")
    assert tool.run(TABLE_EXISTS)["rows"] == [[psql.value(TABLE_EXISTS)]] == [[0]]
    tool.run("rollback")
    assert tool.run("vacuum")["error"] is None, "VACUUM is on psql's list: no BEGIN before it"


def test_auto_rollback_keeps_the_transaction_usable(tool: QueryTool, psql: Psql, admin_client: Any) -> None:
    statements = ["begin; create table t(a int);", "insert into t values ('x');", "insert into t values (1); commit;"]
    assert psql.run("".join(statements), "-v", "ON_ERROR_ROLLBACK=on", stop=False) == "22P02"
    set_modes(tool, auto_rollback=True)
    tool.run(statements[0])
    failed = tool.run(statements[1])
    assert failed["error"]["sqlstate"] == "22P02" and failed["transaction_status"] == "in_transaction"
    assert "pgl_auto" not in str(failed)
    assert tool.run(statements[2])["transaction_status"] == "idle"
    assert tool.run("select count(*) from t")["rows"] == [[psql.value("select count(*) from t")]] == [[1]]
    history = admin_client.get("/api/v1/query-history?limit=100").get_json()
    assert not any("pgl_auto" in entry["sql"] for entry in history)


def test_single_transaction_undoes_the_script_on_failure(tool: QueryTool, psql: Psql) -> None:
    script = "create table t(a int); insert into t values (1); insert into t values ('x'); insert into t values (2);"
    assert psql.run(script, "--single-transaction") == "22P02"
    set_modes(tool, single_transaction=True)
    result = tool.run(script)
    assert result["error"]["statement_index"] == 2 and result["transaction_status"] == "idle"
    assert result["fates"] == ["rolled_back", "rolled_back", "aborted", "not_run"]
    assert "rolled back" in result["summary"] and "not run" in result["summary"]
    assert tool.run(TABLE_EXISTS)["rows"] == [[psql.value(TABLE_EXISTS)]] == [[0]]


def test_single_transaction_commits_a_script_that_succeeds(tool: QueryTool, psql: Psql) -> None:
    script = "create table t(a int); insert into t select generate_series(1, 3); select * from t;"
    assert psql.run(script, "--single-transaction") is None
    set_modes(tool, single_transaction=True)
    result = tool.run(script)
    assert result["error"] is None and result["fates"] == ["committed"] * 3 and result["transaction_status"] == "idle"
    assert result["rows"] == [[1], [2], [3]]
    assert tool.run("select count(*) from t")["rows"] == [[psql.value("select count(*) from t")]]


def test_single_transaction_names_a_statement_that_cannot_run_in_one(tool: QueryTool) -> None:
    set_modes(tool, single_transaction=True)
    result = tool.run("create table t(a int);\nvacuum t;")
    assert result["error"]["statement_index"] == 1 and "Statement 2 (VACUUM" in result["error"]["message"]
    assert result["error"]["line"] == 2
    set_modes(tool, single_transaction=False)
    assert tool.run(TABLE_EXISTS)["rows"] == [[0]], "nothing ran"


def test_modes_are_validated_and_described(tool: QueryTool, admin_client: Any, pg_server: Any,
                                           pg_database: str) -> None:
    assert tool.client.patch(tool.base, json={"autocommit": "off"}).status_code == 400
    assert tool.client.get(tool.base).get_json()["modes"] == {
        "autocommit": True, "auto_rollback": False, "single_transaction": False}
    server = register_server(admin_client, pg_server, pg_database, name="second")
    opened = admin_client.post("/api/v1/query-tool", json={"server_id": server, "database": pg_database,
                                                           "autocommit": False})
    assert opened.status_code == 201 and opened.get_json()["modes"]["autocommit"] is False


def test_a_servers_own_defaults_set_a_new_tabs_modes(admin_client: Any, pg_server: Any, pg_database: str) -> None:
    server_id = register_server(admin_client, pg_server, pg_database)
    changed = admin_client.patch(f"/api/v1/servers/{server_id}",
                                 json={"query_modes": {"autocommit": False, "single_transaction": True}})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["query_modes"] == {"autocommit": False, "single_transaction": True}
    tool = open_tool(admin_client, server_id, pg_database)
    described = tool.client.get(tool.base).get_json()["modes"]
    assert described == {"autocommit": False, "auto_rollback": False, "single_transaction": True}
    opened = admin_client.post("/api/v1/query-tool", json={"server_id": server_id, "database": pg_database,
                                                           "autocommit": True})
    assert opened.status_code == 201 and opened.get_json()["modes"]["autocommit"] is True  # the tab's own choice wins
    admin_client.delete(f"/api/v1/query-tool/{opened.get_json()['tx_id']}")
    cleared = admin_client.patch(f"/api/v1/servers/{server_id}", json={"query_modes": {"autocommit": None}})
    assert cleared.get_json()["query_modes"] == {}  # null: the app's default (QUERY_AUTOCOMMIT) again


@pytest.mark.parametrize("modes", [{"autocommit": "off"}, {"autocommit": 1}, {"read_only": True}, ["autocommit"]])
def test_bad_server_modes_are_refused_and_change_nothing(admin_client: Any, pg_server: Any, pg_database: str,
                                                         modes: Any) -> None:
    server_id = register_server(admin_client, pg_server, pg_database)
    refused = admin_client.patch(f"/api/v1/servers/{server_id}", json={"query_modes": modes, "name": "renamed"})
    assert refused.status_code == 400 and "query_modes" in refused.get_json()["error"]["message"]
    server = admin_client.get(f"/api/v1/servers/{server_id}").get_json()
    assert server["query_modes"] == {} and server["name"] != "renamed"
