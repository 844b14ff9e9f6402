"""The object browser in a real browser: tree to a table and its SQL, create a role and a database, edit a row."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg

from tests.plugins.browser import login, register_server
from tests.plugins.catalog_fixtures import drop_database, drop_role
from tests.plugins.live_server import LiveServer
from tests.plugins.postgres_fixture import PgServer


def tree_click(page: Any, kind: str, name: str) -> None:
    """Click a tree node's label (expands it, and selects an object) and wait until its children are in."""
    node = page.locator(f'li.tree-node[data-kind="{kind}"][data-name="{name}"]').first
    node.locator(":scope > .tree-label").click()
    if node.get_attribute("aria-expanded") is not None:
        page.wait_for_function("n => n.getAttribute('aria-expanded') === 'true' && !n.classList.contains('loading')",
                               arg=node.element_handle())


def open_table(page: Any, base_url: str, server_id: int, db: str, table: str) -> None:
    page.goto(f"{base_url}/servers/{server_id}/browser")
    page.wait_for_selector('li.tree-node[data-kind="databases"]')
    for kind, name in (("databases", "databases"), ("database", db), ("schemas", "schemas"), ("schema", "public"),
                       ("tables", "tables"), ("table", table)):
        tree_click(page, kind, name)
    page.wait_for_function("t => document.querySelector('#object-title').textContent === t", arg=f"public.{table}")


def test_tree_to_a_table_and_its_sql(live_server: LiveServer, pg_server: PgServer, pg_database: str, page: Any) -> None:
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
        conn.execute('CREATE TABLE t (id int PRIMARY KEY, "Mixed Label" text NOT NULL DEFAULT \'x\')')
    login(page, live_server.url)
    server_id = register_server(live_server.url, pg_server, f"Tree PG {pg_database}")
    page.goto(live_server.url + "/")
    page.locator(".server-row", has_text=f"Tree PG {pg_database}").locator(".browse-link").click()
    page.wait_for_url(f"**/servers/{server_id}/browser")
    open_table(page, live_server.url, server_id, pg_database, "t")
    page.wait_for_selector('#panel-properties table.kv')
    page.click('#object-tabs .tab[data-tab="sql"]')
    page.wait_for_function("() => document.querySelector('#sql-text').textContent.includes('CREATE TABLE')")
    ddl = page.inner_text("#sql-text")
    assert '"Mixed Label" text' in ddl and "PRIMARY KEY" in ddl
    # the table's own collections and the filter box of the tables collection
    assert page.locator('li.tree-node[data-kind="columns"]').count() == 1
    page.fill('li.tree-node[data-kind="tables"] .tree-filter', "zzz-none")
    page.wait_for_function("""() => document.querySelector('li.tree-node[data-kind="tables"] .tree-note')
                              .textContent.startsWith('0 matching')""")
    page.click('#object-tabs .tab[data-tab="deps"]')
    page.wait_for_selector("#panel-deps h3")


def test_create_a_role_and_a_database_owned_by_it(live_server: LiveServer, pg_server: PgServer, page: Any) -> None:
    suffix = uuid.uuid4().hex[:6]
    role, database = f"App User {suffix}", f"app db ü {suffix}"
    login(page, live_server.url)
    server_id = register_server(live_server.url, pg_server, f"Create PG {suffix}")
    try:
        page.goto(f"{live_server.url}/servers/{server_id}/browser")
        page.wait_for_selector('li.tree-node[data-kind="roles"]')
        tree_click(page, "roles", "roles")
        page.click("#create-role")
        dialog = page.locator("#create-role-dialog")
        dialog.locator("input[name=name]").fill(role)
        dialog.locator("input[name=password]").fill("s3cret pass")
        dialog.locator("input[name=createdb]").check()
        dialog.locator("input[name=connection_limit]").fill("5")
        dialog.locator("input[name=comment]").fill("the app's role")
        page.wait_for_function("""r => {
            const p = document.querySelector('#create-role-dialog .sql-preview').textContent;
            return p.includes('CREATE ROLE') && p.includes(r) && p.includes('CONNECTION LIMIT 5')
                && p.includes('COMMENT ON ROLE'); }""", arg=role)
        preview = dialog.locator(".sql-preview").inner_text()
        assert "s3cret" not in preview and "PASSWORD" in preview
        dialog.locator(".dialog-apply:not([disabled])").click()
        dialog.wait_for(state="detached")
        page.wait_for_selector(f'li.tree-node[data-kind="role"][data-name="{role}"]')

        page.click("#create-database")
        dialog = page.locator("#create-database-dialog")
        dialog.locator("input[name=name]").fill(database)
        dialog.locator("select[name=owner]").select_option(role)
        dialog.locator("select[name=template]").select_option("template0")
        assert "pristine" in dialog.locator("#template-help").inner_text()
        dialog.locator("select[name=encoding]").select_option("UTF8")
        page.wait_for_function("""() => {
            const p = document.querySelector('#create-database-dialog .sql-preview').textContent;
            return p.includes('CREATE DATABASE') && p.includes('template0') && p.includes('UTF8'); }""")
        dialog.locator(".dialog-apply:not([disabled])").click()
        dialog.wait_for(state="detached")

        with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
            row = conn.execute("SELECT r.rolcanlogin, r.rolcreatedb, r.rolconnlimit, r.rolpassword IS NOT NULL "
                               "FROM pg_authid r WHERE rolname = %s", [role]).fetchone()
            assert row == (True, True, 5, True)
            owner = conn.execute("SELECT pg_get_userbyid(datdba), pg_encoding_to_char(encoding) FROM pg_database "
                                 "WHERE datname = %s", [database]).fetchone()
            assert owner == (role, "UTF8")
        with psycopg.connect(host=pg_server.host, port=pg_server.port, user=role, password="s3cret pass",
                             dbname=database) as conn:
            assert conn.execute("SELECT current_user").fetchone() == (role,)
    finally:
        drop_database(pg_server, database)
        drop_role(pg_server, role)


def test_edit_a_row_in_view_data(live_server: LiveServer, pg_server: PgServer, pg_database: str, page: Any) -> None:
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id int PRIMARY KEY, label text); "
                     "INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, 150) g; "
                     "CREATE TABLE nokey (a int)")
    login(page, live_server.url)
    server_id = register_server(live_server.url, pg_server, f"Data PG {pg_database}")
    open_table(page, live_server.url, server_id, pg_database, "t")
    page.click('#object-tabs .tab[data-tab="data"]')
    page.wait_for_selector("table.data-table tbody tr")
    assert page.locator("table.data-table tbody tr").count() == 100
    page.click("#data-next")
    page.wait_for_function("() => document.querySelectorAll('table.data-table tbody tr').length === 50")
    page.click('table.data-table th[data-column="id"]')  # sort ascending, back to page 1
    page.click('table.data-table th[data-column="id"]')  # descending
    page.wait_for_function("() => document.querySelector('table.data-table tbody td[data-column=id]')"
                           ".textContent === '150'")
    page.select_option("#filter-column", "id")
    page.select_option("#filter-op", "eq")
    page.fill("#filter-value", "7")
    page.click("#filter-apply")
    page.wait_for_function("() => document.querySelectorAll('table.data-table tbody tr').length === 1")
    page.dblclick('table.data-table tbody td[data-column="label"]')
    page.fill("table.data-table .cell-input", "edited 'seven'")
    page.keyboard.press("Enter")
    page.click("#data-review-changes")
    page.wait_for_selector("#data-review-sql")
    assert "UPDATE" in page.inner_text("#data-review-sql") and "edited ''seven''" in page.inner_text("#data-review-sql")
    page.click("#data-apply")
    page.wait_for_function("() => document.querySelector('#data-status').textContent.includes('applied 1 change')"
                           " || !document.querySelector('#data-error').hidden")
    assert page.locator("#data-error").is_hidden(), page.inner_text("#data-error")
    page.wait_for_function("() => document.querySelector('table.data-table tbody td[data-column=label]')"
                           ".textContent === \"edited 'seven'\"")
    with psycopg.connect(pg_server.conninfo(pg_database)) as conn:
        assert conn.execute("SELECT label FROM t WHERE id = 7").fetchone() == ("edited 'seven'",)
    # a table without a primary key is read-only, and says why
    tree_click(page, "table", "nokey")
    page.wait_for_selector("#read-only-reason")
    assert "primary key" in page.inner_text("#read-only-reason")
