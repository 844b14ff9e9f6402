"""Roles in a real browser: an administrator makes a role with checkboxes and gives it to a user, who then sees no
query-tool or file entries (nav, workspace, tree menu, query-tool buttons) and gets a clear 403 at their URLs."""

from __future__ import annotations

from typing import Any

from tests.plugins.app_fixtures import USER_EMAIL, USER_PASSWORD
from tests.plugins.browser import PageErrors, goto_ready, http_session, login, wait_ready
from tests.plugins.live_server import LiveServer
from tests.plugins.postgres_fixture import PgServer

LACKING = ("query_tool.use", "storage.use")


def make_role_in_the_page(page: Any, base_url: str) -> None:
    """As the administrator: create "No SQL" (every permission but LACKING) and give it to the plain user."""
    login(page, base_url)
    goto_ready(page, f"{base_url}/users")
    form = page.locator("#role-form")
    form.locator("input[name=name]").fill("No SQL")
    form.locator("input[name=description]").fill("browse and watch only")
    boxes = form.locator("input[name=permissions]")
    for value in boxes.evaluate_all("els => els.map(e => e.value)"):
        box = form.locator(f'input[name=permissions][value="{value}"]')
        if value in LACKING or value == "users.manage":
            box.uncheck()
        else:
            box.check()
    page.click("#role-save")
    row = page.locator('#roles-table tr[data-role="No SQL"]')
    row.wait_for()
    assert "Use the query tool" not in row.inner_text() and "Register servers" in row.inner_text()
    picker = page.locator(f'#users-table tr[data-email="{USER_EMAIL}"] select.role-picker')
    picker.select_option("No SQL")
    page.wait_for_function("() => document.querySelector('#roles-table tr[data-role=\"No SQL\"] td.num')"
                           "?.textContent === '1'")


def test_a_role_without_sql_and_files_hides_them_and_refuses_their_urls(
        live_server: LiveServer, pg_server: PgServer, browser: Any, page: Any, page_errors: PageErrors) -> None:
    base = live_server.url
    make_role_in_the_page(page, base)
    user_http = http_session(base, USER_EMAIL, USER_PASSWORD)
    created = user_http.post(f"{base}/api/v1/servers", json={
        "name": "mine", "host": pg_server.host, "port": pg_server.port, "username": pg_server.user}, timeout=10)
    assert created.status_code == 201, created.text  # servers.register is still granted
    server_id = created.json()["id"]

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    user_page = context.new_page()
    page_errors.watch(user_page)
    page_errors.allow(r"status of 403")
    try:
        login(user_page, base, USER_EMAIL, USER_PASSWORD)
        wait_ready(user_page)
        assert user_page.locator("#nav-files").count() == 0 and user_page.locator("#nav-users").count() == 0
        assert user_page.locator("#nav-workspace").is_visible() and user_page.locator("#nav-jobs").is_visible()
        assert user_page.locator("#ws-open-files").is_hidden() and user_page.locator("#ws-add-server").is_visible()
        server = user_page.locator(f'li.ws-server[data-server-id="{server_id}"]')
        server.focus()
        user_page.keyboard.press("Shift+F10")
        menu = user_page.get_by_role("menu")
        menu.get_by_role("menuitem", name="Dashboard", exact=True).wait_for()
        assert menu.get_by_role("menuitem", name="Query tool here").count() == 0
        user_page.keyboard.press("Escape")

        for path, words in ((f"/query-tool?server_id={server_id}&database=postgres", "Use the query tool"),
                            ("/storage", "Use the file storage")):
            response = user_page.goto(base + path)
            assert response is not None and response.status == 403
            assert "403" in user_page.inner_text("h1")
            assert words in user_page.inner_text("main") and "No SQL" in user_page.inner_text("main")
            assert "Ask an administrator" in user_page.inner_text("main")
        api = user_http.post(f"{base}/api/v1/query-tool", json={"server_id": server_id, "database": "postgres"},
                             timeout=10)
        assert api.status_code == 403 and api.json()["error"]["permission"] == "query_tool.use"

        goto_ready(user_page, f"{base}/servers")
        user_page.click("#add-server")
        user_page.wait_for_selector("#server-dialog[open]")
        own_display = "ids => ids.map(id => { const el = document.getElementById(id); " \
                      "return el ? getComputedStyle(el).display : 'missing'; })"
        pickers = ["server-passfile-pick", "ssh-key-choose", "tls-sslrootcert-pick"]
        assert user_page.evaluate(own_display, pickers) == ["none"] * 3  # no picking from storage
        goto_ready(page, f"{base}/servers")  # the administrator (storage.use) still has them
        page.click("#add-server")
        page.wait_for_selector("#server-dialog[open]")
        assert not {"none", "missing"} & set(page.evaluate(own_display, pickers))
        assert user_page.evaluate(own_display, ["server-save"]) != ["none"]
        user_page.keyboard.press("Escape")

        goto_ready(user_page, f"{base}/jobs")
        kinds = user_page.locator("#job-kind option").evaluate_all("els => els.map(e => e.value)")
        assert kinds == ["maintenance"]  # every other kind reads or writes a file in storage
    finally:
        context.close()
