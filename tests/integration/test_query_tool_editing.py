"""Editable query-tool results: which results can be edited, the exact SQL, and where the changes land."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from tests.plugins.app_fixtures import USER_EMAIL, USER_PASSWORD, api_client
from tests.plugins.query_tool_helpers import QueryTool, open_tool, register_server


@pytest.fixture
def tool(admin_client: Any, pg_server: Any, pg_database: str) -> QueryTool:
    tool = open_tool(admin_client, register_server(admin_client, pg_server, pg_database), pg_database)
    tool.run("CREATE TABLE t (id int PRIMARY KEY, note text, n int);"
             "INSERT INTO t VALUES (1, 'a', 10), (2, 'b', 20)")
    return tool


@pytest.fixture
def outside(pg_server: Any, pg_database: str) -> Any:
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
        yield conn


def editable(tool: QueryTool, sql: str) -> tuple[dict[str, Any], dict[str, Any]]:
    result = tool.run(sql)
    response = tool.client.get(f"{tool.base}/editable?run={result['run']}&statement={result['rows_statement_index']}")
    assert response.status_code == 200, response.get_json()
    return result, response.get_json()


def changes(tool: QueryTool, result: dict[str, Any], **body: Any) -> Any:
    return tool.client.post(f"{tool.base}/changes", json={"run": result["run"],
                                                          "statement": result["rows_statement_index"], **body})


def rows(conn: psycopg.Connection[Any]) -> list[tuple[Any, ...]]:
    return conn.execute("SELECT id, note, n FROM t ORDER BY id").fetchall()


def test_a_table_with_a_primary_key_is_editable_and_computed_columns_are_not(tool: QueryTool) -> None:
    _, info = editable(tool, "SELECT note AS label, id, n + 1 AS next, id AS again FROM t")
    assert info["is_editable"] and (info["schema"], info["table"], info["key_columns"]) == ("public", "t", ["id"])
    assert [c["column"] for c in info["columns"]] == ["note", "id", None, None]


def test_a_unique_not_null_key_serves_when_there_is_no_primary_key(tool: QueryTool) -> None:
    tool.run("CREATE TABLE u (code text NOT NULL UNIQUE, other int UNIQUE, v text); INSERT INTO u VALUES ('x', 1, 'v')")
    _, info = editable(tool, "SELECT * FROM u")
    assert info["is_editable"] and info["key_columns"] == ["code"]


@pytest.mark.parametrize(("setup", "query", "reason"), [
    ("CREATE TABLE k (a int, b text)", "SELECT * FROM k", "no primary key"),
    ("CREATE TABLE k (a int UNIQUE, b text)", "SELECT * FROM k", "no primary key"),
    ("CREATE TABLE k (a int PRIMARY KEY)", "SELECT t.note, k.a FROM t JOIN k ON k.a = t.id", "one table"),
    ("SELECT 1", "SELECT note FROM t", "Add the key column(s) id"),
    ("SELECT 1", "SELECT 1 AS x", "one table"),
    ("CREATE VIEW k AS SELECT id, note FROM t", "SELECT * FROM k", "Only a table's rows"),
])
def test_results_that_cannot_name_their_rows_are_read_only(tool: QueryTool, setup: str, query: str,
                                                           reason: str) -> None:
    tool.run(setup)
    _, info = editable(tool, query)
    assert not info["is_editable"] and reason in info["read_only_reason"]


def test_preview_is_the_exact_sql_and_changes_nothing(tool: QueryTool, outside: Any) -> None:
    result, _ = editable(tool, "SELECT id, note, n FROM t")
    response = changes(tool, result, preview=True, updates=[{"key": {"id": 1}, "set": {"note": "it's", "n": None}}],
                       inserts=[{"id": 3, "note": ""}], deletes=[{"key": {"id": 2}}])
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["statements"] == ['DELETE FROM "public"."t" WHERE "id" = \'2\'',
                                  'UPDATE "public"."t" SET "n" = NULL, "note" = \'it\'\'s\' WHERE "id" = \'1\'',
                                  'INSERT INTO "public"."t" ("id", "note") VALUES (\'3\', \'\')']
    assert not body["applied"] and rows(outside) == [(1, "a", 10), (2, "b", 20)]


def test_apply_outside_a_transaction_commits_at_once(tool: QueryTool, outside: Any) -> None:
    result, _ = editable(tool, "SELECT id, note, n FROM t")
    body = changes(tool, result, updates=[{"key": {"id": 1}, "set": {"note": "new"}}],
                   inserts=[{"id": 3, "note": None}]).get_json()
    assert body["applied"] and body["transaction_status"] == "idle" and not body["in_transaction"]
    assert rows(outside) == [(1, "new", 10), (2, "b", 20), (3, None, None)]


def test_apply_inside_an_open_transaction_is_invisible_until_commit(tool: QueryTool, outside: Any) -> None:
    tool.run("BEGIN")
    result, _ = editable(tool, "SELECT id, note FROM t")
    body = changes(tool, result, updates=[{"key": {"id": 2}, "set": {"note": "tx"}}]).get_json()
    assert body["applied"] and body["in_transaction"] and body["transaction_status"] == "in_transaction"
    assert rows(outside)[1] == (2, "b", 20)
    assert tool.run("SELECT note FROM t WHERE id = 2")["rows"] == [["tx"]]
    tool.run("COMMIT")
    assert rows(outside)[1] == (2, "tx", 20)


def test_a_change_that_matches_no_row_rolls_back_all_and_keeps_the_users_transaction(tool: QueryTool,
                                                                                     outside: Any) -> None:
    tool.run("BEGIN; INSERT INTO t VALUES (5, 'mine', 50)")
    result, _ = editable(tool, "SELECT id, note FROM t")
    response = changes(tool, result, updates=[{"key": {"id": 1}, "set": {"note": "x"}},
                                              {"key": {"id": 99}, "set": {"note": "y"}}])
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert "matched 0 rows" in error["message"] and "still open" in error["message"]
    after = tool.run("SELECT id, note FROM t ORDER BY id")
    assert after["transaction_status"] == "in_transaction" and after["rows"] == [[1, "a"], [2, "b"], [5, "mine"]]
    tool.run("ROLLBACK")
    assert rows(outside) == [(1, "a", 10), (2, "b", 20)]


def test_a_refused_statement_is_reported_and_nothing_applies(tool: QueryTool, outside: Any) -> None:
    result, _ = editable(tool, "SELECT id, note, n FROM t")
    response = changes(tool, result, updates=[{"key": {"id": 1}, "set": {"note": "x"}},
                                              {"key": {"id": 2}, "set": {"n": "not a number"}}])
    assert response.status_code == 400 or response.status_code >= 409
    assert "Change 2 failed" in response.get_json()["error"]["message"]
    assert rows(outside) == [(1, "a", 10), (2, "b", 20)]


def test_a_missing_privilege_is_postgresqls_refusal(tool: QueryTool, outside: Any, pg_database: str) -> None:
    outside.execute("DROP ROLE IF EXISTS edit_reader; CREATE ROLE edit_reader")
    outside.execute("GRANT SELECT ON t TO edit_reader")
    tool.run("SET ROLE edit_reader")
    result, _ = editable(tool, "SELECT id, note FROM t")
    response = changes(tool, result, updates=[{"key": {"id": 1}, "set": {"note": "x"}}])
    assert response.status_code == 403 and "permission denied" in response.get_json()["error"]["message"]
    assert tool.run("RESET ROLE; SELECT 1")["rows"] == [[1]]
    outside.execute("REVOKE ALL ON t FROM edit_reader; DROP ROLE edit_reader")


def test_a_stale_result_an_aborted_transaction_and_bad_bodies_are_refused(tool: QueryTool) -> None:
    result, _ = editable(tool, "SELECT id, note FROM t")
    tool.run("SELECT 1")
    assert changes(tool, result, updates=[{"key": {"id": 1}, "set": {"note": "x"}}]).status_code == 409
    result, _ = editable(tool, "SELECT id, note FROM t")
    assert changes(tool, result, updates=[{"key": {"note": "a"}, "set": {"note": "x"}}]).status_code == 400
    assert changes(tool, result, updates=[{"key": {"id": 1}, "set": {"n": 1}}]).status_code == 400  # not shown
    assert changes(tool, result).status_code == 400
    tool.run("BEGIN")
    result = tool.run("SELECT id, note FROM t")
    tool.execute("SELECT 1/0")
    assert changes(tool, result, updates=[{"key": {"id": 1}, "set": {"note": "x"}}]).status_code == 409


def test_another_users_tab_is_404_and_csrf_is_required(app: Any, tool: QueryTool, outside: Any) -> None:
    result, _ = editable(tool, "SELECT id, note FROM t")
    body = {"run": result["run"], "statement": 0, "updates": [{"key": {"id": 1}, "set": {"note": "x"}}]}
    other = api_client(app, USER_EMAIL, USER_PASSWORD)
    assert other.post(f"{tool.base}/changes", json=body).status_code == 404
    assert other.get(f"{tool.base}/editable?run={result['run']}&statement=0").status_code == 404
    no_token = tool.client.client.post(f"{tool.base}/changes", json=body)
    assert no_token.status_code == 400 and no_token.get_json()["error"]["code"] == "csrf_failed"
    assert rows(outside)[0] == (1, "a", 10)


def test_a_change_waiting_on_another_sessions_lock_is_cancelled_and_the_transaction_kept(
        app: Any, tool: QueryTool, pg_server: Any, pg_database: str) -> None:
    app.config["CHANGE_STATEMENT_TIMEOUT_MS"] = 500
    tool.run("BEGIN")
    result, _ = editable(tool, "SELECT id, note FROM t")
    with psycopg.connect(pg_server.conninfo(pg_database)) as locker:
        locker.execute("SELECT 1 FROM t WHERE id = 1 FOR UPDATE")
        response = changes(tool, result, updates=[{"key": {"id": 1}, "set": {"note": "x"}}])
    assert response.status_code >= 400 and "still open" in response.get_json()["error"]["message"]
    assert tool.run("SELECT note FROM t WHERE id = 1")["transaction_status"] == "in_transaction"
    tool.run("ROLLBACK")


def test_an_apply_while_a_result_is_paged_commits_and_the_paging_goes_on(tool: QueryTool, outside: Any) -> None:
    tool.run("INSERT INTO t SELECT g, 'r', g FROM generate_series(3, 3000) g")
    result, info = editable(tool, "SELECT id, note FROM t ORDER BY id")
    assert result["has_more"] and result["holds"] == "snapshot" and info["is_editable"]
    body = changes(tool, result, updates=[{"key": {"id": 1}, "set": {"note": "paged"}}]).get_json()
    assert body["applied"] and body["transaction_status"] == "idle"
    assert rows(outside)[0] == (1, "paged", 10)
    page = tool.fetch(5000).get_json()
    assert len(result["rows"]) + len(page["rows"]) == 3000 and not page["has_more"]
