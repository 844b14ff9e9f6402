"""EXPLAIN options: the combinations PostgreSQL refuses are a 400 before anything runs; the others reach the plan."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.plugins.query_tool_helpers import QueryTool, open_tool, register_server


@pytest.fixture
def tool(admin_client: Any, pg_server: Any, pg_database: str) -> QueryTool:
    return open_tool(admin_client, register_server(admin_client, pg_server, pg_database), pg_database)


def explain(tool: QueryTool, sql: str, options: dict[str, bool]) -> Any:
    return tool.client.post(f"{tool.base}/execute", json={"sql": sql, "explain": options, "wait_ms": 5000})


@pytest.mark.parametrize(("options", "named"), [
    ({"timing": True}, "TIMING"), ({"wal": True, "buffers": True}, "WAL"),
    ({"analyze": False, "timing": True, "wal": True}, "TIMING and WAL")])
def test_an_option_that_needs_analyze_is_a_400_and_nothing_runs(tool: QueryTool, options: dict[str, bool],
                                                                 named: str) -> None:
    tool.run("CREATE TABLE ran (x int)")
    response = explain(tool, "INSERT INTO ran VALUES (1)", options)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["message"] == f"EXPLAIN option {named} requires ANALYZE."
    assert "ANALYZE" in error["hint"]
    assert tool.run("SELECT count(*) FROM ran")["rows"] == [[0]]


def test_options_postgresql_accepts_reach_the_plan(tool: QueryTool) -> None:
    tool.run("CREATE TABLE w AS SELECT g AS id FROM generate_series(1, 100) g")
    plain = explain(tool, "SELECT * FROM w", {"timing": False, "wal": False, "buffers": True, "costs": False,
                                              "summary": True, "verbose": True, "settings": True})
    assert plain.status_code == 200, plain.get_json()
    doc = plain.get_json()
    assert doc["error"] is None
    plan = json.loads(doc["rows"][0][0])
    assert "Total Cost" not in plan[0]["Plan"] and "Output" in plan[0]["Plan"] and "Planning Time" in plan[0]
    analyzed = explain(tool, "INSERT INTO w SELECT 1", {"analyze": True, "wal": True, "buffers": True,
                                                        "timing": False})
    assert analyzed.status_code == 200, analyzed.get_json()
    node = json.loads(analyzed.get_json()["rows"][0][0])[0]["Plan"]
    assert "WAL Records" in node and "Shared Hit Blocks" in node and "Actual Total Time" not in node
    assert tool.run("SELECT count(*) FROM w")["rows"] == [[101]]  # ANALYZE really ran the INSERT
