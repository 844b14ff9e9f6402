"""The dashboard in a real browser: a runaway query is seen and cancelled; the live graphs fill up."""

from __future__ import annotations

import threading
from typing import Any

import psycopg
import pytest

from tests.plugins.browser import answer_dialog, goto_ready, login, register_server, wait_ready
from tests.plugins.live_server import LiveServer
from tests.plugins.postgres_fixture import PgServer


def test_cancel_a_running_query_and_graphs(live_server: LiveServer, pg_server: PgServer, pg_database: str,
                                           page: Any) -> None:
    outcome: dict[str, Any] = {}
    started = threading.Event()

    def runaway() -> None:
        with psycopg.connect(pg_server.conninfo(pg_database), application_name="pgl-runaway") as conn:
            started.set()
            try:
                conn.execute("SELECT pg_sleep(60)")
                outcome["result"] = "finished"
            except psycopg.errors.QueryCanceled as exc:
                outcome["result"] = exc

    thread = threading.Thread(target=runaway, daemon=True)
    thread.start()
    assert started.wait(10)
    try:
        login(page, live_server.url)
        server_id = register_server(live_server.url, pg_server, f"Dash PG {pg_database}")
        goto_ready(page, live_server.url + "/servers")
        page.locator(".server-row", has_text=f"Dash PG {pg_database}").locator(".dashboard-link").click()
        page.wait_for_url(f"**/servers/{server_id}/dashboard")
        wait_ready(page)
        row = page.locator("tr.session-row", has_text="pg_sleep(60)")
        row.wait_for()
        assert pg_database in row.inner_text()
        row.locator(".cancel-session").click()
        assert "Cancel the running query" in answer_dialog(page)
        thread.join(10)
        assert isinstance(outcome.get("result"), psycopg.errors.QueryCanceled), outcome
        page.wait_for_function("() => ![...document.querySelectorAll('tr.session-row')]"
                               ".some((r) => r.textContent.includes('pg_sleep(60)')"
                               " && r.textContent.includes('active'))")

        # graphs: the sessions chart has a point per poll; rates appear from the second poll on
        page.wait_for_selector("#chart-tx .uplot canvas", state="attached")
        page.wait_for_function("() => Number(document.querySelector('#chart-tx').dataset.points) >= 1"
                               " && Number(document.querySelector('#chart-sessions').dataset.points) >= 2",
                               timeout=10_000)
        assert page.locator("#charts .chart .uplot canvas").count() == 4
        assert page.locator("#chart-tx .u-legend .u-series", has_text="commits").count() == 1

        # settings search and the superuser's pg_hba rules
        page.fill("#settings-q", "work_mem")
        page.wait_for_selector('tr.setting-row[data-name="work_mem"]')
        page.wait_for_selector("#hba table.grid")
    finally:
        if thread.is_alive():
            with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
                conn.execute("SELECT pg_cancel_backend(pid) FROM pg_stat_activity "
                             "WHERE application_name = 'pgl-runaway'")
            thread.join(10)
    if thread.is_alive():
        pytest.fail("the runaway query was never cancelled")
