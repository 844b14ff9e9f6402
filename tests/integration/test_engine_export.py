"""CSV export never runs a statement that wrote again (issue 13 item 4, issue 14): it writes the rows still held (the
first ones, then the spool) and says when some were let go; it is a POST; wait_ms is checked first."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from tests.plugins.app_fixtures import ADMIN_EMAIL, ADMIN_PASSWORD, api_client
from tests.plugins.query_tool_helpers import QueryTool, open_tool, register_server

CHARGES = """
create table charges (n int);
create function charge_card() returns int language sql as 'insert into charges values (1) returning 1';
create sequence s;
"""


@pytest.fixture
def tool(admin_client: Any, pg_server: Any, pg_database: str) -> QueryTool:
    return open_tool(admin_client, register_server(admin_client, pg_server, pg_database), pg_database)


@pytest.fixture
def ours(pg_server: Any, pg_database: str) -> Any:
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
        yield conn


def charged(ours: Any) -> tuple[int, int]:
    return ours.execute("select (select count(*) from charges), (select last_value from s)").fetchone()


def download(tool: QueryTool) -> Any:
    return tool.client.post(f"{tool.base}/export.csv")


def test_the_csv_of_a_writing_select_is_the_grid_not_a_second_run(tool: QueryTool, ours: Any) -> None:
    tool.run(CHARGES)
    shown = tool.run("select charge_card() as charge, nextval('s') as n")
    assert shown["rows"] == [[1, 1]]
    before = charged(ours)
    response = download(tool)
    assert response.status_code == 200 and response.get_data(as_text=True) == "charge,n\n1,1\n"
    assert charged(ours) == before == (1, 1)


def test_a_writing_select_past_the_first_page_exports_its_spool_not_a_second_run(tool: QueryTool,
                                                                                 ours: Any) -> None:
    tool.run(CHARGES)
    assert tool.run("select charge_card(), g from generate_series(1, 3000) g")["has_more"]
    before = charged(ours)
    response = download(tool)
    lines = response.get_data(as_text=True).splitlines()
    assert response.status_code == 200 and "X-Rows-Let-Go" not in response.headers
    assert lines[0] == "charge_card,g" and lines[1:] == [f"1,{g}" for g in range(1, 3001)]
    assert charged(ours) == before and before[0] == 3000


@pytest.mark.parametrize("statement", [
    "insert into t select g from generate_series(1, 5000) g returning *",
    "with w as (insert into t select g from generate_series(1, 5000) g returning a) select a from w",
])
def test_an_insert_returning_exports_its_rows_once(tool: QueryTool, ours: Any, statement: str) -> None:
    tool.run("create table t (a int)")
    shown = tool.run(statement)
    assert shown["has_more"] and len(shown["rows"]) == 1000
    tool.fetch(1500)  # the grid's paging does not take rows from the export
    response = download(tool)
    lines = response.get_data(as_text=True).splitlines()
    assert response.status_code == 200 and "X-Rows-Let-Go" not in response.headers
    assert lines == ["a", *(str(g) for g in range(1, 5001))]
    assert ours.execute("select count(*) from t").fetchone()[0] == 5000  # not 10000
    assert tool.run("select 1")["rows"] == [[1]]  # a later result without the spool's rows…
    tool.run("insert into t values (0)")  # … and one without rows leave the export as it was
    assert download(tool).get_data(as_text=True) == "?column?\n1\n"


def test_an_export_of_a_result_read_to_its_end_still_has_every_row(tool: QueryTool, ours: Any) -> None:
    tool.run("create table t (a int)")
    tool.run("insert into t select g from generate_series(1, 2500) g returning a")
    assert tool.fetch(1000).get_json()["has_more"]
    assert not tool.fetch(1000).get_json()["has_more"]  # read to its end: the result and its spool are closed
    stored = tool.client.post(f"{tool.base}/export-to-storage", json={"path": "/t.csv"}).get_json()
    assert (stored["rows"], stored["rows_let_go"]) == (2500, False)
    assert ours.execute("select count(*) from t").fetchone()[0] == 2500


def test_rows_let_go_are_said_and_nothing_runs_again(make_app: Any, pg_server: Any, pg_database: str,
                                                     ours: Any) -> None:
    client = api_client(make_app(RESULT_SPOOL_MAX_MB=0), ADMIN_EMAIL, ADMIN_PASSWORD)
    tool = open_tool(client, register_server(client, pg_server, pg_database), pg_database)
    tool.run("create table t (a int)")
    tool.run("insert into t select g from generate_series(1, 5000) g returning a")
    response = download(tool)
    assert response.status_code == 200 and response.headers["X-Rows-Let-Go"] == "true"
    assert response.get_data(as_text=True).splitlines()[1:] == [str(g) for g in range(1, 1002)]
    not_last = tool.run("insert into t select g from generate_series(1, 300) g returning a; select 2 as x")
    assert not_last["error"] is None
    stored = client.post(f"{tool.base}/export-to-storage", json={"path": "/x.csv"}).get_json()
    assert (stored["rows"], stored["rows_let_go"]) == (1, False)  # the last row set is the one exported
    tool.run("insert into t select g from generate_series(1, 300) g returning a; commit")
    stored = client.post(f"{tool.base}/export-to-storage", json={"path": "/p.csv"}).get_json()
    assert (stored["rows"], stored["rows_let_go"]) == (100, True)  # RESULT_PREVIEW_ROWS of a statement not last
    assert ours.execute("select count(*) from t").fetchone()[0] == 5600


def test_a_rerun_that_would_write_stops_read_only_and_keeps_the_transaction(tool: QueryTool, ours: Any) -> None:
    """In the user's transaction nobody can tell whether the query wrote: it is read again read-only."""
    tool.run(CHARGES)
    tool.run("begin")
    assert tool.run("select nextval('s') from generate_series(1, 3000)")["has_more"]
    response = download(tool)
    assert response.status_code == 409 and "would change data" in response.get_json()["error"]["message"]
    assert tool.run("select currval('s')")["rows"] == [[1001]]  # the grid's read-ahead, not the export's
    assert tool.run("commit")["transaction_status"] == "idle"


def test_a_large_read_only_result_streams_in_full(tool: QueryTool) -> None:
    tool.run("begin")
    assert tool.run("select g from generate_series(1, 2500) g")["has_more"]
    lines = download(tool).get_data(as_text=True).splitlines()
    assert lines[0] == "g" and len(lines) == 2501
    assert tool.run("select 1")["transaction_status"] == "in_transaction"


def test_values_are_written_as_postgresql_writes_them(tool: QueryTool) -> None:
    tool.run("select true as b, null::int as n, '' as empty, 'a,\"b' as q, array[1, null] as arr, "
             "array['x y', 'NULL'] as texts, 1.5::float8 as f")
    text = download(tool).get_data(as_text=True)
    assert text == 'b,n,empty,q,arr,texts,f\nt,,"","a,""b","{1,NULL}","{""x y"",""NULL""}",1.5\n'


def test_the_result_of_copy_to_stdout_downloads_as_its_lines(tool: QueryTool) -> None:
    tool.run("copy (select g, 'v' || g from generate_series(1, 3) g) to stdout with (format csv, header)")
    assert download(tool).get_data(as_text=True) == "g,?column?\n1,v1\n2,v2\n3,v3\n"


def test_the_download_is_not_a_get(tool: QueryTool) -> None:
    tool.run("select 1")
    assert tool.client.get(f"{tool.base}/export.csv").status_code == 405


def test_wait_ms_is_checked_before_the_statement_starts(tool: QueryTool, ours: Any) -> None:
    tool.run("create table t (a int)")
    refused = tool.client.post(f"{tool.base}/execute", json={"sql": "insert into t values (1)", "wait_ms": "soon"})
    assert refused.status_code == 400 and "wait_ms" in refused.get_json()["error"]["message"]
    assert ours.execute("select count(*) from t").fetchone()[0] == 0
