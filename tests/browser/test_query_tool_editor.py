"""The query tool's editor actions in a real browser: run/explain the statement at the cursor, Format SQL, find and
replace, comment toggle, the shortcut help, and shortcuts rebound in Preferences."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from tests.plugins.browser import editor_text, module_server, open_query_tool, set_editor_text, wait_idle
from tests.plugins.live_server import LiveServer
from tests.plugins.postgres_fixture import PgServer

server_id = module_server()
FUNCTION_SCRIPT = ("select 1 as a;\n"
                   "CREATE FUNCTION qt_f() RETURNS int LANGUAGE plpgsql AS $$\n"
                   "BEGIN PERFORM 1; RETURN 2; END $$;\n"
                   "select 3 as c;")


@pytest.fixture
def tool(query_tool_page: Any) -> Any:
    return query_tool_page


def put_cursor(page: Any, line: int, column: int = 0) -> None:
    """The cursor on line (1-based), column characters into it."""
    page.click("#editor .cm-content")
    page.keyboard.press("ControlOrMeta+Home")
    for _ in range(line - 1):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Home")
    for _ in range(column):
        page.keyboard.press("ArrowRight")


def open_preferences(page: Any, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/preferences")
    page.wait_for_selector("html[data-page-ready=preferences]")


def wait_columns(page: Any, names: list[str]) -> None:
    page.wait_for_function("names => [...document.querySelectorAll('table.results-grid thead .col-name')]"
                           ".map(e => e.textContent).join() === names.join()", arg=names)


def test_run_at_cursor_takes_the_whole_dollar_quoted_function(tool: Any, pg_server: PgServer,
                                                                pg_database: str) -> None:
    set_editor_text(tool, FUNCTION_SCRIPT)
    put_cursor(tool, 3, 10)  # inside the body, between its semicolons
    tool.keyboard.press("ControlOrMeta+Shift+Enter")
    tool.wait_for_function("() => document.querySelector('#messages').innerText.includes('CREATE FUNCTION')")
    wait_idle(tool)
    assert "SELECT" not in tool.inner_text("#messages")  # neither neighbour ran
    with psycopg.connect(pg_server.conninfo(pg_database)) as conn:
        assert conn.execute("SELECT qt_f()").fetchone() == (2,)
    put_cursor(tool, 4, 3)
    tool.click("#execute-statement")
    wait_columns(tool, ["c"])
    assert editor_text(tool).strip() == FUNCTION_SCRIPT  # nothing selected or changed


def test_explain_without_a_selection_explains_the_cursors_statement(tool: Any) -> None:
    set_editor_text(tool, "select 1;\nselect * from generate_series(1, 3);")
    put_cursor(tool, 2, 4)
    tool.click("#explain")
    tool.wait_for_selector("#plan:not([hidden])")
    assert "Function Scan" in tool.inner_text("#plan")


def test_format_keeps_the_comment_and_gives_sql_that_runs(tool: Any) -> None:
    set_editor_text(tool, "select a, b -- keep me\nfrom (select 1 a, 2 b) s;")
    tool.keyboard.press("Shift+Alt+F")
    tool.wait_for_function("() => document.querySelector('#editor').shadowRoot.querySelector('.cm-content')"
                           ".innerText.includes('SELECT a')")
    assert "-- keep me" in editor_text(tool)
    tool.keyboard.press("ControlOrMeta+Home")  # the formatted text is selected: run it all
    tool.click("#execute")
    wait_columns(tool, ["a", "b"])


def test_format_of_invalid_sql_shows_the_error_and_keeps_the_text(tool: Any, page_errors: Any) -> None:
    page_errors.allow("status of 400")
    text = "select 1;\nselec 2;"
    set_editor_text(tool, text)
    tool.click("#format-sql")
    tool.wait_for_function("() => document.querySelector('#messages').innerText.includes('Not formatted')")
    assert "selec" in tool.inner_text("#messages")
    assert tool.get_attribute("#editor", "data-error-line") == "2"
    assert editor_text(tool).strip() == text


def test_comment_toggle_on_the_selected_lines(tool: Any) -> None:
    set_editor_text(tool, "select 1;\nselect 2;")
    tool.keyboard.press("ControlOrMeta+a")
    tool.keyboard.press("ControlOrMeta+/")
    tool.wait_for_function("() => document.querySelector('#editor').shadowRoot.querySelector('.cm-content')"
                           ".innerText.trim() === '-- select 1;\\n-- select 2;'")
    tool.click("#toggle-comment")
    tool.wait_for_function("() => document.querySelector('#editor').shadowRoot.querySelector('.cm-content')"
                           ".innerText.trim() === 'select 1;\\nselect 2;'")


def test_find_and_replace_all(tool: Any) -> None:
    set_editor_text(tool, "select 'apple', 'apple' as fruit;")
    tool.keyboard.press("ControlOrMeta+f")
    panel = tool.locator("#editor .cm-search")
    panel.wait_for()
    panel.locator("input[name=search]").fill("apple")
    panel.locator("input[name=replace]").fill("pear")
    panel.locator("button[name=replaceAll]").click()
    tool.wait_for_function("() => document.querySelector('#editor').shadowRoot.querySelector('.cm-content')"
                           ".innerText.trim() === \"select 'pear', 'pear' as fruit;\"")
    panel.locator("button[name=close]").click()
    tool.click("#find")  # the toolbar opens it too
    panel.wait_for()


def test_the_help_lists_every_shortcut(tool: Any, live_server: LiveServer) -> None:
    tool.click("#shortcuts-button")
    rows = tool.locator("#shortcuts-help tr")
    rows.first.wait_for()
    texts = rows.all_inner_texts()
    assert len(texts) == 11
    assert any("statement under the cursor" in t and "Ctrl+Shift+Enter" in t for t in texts)
    assert any("Format SQL" in t and "Shift+Alt+F" in t for t in texts)
    tool.click("#shortcuts-help button[type=submit]")
    tool.wait_for_selector("#shortcuts-help", state="detached")
    tool.keyboard.press("F1")
    tool.wait_for_selector("#shortcuts-help")
    assert "Ctrl+Shift+Enter" in (tool.get_attribute("#execute-statement", "title") or "")
    tool.keyboard.press("Escape")
    tool.wait_for_selector("#shortcuts-help", state="detached")


def test_a_rebound_shortcut_works_and_the_old_one_does_not(tool: Any, live_server: LiveServer, server_id: int,
                                                             pg_database: str) -> None:
    open_preferences(tool, live_server)
    tool.fill("input[data-shortcut=execute_statement]", "alt-R")
    tool.click("#preferences-save")
    tool.wait_for_function("() => document.querySelector('#preferences-status').textContent === 'Saved.'")
    assert tool.input_value("input[data-shortcut=execute_statement]") == "Alt-r"
    open_query_tool(tool, live_server.url, server_id, pg_database)
    lookups: list[str] = []
    tool.on("request", lambda request: lookups.append(request.url) if "statement-at" in request.url else None)
    set_editor_text(tool, "select 1 as a;\nselect 2 as b;")
    put_cursor(tool, 2, 2)
    tool.keyboard.press("Alt+r")
    wait_columns(tool, ["b"])
    wait_idle(tool)
    put_cursor(tool, 1, 2)
    tool.keyboard.press("ControlOrMeta+Shift+Enter")  # no longer bound: nothing is looked up or run
    tool.keyboard.press("Alt+r")
    wait_columns(tool, ["a"])
    assert len(lookups) == 2


def test_a_duplicate_shortcut_is_refused_on_the_preferences_page(tool: Any, live_server: LiveServer,
                                                                  page_errors: Any) -> None:
    page_errors.allow("status of 400")
    open_preferences(tool, live_server)
    tool.fill("input[data-shortcut=format]", "F5")
    tool.click("#preferences-save")
    error = tool.locator("#preferences-error")
    error.wait_for()
    assert "already the shortcut of" in error.inner_text()
