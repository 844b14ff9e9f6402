"""CSV export never runs a statement that wrote again (issue 13 item 4), and is a POST; wait_ms checked first."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

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


def test_a_writing_result_no_longer_held_whole_is_refused_with_409(tool: QueryTool, ours: Any) -> None:
    tool.run(CHARGES)
    assert tool.run("select charge_card(), g from generate_series(1, 3000) g")["has_more"]
    before = charged(ours)
    response = download(tool)
    assert response.status_code == 409 and "run it again" in response.get_json()["error"]["message"]
    assert charged(ours) == before


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
