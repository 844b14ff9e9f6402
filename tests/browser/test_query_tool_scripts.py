"""A script's results on the page: a tab per statement, warnings that cannot be missed, the tab's transaction
modes, and a badge that says when a snapshot is held (real browser, real Gunicorn and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from tests.plugins.browser import module_server, run_sql, wait_ready
from tests.plugins.postgres_fixture import PgServer

LIVE_SERVER_SETTINGS = {"RESULT_HOLD_SECONDS": 2, "RESULT_PAGE_SIZE": 100}
server_id = module_server()


@pytest.fixture
def tool(query_tool_page: Any) -> Any:
    return query_tool_page


def column(page: Any, container: str) -> list[str]:
    return page.locator(f"{container} table.results-grid tbody tr td:nth-child(2)").all_inner_texts()


def test_each_row_returning_statement_has_its_own_result_tab(tool: Any) -> None:
    run_sql(tool, "select 'first' as a; create temp table t(x int); select g from generate_series(1, 300) g;"
                  " select 'last' as c;")
    tabs = tool.locator("#result-sets .result-set")
    assert tabs.all_inner_texts() == ["1: SELECT 1", "3: SELECT 300", "4: SELECT 1"]
    assert tool.locator("#result-sets .result-set.active").inner_text() == "4: SELECT 1"
    assert column(tool, "#results") == ["last"]
    tabs.nth(1).click()
    assert tool.locator("#results").is_hidden()
    assert column(tool, "#preview")[:3] == ["1", "2", "3"]
    # the preview is its first page (RESULT_PREVIEW_ROWS); the grid draws only the rows in view
    assert tool.get_attribute("#preview table.results-grid", "data-loaded-rows") == "100"
    assert "first 100 of 300 rows" in tool.inner_text("#preview")
    tabs.nth(0).click()
    assert column(tool, "#preview") == ["first"]
    tabs.nth(2).click()
    assert tool.locator("#preview").is_hidden() and column(tool, "#results") == ["last"]


def test_one_result_shows_no_tab_strip(tool: Any) -> None:
    run_sql(tool, "select 1 as only")
    assert tool.locator("#result-sets").is_hidden()


def test_a_commit_answered_with_rollback_is_a_warning_on_the_page(tool: Any) -> None:
    run_sql(tool, "begin; select 1/0;")
    assert tool.locator("#tx-badge").get_attribute("data-status") == "in_error"
    run_sql(tool, "commit")
    warning = tool.locator("#qt-warnings")
    assert warning.is_visible()
    assert "nothing was committed" in warning.inner_text()
    assert "nothing was committed" in tool.inner_text("#messages")
    run_sql(tool, "select 1")
    assert warning.is_hidden()


def test_a_failed_script_says_what_was_kept_and_what_never_ran(tool: Any) -> None:
    run_sql(tool, "create temp table k(x int); insert into k values (1); select 1/0; insert into k values (2);")
    messages = tool.inner_text("#messages")
    assert "not run" in messages
    assert "Statement 3" in messages and "failed" in messages


def test_auto_commit_off_keeps_the_changes_in_a_transaction(tool: Any, pg_server: PgServer,
                                                            pg_database: str) -> None:
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (x int)")
    box = tool.locator("#mode-autocommit")
    assert box.is_checked()
    box.uncheck()
    tool.wait_for_function("() => !document.querySelector('#mode-autocommit').disabled")
    run_sql(tool, "insert into kept values (1)")
    assert tool.locator("#tx-badge").get_attribute("data-status") == "in_transaction"
    with psycopg.connect(pg_server.conninfo(pg_database)) as conn:
        assert conn.execute("SELECT count(*) FROM kept").fetchone() == (0,)
    tool.reload()
    wait_ready(tool)
    tool.wait_for_selector("#mode-autocommit:not([disabled])")
    assert not tool.locator("#mode-autocommit").is_checked()  # the mode belongs to the tab's session
    run_sql(tool, "commit")
    with psycopg.connect(pg_server.conninfo(pg_database)) as conn:
        assert conn.execute("SELECT count(*) FROM kept").fetchone() == (1,)


def test_single_transaction_undoes_the_whole_script(tool: Any, pg_server: PgServer, pg_database: str) -> None:
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
        conn.execute("CREATE TABLE whole (x int)")
    tool.locator("#mode-single-transaction").check()
    tool.wait_for_function("() => !document.querySelector('#mode-single-transaction').disabled")
    run_sql(tool, "insert into whole values (1); insert into whole values (1/0);")
    assert "rolled back" in tool.inner_text("#messages")
    with psycopg.connect(pg_server.conninfo(pg_database)) as conn:
        assert conn.execute("SELECT count(*) FROM whole").fetchone() == (0,)


def test_the_badge_says_a_snapshot_is_held_until_it_is_released(tool: Any) -> None:
    run_sql(tool, "select g from generate_series(1, 1000) g")
    badge = tool.locator("#tx-badge")
    assert badge.get_attribute("data-holds") == "snapshot"
    assert "holding a snapshot" in badge.inner_text()
    tool.wait_for_selector("#tx-badge[data-holds='nothing']", timeout=15_000)  # RESULT_HOLD_SECONDS=2, then a check
    assert badge.inner_text() == "Idle"
    tool.click("#load-more")
    tool.wait_for_function("() => Number(document.querySelector('#results table').dataset.loadedRows) > 100")
    assert "temporary copy" in tool.inner_text("#results .grid-footer")
