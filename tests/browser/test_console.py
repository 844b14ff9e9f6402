"""The console shell in a real browser: log in, register a server through the UI, open a query tool."""

from __future__ import annotations

import socket
from typing import Any

from tests.plugins.app_fixtures import USER_EMAIL, USER_PASSWORD
from tests.plugins.browser import PageErrors, login, register_server, run_sql
from tests.plugins.live_server import LiveServer
from tests.plugins.postgres_fixture import PgServer


def test_login_add_server_and_select_one(live_server: LiveServer, pg_server: PgServer, page: Any) -> None:
    login(page, live_server.url)
    assert page.url == f"{live_server.url}/"  # the workspace
    page.goto(f"{live_server.url}/servers")
    page.click("#add-server")
    form = page.locator("#server-form")
    form.locator("input[name=name]").fill("Session PG")
    form.locator("input[name=group]").fill("Tests")
    form.locator("input[name=host]").fill("127.0.0.1")
    form.locator("input[name=port]").fill(str(pg_server.port))
    form.locator("input[name=username]").fill(pg_server.user)
    form.locator("input[name=connect_timeout]").fill("5")
    form.locator("input[name=application_name]").fill("pgl-browser-test")
    page.click("#server-save")

    row = page.locator(".server-row", has_text="Session PG")
    row.wait_for()
    assert f"127.0.0.1:{pg_server.port}" in row.inner_text()
    assert page.locator(".server-group h2", has_text="Tests").is_visible()
    row.locator(".test-button").click()
    result = page.locator(".test-result.ok")
    result.wait_for()
    assert "Connected: PostgreSQL" in result.inner_text()

    row.locator(".database-input").focus()  # offers the server's databases in the field's list
    page.wait_for_selector("datalist[id^=databases-] option[value=postgres]", state="attached")
    row.locator(".open-tool-button").click()
    page.wait_for_selector("#tx-badge[data-status=idle]")
    assert "database=postgres" in page.url  # the maintenance DB is the default
    run_sql(page, "select 1 as x")
    header = page.locator("table.results-grid thead th .col-name")
    assert header.all_inner_texts() == ["x"]
    assert page.locator("table.results-grid tbody td:not(.rownum)").all_inner_texts() == ["1"]
    assert "1 row" in page.inner_text("#qt-status")


def closed_port() -> int:
    """An unprivileged port nobody listens on (bound once, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_connection_error_shows_server_message_and_hint(live_server: LiveServer, page: Any,
                                                        page_errors: PageErrors) -> None:
    """A server nobody listens on: the test result shows libpq's message and the server's hint."""
    page_errors.allow(r"status of 502 .*/api/v1/servers/\d+/test")  # the expected answer, logged by Chromium
    login(page, live_server.url)
    page.goto(f"{live_server.url}/servers")
    page.click("#add-server")
    form = page.locator("#server-form")
    form.locator("input[name=name]").fill("Nowhere")
    form.locator("input[name=host]").fill("127.0.0.1")
    form.locator("input[name=port]").fill(str(closed_port()))  # the policy allows 1024-65535 only
    form.locator("input[name=username]").fill("postgres")
    form.locator("input[name=connect_timeout]").fill("2")
    page.click("#server-save")
    row = page.locator(".server-row", has_text="Nowhere")
    row.locator(".test-button").click()
    failed = page.locator(".test-result.failed")
    failed.wait_for()
    assert "check the address, the port" in failed.inner_text()


def test_invalid_server_form_shows_the_servers_message(live_server: LiveServer, page: Any,
                                                       page_errors: PageErrors) -> None:
    page_errors.allow(r"status of 400 .*/api/v1/servers\)")
    login(page, live_server.url)
    page.goto(f"{live_server.url}/servers")
    page.click("#add-server")
    form = page.locator("#server-form")
    form.locator("input[name=name]").fill("Bad port")
    form.locator("input[name=host]").fill("db.example.com")
    form.locator("input[name=port]").fill("70000")
    form.locator("input[name=username]").fill("postgres")
    page.click("#server-save")
    error = page.locator("#server-form-error")
    error.wait_for()
    assert "port must be an integer 1-65535" in error.inner_text()


def test_non_admin_sees_no_users_link_and_gets_403(live_server: LiveServer, page: Any,
                                                    page_errors: PageErrors) -> None:
    page_errors.allow(r"status of 403 .*/users\)")
    login(page, live_server.url, USER_EMAIL, USER_PASSWORD)
    assert page.locator("#nav-account").inner_text() == USER_EMAIL
    assert page.locator("#nav-users").count() == 0
    response = page.goto(f"{live_server.url}/users")
    assert response is not None and response.status == 403
    assert "403" in page.inner_text("h1")


def test_password_is_asked_for_when_the_server_wants_one(live_server: LiveServer, pw_pg_server: PgServer,
                                                         make_pw_role: Any, page: Any,
                                                         page_errors: PageErrors) -> None:
    """No saved password: Test connection and Open query tool ask for it in a dialog, then connect."""
    page_errors.allow(r"status of 400 .*/api/v1/(servers/\d+/test|query-tool)\)")  # password_required
    role = make_pw_role()
    register_server(live_server.url, pw_pg_server, "Needs a password", username=role.name)
    login(page, live_server.url)
    page.goto(f"{live_server.url}/servers")
    row = page.locator(".server-row", has_text="Needs a password")
    row.locator(".test-button").click()
    dialog = page.locator("dialog.password-dialog")
    dialog.wait_for()
    assert role.name in dialog.inner_text()
    dialog.locator("input[name=password]").fill(role.password)
    dialog.locator("button[value=ok]").click()
    page.locator(".test-result.ok").wait_for()
    assert f"as {role.name}" in page.inner_text(".test-result.ok")

    row.locator(".open-tool-button").click()
    dialog.wait_for()
    dialog.locator("input[name=password]").fill(role.password)
    dialog.locator("input[name=password]").press("Enter")
    page.wait_for_selector("#tx-badge[data-status=idle]")
    run_sql(page, "select current_user as who")
    assert page.locator("table.results-grid tbody td:nth-child(2)").inner_text() == role.name
