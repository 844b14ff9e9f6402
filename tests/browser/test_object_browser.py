"""The object browser in a real browser: tree to a table and its SQL, create a role and a database, edit a row;
create a schema, a table and an index through the dialogs, then rename, comment on and drop the table."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
from psycopg import sql

from tests.plugins.browser import goto_ready, login, register_server, wait_ready
from tests.plugins.catalog_fixtures import drop_database, drop_role
from tests.plugins.live_server import LiveServer
from tests.plugins.postgres_fixture import PgServer


def css_string(text: str) -> str:
    """text as a quoted CSS string (for attribute selectors on hostile names)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def tree_node(page: Any, kind: str, name: str) -> Any:
    return page.locator(f"li.tree-node[data-kind={css_string(kind)}][data-name={css_string(name)}]").first


def tree_click(page: Any, kind: str, name: str) -> None:
    """Click a tree node's label (expands it, and selects an object) and wait until its children are in."""
    node = tree_node(page, kind, name)
    node.locator(":scope > .tree-label").click()
    if node.get_attribute("aria-expanded") is not None:
        page.wait_for_function("n => n.getAttribute('aria-expanded') === 'true' && !n.classList.contains('loading')",
                               arg=node.element_handle())


def open_table(page: Any, base_url: str, server_id: int, db: str, table: str) -> None:
    goto_ready(page, f"{base_url}/servers/{server_id}/browser")
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
    goto_ready(page, live_server.url + "/servers")
    page.locator(".server-row", has_text=f"Tree PG {pg_database}").locator(".browse-link").click()
    page.wait_for_url(f"**/servers/{server_id}/browser")
    wait_ready(page)
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
    page.click('#object-tabs .tab[data-tab="dependencies"]')
    page.wait_for_selector("#panel-dependencies h3")


def test_create_a_role_and_a_database_owned_by_it(live_server: LiveServer, pg_server: PgServer, page: Any) -> None:
    suffix = uuid.uuid4().hex[:6]
    role, database = f"App User {suffix}", f"app db ü {suffix}"
    login(page, live_server.url)
    server_id = register_server(live_server.url, pg_server, f"Create PG {suffix}")
    try:
        goto_ready(page, f"{live_server.url}/servers/{server_id}/browser")
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
        conn.execute("CREATE TABLE t (id int PRIMARY KEY, label text, note text, memo text); "
                     "INSERT INTO t SELECT g, 'row ' || g, 'note ' || g, 'memo ' || g FROM generate_series(1, 150) g; "
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
    # the NULL button beside the input sets SQL NULL; typing NULL stays the text 'NULL'
    page.dblclick('table.data-table tbody td[data-column="note"]')
    page.click('table.data-table td[data-column="note"] .cell-null')
    assert page.locator('table.data-table tbody td[data-column="note"].null.edited').inner_text() == "NULL"
    page.dblclick('table.data-table tbody td[data-column="memo"]')
    page.fill("table.data-table .cell-input", "NULL")
    page.keyboard.press("Enter")
    assert page.locator('table.data-table tbody td[data-column="memo"].null').count() == 0
    page.click("#data-review-changes")
    page.wait_for_selector("#data-review-sql")
    review = page.inner_text("#data-review-sql")
    assert "UPDATE" in review and "edited ''seven''" in review
    assert '"note" = NULL' in review and "\"memo\" = 'NULL'" in review
    page.click("#data-apply")
    page.wait_for_function("() => document.querySelector('#data-status').textContent.includes('applied 1 change')"
                           " || !document.querySelector('#data-error').hidden")
    assert page.locator("#data-error").is_hidden(), page.inner_text("#data-error")
    page.wait_for_function("() => document.querySelector('table.data-table tbody td[data-column=label]')"
                           ".textContent === \"edited 'seven'\"")
    with psycopg.connect(pg_server.conninfo(pg_database)) as conn:
        assert conn.execute("SELECT label, note IS NULL, memo FROM t WHERE id = 7").fetchone() == (
            "edited 'seven'", True, "NULL")
    # a table without a primary key is read-only, and says why
    tree_click(page, "table", "nokey")
    page.wait_for_selector("#read-only-reason")
    assert "primary key" in page.inner_text("#read-only-reason")


def wait_preview(page: Any, dialog_id: str, *parts: str) -> None:
    """Wait until the dialog's SQL preview shows every part (and so Apply is enabled for it)."""
    page.wait_for_function("""([id, parts]) => {
        const p = document.querySelector(`#${id} .sql-preview`)?.textContent ?? '';
        return parts.every((part) => p.includes(part)); }""", arg=[dialog_id, list(parts)])


def apply_dialog(page: Any, dialog_id: str) -> None:
    dialog = page.locator(f"#{dialog_id}")
    dialog.locator(".dialog-apply:not([disabled])").click()
    dialog.wait_for(state="detached")


def test_create_schema_table_and_index_then_rename_comment_and_drop(
        live_server: LiveServer, pg_server: PgServer, pg_database: str, page: Any) -> None:
    schema, table, renamed, index = 'Sales "Q1" ü', 'Order "Items"', 'Order "Lines"', 'Order idx "select"'
    login(page, live_server.url)
    server_id = register_server(live_server.url, pg_server, f"DDL PG {pg_database}")
    goto_ready(page, f"{live_server.url}/servers/{server_id}/browser")
    page.wait_for_selector('li.tree-node[data-kind="databases"]')
    tree_click(page, "databases", "databases")
    tree_click(page, "database", pg_database)

    # Create schema: the "+" of the database's Schemas collection
    tree_node(page, "schemas", "schemas").locator(":scope > .tree-create").click()
    page.locator("#create-schema-dialog input[name=name]").fill(schema)
    wait_preview(page, "create-schema-dialog", 'CREATE SCHEMA "Sales ""Q1"" ü"')
    apply_dialog(page, "create-schema-dialog")
    tree_click(page, "schema", schema)

    # Create table: the "+" of the new schema's (empty) Tables collection; three rows, one removed again
    schema_node = tree_node(page, "schema", schema)
    schema_node.locator('li.tree-node[data-kind="tables"] > .tree-create').click()
    dialog = page.locator("#create-table-dialog")
    dialog.locator("input[name=name]").fill(table)
    rows = dialog.locator(".column-row")
    rows.nth(0).locator("input[name=col-name]").fill("id")
    rows.nth(0).locator("input[name=col-type]").fill("integer")
    rows.nth(0).locator("input[name=col-pk]").check()
    dialog.locator(".col-add").click()
    rows.nth(1).locator("input[name=col-name]").fill("select")
    rows.nth(1).locator("input[name=col-type]").fill("text")
    rows.nth(1).locator("input[name=col-default]").fill("'x'")
    rows.nth(1).locator("input[name=col-not-null]").check()
    dialog.locator(".col-add").click()
    rows.nth(2).locator("input[name=col-name]").fill("spare")
    # the dialog says what is missing without asking the server (and Apply stays disabled)
    dialog.locator(".error", has_text="type of column spare").wait_for()
    assert dialog.locator(".dialog-apply").is_disabled()
    rows.nth(2).locator(".col-remove").click()
    assert dialog.locator("datalist#column-types option[value=integer]").count() == 1
    wait_preview(page, "create-table-dialog", 'CREATE TABLE "Sales ""Q1"" ü"."Order ""Items"""',
                 '"select" text DEFAULT (\'x\') NOT NULL', 'PRIMARY KEY ("id")')
    assert "spare" not in dialog.locator(".sql-preview").inner_text()
    apply_dialog(page, "create-table-dialog")
    tree_node(page, "table", table).wait_for()
    qualified = sql.Identifier(schema, table)
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
        regclass = qualified.as_string(conn)
        columns = conn.execute("SELECT attname, format_type(atttypid, atttypmod), attnotnull, "
                               "pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a LEFT JOIN pg_attrdef d "
                               "ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE attrelid = %s::regclass "
                               "AND attnum > 0 AND NOT attisdropped ORDER BY attnum", [regclass]).fetchall()
        assert columns == [("id", "integer", True, None), ("select", "text", True, "'x'::text")]
        key = conn.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                           "AND contype = 'p'", [regclass]).fetchone()
        assert key == ('PRIMARY KEY (id)',)

    # Create index: the Create action of the selected table
    tree_click(page, "table", table)
    page.wait_for_function("() => document.querySelector('#action-create').textContent === 'Create index…'")
    page.click("#action-create")
    dialog = page.locator("#create-index-dialog")
    dialog.locator("input[name=name]").fill(index)
    dialog.locator("select[name=columns]").select_option(["select"])
    dialog.locator("input[name=unique]").check()
    dialog.locator("select[name=method]").select_option("btree")
    wait_preview(page, "create-index-dialog", 'CREATE UNIQUE INDEX "Order idx ""select"""', 'USING "btree" ("select")')
    apply_dialog(page, "create-index-dialog")
    tree_node(page, "index", index).wait_for()
    assert tree_node(page, "indexes", "indexes").locator(":scope > .tree-label .tree-count").inner_text() == "2"
    with psycopg.connect(pg_server.conninfo(pg_database)) as conn:
        indexdef = conn.execute("SELECT indexdef FROM pg_indexes WHERE schemaname = %s AND tablename = %s "
                                "AND indexname = %s", [schema, table, index]).fetchone()
        assert indexdef and "CREATE UNIQUE INDEX" in indexdef[0] and 'btree ("select")' in indexdef[0]

    # Rename, then comment on the renamed table
    page.click("#action-rename")
    page.locator("#rename-dialog input[name=new_name]").fill(renamed)
    wait_preview(page, "rename-dialog", 'RENAME TO "Order ""Lines"""')
    apply_dialog(page, "rename-dialog")
    tree_node(page, "table", renamed).wait_for()
    tree_click(page, "table", renamed)
    page.wait_for_selector("#panel-properties table.kv")
    page.click("#action-comment")
    page.locator("#comment-dialog textarea[name=comment]").fill("it's the orders")
    wait_preview(page, "comment-dialog", "COMMENT ON TABLE", "'it''s the orders'")
    apply_dialog(page, "comment-dialog")
    qualified = sql.Identifier(schema, renamed)
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
        regclass = qualified.as_string(conn)
        assert conn.execute("SELECT obj_description(%s::regclass, 'pg_class')", [regclass]).fetchone() == \
            ("it's the orders",)
        assert conn.execute("SELECT to_regclass(%s)", [sql.Identifier(schema, table).as_string(conn)]).fetchone() \
            == (None,)
        conn.execute(sql.SQL("CREATE VIEW {} AS SELECT {} FROM {}").format(
            sql.Identifier(schema, "v items"), sql.Identifier("select"), qualified))

    # Drop with CASCADE, after the dialog listed the dependent view
    page.click("#action-drop")
    dialog = page.locator("#drop-dialog")
    dialog.locator(".cascade-list li", has_text="v items").wait_for()
    dialog.locator("input[name=cascade]").check()
    wait_preview(page, "drop-dialog", "DROP TABLE", "CASCADE")
    apply_dialog(page, "drop-dialog")
    page.wait_for_function("() => document.querySelector('#object-title').textContent.startsWith('Dropped')")
    with psycopg.connect(pg_server.conninfo(pg_database)) as conn:
        gone = conn.execute("SELECT to_regclass(%s), to_regclass(%s)",
                            [regclass, sql.Identifier(schema, "v items").as_string(conn)]).fetchone()
        assert gone == (None, None)
    tree_node(page, "table", renamed).wait_for(state="detached")
