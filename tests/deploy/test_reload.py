"""A graceful reload is not a second process: uWSGI (SIGHUP) and Apache (graceful restart) replace the worker,
/health stays ok with no false alarm, and a query tool of the old process answers 409 affinity_lost
("restarted"). Gunicorn's SIGHUP is covered in tests/integration/test_process_affinity.py.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
import requests

from tests.deploy.stacks import running
from tests.plugins.app_fixtures import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.plugins.http_session import HttpClient
from tests.plugins.postgres_fixture import PgServer

# shape -> the signal its docs use for a graceful reload (systemctl reload / apachectl graceful)
RELOAD = {"uwsgi": signal.SIGHUP, "apache": signal.SIGUSR1}


@pytest.mark.parametrize("shape", list(RELOAD))
def test_graceful_reload_is_not_a_second_process(shape: str, tmp_path: Path,
                                                 pg_server: PgServer, pg_database: str) -> None:
    with running(shape, tmp_path) as dep:
        client = HttpClient(dep.url)
        client.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        server = client.post("/api/v1/servers", json={"name": "pg", "host": pg_server.host, "port": pg_server.port,
                                                      "username": pg_server.user, "maintenance_db": pg_database})
        tool = client.post("/api/v1/query-tool", json={"server_id": server.json()["id"], "database": pg_database})
        assert tool.status_code == 201, tool.text
        old_pid = client.get("/health").json()["pid"]

        dep.servers[0].process.send_signal(RELOAD[shape])
        statuses = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            response = requests.get(f"{dep.url}/health", timeout=10)
            if response.status_code == 200:
                body = response.json()
                statuses.append(body["status"])
                if body["pid"] != old_pid:
                    break
            time.sleep(0.1)
        assert body["pid"] != old_pid, "the worker was not replaced"
        time.sleep(0.5)
        assert requests.get(f"{dep.url}/health", timeout=10).json()["status"] == "ok"
        assert set(statuses) == {"ok"}, statuses
        assert "Another pgadmin_lite process" not in dep.log()

        client.http.close()  # the old keep-alive connection died with the old worker
        gone = client.post(f"/api/v1/query-tool/{tool.json()['tx_id']}/execute", json={"sql": "SELECT 1"})
        assert gone.status_code == 409 and gone.json()["error"]["code"] == "affinity_lost"
        assert "restarted" in gone.json()["error"]["message"]
