"""EXPLAIN in the query tool: the options menu, the plan view of any FORMAT JSON result, its flags, text and copy."""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest

from tests.plugins.browser import goto_ready, http_session, module_server, run_sql, set_editor_text, wait_idle
from tests.plugins.live_server import LiveServer
from tests.plugins.postgres_fixture import PgServer
from tests.plugins.waiting import wait_until

server_id = module_server()


DEFAULT_OPTIONS = {"analyze": False, "verbose": False, "costs": True, "settings": False, "buffers": False,
                   "wal": False, "timing": True, "summary": True}


@pytest.fixture
def default_options(live_server: LiveServer) -> None:
    """The admin's Explain options as PostgreSQL's defaults (the module's tests share the config DB)."""
    saved = http_session(live_server.url).put(f"{live_server.url}/api/v1/preferences",
                                              json={"explain_options": DEFAULT_OPTIONS}, timeout=10)
    assert saved.status_code == 200, saved.text


@pytest.fixture
def tool(default_options: None, query_tool_page: Any, pg_server: PgServer, pg_database: str) -> Any:
    """The query tool on a database with a big and a small table, their statistics up to date."""
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
        conn.execute("CREATE TABLE big AS SELECT g AS id, 1 AS a FROM generate_series(1, 50000) g")
        conn.execute("CREATE TABLE small AS SELECT g AS id FROM generate_series(1, 10) g")
        conn.execute("ANALYZE big")
        conn.execute("ANALYZE small")
    return query_tool_page


def explain(page: Any, sql: str, button: str = "#explain-analyze") -> Any:
    set_editor_text(page, sql)
    page.click(button)
    wait_idle(page)
    tree = page.locator("#plan .plan-tree")
    tree.wait_for()
    return tree


def tick(page: Any, *names: str) -> None:
    """Open the options menu and tick these options, waiting until the preferences have each."""
    if page.locator("#explain-options").get_attribute("open") is None:
        page.click("#explain-options > summary")
    for name in names:
        def is_saving(response: Any, name: str = name) -> bool:
            return (response.url.endswith("/api/v1/preferences") and response.request.method == "PUT"
                    and json.loads(response.request.post_data)["explain_options"][name] is True)

        with page.expect_response(is_saving) as saved:
            page.check(f"input[data-explain-option={name}]")
        assert saved.value.json()["explain_options"][name] is True


def test_the_options_menu_asks_for_buffers_and_is_remembered(tool: Any) -> None:
    timing = tool.locator("input[data-explain-option=timing]")
    tick(tool)
    assert timing.is_disabled() and tool.locator("[data-analyze-warning]").is_hidden()
    tick(tool, "analyze", "buffers")
    assert timing.is_enabled()
    assert "really runs the statement" in tool.locator("[data-analyze-warning]").inner_text()
    tool.click("#qt-title")  # a click elsewhere closes the menu
    assert tool.locator("#explain-options").get_attribute("open") is None
    explain(tool, "select count(*) from big", button="#explain")  # Explain with the menu's ANALYZE
    buffers = tool.locator("#plan .plan-node[data-node-type='Seq Scan'] .plan-buffers")
    assert buffers.inner_text().startswith("Buffers: shared ")
    assert "actual " in tool.inner_text("#plan .plan-tree")

    goto_ready(tool, tool.url)  # a reload: the same choices, from the preferences
    tool.wait_for_selector("#tx-badge[data-status=idle]")
    assert tool.locator("input[data-explain-option=buffers]").is_checked()
    assert tool.locator("input[data-explain-option=analyze]").is_checked()
    assert not tool.locator("input[data-explain-option=verbose]").is_checked()


def test_a_typed_explain_format_json_shows_the_plan_view(tool: Any) -> None:
    run_sql(tool, "explain (format json, costs off) select * from small where id = 3")
    assert tool.locator("[role=tab][data-tab=plan]").get_attribute("aria-selected") == "true"
    assert tool.locator("#plan .plan-type").all_inner_texts() == ["Seq Scan"]
    assert "Filter: (id = 3)" in tool.inner_text("#plan .plan-tree")
    run_sql(tool, "explain select 1")  # the text format stays rows in the grid
    assert tool.locator("[role=tab][data-tab=data]").get_attribute("aria-selected") == "true"


def test_a_tenfold_misestimate_is_flagged(tool: Any) -> None:
    explain(tool, "select * from big where a + 0 = 1")  # an expression: the planner guesses 0.5% of the rows
    flag = tool.locator("#plan .plan-node[data-node-type='Seq Scan'] .plan-misestimate")
    assert flag.get_attribute("data-direction") == "under"
    assert flag.inner_text().startswith("rows under-estimated \u00d7")
    assert "1 row misestimate of 10\u00d7 or more" in tool.inner_text("#plan .plan-timings")
    explain(tool, "select * from big where a = 1")  # with the statistics: right
    assert tool.locator("#plan .plan-misestimate").count() == 0


def test_the_slowest_path_is_highlighted(tool: Any) -> None:
    explain(tool, "select * from big join small using (id)")
    slow = tool.locator("#plan li.plan-slow > .plan-node")
    assert slow.locator(".plan-type").all_inner_texts() == ["Hash Join", "Seq Scan"]
    assert "big" in slow.nth(1).locator(".plan-target").inner_text()
    hash_node = tool.locator("#plan .plan-node[data-node-type=Hash]")
    assert hash_node.evaluate("el => el.parentElement.classList.contains('plan-slow')") is False
    assert tool.locator("#plan .plan-exclusive").count() == 4  # self time on every node
    assert "null" not in tool.inner_text("#plan")


def test_the_text_view_keeps_the_indentation_and_copy_puts_the_plan_on_the_clipboard(
        tool: Any, live_server: LiveServer) -> None:
    tool.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    explain(tool, "select * from big join small using (id)", button="#explain")
    tool.click("#plan-view-text")
    text_view = tool.locator("#plan pre.plan-text")
    assert text_view.is_visible() and tool.locator("#plan .plan-tree").is_hidden()
    assert text_view.evaluate("el => getComputedStyle(el).whiteSpace") == "pre"
    lines = text_view.inner_text().splitlines()
    assert lines[0].startswith("Hash Join  (cost=")
    assert "  Hash Cond: (big.id = small.id)" in lines
    assert any(line.startswith("  ->  Seq Scan on big  (cost=") for line in lines)
    assert any(line.startswith("        ->  Seq Scan on small  (cost=") for line in lines)

    clipboard = "navigator.clipboard.readText()"
    tool.click("#plan-copy-text")
    wait_until(lambda: tool.evaluate(clipboard) == text_view.inner_text(), "the text plan copied")
    tool.click("#plan-copy-json")
    wait_until(lambda: tool.evaluate(clipboard).startswith("["), "the JSON plan copied")
    assert json.loads(tool.evaluate(clipboard))[0]["Plan"]["Node Type"] == "Hash Join"
    tool.click("#plan-view-tree")
    assert tool.locator("#plan .plan-tree").is_visible() and text_view.is_hidden()


def test_analyze_of_a_data_changing_statement_says_it_ran(tool: Any, pg_server: PgServer, pg_database: str) -> None:
    tool.click("#mode-autocommit")  # off: the INSERT stays in the tab's open transaction
    tool.wait_for_selector("#mode-autocommit:not(:checked):not([disabled])")
    tick(tool, "analyze", "wal")
    tool.click("#qt-title")
    explain(tool, "insert into small values (11)", button="#explain")
    assert "ANALYZE really ran this data-changing statement" in tool.inner_text("#plan .plan-modified")
    assert tool.locator("#plan .plan-node[data-node-type=ModifyTable] .plan-wal").inner_text().startswith(
        "WAL: records=1 ")
    assert tool.locator("#tx-badge").get_attribute("data-status") == "in_transaction"
    with psycopg.connect(pg_server.conninfo(pg_database)) as conn:
        assert conn.execute("SELECT count(*) FROM small").fetchone() == (10,)  # not committed
    tool.click("#rollback")
    wait_idle(tool)
