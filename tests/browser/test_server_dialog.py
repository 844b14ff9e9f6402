"""The server dialog in a real browser: its sections, the connection options, and Test before saving."""

from __future__ import annotations

import uuid
from typing import Any

from tests.plugins.browser import PageErrors, http_session, login
from tests.plugins.live_server import LiveServer
from tests.plugins.postgres_fixture import PgServer, free_port

SECTIONS = ["General", "Connection", "Parameters", "Advanced", "Query tool", "SSH tunnel",
            "TLS, service and password file", "Sharing"]  # TLS and Sharing: appended by their modules (admins: Sharing)


def names(live_server: LiveServer) -> list[str]:
    return [server["name"] for server in http_session(live_server.url).get(f"{live_server.url}/api/v1/servers").json()]


def test_sections_options_and_the_test_button(live_server: LiveServer, pg_server: PgServer, page: Any,
                                              page_errors: PageErrors) -> None:
    page_errors.allow(r"status of 502 .*/api/v1/servers/test")  # the failed test below, logged by Chromium
    page_errors.allow(r"status of 400 .*/api/v1/servers/\d+\)")  # the bad port at the end
    name = f"Dialog {uuid.uuid4().hex[:6]}"
    login(page, live_server.url)
    page.goto(f"{live_server.url}/servers")
    page.click("#add-server")
    form = page.locator("#server-form")
    assert form.locator("nav.server-sections a").all_inner_texts() == SECTIONS
    form.locator("input[name=name]").fill(name)
    form.locator("input[name=host]").fill("127.0.0.1")
    form.locator("input[name=port]").fill(str(free_port()))
    form.locator("input[name=username]").fill(pg_server.user)
    form.locator("input[name=connect_timeout]").fill("2")
    page.click("#server-test")
    page.locator("#server-test-result.failed").wait_for()
    assert "check the address, the port" in page.inner_text("#server-test-result")

    form.locator("input[name=port]").fill(str(pg_server.port))
    form.locator("select[name=keepalives]").select_option("1")
    form.locator("select[name=target_session_attrs]").select_option("read-write")
    form.locator("input[name=application_name]").fill("pgl-dialog")
    form.locator("input[name=read_only]").check()
    form.locator("textarea[name=db_restriction]").fill("postgres\n")
    form.locator("textarea[name=post_connection_sql]").fill("SET search_path = public;")
    form.locator("input[name=statement_timeout_ms]").fill("1500")
    form.locator("input[name=preview_rows]").fill("5")
    form.locator("textarea[name=comment]").fill("the test cluster")
    form.locator("input[name=use_colors]").check()
    page.click("#server-test")
    page.locator("#server-test-result.ok").wait_for()
    assert f"as {pg_server.user}" in page.inner_text("#server-test-result")
    assert name not in names(live_server)  # a test saves nothing

    page.click("#server-save")
    row = page.locator(".server-row", has_text=name)
    row.wait_for()
    assert "read-only" in row.inner_text() and "the test cluster" in row.inner_text()
    assert "has-colors" in (row.locator(".server-name").get_attribute("class") or "")
    saved = next(s for s in http_session(live_server.url).get(f"{live_server.url}/api/v1/servers").json()
                 if s["name"] == name)
    assert saved["connect_params"] == {"application_name": "pgl-dialog", "connect_timeout": 2, "keepalives": 1,
                                       "target_session_attrs": "read-write"}
    assert (saved["read_only"], saved["db_restriction"], saved["query_defaults"]) == (
        True, ["postgres"], {"preview_rows": 5, "statement_timeout_ms": 1500})
    assert saved["post_connection_sql"] == "SET search_path = public;" and set(saved["colors"]) == {"bg", "fg"}

    row.locator(".edit-button").click()
    assert form.locator("input[name=read_only]").is_checked()
    assert form.locator("input[name=statement_timeout_ms]").input_value() == "1500"
    assert form.locator("select[name=target_session_attrs]").input_value() == "read-write"
    form.locator("input[name=port]").fill("70000")
    page.click("#server-save")
    page.locator("#server-form-error").wait_for()
    assert page.evaluate("document.activeElement.name") == "port"  # the field the server named has the focus

    page.goto(f"{live_server.url}/")  # the workspace's tree wears the server's colours
    label = page.locator(f'li.ws-server:has(.tree-text:text-is("{name}")) > .tree-label')
    label.wait_for()
    assert "has-colors" in (label.get_attribute("class") or "")
