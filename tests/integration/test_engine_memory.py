"""Statements DECLARE cannot take (… RETURNING, FETCH, EXPLAIN): rows read in chunks, psql's tags, flat memory.

Not last: only a preview is kept. Last (the one paged): the first page is kept, the rest spooled (bounded).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.plugins.app_fixtures import ADMIN_EMAIL, ADMIN_PASSWORD, api_client
from tests.plugins.psql_fixture import Psql
from tests.plugins.query_tool_helpers import QueryTool, open_tool, register_server

MiB = 1024 * 1024
SETUP = "create table r(a int, b text); insert into r select g, 'x' from generate_series(1, 500) g;\n"
PSQL_TAG = re.compile(r"^(?:INSERT|UPDATE|DELETE|MERGE) [0-9 ]+$", re.MULTILINE)  # psql prints these after rows
PSQL_COUNT = re.compile(r"^\((\d+) rows?\)$", re.MULTILINE)  # the footer under the rows psql shows


@pytest.fixture
def tool(admin_client: Any, pg_server: Any, pg_database: str) -> QueryTool:
    return open_tool(admin_client, register_server(admin_client, pg_server, pg_database), pg_database)


def peak_rss_growth(run: Any) -> tuple[Any, int]:
    """run()'s result and how far this process's peak RSS rose above its RSS before it (Linux VmHWM)."""
    status = Path("/proc/self/status")
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    before = int(re.search(r"VmHWM:\s+(\d+) kB", status.read_text()).group(1))  # type: ignore[union-attr]
    result = run()
    after = int(re.search(r"VmHWM:\s+(\d+) kB", status.read_text()).group(1))  # type: ignore[union-attr]
    return result, (after - before) * 1024


def test_a_large_returning_that_is_not_last_keeps_memory_flat(tool: QueryTool) -> None:
    assert tool.run("create table big(a int, b text)")["error"] is None
    script = "insert into big select g, repeat('x', 500) from generate_series(1, 200000) g returning *; select 1;"
    result, growth = peak_rss_growth(lambda: tool.run(script))  # ~100 MiB of rows, ~200 MiB buffered by libpq
    assert result["error"] is None, result["error"]
    first = result["statements"][0]
    assert (first["command"], first["row_count"]) == ("INSERT 0 200000", 200000)
    assert len(first["rows"]) == 100 and first["rows"][0] == [1, "x" * 500]  # RESULT_PREVIEW_ROWS
    assert first["columns"] == [{"name": "a", "type": "int4"}, {"name": "b", "type": "text"}]
    assert result["rows"] == [[1]]
    assert growth < 40 * MiB, f"peak RSS grew by {growth // MiB} MiB"


def read_all(tool: QueryTool) -> tuple[list[Any], dict[str, Any]]:
    rows: list[Any] = []
    while True:
        page = tool.fetch(5000).get_json()
        rows += page["rows"]
        if not page["has_more"]:
            return rows, page


def test_a_million_row_returning_that_is_last_is_paged_with_flat_memory(tool: QueryTool, pg_server: Any,
                                                                       pg_database: str) -> None:
    """Before, libpq buffered the whole result (~250 MiB here); now: one chunk, the first page, the spool."""
    assert tool.run("create table big(a int, b text)")["error"] is None
    script = "insert into big select g, repeat('x', 100) from generate_series(1, 1000000) g returning *"
    result, growth = peak_rss_growth(lambda: tool.run(script))
    assert result["error"] is None, result["error"]
    assert result["statements"][0]["command"] == "INSERT 0 1000000"
    assert len(result["rows"]) == 1000 and result["rows"][0] == [1, "x" * 100] and result["has_more"]
    assert result["transaction_status"] == "idle"
    assert growth < 40 * MiB, f"peak RSS grew by {growth // MiB} MiB"
    print(f"peak RSS growth {growth / MiB:.1f} MiB, {result['duration_ms']:.0f} ms")
    rest, last = read_all(tool)  # the spool's 64 MiB hold about 550,000 of them: the rest were let go
    assert [row[0] for row in result["rows"] + rest] == list(range(1, len(rest) + 1001))
    assert 400_000 < len(rest) < 1_000_000 and last["rest_let_go"] is True and "released" not in last
    assert tool.run("select count(*) from big")["rows"] == [[1000000]]  # inserted once, committed


@pytest.mark.parametrize("statement", [
    "insert into r select g, 'y' from generate_series(1, 5000) g returning a",
    "with d as (insert into r select g, 'y' from generate_series(1, 5000) g returning a) select a from d",
    "explain (analyze, costs off, timing off, summary off) select * from generate_series(1, 5000)",
])
def test_a_last_statement_that_cannot_be_declared_pages_to_its_end(tool: QueryTool, psql: Psql,
                                                                   statement: str) -> None:
    printed = psql.output(f"{SETUP}\\echo STATEMENT\n{statement};\n").split("STATEMENT\n", 1)[1]
    count = int(PSQL_COUNT.findall(printed)[0])
    result = tool.run(f"{SETUP}{statement}")
    assert result["error"] is None, result["error"]
    rest, last = read_all(tool)
    rows = result["rows"] + rest
    assert len(rows) == result["statements"][2]["row_count"] == count and last.get("rest_let_go", False) is False
    assert tool.client.get(tool.base).get_json()["holds"] == "nothing"


def test_past_the_spool_bound_a_returning_result_says_its_rows_were_let_go(make_app: Any, pg_server: Any,
                                                                          pg_database: str) -> None:
    client = api_client(make_app(RESULT_SPOOL_MAX_MB=0), ADMIN_EMAIL, ADMIN_PASSWORD)
    tool = open_tool(client, register_server(client, pg_server, pg_database), pg_database)
    result = tool.run(f"{SETUP}insert into r select g, 'y' from generate_series(1, 5000) g returning a")
    assert result["has_more"] and result["statements"][2]["command"] == "INSERT 0 5000"
    rest, last = read_all(tool)
    assert len(result["rows"] + rest) == 1001 and last["rest_let_go"] is True
    assert tool.run("select count(*) from r")["rows"] == [[5500]]


@pytest.mark.parametrize(("before", "statement", "after", "tag"), [
    ("", "insert into r select g, 'y' from generate_series(1, 300) g returning a", "", "INSERT 0 300"),
    ("", "update r set b = 'z' where a <= 250 returning a, b", "", "UPDATE 250"),
    ("", "delete from r where a > 380 returning *", "", "DELETE 120"),
    ("", "with d as (delete from r where a > 490 returning a) select a from d", "", "SELECT 10"),
    ("begin; declare c cursor for select a from r order by a;\n", "fetch 300 from c", "commit;\n", "FETCH 300"),
    ("", "explain analyze select * from r where a > 10", "", "EXPLAIN"),
])
def test_tags_and_counts_are_psqls(tool: QueryTool, psql: Psql, before: str, statement: str, after: str,
                                   tag: str) -> None:
    printed = psql.output(f"{SETUP}{before}\\echo STATEMENT\n{statement};\n{after}")
    printed = printed.split("STATEMENT\n", 1)[1]  # what psql shows for the statement alone
    count = int(PSQL_COUNT.findall(printed)[0])
    result = tool.run(f"{SETUP}{before}{statement};\nselect 1;\n{after}")
    assert result["error"] is None, result["error"]
    record = next(s for s in result["statements"] if s["index"] == 2 + before.count(";"))
    assert (record["command"], record["row_count"]) == (tag, count)
    assert len(record["rows"]) == min(count, 100)
    assert PSQL_TAG.findall(printed) == ([tag] if PSQL_TAG.match(tag) else [])
    assert result["transaction_status"] == "idle"


def test_statements_without_rows_keep_their_tags(tool: QueryTool, psql: Psql) -> None:
    script = f"{SETUP}update r set b = 'q' where a < 4; show work_mem; select 1;"
    printed = psql.output(script)
    result = tool.run(script)
    assert result["error"] is None, result["error"]
    assert [s["command"] for s in result["statements"][:4]] == ["CREATE TABLE", "INSERT 0 500", "UPDATE 3", "SHOW"]
    assert result["statements"][2]["row_count"] == 3 and "columns" not in result["statements"][2]
    assert "UPDATE 3" in printed
    assert result["statements"][3]["rows"] == [[psql.value("show work_mem")]]


def test_streamed_rows_are_loaded_as_the_query_tools(tool: QueryTool) -> None:
    script = ("create table v(a int8); insert into v values (9007199254740993) "
              "returning a, 'NaN'::float8, 1.50::numeric, date '2024-02-29'; select 1;")
    result = tool.run(script)
    assert result["error"] is None, result["error"]
    assert result["statements"][1]["rows"] == [["9007199254740993", "NaN", "1.50", "2024-02-29"]]
    assert [c["type"] for c in result["statements"][1]["columns"]] == ["int8", "float8", "numeric", "date"]


def test_notices_during_a_streamed_statement_are_delivered(tool: QueryTool) -> None:
    script = ("create function loud(int) returns int language plpgsql as $$ begin raise notice 'row %', $1; "
              "return $1; end $$; create table n(a int); insert into n select generate_series(1, 3) returning loud(a);"
              " select 1;")
    result = tool.run(script)
    assert result["error"] is None, result["error"]
    assert [n["message"] for n in result["statements"][2]["notices"]] == ["row 1", "row 2", "row 3"]


def test_an_error_mid_stream_is_the_statements_and_the_next_statement_works(tool: QueryTool, psql: Psql) -> None:
    script = ("create table e(a int); "
              "insert into e select g from generate_series(1, 5000) g returning 1 / (a - 3000); select 1;")
    assert psql.run(script) == "22012"
    result = tool.run(script)
    error = result["error"]
    assert (error["sqlstate"], error["statement_index"]) == ("22012", 1) and "division by zero" in error["message"]
    assert result["fates"][1:] == ["aborted", "not_run"] and result["transaction_status"] == "idle"
    after = tool.run("select count(*) from e")
    assert after["error"] is None and after["rows"] == [[0]]


def test_a_cancel_mid_stream_leaves_the_tab_usable(tool: QueryTool) -> None:
    script = "create table c(a int); insert into c select generate_series(1, 50000000) returning a; select 1;"
    assert tool.execute(script, wait_ms=300).status_code == 202
    assert tool.cancel().get_json() == {"cancelled": True}
    response = tool.result(wait_ms=30000)
    assert response.status_code == 200
    error = response.get_json()["error"]
    assert (error["sqlstate"], error["statement_index"], error["cancelled"]) == ("57014", 1, True)
    assert tool.run("select 2")["rows"] == [[2]]


def test_a_connection_lost_mid_stream_is_reported_as_lost(tool: QueryTool) -> None:
    script = "create table l(a int); insert into l values (1), (2) returning pg_terminate_backend(pg_backend_pid());"
    result = tool.run(script + " select 1;")
    assert result["transaction_status"] == "lost" and result["error"]["connection_lost"] is True
    assert result["fates"] == ["committed", "aborted", "not_run"]
