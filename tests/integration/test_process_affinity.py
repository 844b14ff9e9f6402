"""Affinity across real processes: a tx_id from another process is a loud 409, and a second serving
process on one DATA_DIR is reported on /health and to users, while a graceful reload is not."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.plugins.app_fixtures import ADMIN_EMAIL, ADMIN_PASSWORD, prepare_data_dir
from tests.plugins.http_session import HttpClient
from tests.plugins.live_server import LiveServer, start_gunicorn


def logged_in(server: LiveServer) -> HttpClient:
    client = HttpClient(server.url)
    client.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    return client


def open_tool(client: HttpClient, pg_server: Any, database: str) -> str:
    server = client.post("/api/v1/servers", json={"name": "pg", "host": pg_server.host, "port": pg_server.port,
                                                    "username": pg_server.user, "maintenance_db": database})
    assert server.status_code == 201, server.text
    tool = client.post("/api/v1/query-tool", json={"server_id": server.json()["id"], "database": database})
    assert tool.status_code == 201, tool.text
    return tool.json()["tx_id"]


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Two app processes sharing nothing (each its own DATA_DIR)."""
    servers = []
    try:
        for name in ("a", "b"):
            prepare_data_dir(tmp_path / name)
            servers.append(start_gunicorn(tmp_path / name, tmp_path / "logs"))
        yield servers[0], servers[1]
    finally:
        for server in servers:
            server.stop()


def test_tx_id_from_another_process_is_409_affinity_lost(two_servers: Any, pg_server: Any, pg_database: str) -> None:
    first, second = two_servers
    tx_id = open_tool(logged_in(first), pg_server, pg_database)
    response = logged_in(second).post(f"/api/v1/query-tool/{tx_id}/execute", json={"sql": "SELECT 1"})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "affinity_lost"
    assert "several worker processes" in error["message"] and "restarted" in error["message"]
    assert "sticky" in error["hint"] and "--workers 1" in error["hint"]


def test_second_process_on_one_data_dir_is_reported(tmp_path: Path, pg_server: Any, pg_database: str) -> None:
    prepare_data_dir(tmp_path / "data")
    settings = {"SERVING_LOCK_GRACE": "0.3"}
    first = start_gunicorn(tmp_path / "data", tmp_path / "logs", settings=settings)
    second = None
    try:
        first_client = logged_in(first)  # the first request takes the serving lock
        holder_pid = first_client.get("/health").json()["pid"]
        second = start_gunicorn(tmp_path / "data", tmp_path / "logs", settings=settings)
        time.sleep(0.5)  # past the reload grace since the second process's readiness probe
        health = HttpClient(second.url).get("/health").json()
        assert health["status"] == "degraded"
        assert "Another pgadmin_lite process" in health["warnings"][0] and f"pid {holder_pid}" in health["warnings"][0]
        with pytest.raises(AssertionError, match="exactly one process"):
            open_tool(logged_in(second), pg_server, pg_database)
        assert "Another pgadmin_lite process" in second.log()
        assert HttpClient(first.url).get("/health").json()["status"] == "ok"
        assert open_tool(first_client, pg_server, pg_database)
    finally:
        for server in (first, second):
            if server is not None:
                server.stop()


def test_graceful_reload_is_not_a_second_process(tmp_path: Path) -> None:
    prepare_data_dir(tmp_path / "data")
    server = start_gunicorn(tmp_path / "data", tmp_path / "logs", settings={"SERVING_LOCK_GRACE": "5"})
    try:
        client = HttpClient(server.url)
        first_pid = client.get("/health").json()["pid"]
        server.process.send_signal(signal.SIGHUP)  # gunicorn: start a new worker, retire the old one gracefully
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and client.get("/health").json()["pid"] == first_pid:
            time.sleep(0.1)
        health = client.get("/health").json()
        assert health["pid"] != first_pid and health["status"] == "ok", health
        time.sleep(0.5)
        assert client.get("/health").json()["status"] == "ok"
        assert "Another pgadmin_lite process" not in server.log()
    finally:
        server.stop()
