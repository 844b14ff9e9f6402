"""The examples of issue 14, each run through the API and through psql 15 (ON_ERROR_STOP=1), compared."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from tests.plugins.psql_fixture import Psql
from tests.plugins.query_tool_helpers import QueryTool, open_tool, register_server
from tests.plugins.waiting import wait_until


@pytest.fixture
def tool(admin_client: Any, pg_server: Any, pg_database: str) -> QueryTool:
    return open_tool(admin_client, register_server(admin_client, pg_server, pg_database), pg_database)


@pytest.fixture
def ours(pg_server: Any, pg_database: str) -> Iterator[psycopg.Connection[Any]]:
    """Another session on the query tool's database, to see what the script left behind."""
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
        yield conn


def sqlstate(result: dict[str, Any]) -> str | None:
    return result["error"]["sqlstate"] if result["error"] else None


def backend_state(tool: QueryTool, ours: psycopg.Connection[Any]) -> str:
    pid = tool.client.get(tool.base).get_json()["backend_pid"]
    return ours.execute("SELECT state FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()[0]


def test_example_1_a_rollback_then_a_commit_commits(tool: QueryTool, psql: Psql, ours: Any) -> None:
    script = ("create table t(a int); begin; select * from generate_series(1,3); rollback; "
              "begin; insert into t values (1); select 1; commit;")
    assert psql.run(script) is None
    result = tool.run(script)
    assert sqlstate(result) is None and result["statements"][-1]["command"] == "COMMIT"
    assert result["warnings"] == [] and result["transaction_status"] == "idle"
    assert ours.execute("select count(*) from t").fetchone()[0] == psql.value("select count(*) from t") == 1
    assert [s["command"] for s in result["statements"]] == [
        "CREATE TABLE", "BEGIN", "SELECT 3", "ROLLBACK", "BEGIN", "INSERT 0 1", "SELECT 1", "COMMIT"]
    assert result["fates"] == ["committed", "rolled_back", "rolled_back", "rolled_back",
                               "committed", "committed", "committed", "committed"]


@pytest.mark.parametrize("ddl", ["truncate t", "drop table t", "alter table t add column b int"])
def test_example_2_ddl_after_a_select_in_one_transaction(tool: QueryTool, psql: Psql, ours: Any, ddl: str) -> None:
    setup = "create table t(a int); insert into t select generate_series(1, 3000);"
    script = f"begin; select * from t; {ddl}; commit;"
    for run in (psql.run, lambda text: sqlstate(tool.run(text))):
        assert run(setup) is None
        assert run(script) is None
    probe = "select count(*) from pg_class where relname = 't'"
    assert ours.execute(probe).fetchone()[0] == psql.value(probe)


def test_example_3_rollback_to_a_savepoint_after_a_select(tool: QueryTool, psql: Psql, ours: Any) -> None:
    script = ("create table t(a int); begin; savepoint a; select * from generate_series(1, 2000); rollback to a; "
              "select * from generate_series(1, 5); insert into t values (1); release a; commit;")
    assert psql.run(script) is None
    result = tool.run(script)
    assert sqlstate(result) is None, result["error"]
    assert ours.execute("select count(*) from t").fetchone()[0] == psql.value("select count(*) from t") == 1
    assert result["fates"][3] == "rolled_back" and result["fates"][-1] == "committed"


def test_example_4_a_select_that_is_not_last_runs_to_its_end(tool: QueryTool, psql: Psql) -> None:
    script = ("begin; create sequence s; select nextval('s') from generate_series(1,5000); select currval('s'); "
              "commit;")
    assert psql.run(script) is None
    result = tool.run(script)
    assert sqlstate(result) is None
    assert result["statements"][2]["command"] == "SELECT 5000" and len(result["statements"][2]["rows"]) == 100
    assert result["statements"][3]["rows"] == [[psql.value("select last_value from s")]] == [[5000]]


def test_example_6_copy_to_stdout_is_the_result_and_the_tab_goes_on(tool: QueryTool, psql: Psql) -> None:
    script = "copy (select 1 as a) to stdout with csv header"
    assert psql.run(script) is None
    result = tool.run(script)
    assert sqlstate(result) is None and result["transaction_status"] == "idle"
    assert result["rows"] == [["a"], ["1"]] and result["statements"][0]["command"] == "COPY 1"
    assert tool.run("select 2")["rows"] == [[2]]


def test_example_6_copy_from_stdin_says_where_imports_are_done(tool: QueryTool) -> None:
    tool.run("create table t(a int)")
    for prefix in ("", "begin; "):
        result = tool.run(prefix + "copy t from stdin")
        assert "Import" in result["error"]["hint"] and "nothing was loaded" in result["error"]["message"]
        tool.run("rollback")
        assert tool.run("select count(*) from t")["rows"] == [[0]], "the tab is not wedged"


def wait_idle(tool: QueryTool, ours: Any) -> str:
    """The backend's state once it settles (the end of a fully read result is sent just after the answer)."""
    try:
        wait_until(lambda: backend_state(tool, ours) == "idle", "", timeout=5)
        return "idle"
    except AssertionError:
        return backend_state(tool, ours)  # the caller's assertion names the state it settled in


def test_example_7_a_fully_read_result_leaves_nothing_open(tool: QueryTool, ours: Any) -> None:
    for script in ("select * from generate_series(1, 10)",
                   "select 1; select * from generate_series(1, 3000); select 2", "begin; select 1; commit"):
        result = tool.run(script)
        assert not result["has_more"] and result["transaction_status"] == "idle"
        assert wait_idle(tool, ours) == "idle", script


def test_a_portal_left_by_the_last_select_in_a_transaction_is_closed_before_the_next_script(
        tool: QueryTool, psql: Psql, ours: Any) -> None:
    """The pageable result of a user transaction is ours; DDL in the next script must not trip over it."""
    setup = "create table t(a int); insert into t select generate_series(1, 3000);"
    assert psql.run(setup) is None and sqlstate(tool.run(setup)) is None
    assert tool.run("begin; select * from t")["has_more"]
    assert sqlstate(tool.run("truncate t")) is None
    assert tool.run("commit")["statements"][0]["command"] == "COMMIT"
    assert ours.execute("select count(*) from t").fetchone()[0] == 0


def test_a_commit_of_a_failed_transaction_is_a_warning(tool: QueryTool, psql: Psql) -> None:
    assert psql.run("begin; select 1/0;") == "22012"
    tool.run("begin")
    assert sqlstate(tool.run("select 1/0")) == "22012"
    result = tool.run("commit")
    assert result["statements"][0]["command"] == "ROLLBACK" and result["transaction_status"] == "idle"
    message = "the transaction had failed and was rolled back; nothing was committed"
    assert result["warnings"] == [message] and result["statements"][0]["warnings"] == [message]


def test_a_failed_script_says_what_was_kept_and_what_never_ran(tool: QueryTool, psql: Psql, ours: Any) -> None:
    script = ("create table t(a int); insert into t values (1); insert into t values (2); "
              "insert into t values ('x'); insert into t values (3); select 1;")
    assert psql.run(script) == "22P02"
    result = tool.run(script)
    assert sqlstate(result) == "22P02" and result["error"]["statement_index"] == 3
    assert result["fates"] == ["committed"] * 3 + ["aborted", "not_run", "not_run"]
    assert result["summary"] == "Statements 1\N{EN DASH}3 were committed; statement 4 failed; " \
                                "statements 5\N{EN DASH}6 were not run."
    assert ours.execute("select count(*) from t").fetchone()[0] == psql.value("select count(*) from t") == 2


def test_cursors_the_user_declares_are_theirs(tool: QueryTool, psql: Psql) -> None:
    script = ("begin; declare c cursor for select g from generate_series(1, 10) g; fetch 3 from c; "
              "move 2 in c; fetch 2 from c; close all; commit;")
    assert psql.run(script) is None
    result = tool.run(script)
    assert sqlstate(result) is None
    assert [s["command"] for s in result["statements"]] == [
        "BEGIN", "DECLARE CURSOR", "FETCH 3", "MOVE 2", "FETCH 2", "CLOSE CURSOR ALL", "COMMIT"]
    assert result["statements"][2]["rows"] == [[1], [2], [3]] and result["statements"][4]["rows"] == [[6], [7]]


def test_a_writing_select_that_is_not_last_runs_to_its_end_outside_a_transaction(tool: QueryTool, psql: Psql,
                                                                               ours: Any) -> None:
    setup = ("create table charges (n int); create function charge(n int) returns int language sql as "
             "'insert into charges values (n) returning n';")
    script = "select charge(g) from generate_series(1, 3000) g; select count(*) from charges;"
    assert psql.run(setup + script) is None
    result = tool.run(setup + script)
    assert result["statements"][2]["command"] == "SELECT 3000" and result["rows"] == [[3000]]
    assert ours.execute("select count(*) from charges").fetchone()[0] == psql.value("select count(*) from charges")


def test_each_statement_has_its_outcome(tool: QueryTool) -> None:
    script = "select 1 as a;\nDO $$BEGIN RAISE NOTICE 'two'; END$$;\nselect g from generate_series(1, 500) g;\nselect 3"
    result = tool.run(script)
    first, second, third, last = result["statements"]
    assert (first["index"], first["offset"], first["length"]) == (0, 0, len("select 1 as a"))
    assert script[third["offset"]:third["offset"] + third["length"]] == "select g from generate_series(1, 500) g"
    assert [n["message"] for n in second["notices"]] == ["two"] and first["notices"] == []
    assert third["command"] == "SELECT 500" and len(third["rows"]) == 100 and third["columns"][0]["name"] == "g"
    assert all(s["status"] == "ok" and s["duration_ms"] >= 0 and s["fate"] == "committed" for s in result["statements"])
    assert last["is_pageable"] and result["rows_statement_index"] == 3 and result["rows"] == [[3]]


def test_a_lost_connection_says_what_was_kept(tool: QueryTool, ours: Any) -> None:
    script = ("create table t(a int); insert into t values (1); begin; insert into t values (2); "
              "select pg_terminate_backend(pg_backend_pid()); select 1;")
    result = tool.run(script)
    assert result["transaction_status"] == "lost" and result["error"]["connection_lost"] is True
    assert result["error"]["transaction_rolled_back"] is True, "the script's own BEGIN was lost with it"
    assert result["fates"] == ["committed", "committed", "rolled_back", "rolled_back", "aborted", "not_run"]
    assert result["summary"].startswith("Statements 1\N{EN DASH}2 were committed; statements 3\N{EN DASH}4 were "
                                        "rolled back; statement 5 failed")
    assert ours.execute("select count(*) from t").fetchone()[0] == 1


def test_a_psql_meta_command_stops_the_script_and_is_named(tool: QueryTool, ours: Any) -> None:
    result = tool.run("create table t(a int);\n\\! id\ninsert into t values (1);")
    assert result["error"]["statement_index"] == 1 and "\\!" in result["error"]["message"]
    assert result["fates"] == ["committed", "aborted", "not_run"]
    assert ours.execute("select count(*) from t").fetchone()[0] == 0


def test_statements_are_classified_as_standard_conforming_strings_says(tool: QueryTool, psql: Psql) -> None:
    """With it off, 'x\\'' is the literal x': the INTO after it makes a table, so the engine must not DECLARE it."""
    script = "set standard_conforming_strings = off;\nselect 'x\\'' as a into t2;\nselect a from t2;"
    assert psql.run(script) is None
    result = tool.run(script)
    assert sqlstate(result) is None, result["error"]
    assert [s["command"] for s in result["statements"]][:2] == ["SET", "SELECT 1"]
    assert result["rows"] == [["x'"]] == [[psql.value("select a from t2")]]
