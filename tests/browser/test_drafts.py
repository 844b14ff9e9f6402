"""Autosaved editor text: kept across an expired login (re-login in a new tab) and restored from the server."""

from __future__ import annotations

from typing import Any

from tests.plugins.browser import (
    PageErrors,
    editor_text,
    http_session,
    login,
    module_server,
    open_query_tool,
    run_sql,
    set_editor_text,
)
from tests.plugins.live_server import LiveServer

server_id = module_server()


def server_draft(base_url: str, key: str) -> dict[str, Any]:
    response = http_session(base_url).get(f"{base_url}/api/v1/drafts/{key}", timeout=10)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_expired_login_keeps_the_text_and_saves_it_after_relogin(
        live_server: LiveServer, server_id: int, pg_database: str, page: Any, page_errors: PageErrors) -> None:
    page_errors.allow(r"status of 401 ")  # the calls the expired login refuses
    # Without a login the CSRF check answers first (400 csrf_failed); the page then asks /session (401).
    page_errors.allow(r"status of 400 .*/api/v1/drafts/")
    login(page, live_server.url)
    open_query_tool(page, live_server.url, server_id, pg_database)
    key = f"qt:{server_id}:{pg_database}"

    set_editor_text(page, "select 'first draft'")
    page.wait_for_selector("#draft-status[data-state=ok]", timeout=6000)
    assert server_draft(live_server.url, key)["text"] == "select 'first draft'"

    page.context.clear_cookies()  # the login is gone, as when it expires
    set_editor_text(page, "select 'typed while logged out'")
    banner = page.locator("#session-banner")
    banner.wait_for(timeout=6000)
    assert "Your session expired — log in again" in banner.inner_text()
    page.wait_for_selector("#draft-status[data-state=failed]")
    stored = page.evaluate(f"JSON.parse(localStorage.getItem('pgadmin-lite:draft:1:{key}')).text")
    assert stored == "select 'typed while logged out'"

    with page.context.expect_page() as new_tab:
        page.click("#session-login")  # opens the login form in a new tab; this one keeps its state
    login_tab = new_tab.value
    login_tab.wait_for_selector("input[name=email]")
    assert "next=" in login_tab.url
    login_tab.fill("input[name=email]", "admin@example.com")
    login_tab.fill("input[name=password]", "admin-password-1")
    login_tab.click("form.login button[type=submit]")
    login_tab.wait_for_selector("html[data-ready=true]")  # the workspace
    login_tab.close()

    page.bring_to_front()
    page.click("#session-retry")
    banner.wait_for(state="detached")
    page.wait_for_selector("#draft-status[data-state=ok]", timeout=6000)
    assert server_draft(live_server.url, key)["text"] == "select 'typed while logged out'"
    assert editor_text(page) == "select 'typed while logged out'"

    run_sql(page, "select 'same tab, same connection' as still")  # the query tool survived the re-login
    assert page.locator("table.results-grid tbody td:nth-child(2)").inner_text() == "same tab, same connection"


def test_a_new_browser_gets_the_server_draft(live_server: LiveServer, server_id: int, pg_database: str,
                                             page: Any, browser: Any) -> None:
    login(page, live_server.url)
    open_query_tool(page, live_server.url, server_id, pg_database)
    set_editor_text(page, "select 42 as answer;\n-- kept on the server")
    page.wait_for_selector("#draft-status[data-state=ok]", timeout=6000)

    other = browser.new_context()
    try:
        second = other.new_page()
        login(second, live_server.url)
        open_query_tool(second, live_server.url, server_id, pg_database)
        second.wait_for_function("t => document.querySelector('#editor').shadowRoot"
                                 ".querySelector('.cm-content').innerText === t",
                                 arg="select 42 as answer;\n-- kept on the server")
        second.click("#close-tool")
        second.wait_for_url(f"{live_server.url}/")
    finally:
        other.close()
