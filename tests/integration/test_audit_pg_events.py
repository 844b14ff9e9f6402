"""Audit events of actions on a real PostgreSQL: job starts and cancels (kind, server, database), dashboard
cancels and terminates (pid, server), including those PostgreSQL refused or that found no session."""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql

from tests.integration.test_jobs_support import locked_table, start, wait_done, wait_for_lock_wait
from tests.plugins.app_fixtures import ADMIN_EMAIL, ApiClient
from tests.plugins.postgres_fixture import PgServer
from tests.plugins.query_tool_helpers import register_server
from tests.plugins.waiting import wait_until


def audit(client: ApiClient, action: str) -> list[dict[str, Any]]:
    response = client.get("/api/v1/audit", query_string={"action": action})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]  # type: ignore[no-any-return]


@pytest.fixture
def sleeper(pg_server: PgServer) -> Iterator[psycopg.Connection[Any]]:
    """A superuser's backend busy in pg_sleep on a thread; its connection, for its pid."""
    conn = psycopg.connect(pg_server.conninfo(), autocommit=True)
    thread = threading.Thread(target=lambda: _sleep(conn), daemon=True)
    thread.start()
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as probe:
        wait_until(lambda: probe.execute("SELECT state FROM pg_stat_activity WHERE pid = %s",
                                         [conn.info.backend_pid]).fetchone() == ("active",), "the sleep to start")
    yield conn
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as probe:
        probe.execute("SELECT pg_terminate_backend(%s)", [conn.info.backend_pid])
    thread.join(10)
    conn.close()


def _sleep(conn: psycopg.Connection[Any]) -> None:
    with contextlib.suppress(psycopg.Error):  # cancelled or terminated: what the tests do
        conn.execute("SELECT pg_sleep(30)")


def test_dashboard_signals_are_recorded(admin_client: ApiClient, pg_server: PgServer,
                                        sleeper: psycopg.Connection[Any]) -> None:
    server_id = register_server(admin_client, pg_server, "postgres")
    pid = sleeper.info.backend_pid
    base = f"/api/v1/servers/{server_id}/dashboard/sessions/{pid}"
    assert admin_client.post(f"{base}/cancel").status_code == 200
    assert admin_client.post(f"{base}/terminate").status_code == 200
    wait_until(lambda: admin_client.post(f"{base}/cancel").status_code == 404, "the terminated session to go")
    cancels, terminate = audit(admin_client, "dashboard.cancel"), audit(admin_client, "dashboard.terminate")
    assert [e["outcome"] for e in cancels][-1] == "ok" and cancels[0]["outcome"] == "failed"
    assert cancels[0]["details"]["reason"] == "not_found"
    assert [e["outcome"] for e in terminate] == ["ok"]
    for event in (cancels[-1], terminate[0]):
        assert event["target"] == f"server:{server_id}" and event["actor_email"] == ADMIN_EMAIL
        assert event["details"] == {"pid": pid, "server": "test postgres"} and event["source"] == "127.0.0.1"


@pytest.fixture
def low_role(pg_server: PgServer) -> Iterator[str]:
    name = f"audit_low_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(name)))
    yield name
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


def test_a_signal_postgresql_refuses_is_recorded_as_refused(admin_client: ApiClient, pg_server: PgServer,
                                                             sleeper: psycopg.Connection[Any], low_role: str) -> None:
    server_id = register_server(admin_client, pg_server, "postgres", username=low_role, name="low")
    pid = sleeper.info.backend_pid
    response = admin_client.post(f"/api/v1/servers/{server_id}/dashboard/sessions/{pid}/terminate")
    assert response.status_code == 403
    (event,) = audit(admin_client, "dashboard.terminate")
    assert event["outcome"] == "refused" and event["details"]["pid"] == pid
    assert event["details"]["reason"] == "insufficient_privilege" and event["target"] == f"server:{server_id}"


def test_job_starts_and_cancels_are_recorded(admin_client: ApiClient, pg_server: PgServer, pg_database: str) -> None:
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
        conn.execute("CREATE TABLE busy (id int)")
    server_id = register_server(admin_client, pg_server, "postgres")
    done = wait_done(admin_client, start(admin_client, server_id, kind="maintenance", database=pg_database,
                                         operation="analyze")["id"])
    with locked_table(pg_server, pg_database, "busy"):
        job = start(admin_client, server_id, kind="maintenance", database=pg_database, operation="vacuum",
                    table="busy", full=True)
        wait_for_lock_wait(pg_server, job["id"])
        assert admin_client.post(f"/api/v1/jobs/{job['id']}/cancel").status_code == 200
    starts = audit(admin_client, "job.start")
    assert [e["target"] for e in starts] == [f"job:{job['id']}", f"job:{done['id']}"]
    assert starts[0]["details"] == {"kind": "maintenance", "server_id": server_id, "server": "test postgres",
                                    "database": pg_database}
    assert starts[0]["actor_email"] == ADMIN_EMAIL and starts[0]["source"] == "127.0.0.1"
    (cancel,) = audit(admin_client, "job.cancel")
    assert cancel["target"] == f"job:{job['id']}" and cancel["details"] == {"kind": "maintenance",
                                                                           "server_id": server_id}
