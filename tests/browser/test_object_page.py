"""The object page (what a workspace tab shows): curated properties with PUBLIC named, the alter dialog previewing
the server's exact SQL before Apply, a role's password that never shows, and the data tab's modes."""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import urlencode

import psycopg
from psycopg import sql

from tests.plugins.browser import login, module_server
from tests.plugins.live_server import LiveServer
from tests.plugins.postgres_fixture import PgServer

server_id = module_server()


def open_object(page: Any, base_url: str, server: int, **params: str) -> None:
    """Open the object page embedded (as the workspace does) and wait for its own ready state."""
    page.goto(f"{base_url}/servers/{server}/object?{urlencode({**params, 'embed': '1'})}")
    page.wait_for_function("() => document.documentElement.dataset.ready === 'true'")


def open_alter(page: Any) -> Any:
    page.click("#action-alter")
    dialog = page.locator("#alter-dialog")
    dialog.wait_for()
    return dialog


def wait_preview(page: Any, text: str) -> str:
    page.wait_for_function("t => document.querySelector('#alter-dialog .sql-preview')?.textContent.includes(t)"
                           " && !document.querySelector('#alter-dialog .dialog-apply').disabled", arg=text)
    return str(page.inner_text("#alter-dialog .sql-preview"))


def test_alter_a_column_type_after_reviewing_its_sql(live_server: LiveServer, pg_server: PgServer, pg_database: str,
                                                     server_id: int, page: Any) -> None:
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
        conn.execute("CREATE TABLE orders (id integer PRIMARY KEY, amount integer NOT NULL DEFAULT 0); "
                     "GRANT SELECT ON orders TO PUBLIC")
    login(page, live_server.url)
    open_object(page, live_server.url, server_id, kind="table", db=pg_database, schema="public", name="orders")
    assert page.locator("body > header.topbar").count() == 0  # embedded: no top bar
    general = page.inner_text("#panel-properties [data-props-pane=general]")
    assert "Table" in general and "Total size" in general and "relkind" not in general
    page.click("#panel-properties [data-props-tab=security]")
    grants = page.locator("#panel-properties table[data-section=Privileges] tbody tr", has_text="PUBLIC")
    assert grants.count() == 1 and "SELECT" in grants.inner_text()

    page.click('#object-tabs .tab[data-tab="stats"]')
    total = page.locator("#panel-stats table.kv tr", has_text="total size").locator("td")
    assert re.fullmatch(r"\d+ (bytes|kB)", total.inner_text())
    page.click('#object-tabs .tab[data-tab="properties"]')
    dialog = open_alter(page)
    dialog.locator(".existing-column[data-column=amount] input[name=col-type]").fill("bigint")
    shown = wait_preview(page, "TYPE bigint")
    assert shown.strip() == 'ALTER TABLE "public"."orders"\n    ALTER COLUMN "amount" TYPE bigint;'
    with psycopg.connect(pg_server.conninfo(pg_database)) as conn:  # nothing ran on preview
        assert conn.execute("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = "
                            "'orders'::regclass AND attname = 'amount'").fetchone() == ("integer",)
    dialog.locator(".dialog-apply").click()
    dialog.wait_for(state="detached")
    with psycopg.connect(pg_server.conninfo(pg_database)) as conn:
        assert conn.execute("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = "
                            "'orders'::regclass AND attname = 'amount'").fetchone() == ("bigint",)
    page.wait_for_function("() => document.documentElement.dataset.ready === 'true'"
                           " && document.querySelector('#panel-properties [data-props-pane=columns]')"
                           "?.textContent.includes('bigint')")


def test_alter_a_roles_password_never_shows_it(live_server: LiveServer, pg_server: PgServer, server_id: int,
                                               page: Any) -> None:
    role, secret = f"dialog role {uuid.uuid4().hex[:6]}", f"pw-{uuid.uuid4().hex}"
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
    try:
        login(page, live_server.url)
        open_object(page, live_server.url, server_id, kind="role", name=role)
        assert "Can log in" in page.inner_text("#panel-properties")
        dialog = open_alter(page)
        password = dialog.locator("input[name=password]")
        assert password.get_attribute("type") == "password"
        password.fill(secret)
        dialog.locator("input[name=connection_limit]").fill("4")
        shown = wait_preview(page, "PASSWORD")
        assert "PASSWORD '********'" in shown and secret not in shown and "CONNECTION LIMIT 4" in shown
        assert secret not in page.content().replace(f'value="{secret}"', "")
        dialog.locator(".dialog-apply").click()
        dialog.wait_for(state="detached")
        with psycopg.connect(pg_server.conninfo()) as conn:
            verifier, limit = conn.execute("SELECT rolpassword, rolconnlimit FROM pg_authid WHERE rolname = %s",
                                           [role]).fetchone()  # type: ignore[misc]
        assert verifier.startswith("SCRAM-SHA-256$") and limit == 4
        assert page.locator("#action-drop.danger").count() == 1
    finally:
        with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def test_data_tab_first_last_and_filtered(live_server: LiveServer, pg_server: PgServer, pg_database: str,
                                          server_id: int, page: Any) -> None:
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
        conn.execute("CREATE TABLE nums AS SELECT g AS id, g * 10 AS v FROM generate_series(1, 250) g; "
                     "ALTER TABLE nums ADD PRIMARY KEY (id)")
    login(page, live_server.url)
    ref = {"kind": "table", "db": pg_database, "schema": "public", "name": "nums", "tab": "data"}

    def first_ids() -> list[str]:
        page.wait_for_selector("#panel-data table.data-table tbody tr")
        return page.locator("#panel-data table.data-table tbody tr td[data-column=id]").all_inner_texts()[:3]

    open_object(page, live_server.url, server_id, **ref, data="first")
    assert first_ids() == ["1", "2", "3"] and page.locator("#data-next").is_hidden()
    open_object(page, live_server.url, server_id, **ref, data="last")
    assert first_ids() == ["250", "249", "248"]
    open_object(page, live_server.url, server_id, **ref, data="filter", filter="v > 2400")
    assert page.locator("#panel-data table.data-table tbody tr").count() == 10 and first_ids() == ["241", "242", "243"]
    assert page.input_value("#filter-where") == "v > 2400"


KINDS_SQL = """
CREATE VIEW v AS SELECT 1 AS one;
CREATE MATERIALIZED VIEW mv AS SELECT 1 AS one;
CREATE SEQUENCE s;
CREATE FUNCTION f(a integer) RETURNS integer LANGUAGE sql AS $$ SELECT a $$;
CREATE PROCEDURE p() LANGUAGE sql AS $$ SELECT 1 $$;
CREATE DOMAIN d AS integer CHECK (VALUE > 0);
CREATE TYPE e AS ENUM ('x', 'y');
CREATE TABLE t (id integer PRIMARY KEY, v integer CONSTRAINT v_positive CHECK (v > 0));
CREATE INDEX ti ON t (v);
"""


def test_every_kind_opens_with_its_tabs_and_alter_dialog(live_server: LiveServer, pg_server: PgServer,
                                                          pg_database: str, server_id: int, page: Any) -> None:
    """No page error for any kind (the page fixture fails on one), each with tabs and an alter dialog."""
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
        conn.execute(KINDS_SQL)
    login(page, live_server.url)
    in_schema = {"db": pg_database, "schema": "public"}
    refs = [{"kind": "database", "name": pg_database}, {"kind": "schema", "db": pg_database, "name": "public"},
            {"kind": "view", **in_schema, "name": "v"}, {"kind": "materialized_view", **in_schema, "name": "mv"},
            {"kind": "sequence", **in_schema, "name": "s"},
            {"kind": "function", **in_schema, "name": "f", "args": "a integer"},
            {"kind": "function", **in_schema, "name": "p", "args": ""},
            {"kind": "domain", **in_schema, "name": "d"}, {"kind": "type", **in_schema, "name": "e"},
            {"kind": "role", "name": "postgres"}, {"kind": "tablespace", "name": "pg_default"},
            {"kind": "column", **in_schema, "table": "t", "name": "v"},
            {"kind": "constraint", **in_schema, "table": "t", "name": "v_positive"},
            {"kind": "index", **in_schema, "table": "t", "name": "ti"}]
    for ref in refs:
        open_object(page, live_server.url, server_id, **ref)
        assert page.locator("#panel-properties .props-tabs .tab").count() >= 1, ref
        page.click('#object-tabs .tab[data-tab="sql"]')
        page.wait_for_function("() => document.querySelector('#sql-text').textContent.trim().endsWith(';')")
        dialog = open_alter(page)
        dialog.locator("p.hint[role=alert]", has_text="Nothing changed yet").wait_for()
        dialog.locator(".dialog-cancel").click()
        dialog.wait_for(state="detached")


def test_grant_to_public_and_add_a_constraint_through_the_dialog(live_server: LiveServer, pg_server: PgServer,
                                                                  pg_database: str, server_id: int, page: Any) -> None:
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
        conn.execute("CREATE TABLE prices (id integer PRIMARY KEY, price numeric)")
    login(page, live_server.url)
    open_object(page, live_server.url, server_id, kind="table", db=pg_database, schema="public", name="prices")
    dialog = open_alter(page)
    dialog.locator("select[name=grantee]").select_option("PUBLIC")
    dialog.locator("input[name=privilege-SELECT]").check()
    dialog.locator("input[name=con-name]").fill("price positive")
    dialog.locator("input[name=con-expression]").fill("price > 0")
    shown = wait_preview(page, "GRANT SELECT")
    assert shown.strip() == ('ALTER TABLE "public"."prices"\n    ADD CONSTRAINT "price positive" CHECK (price > 0);\n'
                             'GRANT SELECT ON TABLE "public"."prices" TO PUBLIC;')
    dialog.locator(".dialog-apply").click()
    dialog.wait_for(state="detached")
    page.click("#panel-properties [data-props-tab=security]")
    page.locator("#panel-properties table[data-section=Privileges] tbody tr", has_text="PUBLIC").wait_for()
    with psycopg.connect(pg_server.conninfo(pg_database)) as conn:
        assert conn.execute("SELECT has_table_privilege('public', 'prices', 'SELECT'), "
                            "(SELECT count(*) FROM pg_constraint WHERE conname = 'price positive')").fetchone() \
            == (True, 1)
