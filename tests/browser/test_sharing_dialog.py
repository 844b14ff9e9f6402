"""Issue 18.4 in a real browser: the administrator makes a local group on the Users page, shares a server with it
in the server dialog's Sharing section; a member sees the server in the workspace tree and opens it, a
non-member does not see it; taking the member out of the group ends their open query tool with the reason."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.plugins.app_fixtures import USER_EMAIL, USER_PASSWORD
from tests.plugins.browser import (
    READY,
    VIEWPORT,
    PageErrors,
    close_query_tools,
    http_session,
    login,
    open_query_tool,
    register_server,
    run_sql,
    set_editor_text,
)
from tests.plugins.live_server import LiveServer
from tests.plugins.postgres_fixture import PgServer

OUTSIDER_PASSWORD = "outsider-password-1"


@pytest.fixture
def new_page(browser: Any, page_errors: PageErrors) -> Iterator[Callable[[], Any]]:
    """More pages, each in a browser context of its own (another person), checked for errors like `page`."""
    contexts: list[Any] = []

    def make() -> Any:
        context = browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(15_000)
        context.on("page", page_errors.watch)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        close_query_tools(context)
        context.close()


def tree_server(page: Any, name: str) -> Any:
    return page.locator(f'li.ws-server:has(> .tree-label .tree-text:text-is("{name}"))')


def test_share_with_a_group_from_the_dialog(live_server: LiveServer, pg_server: PgServer, pg_database: str,
                                            page: Any, new_page: Callable[[], Any], page_errors: PageErrors) -> None:
    page_errors.allow(r"status of 410 ")  # the member's query tool, ended on purpose at the end
    base = live_server.url
    admin = http_session(base)
    outsider = f"outsider-{uuid.uuid4().hex[:6]}@example.com"
    assert admin.post(f"{base}/api/v1/users", json={"email": outsider, "password": OUTSIDER_PASSWORD},
                      timeout=10).status_code == 201
    name = f"Team DB {uuid.uuid4().hex[:6]}"
    server_id = register_server(base, pg_server, name, maintenance_db=pg_database)
    group = f"dbas-{uuid.uuid4().hex[:6]}"

    # The Users page: a local group with the member in it.
    login(page, base)
    page.goto(f"{base}/users")
    page.fill("#add-group-form input[name=name]", group)
    page.click("#add-group-form button[type=submit]")
    row = page.locator(f'#groups-table tr[data-group="{group}"]')
    row.locator(".members-button").click()
    page.locator("#group-members-list label", has_text=USER_EMAIL).locator("input").check()
    page.click("#group-members-save")
    row.locator(".group-members", has_text=USER_EMAIL).wait_for()
    assert outsider not in row.inner_text()

    # The server dialog: its Sharing section, the group ticked, saved.
    page.goto(f"{base}/servers")
    page.locator(".server-row", has_text=name).locator(".edit-button").click()
    form = page.locator("#server-form")
    assert form.locator("nav.server-sections a").all_inner_texts()[-1] == "Sharing"
    form.locator("nav.server-sections a", has_text="Sharing").click()
    choice = form.locator("#sharing-groups label", has_text=group)
    assert not choice.locator("input").is_checked()
    choice.locator("input").check()
    assert form.locator("#sharing-summary").inner_text() == "Shared with 1 group."
    page.click("#server-save")
    page.locator(".server-row", has_text=name).locator(".badge.shared").wait_for()
    shares = admin.get(f"{base}/api/v1/servers/{server_id}/shares", timeout=10).json()
    assert [g["name"] for g in shares["groups"]] == [group] and shares["everyone"] is False and not shares["users"]
    page.locator(".server-row", has_text=name).locator(".edit-button").click()  # shown again as saved
    assert form.locator("#sharing-groups label", has_text=group).locator("input").is_checked()
    page.click("#server-cancel")

    # The member sees it in the workspace tree and opens it; the outsider does not see it.
    member = new_page()
    login(member, base, USER_EMAIL, USER_PASSWORD)
    member.goto(f"{base}/")
    member.wait_for_selector(READY)
    node = tree_server(member, name)
    node.locator(":scope > .tree-label").click()
    member.wait_for_function("n => n.getAttribute('aria-expanded') === 'true' && !n.classList.contains('loading')",
                             arg=node.element_handle())
    node.locator('li[data-kind="databases"]').first.wait_for()

    stranger = new_page()
    login(stranger, base, outsider, OUTSIDER_PASSWORD)
    stranger.goto(f"{base}/")
    stranger.wait_for_selector(READY)
    assert tree_server(stranger, name).count() == 0
    assert stranger.request.get(f"{base}/api/v1/servers/{server_id}").status == 404

    # Out of the group: the member's open query tool ends at once, saying why.
    open_query_tool(member, base, server_id, pg_database)
    run_sql(member, "BEGIN; SELECT 1")
    page.goto(f"{base}/users")
    row.locator(".members-button").click()
    page.locator("#group-members-list label", has_text=USER_EMAIL).locator("input").uncheck()
    page.click("#group-members-save")
    row.locator(".group-members", has_text="no members").wait_for()
    set_editor_text(member, "SELECT 2")
    member.click("#execute")
    member.locator("#qt-problem").wait_for()
    assert "you were removed from the group" in member.inner_text("#qt-problem")
