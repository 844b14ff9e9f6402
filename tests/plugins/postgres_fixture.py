"""pytest plugin: one real PostgreSQL per test session (``pg_server``) and a fresh database per test.

Where the cluster lives: not under ``tmp_path_factory``. pytest's temp root (/tmp/pytest-of-root) is mode
700 and owned by root, and PostgreSQL refuses to run as root, so the server (OS user ``postgres``) could
not even reach a data directory there. The cluster goes into its own ``tempfile.mkdtemp()`` directory
under the system temp dir, opened to mode 755 so the server user can traverse it; the Manager creates
the data dir (700) and the socket/log dir inside it owned by that user. The whole directory is removed
at session end; the server log is first copied to ``<pytest basetemp>/postgres0/postgresql.log``.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import socket
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from pgadmin_lite.servermgr.postgres import DatabaseException, Manager, find_binaries

# Settings for a throw-away cluster: durability costs time and protects nothing here.
TEST_SERVER_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (the kernel picks it when binding port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def make_cluster_root(prefix: str = "pgadmin_lite-pg-") -> Path:
    """A temp directory the server's OS user can traverse (mkdtemp makes it 700, so open it to 755)."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    root.chmod(0o755)
    return root


def skip_without_binaries() -> None:
    """Skip (not fail) on a machine where the PostgreSQL server is simply not installed."""
    try:
        find_binaries()
    except DatabaseException as exc:
        pytest.skip(f"PostgreSQL server binaries not found; install them with apt-get install postgresql: {exc}")


@contextlib.contextmanager
def own_cluster(prefix: str, hba: str, settings: dict[str, str] | None = None,
                prepare: Callable[[Manager], None] | None = None) -> Iterator[Manager]:
    """A cluster of a test module's own (its pg_hba.conf, "{superuser}" in it named; its settings), started, then
    stopped and removed."""
    skip_without_binaries()
    root = make_cluster_root(prefix)
    manager = Manager("127.0.0.1", free_port(), root / "data", initialize=True,
                      extra_options={**TEST_SERVER_SETTINGS, **(settings or {})})
    if prepare is not None:
        prepare(manager)
    (manager.data_dir / "pg_hba.conf").write_text(hba.format(superuser=manager.superuser))
    try:
        manager.start(timeout=30.0)
        yield manager
    finally:
        try:
            manager.stop(mode="fast", timeout=30.0)
        finally:
            if not manager.is_running:
                shutil.rmtree(root, ignore_errors=True)


@dataclass(frozen=True)
class PgServer:
    """How tests reach the session's PostgreSQL."""

    host: str
    port: int
    socket_dir: str
    user: str = "postgres"
    manager: Manager | None = field(default=None, compare=False, repr=False)

    def conninfo(self, dbname: str = "postgres") -> str:
        """A libpq connection string for ``dbname`` as the superuser, over TCP."""
        return make_conninfo(host=self.host, port=self.port, user=self.user, dbname=dbname)


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgServer]:
    """Start one PostgreSQL for the whole session and stop it (fast) at the end, whatever happened."""
    skip_without_binaries()
    root = make_cluster_root()
    manager: Manager | None = None
    try:
        manager = Manager(
            "127.0.0.1", free_port(), root / "data", initialize=True, extra_options=TEST_SERVER_SETTINGS
        )
        manager.start(timeout=30.0)
        yield PgServer("127.0.0.1", manager.port, str(manager.socket_dir), manager.superuser, manager)
    finally:
        if manager is not None:
            manager.stop(mode="fast", timeout=30.0)
            with contextlib.suppress(OSError):  # keep the server log where pytest keeps its last runs
                shutil.copy(manager.log_file, tmp_path_factory.mktemp("postgres") / "postgresql.log")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg_database(pg_server: PgServer, request: pytest.FixtureRequest) -> Iterator[str]:
    """A new, empty database for one test, named after it; dropped afterwards even if still in use."""
    slug = re.sub(r"[^a-z0-9]+", "_", request.node.name.lower()).strip("_")[:40]
    name = f"t_{slug}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
