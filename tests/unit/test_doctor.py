"""`setup_db.py doctor`: permission logic for another OS user, actionable lines, exit codes, no side effects."""

from __future__ import annotations

import os
import pwd
import shutil
import sqlite3
import stat
import tempfile
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from pgadmin_lite.cli import cli
from pgadmin_lite.doctor import Account, R, W, X, allows, check_schema, run_doctor
from pgadmin_lite.settings import load_settings
from tests.plugins.app_fixtures import prepare_data_dir
from tests.plugins.storage_helpers import snapshot

pytestmark = pytest.mark.skipif(os.geteuid() == 65534, reason="the tests ask about the OS user nobody")


def fake_stat(mode: int, uid: int, gid: int) -> os.stat_result:
    return os.stat_result((mode, 1, 1, 1, uid, gid, 0, 0, 0, 0))


@pytest.mark.parametrize("mode, uid, gid, want, expected", [
    (0o700, 1000, 1000, R | W | X, True),    # owner
    (0o070, 1000, 1000, R | W | X, False),   # the owner class wins even when group bits would allow
    (0o070, 0, 1000, R | W | X, True),       # group member
    (0o750, 0, 1000, W, False),              # group may read, not write
    (0o007, 0, 0, R | W | X, True),          # other
    (0o755, 0, 0, W, False),
    (0o711, 0, 0, X, True),                  # traversable, not listable
])
def test_mode_bits_decide_for_another_user(mode: int, uid: int, gid: int, want: int, expected: bool) -> None:
    account = Account("web", 1000, frozenset({1000, 2000}))
    assert allows(fake_stat(stat.S_IFDIR | mode, uid, gid), account, want) is expected


def test_root_may_do_anything() -> None:
    assert allows(fake_stat(stat.S_IFDIR, 1000, 1000), Account("root", 0, frozenset({0})), R | W | X)


@pytest.fixture
def base() -> Iterator[Path]:
    """A folder every OS user may traverse (pytest's tmp dirs are 0700, which would hide everything from nobody)."""
    path = Path(tempfile.mkdtemp(prefix="pgl-doctor-", dir="/tmp"))
    path.chmod(0o711)
    yield path
    shutil.rmtree(path)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One set-up data dir per module (setting up is slow and each app keeps its SQLite files open)."""
    path = tmp_path_factory.mktemp("doctor") / "data"
    prepare_data_dir(path)
    return path


@pytest.fixture
def data(base: Path, template: Path) -> Path:
    """A private copy of the template (no writer is active, so copying the SQLite files with their WAL is safe)."""
    shutil.copytree(template, base / "data", symlinks=True)
    return base / "data"


def doctor(data: Path, *args: str, **env: str) -> Result:
    return CliRunner().invoke(cli, ["doctor", *args], env={"PGADMIN_LITE_DATA_DIR": str(data), **env})


def config_for(data: Path, **overrides: Any) -> dict[str, Any]:
    return load_settings(overrides={"DATA_DIR": str(data), **overrides})


def test_a_healthy_data_dir_passes_and_is_not_touched(data: Path) -> None:
    before = snapshot(data)
    result = doctor(data)
    assert result.exit_code == 0, result.output
    assert "is at the current schema" in result.output and "ERROR" not in result.output
    after = snapshot(data)
    assert after.keys() == before.keys()  # nothing created: no root-owned SQLite side files
    for name, entry in after.items():  # nothing written or chmod-ed (readers of a WAL database share its -shm)
        assert entry[:2] == before[name][:2] and (name.endswith("-shm") or entry == before[name]), name


def test_the_schema_check_leaves_no_sqlite_side_files(base: Path, data: Path) -> None:
    """Run as root on a WAL database, SQLite must not create root-owned -wal/-shm files the server can't open."""
    copy = base / "copy"
    copy.mkdir()
    with closing(sqlite3.connect(data / "pgadmin_lite.db")) as source, \
            closing(sqlite3.connect(copy / "pgadmin_lite.db")) as target:
        source.backup(target)
        assert target.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",)
    assert os.listdir(copy) == ["pgadmin_lite.db"]
    finding, user_ids = check_schema(config_for(data, SQLITE_PATH=str(copy / "pgadmin_lite.db")))
    assert finding.level == "ok" and user_ids == [1, 2]
    assert os.listdir(copy) == ["pgadmin_lite.db"]


def test_a_dir_owned_by_another_user_names_the_chown(data: Path) -> None:
    """A data dir the current user (root in CI) owns with mode 0700, checked for the web server's user."""
    result = doctor(data, "--as-user", "nobody")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"ERROR {data} (DATA_DIR) is owned by {pwd.getpwuid(os.geteuid()).pw_name}" in result.output
    assert any(line.startswith("ERROR") and line.endswith(f"run: chown -R nobody: {data}") for line in lines)
    assert f"run: chown nobody: {data / 'secret_key'}" in result.output
    assert result.output.strip().endswith("warning(s).")


def test_an_unreachable_parent_is_named(base: Path, data: Path) -> None:
    base.chmod(0o700)
    findings = run_doctor(config_for(data), Account.named("nobody"))
    assert any(f"nobody cannot reach {data}" in f.message and f"chmod o+x {base}" in f.message for f in findings)


def test_storage_roots_that_are_unsafe_missing_or_links(data: Path) -> None:
    storage = data / "storage"
    (storage / "u1").chmod(0o755)
    (storage / "u2").rmdir()
    (storage / "u9").mkdir(mode=0o700)
    messages = {f.level + " " + f.message for f in run_doctor(config_for(data), Account.named(None))}
    assert any(m.startswith("error") and m.endswith(f"run: chmod 700 {storage / 'u1'}") for m in messages)
    assert any(m.startswith("warn") and f"install -d -o {Account.named(None).name} -m 700 {storage / 'u2'}" in m
               for m in messages)
    assert any(m.startswith("warn") and m.endswith(f"rm -r {storage / 'u9'}") for m in messages)
    (storage / "u2").symlink_to("/etc")
    findings = run_doctor(config_for(data), Account.named(None))
    assert any(f.level == "error" and "not a real directory" in f.message for f in findings)


def test_unsafe_storage_dir_and_key_modes(data: Path) -> None:
    (data / "storage").chmod(0o755)
    (data / "secret_key").chmod(0o644)
    result = doctor(data)
    assert result.exit_code == 1
    assert f"run: chmod 700 {data / 'storage'}" in result.output
    assert f"run: chmod 600 {data / 'secret_key'}" in result.output


def test_schema_state(base: Path, data: Path) -> None:
    with sqlite3.connect(data / "pgadmin_lite.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
    result = doctor(data)
    assert result.exit_code == 1 and "has schema 0001" in result.output
    assert "run: python setup_db.py setup-db" in result.output
    empty = base / "empty"
    empty.mkdir()
    result = doctor(empty)
    assert result.exit_code == 1 and "does not exist; run: python setup_db.py setup-db" in result.output
    assert not (empty / "pgadmin_lite.db").exists()


def test_shared_folders_are_checked(base: Path, data: Path) -> None:
    shares = [{"name": "team", "path": str(base / "missing"), "read_only_for_users": True}]
    findings = run_doctor(config_for(data, SHARED_STORAGE=shares), Account.named(None))
    assert any(f.level == "error" and "install -d" in f.message and "SHARED_STORAGE" in f.message for f in findings)


def test_an_unknown_user_is_a_clear_error(data: Path) -> None:
    result = doctor(data, "--as-user", "no-such-user-xyz")
    assert result.exit_code == 1 and "There is no OS user 'no-such-user-xyz'" in result.output
