"""The session PostgreSQL fixtures really provide a server and isolated, disposable databases."""

from __future__ import annotations

import psycopg
import pytest

from tests.plugins.postgres_fixture import PgServer

pytestmark = pytest.mark.integration

_seen: dict[str, str] = {}


def test_pg_server_answers_over_tcp_and_socket(pg_server: PgServer) -> None:
    """Both the TCP address and the unix socket directory reach the same server as the superuser."""
    assert pg_server.user == "postgres"
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        row = conn.execute("SELECT current_user, inet_server_port()").fetchone()
    assert row == ("postgres", pg_server.port)
    with psycopg.connect(host=pg_server.socket_dir, port=pg_server.port, user="postgres") as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


@pytest.mark.parametrize("turn", ["first", "second"])
def test_pg_database_is_fresh_and_dropped(pg_server: PgServer, pg_database: str, turn: str) -> None:
    """Each test gets its own empty database; the previous test's one is gone."""
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == (pg_database,)
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
        assert tables == (0,)
        conn.execute("CREATE TABLE leftover (id int)")
        existing = {r[0] for r in conn.execute("SELECT datname FROM pg_database").fetchall()}
    assert all(name not in existing for name in _seen.values())
    _seen[turn] = pg_database
    if turn == "second":
        assert _seen["first"] != _seen["second"]
