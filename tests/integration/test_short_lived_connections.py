"""Short-lived connections (object browser, dashboard): reused per user, server and database, never shared,
closed when idle, on logout and when their server goes, and always pinned by the server policy first.

Backends are observed from outside, in pg_stat_activity of a database of the test's own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from flask import Flask

from pgadmin_lite.servers import POLICY_KEY
from pgadmin_lite.servers.policy import ServerPolicy
from tests.plugins.app_fixtures import ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, AppFactory, api_client
from tests.plugins.postgres_fixture import PgServer
from tests.plugins.query_tool_helpers import register_server
from tests.plugins.waiting import wait_until

Backends = Callable[[], list[tuple[int, Any]]]


def _until(condition: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
    """A backend exits a moment after its client hangs up: wait for the condition, up to a bound."""
    wait_until(condition, what, timeout)


@pytest.fixture
def database(scratch_db: Callable[[str], str]) -> str:
    return scratch_db("pooled")


@pytest.fixture
def backends(pg_server: PgServer, database: str) -> Backends:
    """(pid, backend_start) of the console's connections to the test's database, seen from outside."""
    def read() -> list[tuple[int, Any]]:
        with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
            return conn.execute("SELECT pid, backend_start FROM pg_stat_activity WHERE datname = %s "
                                "AND application_name = 'pgadmin_lite' ORDER BY pid", [database]).fetchall()
    return read


def _tree(client: ApiClient, server_id: int, database: str) -> Any:
    return client.get(f"/api/v1/servers/{server_id}/tree", query_string={"kind": "schemas", "db": database})


def _shared_server(admin: ApiClient, pg_server: PgServer) -> int:
    return register_server(admin, pg_server, "postgres", is_shared=True)


def test_one_users_tree_requests_reuse_one_backend(app: Flask, admin_client: ApiClient, pg_server: PgServer,
                                                   database: str, backends: Backends) -> None:
    server_id = _shared_server(admin_client, pg_server)
    assert _tree(admin_client, server_id, database).status_code == 200
    first = backends()
    assert len(first) == 1
    for _ in range(3):
        assert _tree(admin_client, server_id, database).status_code == 200
    assert backends() == first  # the same pid, started once
    dashboard = admin_client.get(f"/api/v1/servers/{server_id}/dashboard/locks", query_string={"db": database})
    assert dashboard.status_code == 200 and backends() == first  # the dashboard shares the user's connection


def test_different_users_never_share_a_connection(app: Flask, admin_client: ApiClient, user_client: ApiClient,
                                                  pg_server: PgServer, database: str, backends: Backends) -> None:
    server_id = _shared_server(admin_client, pg_server)
    assert _tree(admin_client, server_id, database).status_code == 200
    assert _tree(user_client, server_id, database).status_code == 200
    assert _tree(admin_client, server_id, database).status_code == 200
    assert len(backends()) == 2


def test_idle_connections_close_after_the_idle_time(make_app: AppFactory, pg_server: PgServer, database: str,
                                                    backends: Backends) -> None:
    app = make_app(SHORT_LIVED_IDLE_SECONDS=0.3)
    admin = api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert _tree(admin, _shared_server(admin, pg_server), database).status_code == 200
    assert len(backends()) == 1
    _until(lambda: not backends(), "the idle connection outlived SHORT_LIVED_IDLE_SECONDS")


def test_deleting_a_server_closes_its_connections(app: Flask, admin_client: ApiClient, user_client: ApiClient,
                                                  pg_server: PgServer, database: str, backends: Backends) -> None:
    server_id = _shared_server(admin_client, pg_server)
    for client in (admin_client, user_client):
        assert _tree(client, server_id, database).status_code == 200
    assert len(backends()) == 2
    assert admin_client.delete(f"/api/v1/servers/{server_id}").status_code == 204
    _until(lambda: not backends(), "a deleted server's connections stayed open")


def test_logout_closes_only_that_users_connections(app: Flask, admin_client: ApiClient, user_client: ApiClient,
                                                   pg_server: PgServer, database: str, backends: Backends) -> None:
    server_id = _shared_server(admin_client, pg_server)
    assert _tree(admin_client, server_id, database).status_code == 200
    kept = backends()
    assert _tree(user_client, server_id, database).status_code == 200
    assert user_client.post("/logout").status_code == 302
    _until(lambda: backends() == kept, "the user's connection outlived their logout")


def test_a_host_the_policy_now_denies_is_refused_despite_a_pooled_connection(
        app: Flask, admin_client: ApiClient, pg_server: PgServer, database: str, backends: Backends) -> None:
    server_id = _shared_server(admin_client, pg_server)
    assert _tree(admin_client, server_id, database).status_code == 200
    assert len(backends()) == 1
    app.extensions[POLICY_KEY] = ServerPolicy.from_settings({**app.config, "SERVER_DENIED_HOSTS": [pg_server.host]})
    for path in ("/tree?kind=schemas&db=" + database, "/dashboard/stats", "/databases"):
        refused = admin_client.get(f"/api/v1/servers/{server_id}{path}")
        assert refused.status_code == 400, path
        assert refused.get_json()["error"]["code"] == "server_not_allowed"
    opened = admin_client.post("/api/v1/query-tool", json={"server_id": server_id, "database": database})
    assert opened.status_code == 400 and opened.get_json()["error"]["code"] == "server_not_allowed"


def test_a_terminated_backend_is_replaced_without_an_error(app: Flask, admin_client: ApiClient, pg_server: PgServer,
                                                           database: str, backends: Backends) -> None:
    server_id = _shared_server(admin_client, pg_server)
    assert _tree(admin_client, server_id, database).status_code == 200
    [(pid, _)] = backends()
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
    assert _tree(admin_client, server_id, database).status_code == 200
    [(new_pid, _)] = backends()
    assert new_pid != pid


def test_a_browsed_database_can_be_dropped_from_the_browser(app: Flask, admin_client: ApiClient,
                                                            pg_server: PgServer, database: str,
                                                            backends: Backends) -> None:
    server_id = _shared_server(admin_client, pg_server)
    assert _tree(admin_client, server_id, database).status_code == 200
    assert len(backends()) == 1
    dropped = admin_client.post(f"/api/v1/servers/{server_id}/objects/drop",
                                json={"kind": "database", "name": database})
    assert dropped.status_code == 200, dropped.get_json()
    assert not backends()


def test_changes_run_on_connections_that_are_not_kept(app: Flask, admin_client: ApiClient, pg_server: PgServer,
                                                      database: str, backends: Backends) -> None:
    """A change's autocommit connection carries session settings (lock_timeout): it is closed, never reused."""
    server_id = _shared_server(admin_client, pg_server)
    made = admin_client.post(f"/api/v1/servers/{server_id}/objects",
                             json={"kind": "schema", "db": database, "name": "made here"})
    assert made.status_code == 201, made.get_json()
    _until(lambda: not backends(), "a change's connection was kept")
