"""Sessions end with their tab, in a real Chromium against the real Gunicorn and PostgreSQL: closing a page ends
its backend, ten abandoned tabs do not block an eleventh, My sessions lists and closes, logout asks first."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import psycopg
import pytest

from tests.plugins.browser import VIEWPORT, http_session, login, open_query_tool, outlive_the_page, run_sql
from tests.plugins.live_server import LiveServer
from tests.plugins.postgres_fixture import PgServer
from tests.plugins.waiting import wait_until

# A lease the page renews every few seconds, so a tab closed by an administrator learns it quickly.
LIVE_SERVER_SETTINGS = {"QUERY_TOOL_LEASE_SECONDS": 15}
PASSWORD = "sessions-pass-1"


@pytest.fixture(scope="module")
def server_id(live_server: LiveServer, pg_server: PgServer) -> int:
    """The test PostgreSQL, shared with every user (each test logs in as a user of its own)."""
    body = {"name": "sessions", "host": pg_server.host, "port": pg_server.port, "username": pg_server.user,
            "is_shared": True}
    response = http_session(live_server.url).post(f"{live_server.url}/api/v1/servers", json=body, timeout=10)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


@pytest.fixture
def user_email(live_server: LiveServer) -> str:
    """A user of this test's own: the per-user cap and the listings see only what this test opened."""
    email = f"u{uuid.uuid4().hex[:10]}@example.com"
    response = http_session(live_server.url).post(f"{live_server.url}/api/v1/users", timeout=10,
                                                  json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text
    return email


@pytest.fixture
def new_context(browser: Any, page_errors: Any, request: pytest.FixtureRequest) -> Any:
    """More browser contexts (other browsers of the same person, or an administrator's), closed after the test."""
    outlive_the_page(request)
    contexts: list[Any] = []

    def make() -> Any:
        context = browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(15_000)
        context.on("page", page_errors.watch)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def is_gone(pg_server: PgServer, pid: int) -> bool:
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        return not conn.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchall()


def backend_pid(page: Any) -> int:
    run_sql(page, "select pg_backend_pid()")
    return int(page.locator("table.results-grid tbody tr td:nth-child(2)").first.inner_text())


def sessions_ready(page: Any) -> None:
    page.wait_for_selector("#sessions-page[data-ready=true]")


def test_closing_a_query_tool_page_ends_its_backend(live_server: LiveServer, server_id: int, pg_database: str,
                                                    pg_server: PgServer, page: Any, user_email: str,
                                                page_errors: Any) -> None:
    page_errors.allow(r"status of 410 .*/api/v1/query-tool/")
    login(page, live_server.url, user_email, PASSWORD)
    open_query_tool(page, live_server.url, server_id, pg_database)
    pid = backend_pid(page)
    page.close()  # no beforeunload, no Close button: only the page's pagehide beacon can tell the server
    wait_until(lambda: is_gone(pg_server, pid), f"backend {pid} of the closed page is still connected",
               timeout=10)  # QUERY_TOOL_CLOSE_GRACE_SECONDS (5) after the goodbye, far inside the 15 s lease


def test_abandons_ten_tabs_and_then_opens_an_eleventh(live_server: LiveServer, server_id: int, pg_database: str,
                                                      page: Any, user_email: str, page_errors: Any) -> None:
    page_errors.allow(r"status of 429 .*/api/v1/query-tool")
    login(page, live_server.url, user_email, PASSWORD)
    tabs = [page.context.new_page() for _ in range(10)]  # MAX_CONNECTIONS_PER_USER's default
    for tab in tabs:
        open_query_tool(tab, live_server.url, server_id, pg_database)
    page.goto(f"{live_server.url}/query-tool?server_id={server_id}&database={pg_database}")
    problem = page.locator("#qt-problem")
    problem.wait_for()
    assert "You already have 10 open query tools" in problem.inner_text()
    link = page.locator("#open-my-sessions")
    assert link.get_attribute("href") == "/sessions"
    for tab in tabs:
        tab.close()  # abandoned: closed without logging out, without the Close button
    page.click("#retry-connect")
    page.wait_for_selector("#tx-badge[data-status=idle]")  # the eleventh is connected
    assert problem.is_hidden()


def test_my_sessions_lists_and_closes_a_session(live_server: LiveServer, server_id: int, pg_database: str,
                                                pg_server: PgServer, page: Any, user_email: str,
                                                page_errors: Any) -> None:
    page_errors.allow(r"status of 410 .*/api/v1/query-tool/")
    login(page, live_server.url, user_email, PASSWORD)
    open_query_tool(page, live_server.url, server_id, pg_database)
    run_sql(page, "begin")
    pid = backend_pid(page)
    panel = page.context.new_page()
    panel.goto(f"{live_server.url}/sessions")
    sessions_ready(panel)
    row = panel.locator("#sessions-table tbody tr")
    assert row.count() == 1
    text = row.inner_text()
    assert pg_database in text and "sessions" in text and "in transaction" in text
    assert "select pg_backend_pid()" in text and "this browser" in text
    row.locator("button.session-close").click()
    dialog = panel.locator("#close-session-dialog")
    assert "rolled back" in dialog.inner_text()
    panel.click("#close-session-confirm")
    sessions_ready(panel)
    panel.wait_for_selector("#sessions-empty:not([hidden])")
    wait_until(lambda: is_gone(pg_server, pid), f"backend {pid} closed from My sessions is still connected")
    page.locator("#qt-problem").wait_for(timeout=20_000)  # at its next lease renewal
    assert "You closed this query tool from My sessions" in page.inner_text("#qt-problem")


def test_an_administrator_closes_a_users_tab_with_a_reason(live_server: LiveServer, server_id: int,
                                                           pg_database: str, page: Any, user_email: str,
                                                           new_context: Callable[[], Any], page_errors: Any) -> None:
    page_errors.allow(r"status of 410 .*/api/v1/query-tool/")
    login(page, live_server.url, user_email, PASSWORD)
    open_query_tool(page, live_server.url, server_id, pg_database)
    admin = new_context().new_page()
    login(admin, live_server.url)
    admin.goto(f"{live_server.url}/sessions")
    sessions_ready(admin)
    admin.check("#sessions-all")
    sessions_ready(admin)
    row = admin.locator("#sessions-table tbody tr", has_text=user_email)
    row.locator("button.session-close").click()
    admin.fill("#close-reason", "maintenance window")
    admin.click("#close-session-confirm")
    sessions_ready(admin)
    assert admin.locator("#sessions-table tbody tr", has_text=user_email).count() == 0
    page.locator("#qt-problem").wait_for(timeout=20_000)
    assert "Closed by an administrator: maintenance window" in page.inner_text("#qt-problem")
    assert page.locator("#tx-badge").get_attribute("data-status") == "closed"


def test_logout_asks_before_it_rolls_back_another_browsers_transaction(
        live_server: LiveServer, server_id: int, pg_database: str, pg_server: PgServer, page: Any,
        user_email: str, new_context: Callable[[], Any], page_errors: Any) -> None:
    page_errors.allow(r"status of 410 .*/api/v1/query-tool/")
    login(page, live_server.url, user_email, PASSWORD)
    open_query_tool(page, live_server.url, server_id, pg_database)
    run_sql(page, "begin")
    pid = backend_pid(page)
    elsewhere = new_context().new_page()
    login(elsewhere, live_server.url, user_email, PASSWORD)
    elsewhere.wait_for_selector("form[data-guarded=true] #logout")  # its script is in: Log out will ask
    elsewhere.click("#logout")
    dialog = elsewhere.locator("#logout-dialog")
    dialog.wait_for()
    assert pg_database in dialog.inner_text() and "open transaction" in dialog.inner_text()
    elsewhere.click("#logout-rollback")
    elsewhere.wait_for_url(lambda url: "/login" in url)
    wait_until(lambda: is_gone(pg_server, pid), f"backend {pid} the logout chose to roll back is still connected")
    page.locator("#qt-problem").wait_for(timeout=20_000)
    assert "chose to roll back" in page.inner_text("#qt-problem")


def test_logout_without_other_transactions_asks_nothing(live_server: LiveServer, page: Any, user_email: str) -> None:
    login(page, live_server.url, user_email, PASSWORD)
    page.click("#logout")
    page.wait_for_url(lambda url: "/login" in url)
    assert page.locator("#logout-dialog").count() == 0


def test_a_closed_page_with_an_open_transaction_is_kept_and_can_be_taken_up(
        live_server: LiveServer, server_id: int, pg_database: str, pg_server: PgServer, page: Any,
        user_email: str) -> None:
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
        conn.execute("CREATE TABLE orders (id int)")
    login(page, live_server.url, user_email, PASSWORD)
    tool = page.context.new_page()
    open_query_tool(tool, live_server.url, server_id, pg_database)
    run_sql(tool, "begin; insert into orders values (1)")
    tool.close()  # closed by accident, with the insert not committed
    page.goto(f"{live_server.url}/sessions")
    sessions_ready(page)
    row = page.locator("#sessions-table tbody tr")

    def is_kept() -> bool:
        page.click("#sessions-refresh")  # the goodbye may land after the panel first loaded
        sessions_ready(page)
        return "kept: open transaction" in row.inner_text()

    wait_until(is_kept, "the closed page's transaction is not kept")
    assert "in transaction" in row.inner_text()
    row.locator("a.session-open").click()
    page.wait_for_selector("#tx-badge[data-status=in_transaction]")  # the same connection, its transaction open
    assert "attach" not in page.url
    page.click("#commit")
    page.wait_for_selector("#tx-badge[data-status=idle]")
    with psycopg.connect(pg_server.conninfo(pg_database)) as conn:
        assert conn.execute("SELECT id FROM orders").fetchall() == [(1,)]
