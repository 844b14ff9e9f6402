"""pytest plugin: a PostgreSQL that really checks passwords, and roles with passwords on it.

The session cluster (``pg_server``) trusts everyone, so a saved or missing password would change nothing
there. This second cluster is created with trust and then gets a pg_hba.conf that requires SCRAM over TCP
for every role but the superuser (which stays trusted so fixtures need no password). It is started once
per session, on first use, and only by the tests that ask for it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import psycopg
import pytest
from psycopg import sql

from tests.plugins.postgres_fixture import PgServer, own_cluster

PASSWORD_HBA = """\
# Written by tests/plugins/servers_fixtures.py: passwords required over TCP, except for the superuser.
local all all                trust
host  all {superuser} 127.0.0.1/32 trust
host  all all         127.0.0.1/32 scram-sha-256
host  all all         ::1/128      scram-sha-256
"""


@dataclass(frozen=True)
class PgRole:
    """A login role with a password on the password-checking cluster."""

    name: str
    password: str


@pytest.fixture(scope="session")
def pw_pg_server() -> Iterator[PgServer]:
    """A PostgreSQL whose non-superuser roles must give a SCRAM password over TCP."""
    with own_cluster("pgadmin_lite-pgpw-", PASSWORD_HBA, {"password_encryption": "scram-sha-256"}) as manager:
        yield PgServer("127.0.0.1", manager.port, str(manager.socket_dir), manager.superuser, manager)


@pytest.fixture
def make_pw_role(pw_pg_server: PgServer) -> Iterator[Callable[[], PgRole]]:
    """Create login roles with random passwords on pw_pg_server; dropped after the test."""
    created: list[str] = []

    def make() -> PgRole:
        role = PgRole(f"pgl_{uuid.uuid4().hex[:10]}", f"pw-{uuid.uuid4().hex}")
        with psycopg.connect(pw_pg_server.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(role.name), sql.Literal(role.password)))
        created.append(role.name)
        return role

    yield make
    with psycopg.connect(pw_pg_server.conninfo(), autocommit=True) as conn:
        for name in created:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
