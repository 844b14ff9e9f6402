"""Jobs under the real WSGI hosts, started from the shipped files: uWSGI (with and without py-sys-executable)
and Apache mod_wsgi. There sys.executable is not simply Python, which is what broke pgAdmin's backups."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.shipped import ROOT, Site, open_scratch_dir, render
from tests.deploy.stacks import app_env, running, uwsgi_binary
from tests.plugins.app_fixtures import ADMIN_EMAIL, ADMIN_PASSWORD, prepare_data_dir
from tests.plugins.http_session import HttpClient, wait_for_job
from tests.plugins.live_server import start_process
from tests.plugins.postgres_fixture import PgServer, free_port

PG_RESTORE = "/usr/lib/postgresql/15/bin/pg_restore"


def _client(url: str, pg_server: PgServer) -> tuple[HttpClient, int]:
    http = HttpClient(url)
    http.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    response = http.post("/api/v1/servers", json={"name": "pg", "host": pg_server.host, "port": pg_server.port,
                                                  "username": pg_server.user})
    assert response.status_code == 201, response.text
    return http, int(response.json()["id"])



@pytest.mark.parametrize("shape", ["uwsgi", "apache"])
def test_a_backup_runs_under_the_wsgi_host(shape: str, pg_server: PgServer, pg_database: str,
                                           tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    with running(shape, tmp_path / "logs") as deployment:
        http, server_id = _client(deployment.url, pg_server)
        response = http.post("/api/v1/jobs", json={"kind": "backup", "server_id": server_id,
                                                   "database": pg_database, "output_path": "host.dump"})
        assert response.status_code == 201, f"{response.text}\n{deployment.log()}"
        job = wait_for_job(http, response.json()["id"])
        log = http.get(f"/api/v1/jobs/{job['id']}/log").json()["text"]
        assert job["state"] == "succeeded", f"{job}\n{log}\n{deployment.log()}"
        started = next(line for line in log.splitlines() if "worker pid" in line)
        interpreter = Path(started.rsplit("Python ", 1)[1].rstrip("."))
        assert interpreter.name.startswith("python") and interpreter.parent.name == "bin", started
        download = http.get("/api/v1/storage/download", params={"path": "/host.dump"})
        assert download.status_code == 200 and len(download.content) == job["output"]["size"] > 0
    saved = tmp_path / "host.dump"
    saved.write_bytes(download.content)
    subprocess.run([PG_RESTORE, "--list", "--", str(saved)], capture_output=True, check=True)


def test_uwsgi_without_py_sys_executable_refuses_jobs_with_the_fix(pg_server: PgServer, tmp_path: Path) -> None:
    """The misdeployment pgAdmin fell into: sys.executable is the uwsgi binary; we refuse and name the fix."""
    binary = uwsgi_binary()
    with open_scratch_dir("pgadmin_lite-jobs-uwsgi-") as scratch:
        data_dir = scratch / "data"
        prepare_data_dir(data_dir)
        site = Site(ROOT, Path(sys.prefix), scratch / "run", data_dir, app_port=free_port())
        ini = render("uwsgi/pgadmin_lite.ini", site, scratch / "conf")
        ini.write_text("\n".join(line for line in ini.read_text().splitlines()
                                 if not line.startswith("py-sys-executable")))
        url = f"http://127.0.0.1:{site.app_port}"
        server = start_process([binary, "--ini", str(ini)], url, tmp_path / "uwsgi.log", data_dir,
                               env=app_env(data_dir), name="uwsgi", timeout=60)
        try:
            http, server_id = _client(url, pg_server)
            response = http.post("/api/v1/jobs", json={"kind": "backup_globals", "server_id": server_id})
            assert response.status_code == 503, response.text
            error = response.json()["error"]
            assert error["code"] == "interpreter_unavailable" and "uwsgi" in error["message"]
            assert "PYTHON_EXECUTABLE" in error["message"] and "--py-sys-executable" in error["hint"]
            assert http.get("/api/v1/jobs").json() == []
        finally:
            server.stop()
