"""The jobs page in a real browser: back up a database from the page, watch the bar reach 100 %, download it."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import psycopg

from tests.plugins.browser import login, register_server
from tests.plugins.live_server import LiveServer
from tests.plugins.postgres_fixture import PgServer

PG_RESTORE = "/usr/lib/postgresql/15/bin/pg_restore"


def test_backup_from_the_page_and_download_it(live_server: LiveServer, pg_server: PgServer, pg_database: str,
                                              page: Any, tmp_path: Path) -> None:
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
        conn.execute("CREATE TABLE sales (id int, amount numeric); INSERT INTO sales SELECT g, g * 2.5 "
                     "FROM generate_series(1, 2000) g")
    login(page, live_server.url)
    server_id = register_server(live_server.url, pg_server, f"Jobs PG {pg_database}")
    page.click("#nav-jobs")
    page.goto(f"{live_server.url}/jobs?server_id={server_id}&database={pg_database}")
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
    page.goto(f"{live_server.url}/jobs")
    page.select_option("#job-kind", "restore")
    assert page.locator("#job-input").is_visible() and not page.locator("#job-output").is_visible()
    page.click("#job-start")
    error = page.locator("#job-form-error")
    error.wait_for()
    assert "input_path is required" in error.inner_text()
