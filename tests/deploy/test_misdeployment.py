"""Misdeployment is loud: a server told to run 4 worker processes gets an ERROR at start naming the setting,
a degraded /health, and 409 affinity_lost for a query tool reached through another worker.

Each server is started from its shipped file plus the one wrong option an operator might add.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.deploy.shipped import ROOT, Site, open_scratch_dir
from tests.deploy.stacks import Deployment, start_apache, start_uwsgi
from tests.plugins.app_fixtures import ADMIN_EMAIL, ADMIN_PASSWORD, prepare_data_dir
from tests.plugins.http_session import HttpClient
from tests.plugins.live_server import port_accepts, start_gunicorn
from tests.plugins.postgres_fixture import PgServer, free_port

CLOSE = {"Connection": "close"}  # ask for a new connection per request, so requests spread over the workers
# server -> (the text its ERROR must name, how it was misconfigured)
FIXES = {"gunicorn": ("--workers 1", "gunicorn --workers 4"),
         "uwsgi": ("processes = 1", "uwsgi --processes 4"),
         "mod_wsgi": ("processes=1 on the WSGIDaemonProcess line", "WSGIDaemonProcess ... processes=4")}


@pytest.fixture(scope="module", params=list(FIXES))
def misdeployed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """The server with 4 worker processes on a fresh DATA_DIR."""
    logs = tmp_path_factory.mktemp(f"logs-misdeployed-{request.param}")
    with open_scratch_dir(f"pgadmin_lite-misdeployed-{request.param}-") as scratch:
        data_dir = scratch / "data"
        prepare_data_dir(data_dir)
        dep = Deployment(request.param, "", "", data_dir)
        try:
            # Ready when the port accepts: no HTTP request yet, so the test's first one takes the serving lock.
            port = free_port()
            if request.param == "gunicorn":
                dep.servers.append(start_gunicorn(data_dir, logs, extra_args=["--workers", "4"],
                                                  bind=f"127.0.0.1:{port}", url=f"http://127.0.0.1:{port}",
                                                  probe=port_accepts(port)))
            elif request.param == "uwsgi":
                site = Site(ROOT, Path(sys.prefix), scratch / "run", data_dir, app_port=port)
                dep.servers.append(start_uwsgi("pgadmin_lite.ini", site, scratch, logs,
                                               url=f"http://127.0.0.1:{port}", ready_path="/health",
                                               extra_args=("--processes", "4"), probe=port_accepts(port)))
            else:
                dep.servers.append(start_apache("pgadmin_lite.conf", scratch, logs, data_dir, extra="processes=4"))
            dep.base_url = dep.servers[0].url
            yield dep
        finally:
            dep.stop()


def affinity_error(client: HttpClient, path: str, body: dict[str, Any], rounds: int = 10) -> dict[str, Any]:
    """POST from many fresh connections at once until one reaches another worker; return its 409 error.

    Some servers (uWSGI) hand new connections to the worker that served last, so one at a time may never
    leave the lock holder; concurrent requests spread over the workers.
    """
    def post(_: int) -> requests.Response:
        with requests.Session() as http:
            http.cookies.update(client.http.cookies)
            headers = {"X-CSRFToken": client.csrf_token, **CLOSE}
            return http.post(client.base_url + path, json=body, headers=headers, timeout=30)

    seen: list[str] = []
    with ThreadPoolExecutor(max_workers=24) as pool:
        for _ in range(rounds):
            for response in pool.map(post, range(48)):
                if response.status_code == 200:
                    seen.append("200")
                    continue
                assert response.status_code == 409, response.text
                error = response.json()["error"]
                if error["code"] == "affinity_lost":
                    return dict(error)
                assert error["code"] == "busy", error  # the holder, still running a concurrent SELECT 1
                seen.append("busy")
    raise AssertionError(f"no request reached another worker: {len(seen)} answers from the lock holder")


def wait_for(predicate: Any, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_tx_id_reaching_another_worker_is_409_affinity_lost(misdeployed: Deployment, pg_server: PgServer,
                                                           pg_database: str) -> None:
    """Runs first: its keep-alive login is the first request served, so that worker holds the serving lock."""
    fix, _ = FIXES[misdeployed.shape]
    client = HttpClient(misdeployed.url)
    client.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    server = client.post("/api/v1/servers", json={"name": "pg", "host": pg_server.host, "port": pg_server.port,
                                                  "username": pg_server.user, "maintenance_db": pg_database})
    assert server.status_code == 201, server.text
    body = {"server_id": server.json()["id"], "database": pg_database}
    refusals = []
    tool = client.post("/api/v1/query-tool", json=body)  # same connection: the lock holder (Apache: any daemon)
    for _ in range(200):  # only the worker holding DATA_DIR's serving lock opens query tools; others refuse
        if tool.status_code == 201:
            break
        assert tool.status_code == 409, tool.text
        refusals.append(tool.json()["error"])
        client.http.close()  # uWSGI's HTTP/1.1 socket keeps the connection open despite "Connection: close"
        tool = client.post("/api/v1/query-tool", json=body, headers=CLOSE)
    assert tool.status_code == 201, refusals[-1:]
    assert all("several worker processes" in r["message"] and fix in r["message"] for r in refusals), refusals[:1]
    tx_id = tool.json()["tx_id"]
    try:
        error = affinity_error(client, f"/api/v1/query-tool/{tx_id}/execute", {"sql": "SELECT 1"})
        assert "several worker processes" in error["message"] and fix in error["message"], error
        assert "sticky" in error["hint"], error
    finally:  # best effort (this client's connection still reaches the holder); pg_database drops WITH (FORCE)
        client.send("DELETE", f"/api/v1/query-tool/{tx_id}")


def test_error_at_start_names_the_setting(misdeployed: Deployment) -> None:
    fix, wrong = FIXES[misdeployed.shape]
    # Every worker builds the app at start; the first ERROR is there before any user request but ours.
    assert wait_for(lambda: "with 4 worker processes" in misdeployed.log()), misdeployed.log()[-3000:]
    errors = [line for line in misdeployed.log().splitlines() if "ERROR" in line and "4 worker processes" in line]
    assert errors and all(fix in line for line in errors), f"{wrong}: {errors[:1]}"


def test_health_is_degraded_on_every_worker(misdeployed: Deployment) -> None:
    fix, _ = FIXES[misdeployed.shape]
    bodies = [requests.get(f"{misdeployed.url}/health", headers=CLOSE, timeout=10).json() for _ in range(20)]
    assert {b["status"] for b in bodies} == {"degraded"}, bodies
    assert all(fix in b["warnings"][0] for b in bodies), bodies[0]
