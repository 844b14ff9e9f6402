"""The jobs page in a real browser: back up a database from the page, watch the bar reach 100 %, download it; open
the page preset to an object (as the workspace's menus do), pick a new folder, and read the exact command line."""

from __future__ import annotations

import shlex
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psycopg
import pytest
from psycopg import sql

from tests.plugins.browser import goto_ready, login, register_server, wait_ready
from tests.plugins.live_server import LiveServer
from tests.plugins.postgres_fixture import PgServer
from tests.plugins.servers_fixtures import PgRole

PG_RESTORE = "/usr/lib/postgresql/15/bin/pg_restore"


def test_backup_from_the_page_and_download_it(live_server: LiveServer, pg_server: PgServer, pg_database: str,
                                              page: Any, tmp_path: Path) -> None:
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
        conn.execute("CREATE TABLE sales (id int, amount numeric); INSERT INTO sales SELECT g, g * 2.5 "
                     "FROM generate_series(1, 2000) g")
    login(page, live_server.url)
    server_id = register_server(live_server.url, pg_server, f"Jobs PG {pg_database}")
    page.click("#nav-jobs")
    wait_ready(page)
    goto_ready(page, f"{live_server.url}/jobs?server_id={server_id}&database={pg_database}")
    assert page.input_value("#job-server") == str(server_id)
    assert page.input_value("#job-database") == pg_database
    assert page.input_value("#job-output").startswith(pg_database) and page.input_value("#job-output").endswith(".dump")
    page.fill("#job-output", "from-the-page.dump")
    page.click("#job-start")

    page.wait_for_selector('#job-progress[value="100"]', timeout=30_000)
    assert page.inner_text("#job-state") == "succeeded"
    assert "Saved /from-the-page.dump" in page.inner_text("#job-message")
    assert "1 of 1 tables" in page.inner_text("#job-progress-text")
    page.wait_for_function("document.querySelector('#job-log').textContent.includes('dumping contents of table')")
    assert page.locator("#job-elapsed").inner_text().startswith("Elapsed")
    assert page.locator("#jobs-table tbody tr").count() >= 1

    with page.expect_download() as info:
        page.click("#job-download")
    download = info.value
    assert download.suggested_filename == "from-the-page.dump"
    saved = tmp_path / "downloaded.dump"
    download.save_as(saved)
    assert saved.stat().st_size > 0
    listing = subprocess.run([PG_RESTORE, "--list", "--", str(saved)], capture_output=True, text=True, check=True)
    assert "TABLE DATA public sales" in listing.stdout


def test_the_jobs_page_shows_a_refusal_in_the_form(live_server: LiveServer, pg_server: PgServer, page: Any,
                                                   page_errors: Any) -> None:
    page_errors.allow(r"status of 400 .*/api/v1/jobs")
    login(page, live_server.url)
    register_server(live_server.url, pg_server, "Jobs PG refusal")
    goto_ready(page, f"{live_server.url}/jobs")
    page.select_option("#job-kind", "restore")
    assert page.locator("#job-input").is_visible() and not page.locator("#job-output").is_visible()
    page.click("#job-start")
    error = page.locator("#job-form-error")
    error.wait_for()
    assert "input_path is required" in error.inner_text()


@pytest.fixture
def owned_db(pw_pg_server: PgServer, make_pw_role: Any) -> Iterator[tuple[str, PgRole]]:
    """A database on the password-only server, owned by a role that must give its password, with a table."""
    role: PgRole = make_pw_role()
    database = f"t_jobs_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pw_pg_server.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(database), sql.Identifier(role.name)))
    try:
        with psycopg.connect(pw_pg_server.conninfo(database), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE TABLE sales AS SELECT g AS id FROM generate_series(1, 100) g; "
                                 "ALTER TABLE sales OWNER TO {}").format(sql.Identifier(role.name)))
        yield database, role
    finally:
        with psycopg.connect(pw_pg_server.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))


def jobs_url(base_url: str, **preset: Any) -> str:
    return f"{base_url}/jobs?{urlencode(preset)}"


def test_backup_preset_by_the_url_into_a_new_folder(live_server: LiveServer, pw_pg_server: PgServer,
                                                    owned_db: tuple[str, PgRole], page: Any) -> None:
    database, role = owned_db
    name = f"Nightly {database}"
    server_id = register_server(live_server.url, pw_pg_server, name, username=role.name, password=role.password,
                                save_password=True)
    login(page, live_server.url)
    goto_ready(page, jobs_url(live_server.url, server_id=server_id, database=database, kind="backup", embed=1))
    assert page.input_value("#job-kind") == "backup"
    assert page.input_value("#job-server") == str(server_id)
    assert page.input_value("#job-database") == database
    assert page.inner_text("#job-preset") == f"Backup a database: database {database} on {name}."

    page.click("#job-output-browse")
    dialog = page.locator("#file-dialog")
    dialog.wait_for()
    assert dialog.locator("#file-dialog-name").input_value().startswith(database)  # the suggested name
    dialog.locator("#file-dialog-new-folder").click()
    dialog.locator("#file-dialog-folder-name").fill("nightly")
    dialog.locator("#file-dialog-folder-name").press("Enter")
    dialog.locator("#file-dialog-crumbs [aria-current=page]", has_text="nightly").wait_for()
    dialog.locator("#file-dialog-name").fill("night.dump")
    dialog.locator("#file-dialog-ok").click()
    dialog.wait_for(state="detached")
    assert page.input_value("#job-output") == "/nightly/night.dump"

    page.click("#job-start")
    page.wait_for_selector('#job-progress[value="100"]', timeout=30_000)
    assert page.inner_text("#job-state") == "succeeded"  # the saved password reached pg_dump
    assert "Saved /nightly/night.dump" in page.inner_text("#job-message")
    saved = live_server.data_dir / "storage" / "u1" / "nightly" / "night.dump"
    listing = subprocess.run([PG_RESTORE, "--list", "--", str(saved)], capture_output=True, text=True, check=True)
    assert "TABLE DATA public sales" in listing.stdout
    assert "embed=1" in page.url  # the tab stays embedded after a reload

    row = page.locator("#jobs-table tr.job-row").first
    assert row.locator(".job-server").inner_text() == name
    job_id = row.get_attribute("data-job-id")
    command = page.locator(f"#jobs-table tr.job-command-row[data-job-id='{job_id}'] code").inner_text()
    assert command == page.inner_text("#job-command")
    assert "/pg_dump --verbose --no-password --format=c" in command and f"user={role.name}" in command
    assert role.password not in page.content()


def test_presets_name_the_object_and_a_table_backup_dumps_only_it(live_server: LiveServer, pg_server: PgServer,
                                                                  pg_database: str, page: Any) -> None:
    schema, table = 'Sales "Q1"', "t.x"
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {s}; CREATE TABLE {s}.{t} (id int); CREATE TABLE other (id int)").format(
            s=sql.Identifier(schema), t=sql.Identifier(table)))
    login(page, live_server.url)
    server_id = register_server(live_server.url, pg_server, f"Preset PG {pg_database}")
    target = {"server_id": server_id, "database": pg_database}

    goto_ready(page, jobs_url(live_server.url, **target, kind="maintenance", table="other"))
    assert page.input_value("#job-kind") == "maintenance"
    assert page.locator("input[name=maintenance_table]").is_visible()
    assert page.input_value("input[name=maintenance_table]") == "public.other"
    goto_ready(page, jobs_url(live_server.url, **target, kind="export", schema=schema, table=table))
    assert page.input_value("input[name=csv_table]") == '"Sales ""Q1"""."t.x"'
    assert page.input_value("#job-output").startswith("t.x-") and page.input_value("#job-output").endswith(".csv")
    goto_ready(page, jobs_url(live_server.url, **target, kind="backup", schema=schema))
    assert page.input_value("textarea[name=schemas]") == schema

    goto_ready(page, jobs_url(live_server.url, **target, kind="backup", schema=schema, table=table))
    assert page.input_value("textarea[name=tables]") == '"Sales ""Q1"""."t.x"'
    assert page.inner_text("#job-preset").startswith(f"Backup a database: table {schema}.{table} in database")
    assert page.input_value("#job-output").startswith(f"{pg_database}-t.x-")
    page.click("#job-start")
    page.wait_for_selector('#job-progress[value="100"]', timeout=30_000)
    assert page.inner_text("#job-state") == "succeeded"
    pattern = '"Sales ""Q1"""."t.x"'  # the qualified name as an exact pg_dump pattern
    assert shlex.quote(f"--table={pattern}") in page.inner_text("#job-command")
    assert "1 of 1 tables" in page.inner_text("#job-progress-text")
