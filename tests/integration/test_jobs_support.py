"""Helpers shared by the job tests (no tests here): start and wait for jobs through the API, data checksums,
and the processes of a job's session."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from flask import Flask
from psycopg import sql

from pgadmin_lite.jobs import procs
from tests.plugins.app_fixtures import ApiClient
from tests.plugins.postgres_fixture import PgServer


def start(client: ApiClient, server_id: int, **body: Any) -> dict[str, Any]:
    response = client.post("/api/v1/jobs", json={"server_id": server_id, **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def wait_done(client: ApiClient, job_id: int, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/jobs/{job_id}").get_json()
        if not job["is_active"]:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still running after {timeout}s: {job}")


def run_job(client: ApiClient, server_id: int, **body: Any) -> dict[str, Any]:
    """Start a job and wait until it succeeded (its log is shown when it did not)."""
    job = wait_done(client, start(client, server_id, **body)["id"])
    log = client.get(f"/api/v1/jobs/{job['id']}/log").get_json()["text"]
    assert job["state"] == "succeeded", f"{job}\n--- log ---\n{log}"
    return job


def job_log(client: ApiClient, job_id: int) -> str:
    return str(client.get(f"/api/v1/jobs/{job_id}/log").get_json()["text"])


def user_storage(app: Flask, client: ApiClient) -> Path:
    user_id = client.get("/api/v1/session").get_json()["user"]["id"]
    return Path(app.config["STORAGE_DIR"]) / f"u{user_id}"


def leftovers(root: Path) -> list[str]:
    return [str(p) for p in root.rglob(".pgl-tmp-*")]


def job_dir(app: Flask, job_id: int) -> Path:
    from pgadmin_lite.models import Job

    with app.app_context():
        from pgadmin_lite.extensions import db

        job = db.session.get(Job, job_id)
        assert job is not None
        return Path(app.config["DATA_DIR"]) / "jobs" / job.job_dir


def connect(pg_server: PgServer, database: str = "postgres") -> psycopg.Connection[Any]:
    return psycopg.connect(pg_server.conninfo(database), autocommit=True)


def create_database(pg_server: PgServer, name: str) -> None:
    with connect(pg_server) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(pg_server: PgServer, name: str) -> None:
    with connect(pg_server) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def table_checksums(pg_server: PgServer, database: str) -> dict[tuple[str, str], tuple[int, str]]:
    """(schema, table) → (row count, md5 of the ordered rows as text) for every user table."""
    result: dict[tuple[str, str], tuple[int, str]] = {}
    with connect(pg_server, database) as conn:
        tables = conn.execute("SELECT schemaname, tablename FROM pg_tables WHERE schemaname NOT IN "
                              "('pg_catalog', 'information_schema') ORDER BY 1, 2").fetchall()
        for schema, table in tables:
            row = conn.execute(sql.SQL("SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), "
                                       "'')) FROM {} t").format(sql.Identifier(schema, table))).fetchone()
            assert row is not None
            result[(schema, table)] = (row[0], row[1])
    return result


@contextmanager
def locked_table(pg_server: PgServer, database: str, table: str) -> Iterator[None]:
    """Hold ACCESS EXCLUSIVE on a table, so a pg_dump of it waits until the block ends."""
    with psycopg.connect(pg_server.conninfo(database)) as conn:
        conn.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(sql.Identifier(table)))
        yield
        conn.rollback()


def wait_for_lock_wait(pg_server: PgServer, job_id: int, timeout: float = 20.0) -> None:
    """Until the job's backend waits for a lock (the job is really running, blocked)."""
    deadline = time.monotonic() + timeout
    with connect(pg_server) as conn:
        while time.monotonic() < deadline:
            row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s "
                               "AND wait_event_type = 'Lock'", [f"pgadmin_lite job {job_id}"]).fetchone()
            if row and row[0]:
                return
            time.sleep(0.05)
    raise AssertionError(f"job {job_id} never waited for the lock")


def job_processes(job: dict[str, Any], app: Flask) -> list[int]:
    """Live processes of the job's session (the worker and the program it runs)."""
    from pgadmin_lite.extensions import db
    from pgadmin_lite.models import Job

    with app.app_context():
        row = db.session.get(Job, job["id"])
        assert row is not None
        return procs.session_members(row.pid, row.process_ident)


def wait_no_processes(pids: list[int], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = [pid for pid in pids if (info := procs.read_proc(pid)) is not None and not info.is_zombie]
        if not alive:
            return
        time.sleep(0.05)
    raise AssertionError(f"processes still alive: {alive}")
