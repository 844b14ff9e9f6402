"""A job's life on the real PostgreSQL: cancel stops the whole process group and removes partial output, the
state survives a restart of the web process, the password reaches only the child, limits answer 429, and a
WSGI host binary as sys.executable is never launched."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from flask import Flask
from psycopg import sql

from pgadmin_lite.extensions import db
from pgadmin_lite.jobs import jobfiles, procs
from pgadmin_lite.models import Job
from pgadmin_lite.models.columns import utcnow
from tests.integration.test_jobs_support import (
    connect,
    job_dir,
    job_log,
    job_processes,
    leftovers,
    locked_table,
    run_job,
    start,
    user_storage,
    wait_done,
    wait_for_lock_wait,
    wait_no_processes,
)
from tests.plugins.app_fixtures import ADMIN_EMAIL, ADMIN_PASSWORD, USER_EMAIL, ApiClient, AppFactory, api_client
from tests.plugins.postgres_fixture import PgServer
from tests.plugins.query_tool_helpers import register_server
from tests.plugins.servers_fixtures import PgRole


@pytest.fixture
def db_with_table(pg_server: PgServer, pg_database: str) -> str:
    with connect(pg_server, pg_database) as conn:
        conn.execute("CREATE TABLE busy (id int); INSERT INTO busy SELECT generate_series(1, 1000)")
    return pg_database


def wait_no_backend(pg_server: PgServer, job_id: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    with connect(pg_server) as conn:
        while time.monotonic() < deadline:
            row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                               [f"pgadmin_lite job {job_id}"]).fetchone()
            if row == (0,):
                return
            time.sleep(0.05)
    raise AssertionError(f"the backend of job {job_id} is still there")


@pytest.fixture
def server_id(admin_client: ApiClient, pg_server: PgServer) -> int:
    return register_server(admin_client, pg_server, "postgres")


def test_cancel_stops_the_process_group_and_removes_partial_output(
        app: Flask, admin_client: ApiClient, pg_server: PgServer, server_id: int, db_with_table: str) -> None:
    storage = user_storage(app, admin_client)
    with locked_table(pg_server, db_with_table, "busy"):
        job = start(admin_client, server_id, kind="backup", database=db_with_table, format="directory",
                    output_path="blocked")
        wait_for_lock_wait(pg_server, job["id"])
        members = job_processes(job, app)
        assert len(members) == 2 and job["pid"] in members  # the worker and pg_dump, in one session
        assert leftovers(storage)  # the temp folder pg_dump writes into
        started = time.monotonic()
        cancelled = admin_client.post(f"/api/v1/jobs/{job['id']}/cancel").get_json()
        assert time.monotonic() - started < 5
        assert cancelled["state"] == "cancelled" and cancelled["is_cancel_requested"]
        assert "partial output was removed" in cancelled["message"]
        wait_no_backend(pg_server, job["id"])  # pg_dump's SIGTERM handler cancelled its query on the server
    wait_no_processes(members)
    assert procs.session_members(job["pid"], procs.process_ident(job["pid"])) == []
    assert not leftovers(storage) and not (storage / "blocked").exists()
    assert not (job_dir(app, job["id"]) / jobfiles.PASSFILE).exists()
    again = admin_client.post(f"/api/v1/jobs/{job['id']}/cancel")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "job_finished"
    assert "Job cancelled" in job_log(admin_client, job["id"])


def test_a_job_survives_a_restart_of_the_web_process(make_app: AppFactory, app: Flask, admin_client: ApiClient,
                                                     pg_server: PgServer, server_id: int, db_with_table: str) -> None:
    done = run_job(admin_client, server_id, kind="backup", database=db_with_table, output_path="before.dump")
    with locked_table(pg_server, db_with_table, "busy"):
        running = start(admin_client, server_id, kind="backup", database=db_with_table, output_path="during.dump")
        wait_for_lock_wait(pg_server, running["id"])
        restarted = make_app()  # a new web process on the same DATA_DIR and config DB
        client = api_client(restarted, ADMIN_EMAIL, ADMIN_PASSWORD)
        seen = client.get(f"/api/v1/jobs/{running['id']}").get_json()
        assert seen["state"] == "running" and seen["pid"] == running["pid"]
        finished = client.get(f"/api/v1/jobs/{done['id']}").get_json()
        assert finished["state"] == "succeeded" and finished["output"]["size"] == done["output"]["size"]
        assert "Job succeeded" in job_log(client, done["id"])
        cancelled = client.post(f"/api/v1/jobs/{running['id']}/cancel").get_json()  # stopped by the new process
        assert cancelled["state"] == "cancelled"
    assert not procs.session_members(running["pid"], procs.process_ident(running["pid"]))


def test_a_dead_worker_is_marked_failed_with_the_reason(make_app: AppFactory, app: Flask, admin_client: ApiClient,
                                                        server_id: int) -> None:
    """A row says running, but its pid is gone (killed, or the machine rebooted): failed, saying why."""
    gone = subprocess.Popen(["/bin/true"])
    gone.wait()
    with app.app_context():
        job = Job(user_id=1, server_id=server_id, kind="maintenance", database="postgres", options={},
                  state="running", job_dir="deadbeef00000000", pid=gone.pid,
                  process_ident=f"{procs.boot_id()}:1", started_at=utcnow())
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    (Path(app.config["DATA_DIR"]) / "jobs" / "deadbeef00000000").mkdir(mode=0o700)
    client = api_client(make_app(), ADMIN_EMAIL, ADMIN_PASSWORD)
    seen = client.get(f"/api/v1/jobs/{job_id}").get_json()
    assert seen["state"] == "failed" and seen["ended_at"]
    assert f"worker process (pid {gone.pid}) ended without reporting a result" in seen["message"]


def test_password_reaches_only_the_child(make_pw_role: type, pw_pg_server: PgServer, make_app: AppFactory,
                                         tmp_path: Path) -> None:
    role: PgRole = make_pw_role()  # type: ignore[operator]
    database = f"t_pw_{uuid.uuid4().hex[:8]}"
    with connect(pw_pg_server) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(database), sql.Identifier(role.name)))
    with psycopg.connect(pw_pg_server.conninfo(database), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE TABLE busy (id int); ALTER TABLE busy OWNER TO {}").format(
            sql.Identifier(role.name)))
    app = make_app()
    client = api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD)
    try:
        server_id = register_server(client, pw_pg_server, database, username=role.name, password=role.password,
                                    save_password=True)
        with locked_table(pw_pg_server, database, "busy"):
            job = start(client, server_id, kind="backup", database=database, output_path="pw.dump")
            wait_for_lock_wait(pw_pg_server, job["id"])
            directory = job_dir(app, job["id"])
            passfile = directory / jobfiles.PASSFILE
            assert stat.S_IMODE(passfile.stat().st_mode) == 0o600
            members = job_processes(job, app)
            assert len(members) == 2
            for pid in members:
                assert role.password.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes()
                assert role.password.encode() not in Path(f"/proc/{pid}/environ").read_bytes()  # a passfile, no env
                assert f"PGPASSFILE={passfile}".encode() in Path(f"/proc/{pid}/environ").read_bytes()
        finished = wait_done(client, job["id"])
        assert finished["state"] == "succeeded", finished  # the password was needed, and it worked
    finally:
        with connect(pw_pg_server) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
    assert not passfile.exists()
    assert all(role.password not in value for value in os.environ.values())
    for path in [*directory.iterdir(), Path(app.config["LOG_FILE"])]:
        assert role.password not in path.read_text(errors="replace"), path
    assert role.password not in str(client.get(f"/api/v1/jobs/{job['id']}").get_json())


def test_a_wsgi_host_binary_is_never_launched(make_app: AppFactory, admin_client: ApiClient, server_id: int,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """sys.executable as under uWSGI/mod_wsgi (not Python): refused, naming PYTHON_EXECUTABLE; or that is used."""
    real_python = sys.executable
    monkeypatch.setattr(sys, "executable", "/bin/true")
    response = admin_client.post("/api/v1/jobs", json={"server_id": server_id, "kind": "maintenance",
                                                       "database": "postgres", "operation": "analyze"})
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "interpreter_unavailable"
    assert "PYTHON_EXECUTABLE" in error["message"] and "'/bin/true'" in error["message"]
    assert "--py-sys-executable" in error["hint"]
    assert admin_client.get("/api/v1/jobs").get_json() == []

    configured = make_app(PYTHON_EXECUTABLE=real_python)
    client = api_client(configured, ADMIN_EMAIL, ADMIN_PASSWORD)
    job = run_job(client, server_id, kind="maintenance", database="postgres", operation="analyze")
    assert f"Python {real_python}." in job_log(client, job["id"])  # the worker ran under PYTHON_EXECUTABLE
    assert (job_dir(configured, job["id"]) / jobfiles.WORKER_LOG).read_text() == ""


def test_cancel_of_a_maintenance_job_cancels_the_statement(app: Flask, admin_client: ApiClient,
                                                            pg_server: PgServer, server_id: int,
                                                            db_with_table: str) -> None:
    with locked_table(pg_server, db_with_table, "busy"):
        job = start(admin_client, server_id, kind="maintenance", database=db_with_table, operation="vacuum",
                    table="busy", full=True)
        wait_for_lock_wait(pg_server, job["id"])
        members = job_processes(job, app)
        cancelled = admin_client.post(f"/api/v1/jobs/{job['id']}/cancel").get_json()
        assert cancelled["state"] == "cancelled"
        wait_no_backend(pg_server, job["id"])  # a libpq cancel request, then the connection closed
    wait_no_processes(members)


def test_the_storage_quota_stops_a_growing_backup(make_app: AppFactory, pg_server: PgServer,
                                                  db_with_table: str) -> None:
    with connect(pg_server, db_with_table) as conn:
        conn.execute("CREATE TABLE big AS SELECT g, md5(g::text) || md5((g * 7)::text) AS t "
                     "FROM generate_series(1, 40000) g")
    app = make_app(STORAGE_QUOTA_MB=1)
    client = api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD)
    server_id = register_server(client, pg_server, "postgres")
    job = wait_done(client, start(client, server_id, kind="backup", database=db_with_table, format="plain",
                                  output_path="too-big.sql")["id"])
    assert job["state"] == "failed" and "quota" in job["message"].lower(), job
    storage = user_storage(app, client)
    assert not (storage / "too-big.sql").exists() and not leftovers(storage)


def test_old_finished_jobs_are_pruned(make_app: AppFactory, pg_server: PgServer) -> None:
    app = make_app(JOB_HISTORY_MAX=1)
    client = api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD)
    server_id = register_server(client, pg_server, "postgres")
    first, second, third = (run_job(client, server_id, kind="maintenance", database="postgres", operation="analyze")
                            for _ in range(3))
    assert [job["id"] for job in client.get("/api/v1/jobs").get_json()] == [third["id"], second["id"]]
    assert client.get(f"/api/v1/jobs/{first['id']}").status_code == 404
    assert len(list((Path(app.config["DATA_DIR"]) / "jobs").iterdir())) == 2


def test_per_user_limit_is_a_clear_429(make_app: AppFactory, pg_server: PgServer, db_with_table: str) -> None:
    app = make_app(MAX_JOBS_PER_USER=1)
    client = api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD)
    server_id = register_server(client, pg_server, "postgres")
    with locked_table(pg_server, db_with_table, "busy"):
        first = start(client, server_id, kind="backup", database=db_with_table, output_path="one.dump")
        second = client.post("/api/v1/jobs", json={"server_id": server_id, "kind": "backup",
                                                   "database": db_with_table, "output_path": "two.dump"})
        assert second.status_code == 429
        error = second.get_json()["error"]
        assert error["code"] == "job_limit" and "MAX_JOBS_PER_USER" in error["hint"] and error["limit"] == 1
        os.killpg(first["pid"], signal.SIGKILL)  # a crashed worker frees its slot too
        wait_no_processes([first["pid"]])
        crashed = wait_done(client, first["id"])
        assert crashed["state"] == "failed" and "without reporting a result" in crashed["message"]
    assert not leftovers(user_storage(app, client))
    run_job(client, server_id, kind="backup", database=db_with_table, output_path="two.dump")


def test_deleting_a_user_stops_their_jobs_and_removes_their_job_files(
        app: Flask, admin_client: ApiClient, user_client: ApiClient, pg_server: PgServer, db_with_table: str) -> None:
    own_server = register_server(user_client, pg_server, "postgres")
    finished = run_job(user_client, own_server, kind="maintenance", database=db_with_table, operation="analyze")
    with locked_table(pg_server, db_with_table, "busy"):
        running = start(user_client, own_server, kind="backup", database=db_with_table, output_path="blocked")
        wait_for_lock_wait(pg_server, running["id"])
        members = job_processes(running, app)
        dirs = [job_dir(app, finished["id"]), job_dir(app, running["id"])]
        assert all(d.is_dir() for d in dirs) and members
        user_id = next(u["id"] for u in admin_client.get("/api/v1/users").get_json() if u["email"] == USER_EMAIL)
        assert admin_client.delete(f"/api/v1/users/{user_id}").status_code == 204
        wait_no_backend(pg_server, running["id"])
    wait_no_processes(members)
    assert not any(d.exists() for d in dirs)
    with app.app_context():
        assert db.session.execute(db.select(Job).filter(Job.user_id == user_id)).first() is None
