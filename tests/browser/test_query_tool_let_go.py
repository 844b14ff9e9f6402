"""When a released result went past the temporary copy's bound, the grid says the rest was let go and runs
the statement again on request (real browser, real Gunicorn and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.plugins.browser import module_server, run_sql, wait_idle

LIVE_SERVER_SETTINGS = {"RESULT_HOLD_SECONDS": 1, "RESULT_PAGE_SIZE": 100, "RESULT_SPOOL_MAX_MB": 0}
server_id = module_server()


@pytest.fixture
def tool(query_tool_page: Any) -> Any:
    return query_tool_page


def loaded(page: Any) -> int:
    """The rows the grid holds (it draws only those in view)."""
    return int(page.get_attribute("#results table.results-grid", "data-loaded-rows"))


def test_rows_let_go_are_said_and_offered_again(tool: Any) -> None:
    run_sql(tool, "select g from generate_series(1, 50000) g")
    tool.wait_for_selector("#tx-badge[data-holds='nothing']", timeout=15_000)  # released past RESULT_HOLD_SECONDS
    while tool.locator("#load-more").is_visible():
        shown = loaded(tool)
        tool.click("#load-more")
        tool.wait_for_function("n => Number(document.querySelector('#results table').dataset.loadedRows) > n"
                               " || !!document.querySelector('#run-again')", arg=shown)
    assert "rest of the rows were let go" in tool.inner_text("#results .grid-footer")
    assert loaded(tool) < 50000
    tool.click("#run-again")
    wait_idle(tool)
    assert loaded(tool) == 100  # the statement ran again: its first page
    assert not tool.locator("#run-again").is_visible()
