"""Start-up directories: created 0700 when missing; an unwritable one stops the app with one actionable line.

Tests run as root, and root may write anywhere, so the unwritable case is made real two ways: a setting
under a regular FILE (mkdir fails with ENOTDIR, even for root), and a forked child that drops to the
unprivileged user `nobody` before the check (the venv's interpreter lives under /root, mode 700, so
`nobody` could not exec it; forking keeps the already-loaded interpreter and the kernel enforces the rest).
"""

from __future__ import annotations

import importlib
import io
import os
import pwd
import select
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pgadmin_lite.directories import ensure_directories
from pgadmin_lite.errors import ConfigError
from pgadmin_lite.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def settings_for(**values: str) -> dict:
    return load_settings(environ={f"PGADMIN_LITE_{k}": v for k, v in values.items()})


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PGADMIN_LITE_")}
    env.update({f"PGADMIN_LITE_{k}": v for k, v in extra.items()})
    return env


def assert_one_actionable_line(message: str, path: Path | str, user: str) -> None:
    assert "\n" not in message.strip(), message
    assert str(path) in message, message
    assert repr(user) in message or f" {user} " in message or f" {user}:" in message, message
    assert "chown" in message or "install -d" in message, message


def test_missing_directories_are_created_0700(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    log_dir = tmp_path / "logs"
    db_dir = tmp_path / "db"
    settings = settings_for(DATA_DIR=str(data_dir), LOG_FILE=str(log_dir / "app.log"),
                            SQLITE_PATH=str(db_dir / "config.db"))
    old = os.umask(0)  # the mode must not depend on a permissive umask
    try:
        ensure_directories(settings)
    finally:
        os.umask(old)
    for directory in (data_dir, data_dir / "storage", log_dir, db_dir):
        assert directory.is_dir(), directory
        assert mode(directory) == 0o700, f"{directory} is {oct(mode(directory))}"


def test_existing_directories_are_accepted(tmp_path: Path) -> None:
    settings = settings_for(DATA_DIR=str(tmp_path / "data"))
    ensure_directories(settings)
    ensure_directories(settings)  # idempotent
    assert (tmp_path / "data" / "storage").is_dir()


def test_directory_under_a_regular_file_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    target = blocker / "data"
    with pytest.raises(ConfigError) as info:
        ensure_directories(settings_for(DATA_DIR=str(target)))
    assert_one_actionable_line(str(info.value), target, pwd.getpwuid(os.geteuid()).pw_name)
    assert "DATA_DIR" in str(info.value)


def test_setting_naming_a_file_where_a_directory_is_needed(tmp_path: Path) -> None:
    blocker = tmp_path / "storage-file"
    blocker.write_text("x")
    with pytest.raises(ConfigError) as info:
        ensure_directories(settings_for(DATA_DIR=str(tmp_path / "data"), STORAGE_DIR=str(blocker)))
    assert str(blocker) in str(info.value)
    assert "STORAGE_DIR" in str(info.value)


# --- as an unprivileged user --------------------------------------------------------------------

NOBODY = pwd.getpwnam("nobody")


@pytest.fixture
def root_owned_dir() -> Iterator[Path]:
    """A root-owned 755 directory that `nobody` can traverse but not write (not under pytest's 700 tmp)."""
    directory = Path(tempfile.mkdtemp(prefix="pgl-dirs-"))
    directory.chmod(0o755)
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def run_as_nobody(action: Callable[[], str]) -> tuple[int, str]:
    """Fork, drop to `nobody` (keeping root's USER/LOGNAME, as a server that drops privileges does), run."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never return into pytest
        code = 0
        try:
            os.close(read_fd)
            os.setgroups([])
            os.setgid(NOBODY.pw_gid)
            os.setuid(NOBODY.pw_uid)
            os.environ.update(USER="root", LOGNAME="root")
            out = action()
        except SystemExit as exc:
            out, code = getattr(exc, "captured", ""), int(exc.code or 0) or 1
        except BaseException as exc:  # report as text for the parent
            out, code = f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}", 99
        os.write(write_fd, out.encode())
        os._exit(code)
    os.close(write_fd)
    chunks = []
    deadline = time.monotonic() + 60
    with os.fdopen(read_fd, "rb") as reader:
        while time.monotonic() < deadline:
            if select.select([reader], [], [], 1.0)[0]:
                chunk = os.read(reader.fileno(), 65536)
                if not chunk:
                    break
                chunks.append(chunk)
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("the child running as nobody did not finish within 60 s")
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), b"".join(chunks).decode()


def check_directories(data_dir: Path) -> Callable[[], str]:
    def action() -> str:
        try:
            ensure_directories(load_settings(environ={"PGADMIN_LITE_DATA_DIR": str(data_dir)}))
        except ConfigError as exc:
            raise _exit_with(str(exc)) from None
        return "OK"
    return action


def _exit_with(message: str) -> SystemExit:
    exc = SystemExit(3)
    exc.captured = message  # type: ignore[attr-defined]
    return exc


def test_existing_unwritable_directory_as_nobody(root_owned_dir: Path) -> None:
    code, message = run_as_nobody(check_directories(root_owned_dir))
    assert code == 3, message
    assert_one_actionable_line(message, root_owned_dir, "nobody")
    assert "'root'" not in message


def test_uncreatable_directory_as_nobody(root_owned_dir: Path) -> None:
    target = root_owned_dir / "data"
    code, message = run_as_nobody(check_directories(target))
    assert code == 3, message
    assert_one_actionable_line(message, target, "nobody")
    assert not target.exists()


def test_the_same_directory_is_fine_for_its_owner(root_owned_dir: Path) -> None:
    """Control: the check passes once the directory belongs to the user (the fix the message names)."""
    os.chown(root_owned_dir, NOBODY.pw_uid, NOBODY.pw_gid)
    code, message = run_as_nobody(check_directories(root_owned_dir))
    assert (code, message) == (0, "OK")
    assert (root_owned_dir / "storage").is_dir()


def test_wsgi_import_as_nobody_on_unwritable_data_dir(root_owned_dir: Path) -> None:
    """What a WSGI server running as www-data sees: one line on stderr, a non-zero exit, no traceback."""

    def action() -> str:
        os.environ.update(clean_env(DATA_DIR=str(root_owned_dir)))
        for key in [k for k in os.environ if k.startswith("PGADMIN_LITE_") and k != "PGADMIN_LITE_DATA_DIR"]:
            del os.environ[key]
        sys.modules.pop("pgadmin_lite.wsgi", None)
        stderr = io.StringIO()
        sys.stderr = stderr
        try:
            importlib.import_module("pgadmin_lite.wsgi")
        except SystemExit as exc:
            exc.captured = stderr.getvalue()  # type: ignore[attr-defined]
            raise
        return "imported: " + stderr.getvalue()

    code, output = run_as_nobody(action)
    assert code != 0, output
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert_one_actionable_line(lines[0], root_owned_dir, "nobody")


# --- the real WSGI entry in a subprocess ------------------------------------------------------------

def import_wsgi(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(PYTHON), "-c", "import pgadmin_lite.wsgi"], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def test_wsgi_import_with_data_dir_under_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = import_wsgi(clean_env(DATA_DIR=str(blocker / "data")), tmp_path)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert_one_actionable_line(lines[0], blocker / "data", pwd.getpwuid(os.geteuid()).pw_name)
    assert result.stdout == ""


def test_wsgi_import_without_secret_key_says_run_setup_db(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh"
    result = import_wsgi(clean_env(DATA_DIR=str(data_dir)), tmp_path)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "setup-db" in lines[0]
    assert str(data_dir / "secret_key") in lines[0]
