"""The query tool page in a real browser against the real Gunicorn and PostgreSQL."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.plugins.browser import (
    editor_text,
    http_session,
    module_server,
    run_sql,
    set_editor_text,
    wait_idle,
    wait_ready,
)
from tests.plugins.live_server import LiveServer
from tests.plugins.postgres_fixture import PgServer

server_id = module_server()


@pytest.fixture
def tool(query_tool_page: Any) -> Any:
    return query_tool_page


def cells(page: Any, column: int) -> list[str]:
    """Texts of one result column (0-based, not counting the row-number column)."""
    return page.locator(f"table.results-grid tbody tr td:nth-child({column + 2})").all_inner_texts()


def test_null_is_distinct_from_the_text_null(tool: Any) -> None:
    run_sql(tool, "select null::text as a, 'NULL'::text as b, 42 as n")
    assert tool.locator("table.results-grid thead .col-name").all_inner_texts() == ["a", "b", "n"]
    assert tool.locator("table.results-grid thead .col-type").all_inner_texts() == ["text", "text", "int4"]
    a, b = (tool.locator(f"table.results-grid tbody td:nth-child({i})") for i in (2, 3))
    assert a.get_attribute("class") == "null"
    assert b.inner_text() == "NULL" and b.get_attribute("class") != "null"
    assert tool.evaluate("getComputedStyle(document.querySelector('td.null')).fontStyle") == "italic"


def test_begin_insert_then_commit(tool: Any, pg_server: PgServer, pg_database: str) -> None:
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
        conn.execute("CREATE TABLE items (id int)")
    run_sql(tool, "BEGIN; INSERT INTO items VALUES (7);")
    badge = tool.locator("#tx-badge")
    assert badge.get_attribute("data-status") == "in_transaction"
    assert "In transaction" in badge.inner_text()
    assert "INSERT 0 1" in tool.inner_text("#messages")
    with psycopg.connect(pg_server.conninfo(pg_database)) as conn:
        assert conn.execute("SELECT count(*) FROM items").fetchone() == (0,)  # not committed yet

    assert tool.locator("#rollback").is_enabled()
    tool.click("#commit")
    tool.wait_for_selector("#tx-badge[data-status=idle]")
    assert badge.inner_text() == "Idle"
    assert tool.locator("#commit").is_disabled()
    with psycopg.connect(pg_server.conninfo(pg_database)) as conn:
        assert conn.execute("SELECT id FROM items").fetchall() == [(7,)]


def test_reload_mid_transaction_reattaches(tool: Any, pg_server: PgServer, pg_database: str) -> None:
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
        conn.execute("CREATE TABLE items (id int)")
    script = "BEGIN;\nINSERT INTO items VALUES (1);"
    run_sql(tool, script)
    tool.wait_for_selector("#tx-badge[data-status=in_transaction]")
    tx_before = tool.evaluate("Object.entries(sessionStorage).find(([k]) => k.startsWith('pgadmin-lite:tx:'))[1]")
    tool.wait_for_function("t => Object.entries(localStorage).some(([k, v]) => k.startsWith('pgadmin-lite:draft:')"
                           " && JSON.parse(v).text === t)", arg=script)  # the local draft is written

    dialogs: list[str] = []

    def leave(dialog: Any) -> None:
        dialogs.append(dialog.type)
        dialog.accept()

    tool.on("dialog", leave)
    tool.reload()
    wait_ready(tool)
    tool.wait_for_selector("#tx-badge[data-status=in_transaction]")
    assert dialogs == ["beforeunload"]  # leaving with an open transaction warns first
    tx_after = tool.evaluate("Object.entries(sessionStorage).find(([k]) => k.startsWith('pgadmin-lite:tx:'))[1]")
    assert tx_after == tx_before
    assert editor_text(tool).strip() == script
    assert "INSERT 0 1" in tool.inner_text("#messages")  # the last result is shown again

    tool.click("#rollback")
    tool.wait_for_selector("#tx-badge[data-status=idle]")
    with psycopg.connect(pg_server.conninfo(pg_database)) as conn:
        assert conn.execute("SELECT count(*) FROM items").fetchone() == (0,)


def test_cancel_a_long_query(tool: Any) -> None:
    set_editor_text(tool, "select pg_sleep(30)")
    with tool.expect_request(lambda request: "/result?" in request.url):  # past the execute request: long-polled
        tool.click("#execute")
    tool.wait_for_selector("#cancel:not([disabled])")
    started = time.monotonic()
    tool.click("#cancel")
    tool.wait_for_selector(".msg-error.cancelled", timeout=5000)
    assert time.monotonic() - started < 5
    assert "canceling statement due to user request" in tool.inner_text("#messages")
    assert "57014" in tool.inner_text("#messages")
    wait_idle(tool)
    assert tool.locator("#tx-badge").get_attribute("data-status") == "idle"


def test_error_highlights_its_line(tool: Any) -> None:
    run_sql(tool, "select 1;\nselect nope;")
    messages = tool.inner_text("#messages")
    assert 'column "nope" does not exist' in messages
    assert "line 2" in messages and "42703" in messages
    assert tool.locator("#editor.has-error-line").count() == 1
    assert tool.get_attribute("#editor", "data-error-line") == "2"
    assert tool.locator("#editor .cm-activeLine").inner_text() == "select nope;"
    assert tool.locator("[role=tab][data-tab=messages]").get_attribute("aria-selected") == "true"


def test_explain_analyze_shows_a_plan_tree(tool: Any) -> None:
    set_editor_text(tool, "select count(*) from generate_series(1, 100) g where g % 2 = 0;")
    tool.click("#explain-analyze")
    wait_idle(tool)
    tree = tool.locator("#plan .plan-tree")
    tree.wait_for()
    types = tool.locator("#plan .plan-type").all_inner_texts()
    assert types[0] == "Aggregate" and "Function Scan" in types
    text = tree.inner_text()
    assert "cost " in text and "actual " in text and "loops 1" in text
    assert "Execution time" in tool.inner_text("#plan")

    tool.click("#explain")
    wait_idle(tool)
    assert "actual " not in tool.locator("#plan .plan-tree").inner_text()


def test_more_rows_history_and_csv(tool: Any) -> None:
    run_sql(tool, "select g, repeat('x', 10) as pad from generate_series(1, 2500) g")
    status = tool.locator("#qt-status")
    assert status.inner_text().startswith("1000 rows (more available)")
    tool.click("#load-more")
    tool.wait_for_function("() => document.querySelector('#qt-status').textContent.startsWith('2000 rows')")
    tool.locator(".grid-scroll").evaluate("el => { el.scrollTop = el.scrollHeight; }")
    tool.wait_for_function("() => document.querySelector('#qt-status').textContent.startsWith('2500 rows')")
    assert "more available" not in status.inner_text()
    tool.locator(".grid-scroll").evaluate("el => { el.scrollTop = el.scrollHeight; }")  # only rows in view are drawn
    tool.wait_for_function("() => [...document.querySelectorAll('#results tbody td:nth-child(2)')].at(-1)"
                           "?.textContent === '2500'")

    with tool.expect_download() as download_info:
        tool.click("#download-csv")
    path = download_info.value.path()
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    assert lines[0] == "g,pad" and len(lines) == 2501

    set_editor_text(tool, "select 'something else'")
    tool.click("#history-toggle")
    entry = tool.locator(".history-entry", has_text="generate_series(1, 2500)").first
    entry.wait_for()
    tool.fill("#history-search", "repeat('x'")
    tool.wait_for_function("() => document.querySelectorAll('.history-entry').length === 1")
    entry.click()
    assert "generate_series(1, 2500)" in editor_text(tool)


def test_choosing_a_format_and_downloading(tool: Any) -> None:
    """Issue 16 point 6: the format chosen beside Download ▸ is the file's, named after the query."""
    run_sql(tool, "select 1 as n, 'it''s' as t, null as nothing")
    tool.select_option("#export-format", "json")
    with tool.expect_download() as download_info:
        tool.click("#download-csv")
    download = download_info.value
    assert download.suggested_filename == "select_1_as.json"
    assert json.loads(Path(download.path()).read_text(encoding="utf-8")) == [{"n": 1, "t": "it's", "nothing": None}]
    assert tool.evaluate("localStorage.getItem('pgadmin-lite:export-format')") == "json"  # the next page offers it
    tool.select_option("#export-format", "csv")  # as the other tests of this browser expect


def test_screenshot_of_a_result(tool: Any) -> None:
    run_sql(tool, "select n as id, 'row ' || n as label, case when n % 3 = 0 then null else n * 1.5 end as amount,\n"
                  "       now() as at, jsonb_build_object('n', n) as doc\nfrom generate_series(1, 40) n;")
    tool.keyboard.press("Escape")
    tool.screenshot(path="/tmp/qt.png")
    assert tool.get_attribute("table.results-grid", "data-loaded-rows") == "40"  # only the rows in view are drawn


def test_lost_connection_then_reconnect(tool: Any, pg_server: PgServer) -> None:
    run_sql(tool, "BEGIN; select pg_backend_pid() as pid")
    pid = int(cells(tool, 0)[0])
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(%s)", [pid])
    run_sql(tool, "select 1")
    tool.wait_for_selector("#tx-badge[data-status=lost]")
    assert "Connection lost" in tool.inner_text("#messages")
    assert "rolled it back" in tool.inner_text("#messages")  # the server's hint: the transaction's fate
    tool.click("#reconnect")
    tool.wait_for_selector("#tx-badge[data-status=idle]")
    assert tool.locator("#reconnect").is_hidden()
    run_sql(tool, "select 2 as y")
    assert cells(tool, 0) == ["2"]


def test_a_closed_tool_offers_a_new_connection_after_reload(tool: Any, live_server: LiveServer,
                                                            page_errors: Any) -> None:
    page_errors.allow(r"status of 410 .*/api/v1/query-tool/")
    tx_id = tool.evaluate("Object.entries(sessionStorage).find(([k]) => k.startsWith('pgadmin-lite:tx:'))[1]")
    response = http_session(live_server.url).delete(f"{live_server.url}/api/v1/query-tool/{tx_id}", timeout=10)
    assert response.status_code == 204
    tool.reload()
    wait_ready(tool)
    problem = tool.locator("#qt-problem")
    problem.wait_for()
    assert "This query tool was closed." in problem.inner_text()
    assert tool.locator("#tx-badge").get_attribute("data-status") == "closed"
    assert tool.locator("#execute").is_disabled()
    tool.click("#open-new-connection")
    tool.wait_for_selector("#tx-badge[data-status=idle]")
    assert problem.is_hidden()
    run_sql(tool, "select 3 as z")
    assert cells(tool, 0) == ["3"]


def test_execute_runs_only_the_selection(tool: Any) -> None:
    set_editor_text(tool, "select 1 as a;\nselect 2 as b;")
    assert tool.inner_text("#execute") == "Execute"
    tool.keyboard.press("ControlOrMeta+End")
    tool.keyboard.press("Shift+Home")  # select line 2
    assert tool.inner_text("#execute") == "Execute selection"
    tool.click("#execute")
    wait_idle(tool)
    assert tool.locator("table.results-grid thead .col-name").all_inner_texts() == ["b"]

    set_editor_text(tool, "select 1 as a;\nselect nope as b;")
    tool.keyboard.press("ControlOrMeta+End")
    tool.keyboard.press("Shift+Home")
    tool.keyboard.press("F5")  # the run key, in the editor
    wait_idle(tool)
    assert tool.get_attribute("#editor", "data-error-line") == "2"  # the editor's line, not the selection's
    assert "Statement 1: SELECT" not in tool.inner_text("#messages")  # line 1 did not run
