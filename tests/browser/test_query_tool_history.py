"""The history panel: insert at the cursor keeps the editor's text, Run leaves it alone, filters, typed EXPLAIN."""

from __future__ import annotations

from typing import Any

from tests.plugins.browser import module_server, run_sql, set_editor_text, wait_idle

server_id = module_server()


def lines(page: Any) -> list[str]:
    return list(page.evaluate("[...document.querySelector('#editor').shadowRoot"
                              ".querySelectorAll('.cm-line')].map(l => l.textContent)"))


def open_history(page: Any) -> None:
    page.click("#history-toggle")
    page.wait_for_selector("#history-list[data-state=ready]")


def test_history_entry_is_inserted_at_the_cursor_keeping_the_text(query_tool_page: Any) -> None:
    page = query_tool_page
    run_sql(page, "select 'from history' as h")
    set_editor_text(page, "-- keep me\nselect 2;")
    page.keyboard.press("ControlOrMeta+End")
    open_history(page)
    page.locator(".history-entry", has_text="from history").click()
    assert lines(page) == ["-- keep me", "select 2;", "select 'from history' as h"]
    page.click("#execute")  # the inserted text is selected: Execute runs just it
    wait_idle(page)
    assert page.locator("table.results-grid tbody td", has_text="from history").count() == 1


def test_run_again_leaves_the_editor_alone_and_filters_narrow_the_list(query_tool_page: Any) -> None:
    page = query_tool_page
    run_sql(page, "select 'first run' as a")
    run_sql(page, "select 1/0")
    set_editor_text(page, "select 'unrelated'")
    open_history(page)
    page.locator(".history-item", has_text="first run").locator(".history-run").click()
    wait_idle(page)
    assert lines(page) == ["select 'unrelated'"]
    assert page.locator("table.results-grid tbody td", has_text="first run").count() == 1
    page.select_option("#history-status", "error")
    page.wait_for_function("() => [...document.querySelectorAll('.history-entry code')]"
                           ".map(c => c.textContent).join('|') === 'select 1/0'")
    page.select_option("#history-status", "")
    page.select_option("#history-scope", "all")
    page.wait_for_function("() => document.querySelector('.history-meta')?.textContent.includes(' on ')")


def test_explain_is_kept_as_typed(query_tool_page: Any) -> None:
    page = query_tool_page
    set_editor_text(page, "select 42 as answer")
    page.click("#explain-analyze")
    wait_idle(page)
    page.wait_for_selector("#plan .plan-tree")
    open_history(page)
    entry = page.locator(".history-entry").first
    assert entry.locator("code").inner_text() == "select 42 as answer"
    assert entry.locator(".history-meta").inner_text().startswith("EXPLAIN ANALYZE · ok")
