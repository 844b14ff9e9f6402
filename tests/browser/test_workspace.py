"""The workspace in a real browser: every server by group, the tree by keyboard, context menus, query tools in tabs
(each its own connection), tabs reordered, closed and restored after a reload, the search box, Copy qualified name."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.browser.test_look import LAYOUT_PROBLEMS
from tests.plugins.browser import http_session, login, register_server, run_sql, wait_idle
from tests.plugins.live_server import LiveServer
from tests.plugins.postgres_fixture import PgServer
from tests.plugins.waiting import wait_until

READY = "html[data-ready=true]"


class FramePage:
    """A tab's iframe driven like a page: the frame's own methods, the top page's keyboard."""

    def __init__(self, page: Any, frame: Any) -> None:
        self._frame = frame
        self.keyboard = page.keyboard

    def __getattr__(self, name: str) -> Any:
        return getattr(self._frame, name)


@pytest.fixture
def workspace(live_server: LiveServer, pg_server: PgServer, pg_database: str, page: Any) -> Iterator[Any]:
    """A logged-in workspace with the test PostgreSQL registered (group "Tests ü", as typed), the page ready."""
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
        conn.execute('CREATE SCHEMA "Sch"; CREATE TABLE "Sch"."Tab" (id int); CREATE TABLE public.plain (id int)')
    http = http_session(live_server.url)
    assert http.put(f"{live_server.url}/api/v1/workspace", json={"tabs": []}, timeout=10).ok  # no earlier test's tabs
    login(page, live_server.url)
    page.server_id = register_server(live_server.url, pg_server, f"WS {pg_database}", group="Tests ü",
                                     maintenance_db=pg_database)
    page.goto(live_server.url + "/")
    page.wait_for_selector(READY)
    yield page
    # its maintenance database is dropped after the test: later tests' pages (the jobs page) must not meet it
    http.delete(f"{live_server.url}/api/v1/servers/{page.server_id}", timeout=10)


def server_node(page: Any) -> Any:
    return page.locator(f'li.ws-server[data-server-id="{page.server_id}"]')


def node(page: Any, kind: str, name: str) -> Any:
    return server_node(page).locator(f'li[role=treeitem][data-kind="{kind}"][data-name="{name}"]').first


def expand(page: Any, item: Any) -> None:
    """Click a node's label and wait until its children are in."""
    item.locator(":scope > .tree-label").click()
    page.wait_for_function("n => n.getAttribute('aria-expanded') === 'true' && !n.classList.contains('loading')",
                           arg=item.element_handle())


def open_path(page: Any, db: str, *steps: tuple[str, str]) -> Any:
    """Expand server → databases → db → … by mouse; returns the last node."""
    expand(page, server_node(page))
    path = [("databases", "databases"), ("database", db), *steps]
    for kind, name in path[:-1]:
        expand(page, node(page, kind, name))
    return node(page, *path[-1])


def focused(page: Any) -> tuple[str, str]:
    return tuple(page.evaluate("() => { const li = document.activeElement.closest('[role=treeitem]');"
                               " return [li.dataset.kind, li.dataset.name]; }"))


def menu_choose(page: Any, target: Any, *labels: str) -> None:
    """Open a node's or a tab's menu with Shift+F10 and choose labels (submenus on the way) with the keyboard."""
    target.focus()
    page.keyboard.press("Shift+F10")
    for depth, label in enumerate(labels):
        menu = page.locator(f'.ctx-menu[data-depth="{depth}"]')
        item = menu.get_by_role("menuitem", name=label, exact=True)
        for _ in range(40):
            if page.evaluate("el => el === document.activeElement", item.element_handle()):
                break
            page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
    page.wait_for_selector(".ctx-menu", state="detached")


def tab_ids(page: Any) -> list[str]:
    return page.locator("#ws-tabs [role=tab]").evaluate_all("els => els.map(e => e.dataset.tabId)")


def active_tab(page: Any) -> str:
    return str(page.locator('#ws-tabs [role=tab][aria-selected="true"]').get_attribute("data-tab-id"))


def tool_frame(page: Any, tab_id: str) -> FramePage:
    """The query tool in a tab, once it is connected."""
    handle = page.wait_for_selector(f"#frame-{tab_id}", state="attached")
    frame = handle.content_frame()
    frame.wait_for_selector("#tx-badge[data-status=idle]", state="attached")
    return FramePage(page, frame)


def wait_saved(page: Any) -> None:
    page.wait_for_selector("html[data-layout=saved]")


def test_servers_by_group_and_the_tree_by_keyboard(workspace: Any, live_server: LiveServer, pg_server: PgServer,
                                                   pg_database: str, page_errors: Any) -> None:
    page_errors.allow(r"status of 404")  # until the object view page lands, its frame may be a 404
    page = workspace
    other = register_server(live_server.url, pg_server, f"Other {pg_database}", group="dev lower")
    page.reload()
    page.wait_for_selector(READY)
    groups = page.locator("#ws-tree > li.ws-group")
    assert "Tests ü" in groups.evaluate_all("els => els.map(e => e.dataset.name)")
    assert page.locator('li.ws-group[data-name="dev lower"] li.ws-server').get_attribute("data-server-id") == str(other)
    assert page.locator("#ws-tree").get_attribute("role") == "tree"
    assert page.locator("#ws-tree [role=treeitem][tabindex='0']").count() == 1  # one tab stop

    server_node(page).focus()
    page.keyboard.press("ArrowRight")  # expands the server
    server_node(page).locator("li[data-kind=databases]").wait_for()
    page.keyboard.press("ArrowRight")  # into its first child
    assert focused(page) == ("databases", "databases")
    page.keyboard.press("ArrowRight")
    node(page, "database", pg_database).wait_for()
    for _ in range(200):
        page.keyboard.press("ArrowDown")
        if focused(page) == ("database", pg_database):
            break
    assert focused(page) == ("database", pg_database)
    for kind, name in (("schemas", "schemas"), ("schema", "Sch"), ("tables", "tables")):
        page.keyboard.press("ArrowRight")
        node(page, kind, name).wait_for()
        page.keyboard.press("ArrowRight")
        for _ in range(20):
            if focused(page) == (kind, name):
                break
            page.keyboard.press("ArrowDown")
        assert focused(page) == (kind, name)
    page.keyboard.press("ArrowRight")
    node(page, "table", "Tab").wait_for()
    page.keyboard.press("ArrowRight")
    assert focused(page) == ("table", "Tab")
    assert page.evaluate("document.activeElement.getAttribute('tabindex')") == "0"
    assert page.locator("#ws-tree [role=treeitem][tabindex='0']").count() == 1
    page.keyboard.press("Enter")  # opens the object's view in a tab
    opened = page.locator(f"#frame-{active_tab(page)}").get_attribute("src")
    assert "kind=table" in opened and "name=Tab" in opened and "tab=properties" in opened
    node(page, "table", "Tab").focus()
    page.keyboard.press("ArrowLeft")  # a collapsed leaf: to its parent
    assert focused(page) == ("tables", "tables")
    page.keyboard.press("ArrowLeft")  # collapses it
    assert node(page, "tables", "tables").get_attribute("aria-expanded") == "false"
    page.keyboard.press("Home")
    assert focused(page)[0] == "group"
    page.keyboard.press("End")
    assert focused(page) == ("server", "server")  # the last server of the last group ("dev lower")
    page.keyboard.press("Shift+F10")
    menu = page.get_by_role("menu")
    first_item = menu.get_by_role("menuitem", name="Query tool here")
    assert page.evaluate("el => el === document.activeElement", first_item.element_handle())
    page.keyboard.press("Escape")
    menu.wait_for(state="detached")
    assert focused(page) == ("server", "server")  # the focus is back where it was

    page.locator('li.ws-group[data-name="dev lower"] > .tree-label').click(button="right")
    page.get_by_role("menuitem", name="Add server…").click()
    assert page.locator('#ws-tabs [role=tab][aria-selected="true"]').get_attribute("data-kind") == "servers"
    servers = page.frame_locator(f"#frame-{active_tab(page)}")
    servers.locator("#server-dialog[open]").wait_for()  # the servers page, embedded, with its dialog open
    assert servers.locator("header.topbar").count() == 0


def test_query_tools_from_the_menu_each_their_own_connection(workspace: Any, pg_server: PgServer,
                                                             pg_database: str) -> None:
    page = workspace
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
        conn.execute("CREATE TABLE items (id int)")
    db = open_path(page, pg_database, ("database", pg_database))
    menu_choose(page, db, "Query tool here")
    first_id = active_tab(page)
    first = tool_frame(page, first_id)
    run_sql(first, "SET application_name = 'ws_tool_one'; BEGIN; INSERT INTO items VALUES (1);")
    assert first.locator("#tx-badge").get_attribute("data-status") == "in_transaction"
    with psycopg.connect(pg_server.conninfo(pg_database)) as conn:
        assert conn.execute("SELECT count(*) FROM items").fetchone() == (0,)
    run_sql(first, "INSERT INTO items VALUES (2); COMMIT;")
    with psycopg.connect(pg_server.conninfo(pg_database)) as conn:
        assert conn.execute("SELECT id FROM items ORDER BY id").fetchall() == [(1,), (2,)]

    menu_choose(page, db, "Query tool here")  # many query tools may be open on one database
    second_id = active_tab(page)
    assert second_id != first_id and tab_ids(page) == [first_id, second_id]
    second = tool_frame(page, second_id)
    run_sql(second, "SET application_name = 'ws_tool_two'")
    with psycopg.connect(pg_server.conninfo(pg_database)) as conn:
        backends = conn.execute("SELECT application_name, pid FROM pg_stat_activity WHERE datname = %s"
                                " AND application_name LIKE 'ws_tool_%%' ORDER BY 1", (pg_database,)).fetchall()
    assert [name for name, _ in backends] == ["ws_tool_one", "ws_tool_two"]
    assert backends[0][1] != backends[1][1]


def test_query_tool_here_on_a_schema_starts_in_it(workspace: Any, pg_server: PgServer, pg_database: str) -> None:
    page = workspace
    schema = open_path(page, pg_database, ("schemas", "schemas"), ("schema", "Sch"))
    menu_choose(page, schema, "Query tool here")
    tool = tool_frame(page, active_tab(page))
    run_sql(tool, "CREATE TABLE made_here (x int)")
    tool.wait_for_selector("#messages:has-text('CREATE TABLE')")
    with psycopg.connect(pg_server.conninfo(pg_database)) as conn:
        assert conn.execute("SELECT relnamespace::regnamespace::text FROM pg_class WHERE relname = 'made_here'"
                            ).fetchone() == ('"Sch"',)
        assert conn.execute("SHOW search_path").fetchone() != ('"Sch"',)  # only that tab's connection


def test_tabs_reorder_close_and_come_back_after_a_reload(workspace: Any, pg_database: str) -> None:
    page = workspace
    db = open_path(page, pg_database, ("database", pg_database))
    page.click("#ws-open-files")
    page.click("#ws-open-jobs")
    menu_choose(page, db, "Dashboard")
    menu_choose(page, db, "Query tool here")
    files, jobs, dash, tool = tab_ids(page)
    tool_frame(page, tool)
    page.click("#ws-open-files")  # one tab per view: the open one comes back
    assert tab_ids(page) == [files, jobs, dash, tool] and active_tab(page) == files

    tab = page.locator(f'#ws-tabs [data-tab-id="{tool}"]')
    tab.drag_to(page.locator(f'#ws-tabs [data-tab-id="{files}"]'), target_position={"x": 2, "y": 5})
    assert tab_ids(page) == [tool, files, jobs, dash]
    page.locator(f'#ws-tabs [data-tab-id="{jobs}"]').click()
    page.keyboard.press("Shift+ArrowRight")  # the keyboard moves a tab too
    assert tab_ids(page) == [tool, files, dash, jobs]
    page.locator(f'#ws-tabs [data-tab-id="{files}"] .ws-tab-close').click()
    page.locator(f'#ws-tabs [data-tab-id="{dash}"]').click(button="middle")
    assert tab_ids(page) == [tool, jobs]
    page.locator(f'#ws-tabs [data-tab-id="{jobs}"]').click()
    page.click("#ws-open-files")
    files = active_tab(page)
    menu_choose(page, page.locator(f'#ws-tabs [data-tab-id="{tool}"]'), "Duplicate")
    ids = tab_ids(page)
    dup = ids[1]
    assert len(ids) == 4 and ids == [tool, dup, jobs, files] and active_tab(page) == dup
    tool_frame(page, dup)  # its own connection, like the tool it copies
    menu_choose(page, page.locator(f'#ws-tabs [data-tab-id="{dup}"]'), "Close to the right")
    assert tab_ids(page) == [tool, dup]
    page.click("#ws-open-jobs")
    jobs = active_tab(page)
    menu_choose(page, page.locator(f'#ws-tabs [data-tab-id="{jobs}"]'), "Close others")
    assert tab_ids(page) == [jobs]
    page.click("#ws-open-files")
    menu_choose(page, db, "Query tool here")
    before, active = tab_ids(page), active_tab(page)
    tool_frame(page, active)
    page.locator(f'#ws-tabs [data-tab-id="{before[1]}"]').click()
    wait_saved(page)

    page.reload()
    page.wait_for_selector(READY)
    assert tab_ids(page) == before
    assert active_tab(page) == before[1] != active
    assert page.locator(f"#frame-{before[1]}").is_visible() and page.locator(f"#frame-{active}").is_hidden()
    tool_frame(page, active)  # the query tool re-attached (or reopened) in the background


def test_a_tab_whose_connection_ended_says_its_connection_is_new(workspace: Any, live_server: LiveServer,
                                                                  pg_database: str, page_errors: Any) -> None:
    page_errors.allow(r"status of 410 .*/api/v1/query-tool/")
    page = workspace
    db = open_path(page, pg_database, ("database", pg_database))
    menu_choose(page, db, "Query tool here")
    tab_id = active_tab(page)
    tool = tool_frame(page, tab_id)
    tx_id = tool.evaluate(f"sessionStorage.getItem('pgadmin-lite:tx:{page.server_id}:{pg_database}:{tab_id}')")
    assert tx_id
    response = http_session(live_server.url).delete(f"{live_server.url}/api/v1/query-tool/{tx_id}", timeout=10)
    assert response.status_code == 204
    wait_saved(page)
    page.reload()
    page.wait_for_selector(READY)
    tool = tool_frame(page, tab_id)
    notice = tool.locator("#qt-notice")
    notice.wait_for()
    assert "This tab's previous connection ended" in notice.inner_text()
    assert "this is a new connection" in notice.inner_text()
    new_tx = tool.evaluate(f"sessionStorage.getItem('pgadmin-lite:tx:{page.server_id}:{pg_database}:{tab_id}')")
    assert new_tx and new_tx != tx_id
    run_sql(tool, "select 1")
    wait_idle(tool)


def test_search_finds_a_table_and_opens_its_view(workspace: Any, pg_database: str, page_errors: Any) -> None:
    page_errors.allow(r"status of 404")  # until the object view page lands, its frame may be a 404
    page = workspace
    open_path(page, pg_database, ("database", pg_database)).locator(":scope > .tree-label").click()
    page.wait_for_function("t => document.querySelector('#ws-search-scope').textContent.includes(t)", arg=pg_database)
    page.fill("#ws-search", "ta")
    result = page.locator('#ws-search-results .ws-result[data-kind=table][data-name="Tab"]')
    result.wait_for()
    assert "Sch" in result.inner_text()
    page.fill("#ws-search", "_")  # % and _ are literal: nothing here has an underscore
    page.wait_for_selector("#ws-search-results li.hint:has-text('Nothing named like')")
    page.fill("#ws-search", "TA")
    result.click()
    frame = page.locator(f"#frame-{active_tab(page)}")
    src = frame.get_attribute("src")
    assert src.startswith(f"/servers/{page.server_id}/object?")
    for part in ("kind=table", f"db={pg_database}", "schema=Sch", "name=Tab", "tab=properties", "embed=1"):
        assert part in src
    result.click()  # one tab per object
    assert len(tab_ids(page)) == 1


def test_copy_names_and_view_data_from_a_tables_menu(workspace: Any, live_server: LiveServer, pg_database: str,
                                                    page_errors: Any) -> None:
    page_errors.allow(r"status of 404")  # until the object view page lands, its frame may be a 404
    page = workspace
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    table = open_path(page, pg_database, ("schemas", "schemas"), ("schema", "Sch"), ("tables", "tables"),
                      ("table", "Tab"))
    menu_choose(page, table, "Copy qualified name")
    wait_until(lambda: page.evaluate("navigator.clipboard.readText()") == '"Sch"."Tab"', "the qualified name copied")
    menu_choose(page, table, "Copy name")
    wait_until(lambda: page.evaluate("navigator.clipboard.readText()") == "Tab", "the name copied")
    menu_choose(page, table, "Copy DDL")
    wait_until(lambda: 'CREATE TABLE "Sch"."Tab"' in page.evaluate("navigator.clipboard.readText()"), "the DDL copied")
    menu_choose(page, table, "View/Edit data ▸", "Last 100 rows")
    src = page.locator(f"#frame-{active_tab(page)}").get_attribute("src")
    assert "tab=data" in src and "data=last" in src
    menu_choose(page, table, "Properties / Alter…")  # the same object's tab, pointed at another part
    assert len(tab_ids(page)) == 1
    assert "tab=properties" in page.locator(f"#frame-{active_tab(page)}").get_attribute("src")


def test_quote_ident_matches_postgresql(workspace: Any, pg_server: PgServer, live_server: LiveServer) -> None:
    with psycopg.connect(pg_server.conninfo()) as conn:
        words = [row[0] for row in conn.execute("SELECT word FROM pg_get_keywords()")]
        words += ["Tab", "a$b", "_x1", "1a", 'a"b', "ünï", "snake_case", "with space", ""]
        expected = [row[0] for row in conn.execute("SELECT quote_ident(w) FROM unnest(%s::text[]) AS w", (words,))]
    got = workspace.evaluate("""async (words) => {
        const prefix = document.querySelector('meta[name=app-prefix]').content;
        const { quoteIdent } = await import(`${prefix}/static/js/lib/sql_names.js`);
        return words.map(quoteIdent);
    }""", words)
    assert got == expected


@pytest.mark.parametrize("width", [1024, 1920])
def test_the_layout_holds(workspace: Any, pg_database: str, width: int) -> None:
    page = workspace
    page.set_viewport_size({"width": width, "height": 800})
    db = open_path(page, pg_database, ("database", pg_database))
    for _ in range(2):
        menu_choose(page, db, "Query tool here")
        tool_frame(page, active_tab(page))  # connected (its editor takes the focus once loaded)
    page.click("#ws-open-files")
    expand(page, node(page, "schemas", "schemas"))
    page.screenshot(path=f"/tmp/workspace-{width}.png")  # for a look by a person (docs/ gets the final ones)
    clipped = page.evaluate("""() => [...document.querySelectorAll(
        '.ws-side-tools button, #ws-tabs [role=tab], .topbar a, .topbar button')].filter((el) => {
          const r = el.getBoundingClientRect();
          return r.width === 0 || el.scrollWidth > el.clientWidth + 1 || r.right > window.innerWidth;
        }).map((el) => el.textContent.trim())""")
    assert clipped == []
    side = page.locator("#ws-side").bounding_box()
    frame = page.locator(f"#frame-{active_tab(page)}").bounding_box()
    assert side["width"] >= 160 and frame["width"] >= width - side["width"] - 20 and frame["height"] > 500
    handle = page.locator("#ws-resizer").bounding_box()
    page.mouse.move(handle["x"] + 2, handle["y"] + 200)
    page.mouse.down()
    page.mouse.move(handle["x"] + 122, handle["y"] + 200, steps=4)
    page.mouse.up()
    assert abs(page.locator("#ws-side").bounding_box()["width"] - (side["width"] + 120)) <= 3
    wait_saved(page)
    saved = page.evaluate("fetch(document.querySelector('meta[name=app-prefix]').content + '/api/v1/workspace')"
                          ".then((r) => r.json())")
    assert abs(saved["panel_width"] - (side["width"] + 120)) <= 3


def test_tabs_the_server_never_got_come_back_from_the_local_copy(workspace: Any, page_errors: Any) -> None:
    """A save refused (the server down, a proxy error): the local copy wins at the next load and is sent then."""
    page_errors.allow(r"status of 503 .*/api/v1/workspace")
    page = workspace

    def refuse_saves(route: Any) -> None:
        if route.request.method == "PUT":
            route.fulfill(status=503, json={"error": {"code": "unavailable", "message": "down for a moment"}})
        else:
            route.continue_()

    page.route("**/api/v1/workspace", refuse_saves)
    page.click("#ws-open-files")
    page.click("#ws-open-jobs")
    page.wait_for_selector("html[data-layout=failed]")
    ids = tab_ids(page)
    page.unroute("**/api/v1/workspace")
    page.reload()
    page.wait_for_selector(READY)
    assert tab_ids(page) == ids and active_tab(page) == ids[1]
    wait_saved(page)
    saved = page.evaluate("fetch(document.querySelector('meta[name=app-prefix]').content + '/api/v1/workspace')"
                          ".then((r) => r.json())")
    assert [tab["id"] for tab in saved["tabs"]] == ids and saved["active"] == ids[1]


def frame_ready(page: Any, tab_id: str) -> FramePage:
    """An object or jobs tab's iframe once its page says it is ready (page_ready.js)."""
    handle = page.wait_for_selector(f"#frame-{tab_id}", state="attached")
    frame = handle.content_frame()
    frame.wait_for_selector(READY, state="attached")
    return FramePage(page, frame)


def backend_is_gone(pg_server: PgServer, pid: int) -> bool:
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        return not conn.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchall()


def test_a_day_of_work_through_the_workspace_only(workspace: Any, live_server: LiveServer, pg_server: PgServer,
                                                  pg_database: str) -> None:
    """Log in, expand the server, a query tool from the database's menu with a transaction over two runs, the
    table's data from the tree, a column altered after its SQL was reviewed, a backup into a new folder, a reload
    that brings every tab back, and a closed tab whose backend leaves pg_stat_activity within seconds."""
    page = workspace
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
        conn.execute("CREATE TABLE orders (id int PRIMARY KEY, amount integer NOT NULL);"
                     " INSERT INTO orders VALUES (1, 10), (2, 20)")
    db = open_path(page, pg_database, ("database", pg_database))
    menu_choose(page, db, "Query tool here")
    tool_id = active_tab(page)
    tool = tool_frame(page, tool_id)
    run_sql(tool, "BEGIN; INSERT INTO orders VALUES (3, 30);")
    assert tool.locator("#tx-badge").get_attribute("data-status") == "in_transaction"
    with psycopg.connect(pg_server.conninfo(pg_database)) as conn:
        assert conn.execute("SELECT count(*) FROM orders").fetchone() == (2,)  # not yet committed
    run_sql(tool, "UPDATE orders SET amount = amount + 1 WHERE id = 3; COMMIT;")
    assert tool.locator("#tx-badge").get_attribute("data-status") == "idle"
    with psycopg.connect(pg_server.conninfo(pg_database)) as conn:
        assert conn.execute("SELECT amount FROM orders WHERE id = 3").fetchone() == (31,)

    tables = node(page, "schemas", "schemas")
    expand(page, tables)
    expand(page, node(page, "schema", "public"))
    expand(page, node(page, "tables", "tables"))
    table = node(page, "table", "orders")
    menu_choose(page, table, "View/Edit data ▸", "First 100 rows")
    object_id = active_tab(page)
    data = frame_ready(page, object_id)
    cells = data.locator("#panel-data table.data-table tbody tr td[data-column=id]")
    cells.nth(2).wait_for()
    assert cells.all_inner_texts()[:3] == ["1", "2", "3"]

    menu_choose(page, table, "Properties / Alter…")  # the same object's tab, on its properties
    assert active_tab(page) == object_id
    props = frame_ready(page, object_id)
    props.wait_for_selector("#action-alter")
    props.click("#action-alter")
    dialog = props.locator("#alter-dialog")
    dialog.wait_for()
    dialog.locator(".existing-column[data-column=amount] input[name=col-type]").fill("bigint")
    props.wait_for_function("() => document.querySelector('#alter-dialog .sql-preview')?.textContent"
                            ".includes('TYPE bigint')"
                            " && !document.querySelector('#alter-dialog .dialog-apply').disabled")
    assert props.inner_text("#alter-dialog .sql-preview").strip() == (
        'ALTER TABLE "public"."orders"\n    ALTER COLUMN "amount" TYPE bigint;')
    amount_type = ("SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
                   " WHERE attrelid = 'orders'::regclass AND attname = 'amount'")
    with psycopg.connect(pg_server.conninfo(pg_database)) as conn:
        assert conn.execute(amount_type).fetchone() == ("integer",)  # the review ran nothing
    dialog.locator(".dialog-apply").click()
    dialog.wait_for(state="detached")
    with psycopg.connect(pg_server.conninfo(pg_database)) as conn:
        assert conn.execute(amount_type).fetchone() == ("bigint",)

    folder = f"day-{pg_database}"
    menu_choose(page, db, "Backup…")
    jobs_id = active_tab(page)
    jobs = frame_ready(page, jobs_id)
    assert jobs.input_value("#job-kind") == "backup" and jobs.input_value("#job-database") == pg_database
    jobs.click("#job-output-browse")
    picker = jobs.locator("#file-dialog")
    picker.wait_for()
    picker.locator("#file-dialog-new-folder").click()
    picker.locator("#file-dialog-folder-name").fill(folder)
    picker.locator("#file-dialog-folder-name").press("Enter")
    picker.locator("#file-dialog-crumbs [aria-current=page]", has_text=folder).wait_for()
    picker.locator("#file-dialog-name").fill("orders.dump")
    picker.locator("#file-dialog-ok").click()
    picker.wait_for(state="detached")
    jobs.click("#job-start")
    jobs.wait_for_selector('#job-progress[value="100"]', timeout=30_000)
    assert jobs.inner_text("#job-state") == "succeeded"
    dump = live_server.data_dir / "storage" / "u1" / folder / "orders.dump"
    assert dump.stat().st_size > 0

    before = tab_ids(page)
    assert before == [tool_id, object_id, jobs_id]
    wait_saved(page)
    page.reload()
    page.wait_for_selector(READY)
    assert tab_ids(page) == before and active_tab(page) == jobs_id
    page.locator(f'#ws-tabs [data-tab-id="{tool_id}"]').click()
    tool = tool_frame(page, tool_id)
    run_sql(tool, "select pg_backend_pid()")
    pid = int(tool.locator("table.results-grid tbody tr td:nth-child(2)").first.inner_text())
    assert not backend_is_gone(pg_server, pid)
    page.locator(f'#ws-tabs [data-tab-id="{tool_id}"] .ws-tab-close').click()
    assert tab_ids(page) == [object_id, jobs_id]
    wait_until(lambda: backend_is_gone(pg_server, pid), f"backend {pid} of the closed tab is still connected",
               timeout=10)


@pytest.fixture
def shop(workspace: Any, live_server: LiveServer, pg_server: PgServer) -> Iterator[Any]:
    """The workspace on a server named as a team names one ("Production", group "Team"), its database "shop"."""
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS shop WITH (FORCE)")
        conn.execute("CREATE DATABASE shop")
    with psycopg.connect(pg_server.conninfo("shop"), autocommit=True) as conn:
        conn.execute("CREATE TABLE orders (id int PRIMARY KEY, customer text, amount numeric(10,2), placed_at"
                     " timestamptz DEFAULT now()); INSERT INTO orders SELECT g, 'customer ' || g, g * 9.5,"
                     " '2026-12-01 18:00+00'::timestamptz - g * interval '1 hour' FROM generate_series(1, 40) g;"
                     " CREATE TABLE customers (id int PRIMARY KEY, name text); CREATE VIEW big_orders AS"
                     " SELECT * FROM orders WHERE amount > 100")
    fixture_server = workspace.server_id
    workspace.server_id = register_server(live_server.url, pg_server, "Production", group="Team",
                                          maintenance_db="shop")
    workspace.reload()
    workspace.wait_for_selector(READY)
    try:
        yield workspace
    finally:
        http_session(live_server.url).delete(f"{live_server.url}/api/v1/servers/{workspace.server_id}", timeout=10)
        workspace.server_id = fixture_server
        with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS shop WITH (FORCE)")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_workspace_in_both_themes_at_both_widths(shop: Any, scheme: str, tmp_path: Path) -> None:
    """The theme follows prefers-color-scheme and the layout holds at 1024 and 1920 px; the pictures are the ones in
    docs/screenshots (PGADMIN_LITE_SCREENSHOTS=docs/screenshots writes them there)."""
    page = shop
    page.emulate_media(color_scheme=scheme)
    db = open_path(page, "shop", ("database", "shop"))
    expand(page, node(page, "schemas", "schemas"))
    expand(page, node(page, "schema", "public"))
    expand(page, node(page, "tables", "tables"))
    menu_choose(page, node(page, "table", "orders"), "Properties / Alter…")
    menu_choose(page, db, "Query tool here")
    tool = tool_frame(page, active_tab(page))
    run_sql(tool, "SELECT id, customer, amount, placed_at\n  FROM orders\n WHERE amount > 100\n"
                  " ORDER BY placed_at DESC;")
    out = Path(os.environ.get("PGADMIN_LITE_SCREENSHOTS") or tmp_path)
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    channels = [int(part) for part in background[background.index("(") + 1:-1].split(",")[:3]]
    assert (sum(channels) / 3 < 80) if scheme == "dark" else (sum(channels) / 3 > 200), background
    for width in (1024, 1920):
        page.set_viewport_size({"width": width, "height": 700 if width < 1920 else 1000})
        for where in (page, tool):
            problems = where.evaluate(LAYOUT_PROBLEMS)
            assert problems == [], f"{width} px, {scheme}: {problems}"
        page.screenshot(path=str(out / f"workspace-{width}-{scheme}.png"))
