"""servermgr.postgres against the real PostgreSQL binaries: initdb, start, health, stop modes, failures, CLI."""

from __future__ import annotations

import os
import pwd
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from pgadmin_lite.servermgr.postgres import DatabaseException, Manager, WorkerError, _is_alive
from tests.plugins.postgres_fixture import free_port, make_cluster_root, skip_without_binaries

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
IS_ROOT = os.geteuid() == 0


def kill_postmaster_of(data_dir: Path) -> None:
    """Test clean-up only: SIGKILL whatever postmaster.pid names (a manager never does this)."""
    if (info := Manager("127.0.0.1", 1, data_dir).process) is not None:
        os.kill(info.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Path]:
    """One initialized data directory shared by the tests of this module (initdb costs ~0.6 s)."""
    skip_without_binaries()
    root = make_cluster_root("pgadmin_lite-servermgr-")
    try:
        Manager("127.0.0.1", free_port(), root / "data", initialize=True)
        yield root / "data"
    finally:
        kill_postmaster_of(root / "data")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def managers() -> Iterator[list[Manager]]:
    """Managers a test creates; whichever is still running at the end is stopped immediately."""
    created: list[Manager] = []
    yield created
    for manager in created:
        if manager.is_running:
            manager.stop(mode="immediate")


@pytest.fixture
def manager(cluster: Path, managers: list[Manager]) -> Manager:
    """A manager of the shared cluster on a free port, not started."""
    created = Manager("127.0.0.1", free_port(), cluster)
    managers.append(created)
    return created


@pytest.fixture
def fresh_root() -> Iterator[Path]:
    """A directory the postgres OS user can traverse, for tests that need their own cluster."""
    root = make_cluster_root("pgadmin_lite-servermgr-own-")
    yield root
    shutil.rmtree(root, ignore_errors=True)


def test_initialize_creates_a_private_cluster(cluster: Path) -> None:
    """initdb ran as the server user: the data dir holds a cluster, owned by that user, mode 700."""
    assert (cluster / "PG_VERSION").read_text().strip().isdigit()
    st = cluster.stat()
    assert st.st_mode & 0o777 == 0o700
    expected_owner = pwd.getpwnam("postgres").pw_uid if IS_ROOT else os.geteuid()
    assert st.st_uid == expected_owner


def test_start_health_process_and_fast_stop(manager: Manager, cluster: Path) -> None:
    """A started server answers on TCP and the socket; fast stop ends sessions and the postmaster."""
    manager.start()
    info = manager.process
    assert info is not None and info.status == "ready" and info.port == manager.port
    assert info.pid == manager.pid == int((cluster / "postmaster.pid").read_text().splitlines()[0])
    if IS_ROOT:
        assert pwd.getpwuid(Path(f"/proc/{info.pid}").stat().st_uid).pw_name == "postgres"
    manager.health()
    with psycopg.connect(host=str(manager.socket_dir), port=manager.port, user="postgres") as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    conn = psycopg.connect(manager.dsn, autocommit=True)
    query = "SELECT current_user, host(inet_server_addr()), inet_server_port()"
    assert conn.execute(query).fetchone() == ("postgres", "127.0.0.1", manager.port)
    manager.stop(mode="fast")
    assert not manager.is_running and manager.pid is None and not _is_alive(info.pid)
    with pytest.raises(psycopg.OperationalError):
        conn.execute("SELECT 1")
    conn.close()
    with pytest.raises(WorkerError, match="not healthy"):
        manager.health()


def test_smart_stop_waits_for_clients_to_leave(manager: Manager) -> None:
    """Smart shutdown refuses new sessions but keeps the server up until the last client disconnects."""
    manager.start()
    pid = manager.pid
    assert pid is not None
    with psycopg.connect(manager.dsn, autocommit=True) as conn:
        manager.stop(mode="smart", wait=False)
        with pytest.raises(WorkerError, match="still runs"):
            manager.wait(timeout=0.5)
        assert conn.execute("SELECT 1").fetchone() == (1,)
        with pytest.raises(psycopg.OperationalError, match="shutting down"):
            psycopg.connect(manager.dsn).close()
    manager.wait(timeout=10)
    assert not _is_alive(pid) and not manager.is_running


def test_immediate_stop_then_restart_recovers(manager: Manager, managers: list[Manager], cluster: Path) -> None:
    """After an immediate stop (no checkpoint) the next start runs crash recovery and keeps committed data."""
    manager.start()
    with psycopg.connect(manager.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS survived_crash (x int)")
        conn.execute("INSERT INTO survived_crash VALUES (42)")
    manager.stop(mode="immediate")
    assert not manager.is_running
    log_start = manager.log_file.stat().st_size
    again = Manager("127.0.0.1", free_port(), cluster)
    managers.append(again)
    again.start()
    with psycopg.connect(again.dsn) as conn:
        assert (42,) in conn.execute("SELECT x FROM survived_crash").fetchall()
    with again.log_file.open("rb") as log:
        log.seek(log_start)
        assert b"automatic recovery in progress" in log.read()


def test_stop_rejects_an_unknown_mode(manager: Manager) -> None:
    """Only PostgreSQL's three shutdown modes exist."""
    with pytest.raises(ValueError, match="smart, fast, immediate"):
        manager.stop(mode="graceful")


@pytest.fixture
def fake_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake /usr/lib/postgresql: 9, 9.6, 15, 16 installed; 17 without binaries; a non-version dir."""
    monkeypatch.delenv("POSTGRES_VERSION", raising=False)
    base = tmp_path / "usr-lib-postgresql"
    for name in ("9", "9.6", "15", "16", "latest"):
        (base / name / "bin").mkdir(parents=True)
        (base / name / "bin" / "pg_ctl").touch()
    (base / "17" / "lib").mkdir(parents=True)
    return base


def _pick(fake_base: Path, pg_version: str = "") -> Manager:
    """Construct only: no program of the fake tree is ever run."""
    return Manager("127.0.0.1", 5432, fake_base.parent / "unused", pg_version=pg_version, base_dir=fake_base)


def test_version_argument_beats_environment(fake_base: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An explicit pg_version wins over POSTGRES_VERSION."""
    monkeypatch.setenv("POSTGRES_VERSION", "9")
    picked = _pick(fake_base, "15")
    assert (picked.version, picked.bin_dir) == ("15", fake_base / "15" / "bin")


def test_environment_beats_newest(fake_base: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """POSTGRES_VERSION wins over the newest installed version."""
    monkeypatch.setenv("POSTGRES_VERSION", "9.6")
    assert _pick(fake_base).bin_dir == fake_base / "9.6" / "bin"


def test_newest_is_chosen_numerically(fake_base: Path) -> None:
    """16 beats 9.6 (not a string sort); 17 has no binaries and 'latest' is no version."""
    picked = _pick(fake_base)
    assert (picked.version, picked.bin_dir) == ("16", fake_base / "16" / "bin")


def test_path_is_the_last_resort(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With nothing under the base dir, pg_ctl on PATH is used; with none at all the error names apt."""
    monkeypatch.delenv("POSTGRES_VERSION", raising=False)
    empty_base, path_dir = tmp_path / "empty", tmp_path / "bin"
    empty_base.mkdir()
    path_dir.mkdir()
    monkeypatch.setenv("PATH", str(path_dir))
    with pytest.raises(DatabaseException, match="apt-get install postgresql"):
        _pick(empty_base)
    (path_dir / "pg_ctl").touch(mode=0o755)
    picked = _pick(empty_base)
    assert (picked.version, picked.bin_dir) == ("", path_dir.resolve())


def test_missing_requested_version_is_reported(fake_base: Path) -> None:
    """Asking for a version that is not installed names the package to install."""
    with pytest.raises(DatabaseException, match="postgresql-13"):
        _pick(fake_base, "13")


def test_port_in_use_is_reported(manager: Manager, monkeypatch: pytest.MonkeyPatch) -> None:
    """A busy port fails with a clear message, from our check and, past it, from PostgreSQL's log."""
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", manager.port))
        squatter.listen()
        with pytest.raises(DatabaseException, match=re.escape(f"port {manager.port} on 127.0.0.1 is already in use")):
            manager.start()
        monkeypatch.setattr(manager, "_check_port_free", lambda: None)  # as if the port were taken later
        with pytest.raises(DatabaseException, match="Address already in use"):
            manager.start()
    assert not manager.is_running


def test_existing_data_dir_is_not_reinitialized(manager: Manager, managers: list[Manager], cluster: Path) -> None:
    """initialize=True on a populated data dir keeps its tables and files."""
    manager.start()
    with psycopg.connect(manager.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS keep_me (id int)")
    manager.stop()
    (cluster / "keep_me.txt").write_text("marker")
    again = Manager("127.0.0.1", free_port(), cluster, initialize=True)
    managers.append(again)
    assert again.initdb() is False
    again.start()
    with psycopg.connect(again.dsn) as conn:
        assert conn.execute("SELECT to_regclass('keep_me') IS NOT NULL").fetchone() == (True,)
    assert (cluster / "keep_me.txt").read_text() == "marker"


def test_empty_existing_dir_is_initialized(fresh_root: Path) -> None:
    """An existing but empty directory (e.g. made by root) is handed to the server user and initialized."""
    (fresh_root / "data").mkdir()
    Manager("127.0.0.1", free_port(), fresh_root / "data", initialize=True)
    assert (fresh_root / "data" / "PG_VERSION").is_file()


def test_initdb_failure_carries_its_message(fresh_root: Path) -> None:
    """initdb's own diagnosis reaches the exception."""
    with pytest.raises(DatabaseException, match=r'initdb failed.*superuser name "pg_bad" is disallowed'):
        Manager("127.0.0.1", free_port(), fresh_root / "data", initialize=True, superuser="pg_bad")


def test_unwritable_socket_dir_is_reported(cluster: Path, managers: list[Manager]) -> None:
    """A socket dir the server user cannot write fails before PostgreSQL is even launched."""
    locked = cluster.parent / "locked-sockets"
    locked.mkdir(mode=0o555, exist_ok=True)
    locked.chmod(0o555)
    manager = Manager("127.0.0.1", free_port(), cluster, socket_dir=locked)
    managers.append(manager)
    with pytest.raises(DatabaseException, match=re.escape(f"socket directory {locked} is not writable") + ".*chown"):
        manager.start()
    assert not manager.is_running


@pytest.mark.skipif(not IS_ROOT, reason="only root hands the server to another OS user")
def test_unreachable_data_dir_is_reported(tmp_path: Path) -> None:
    """pytest's own tmp dir (mode 700, root) cannot be reached by postgres: say so, naming the parent."""
    with pytest.raises(DatabaseException, match=r"cannot reach .* is not searchable"):
        Manager("127.0.0.1", free_port(), tmp_path / "data", initialize=True)


def test_ready_wait_timeout_kills_the_server(fresh_root: Path, managers: list[Manager]) -> None:
    """A server that stays "starting up" (a standby with no primary) past the deadline is killed: WorkerError."""
    setup = Manager("127.0.0.1", free_port(), fresh_root / "data", initialize=True)
    (setup.data_dir / "standby.signal").touch()
    slow = Manager("127.0.0.1", free_port(), setup.data_dir, extra_options={"hot_standby": "off"})
    managers.append(slow)
    slow.start(wait=False)
    pid = slow.pid
    assert pid is not None
    began = time.monotonic()
    with pytest.raises(WorkerError, match=r"within 0\.5s and was killed; last answer: the server rejects"):
        slow.ready_wait(timeout=0.5)
    assert time.monotonic() - began < 10
    assert not _is_alive(pid) and not slow.is_running


def _read_line(proc: subprocess.Popen[str], timeout: float) -> str:
    """The first stdout line of proc, or a failure showing its stderr."""
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    if not ready:
        proc.kill()
        pytest.fail(f"CLI printed nothing in {timeout}s; stderr: {proc.communicate()[1]}")
    return proc.stdout.readline()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_cli_runs_in_foreground_and_stops_on_signal(cluster: Path, signum: signal.Signals) -> None:
    """`python -m pgadmin_lite.servermgr.postgres` serves until signalled, then stops fast and exits 0."""
    port = free_port()
    argv = [sys.executable, "-m", "pgadmin_lite.servermgr.postgres", "-H", "127.0.0.1", "-p", str(port)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [*argv, "-d", str(cluster), "-i"], cwd=REPO, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )
    probe = Manager("127.0.0.1", port, cluster)
    try:
        line = _read_line(proc, timeout=30)
        assert line.startswith("PostgreSQL 1") and f"ready on 127.0.0.1:{port} (data {cluster})" in line
        info = probe.process
        assert info is not None and probe.pid is None  # the CLI's postmaster, not the probe's
        probe.health()
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=30)
        assert proc.returncode == 0, stderr
        assert not _is_alive(info.pid) and probe.process is None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        kill_postmaster_of(cluster)


SCRAM_ONLY_HBA = """\
local all all              scram-sha-256
host  all all 127.0.0.1/32 scram-sha-256
host  all all ::1/128      scram-sha-256
"""


def test_scram_only_cluster_is_ready_without_a_password(fresh_root: Path, managers: list[Manager]) -> None:
    """pg_isready's rule: "password authentication failed" means up, so start() returns at once, no password."""
    setup = Manager("127.0.0.1", free_port(), fresh_root / "data", initialize=True)
    managers.append(setup)
    setup.start()
    with psycopg.connect(setup.dsn, autocommit=True) as conn:
        conn.execute("ALTER ROLE postgres PASSWORD 'scram-secret'")
    setup.stop()
    (setup.data_dir / "pg_hba.conf").write_text(SCRAM_ONLY_HBA)
    scram = Manager("127.0.0.1", free_port(), setup.data_dir)
    managers.append(scram)
    began = time.monotonic()
    scram.start(timeout=30)
    assert time.monotonic() - began < 10  # the old SELECT-1 probe failed every try until the timeout
    scram.health()
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(scram.dsn).close()
    with psycopg.connect(scram.dsn, password="scram-secret") as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_a_stale_manager_never_signals_a_newer_postmaster(cluster: Path, managers: list[Manager]) -> None:
    """A manager whose own postmaster is gone leaves alone the newer one that postmaster.pid now names."""
    stale = Manager("127.0.0.1", free_port(), cluster)
    managers.append(stale)
    stale.start(wait=False)
    old_pid = stale.pid
    assert old_pid is not None
    os.kill(old_pid, signal.SIGKILL)  # its postmaster dies behind its back (OOM killer, an operator, ...)
    newer = Manager("127.0.0.1", free_port(), cluster)
    managers.append(newer)
    newer.start()
    assert newer.process is not None and newer.process.pid == newer.pid != old_pid
    with pytest.raises(DatabaseException, match="failed to start"):
        stale.ready_wait(timeout=0.5)  # its deadline passes: it reports its own postmaster's death
    stale.kill()
    stale.stop(mode="immediate")
    assert not stale.is_running and stale.pid is None
    assert newer.is_running and newer.process is not None and newer.process.pid == newer.pid
    newer.health()
    with psycopg.connect(newer.dsn) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
