"""Paging through a real Gunicorn: the next page is read ahead, but never where that could surprise the user."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from tests.plugins.app_fixtures import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.plugins.http_session import HttpClient
from tests.plugins.live_server import LiveServer
from tests.plugins.postgres_fixture import PgServer

PAUSE_S = 0.6  # between two pages: a page read ahead was read before it, one read on demand after it


class Tool:
    """One query tool over real HTTP."""

    def __init__(self, http: HttpClient, tx_id: str) -> None:
        self.http, self.base = http, f"/api/v1/query-tool/{tx_id}"

    def run(self, sql: str) -> dict[str, Any]:
        response = self.http.post(f"{self.base}/execute", json={"sql": sql, "wait_ms": 10000})
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def fetch(self, limit: int = 1000) -> Any:
        return self.http.post(f"{self.base}/fetch", json={"limit": limit})


@pytest.fixture(scope="module")
def http(live_server: LiveServer, pg_server: PgServer) -> HttpClient:
    client = HttpClient(live_server.url)
    client.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    return client


@pytest.fixture(scope="module")
def server_id(http: HttpClient, pg_server: PgServer) -> int:
    response = http.post("/api/v1/servers", json={"name": "paging", "host": pg_server.host, "port": pg_server.port,
                                                  "username": pg_server.user})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


@pytest.fixture
def tool(http: HttpClient, server_id: int, pg_database: str) -> Iterator[Tool]:
    response = http.post("/api/v1/query-tool", json={"server_id": server_id, "database": pg_database})
    assert response.status_code == 201, response.text
    opened = Tool(http, response.json()["tx_id"])
    yield opened
    http.send("DELETE", opened.base)


def server_now(pg_server: PgServer, pg_database: str) -> float:
    with psycopg.connect(pg_server.conninfo(pg_database)) as conn:
        return float(conn.execute("SELECT extract(epoch FROM clock_timestamp())").fetchone()[0])


ROWS_WITH_READ_TIME = "SELECT g, extract(epoch FROM clock_timestamp()) FROM generate_series(1, 5000) g"


def test_the_next_page_is_read_while_the_client_reads_this_one(tool: Tool, pg_server: PgServer,
                                                               pg_database: str) -> None:
    first = tool.run(ROWS_WITH_READ_TIME)
    assert len(first["rows"]) == 1000 and first["has_more"]
    time.sleep(PAUSE_S)
    asked_at = server_now(pg_server, pg_database)
    second = tool.fetch().json()
    assert [row[0] for row in second["rows"]] == list(range(1001, 2001))
    assert float(second["rows"][-1][1]) < asked_at - PAUSE_S / 2, "page 2 was read only when asked for"
    time.sleep(PAUSE_S)
    asked_at = server_now(pg_server, pg_database)
    third = tool.fetch(500).json()
    assert [row[0] for row in third["rows"]] == list(range(2001, 2501))
    assert float(third["rows"][-1][1]) < asked_at - PAUSE_S / 2, "page 3 was read only when asked for"


def test_every_row_arrives_once_in_order_whatever_the_page_sizes(tool: Tool) -> None:
    seen = [row[0] for row in tool.run(ROWS_WITH_READ_TIME)["rows"]]
    for limit in (1, 700, 3000, 5000):
        page = tool.fetch(limit).json()
        seen += [row[0] for row in page["rows"]]
        if not page["has_more"]:
            break
    assert seen == list(range(1, 5001))
    assert tool.fetch().json() == {"rows": [], "has_more": False, "truncated": False}


def test_an_error_read_ahead_comes_with_the_page_that_reaches_it(tool: Tool) -> None:
    first = tool.run("SELECT CASE WHEN g <= 1500 THEN g ELSE 1 / (g - g) END FROM generate_series(1, 3000) g")
    assert first["error"] is None and len(first["rows"]) == 1000
    time.sleep(PAUSE_S)  # the read-ahead has met the error by now; nothing is said until it is reached
    failed = tool.fetch()
    assert failed.status_code == 400 and "division by zero" in failed.json()["error"]["message"]
    after = tool.run("SELECT 1")
    assert after["rows"] == [[1]] and after["transaction_status"] == "idle"


def test_nothing_is_read_ahead_inside_the_users_transaction(tool: Tool) -> None:
    """An error read early would abort the user's own transaction before they asked for those rows."""
    tool.run("BEGIN")
    first = tool.run("SELECT CASE WHEN g <= 1500 THEN g ELSE 1 / (g - g) END FROM generate_series(1, 3000) g")
    assert len(first["rows"]) == 1000 and first["transaction_status"] == "in_transaction"
    time.sleep(PAUSE_S)
    still_usable = tool.run("SELECT 2")
    assert still_usable["error"] is None and still_usable["transaction_status"] == "in_transaction"
    tool.run("ROLLBACK")


def test_a_new_statement_after_a_read_ahead_starts_clean(tool: Tool) -> None:
    tool.run(ROWS_WITH_READ_TIME)
    time.sleep(PAUSE_S)
    result = tool.run("SELECT 'fresh'")
    assert result["rows"] == [["fresh"]] and result["transaction_status"] == "idle" and not result["has_more"]
    assert tool.fetch().json()["rows"] == []
