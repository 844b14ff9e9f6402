"""`python setup_db.py <command>` as a real subprocess: every command, its failure cases, files and secrets."""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import re
import shutil
import sqlite3
import stat
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from werkzeug.security import check_password_hash

from pgadmin_lite import create_app
from pgadmin_lite.cli import cli as cli_group
from pgadmin_lite.keyfiles import create_key_file
from tests.plugins.app_fixtures import form_csrf

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
ADMIN = "boss@example.com"
ADMIN_PW = "boss-password-1"
USER = "alice@example.com"
USER_PW = "alice-password-1"


class Cli:
    """Runs setup_db.py on one DATA_DIR and checks that no password it was given ever comes back out."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.secrets: set[str] = set()
        self.outputs: list[str] = []

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PGADMIN_LITE_")}
        env["PGADMIN_LITE_DATA_DIR"] = str(self.data_dir)
        env.update(extra)
        return env

    def start(self, *args: str, stdin: str | None = None, env: dict[str, str] | None = None,
              umask: int = -1) -> Call:
        """Start one command (stdin is a pipe only when input is given: otherwise there is no TTY)."""
        if stdin:
            self.secrets.add(stdin.strip())
        self.secrets |= {v for k, v in (env or {}).items() if k.endswith("PASSWORD")}
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        process = subprocess.Popen(
            [str(PYTHON), str(ROOT / "setup_db.py"), *args],
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, env=self.env(**(env or {})), cwd=self.data_dir.parent, umask=umask)
        return Call(self, args, process, stdin)

    def run(self, *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
        return self.start(*args, **kw).result()

    def ok(self, *args: str, **kw: Any) -> str:
        return self.start(*args, **kw).ok()

    def fails(self, *args: str, **kw: Any) -> str:
        return self.start(*args, **kw).fails()

    def users(self) -> list[dict[str, Any]]:
        return json.loads(self.ok("get-users", "--json"))

    def check_no_secret_leaked(self) -> None:
        logs = [p.read_text(errors="replace") for p in self.data_dir.rglob("*.log")]
        for secret in self.secrets:
            for text in self.outputs + logs:
                assert secret not in text, "a password appeared in the output or the log"


@dataclass
class Call:
    """A running command; several can run at once (they are independent and mostly start-up time)."""

    cli: Cli
    args: tuple[str, ...]
    process: subprocess.Popen[str]
    stdin: str | None

    def result(self) -> subprocess.CompletedProcess[str]:
        out, err = self.process.communicate(self.stdin, timeout=60)
        self.cli.outputs.append(out + err)
        return subprocess.CompletedProcess(self.args, self.process.returncode, out, err)

    def ok(self) -> str:
        result = self.result()
        assert result.returncode == 0, f"{self.args} failed:\n{result.stdout}\n{result.stderr}"
        return result.stdout

    def fails(self) -> str:
        """The command exits non-zero with a message and no traceback; returns the message."""
        result = self.result()
        text = result.stdout + result.stderr
        assert result.returncode != 0, f"{self.args} should fail:\n{text}"
        assert "Traceback" not in text, text
        assert text.strip(), "failed silently"
        return text


def db_rows(data_dir: Path, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(data_dir / "pgadmin_lite.db") as conn:
        return conn.execute(query, params).fetchall()


def users_in_db(data_dir: Path) -> list[tuple[Any, ...]]:
    """Every user column, straight from the config DB (password hashes included)."""
    return db_rows(data_dir, "SELECT * FROM users ORDER BY id")


def user_flags(data_dir: Path, email: str) -> tuple[bool, bool]:
    is_admin, active = db_rows(data_dir, "SELECT is_admin, active FROM users WHERE email = ?", email)[0]
    return bool(is_admin), bool(active)


def password_ok(data_dir: Path, email: str, password: str) -> bool:
    (hashed,) = db_rows(data_dir, "SELECT password_hash FROM users WHERE email = ?", email)[0]
    return check_password_hash(hashed, password)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One DATA_DIR set up by the same commands, run in-process to save two interpreter start-ups (the
    subprocess path of setup-db and add-user is tested below); admin boss@, user alice@; copied per test."""
    data_dir = tmp_path_factory.mktemp("cli-template") / "data"
    runner = CliRunner(env={"PGADMIN_LITE_DATA_DIR": str(data_dir)})
    for args, stdin in ((["setup-db", "--email", ADMIN, "--password-stdin"], ADMIN_PW),
                        (["add-user", USER, "--password-stdin"], USER_PW)):
        result = runner.invoke(cli_group, args, input=stdin + "\n")
        assert result.exit_code == 0, result.output
    return data_dir


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[Cli]:
    """A Cli on an empty DATA_DIR; every test ends by checking no password leaked."""
    runner = Cli(tmp_path / "data")
    runner.secrets |= {ADMIN_PW, USER_PW}
    yield runner
    runner.check_no_secret_leaked()


@pytest.fixture
def ready(cli: Cli, template: Path) -> Cli:
    """A Cli on a copy of the set-up template."""
    shutil.copytree(template, cli.data_dir)
    return cli


# --- setup-db ---------------------------------------------------------------------------------

def test_setup_db_from_environment_then_again_keeps_everything(cli: Cli) -> None:
    """First run: admin from PGADMIN_LITE_SETUP_*, private files; second run: nothing changes."""
    out = cli.ok("setup-db", env={"PGADMIN_LITE_SETUP_EMAIL": ADMIN, "PGADMIN_LITE_SETUP_PASSWORD": ADMIN_PW},
                 umask=0)  # the modes must not depend on the umask
    assert ADMIN in out
    if os.geteuid() == 0:  # as root it says how to hand the files over
        assert f"chown -R www-data: {cli.data_dir}" in out
    data = cli.data_dir
    for name in ("pgadmin_lite.db", "sessions.db", "secret_key", "credentials.key", "pgadmin_lite.log"):
        assert (data / name).is_file(), name
    for path in [data, *data.rglob("*")]:
        expected = 0o700 if path.is_dir() else 0o600
        assert stat.S_IMODE(path.stat().st_mode) == expected, f"{path} is {oct(path.stat().st_mode)}"
    assert len((data / "secret_key").read_text().strip()) >= 32
    assert ADMIN_PW.encode() not in (data / "pgadmin_lite.db").read_bytes()
    assert password_ok(data, ADMIN, ADMIN_PW)
    assert db_rows(data, "SELECT email FROM users") == [(ADMIN,)]
    assert user_flags(data, ADMIN) == (True, True)
    users = users_in_db(data)
    keys = {name: (data / name).read_text() for name in ("secret_key", "credentials.key")}

    out = cli.ok("setup-db", env={"PGADMIN_LITE_SETUP_EMAIL": "other@example.com",
                                   "PGADMIN_LITE_SETUP_PASSWORD": "other-password-1"})
    assert "already" in out.lower()
    assert users_in_db(data) == users
    assert {name: (data / name).read_text() for name in keys} == keys


def test_setup_db_without_tty_or_credentials_fails_without_prompting(tmp_path: Path) -> None:
    no_email, no_password = Cli(tmp_path / "a" / "data"), Cli(tmp_path / "b" / "data")
    calls = [no_email.start("setup-db"), no_password.start("setup-db", "--email", ADMIN)]
    message = calls[0].fails()
    assert "--email" in message and "PGADMIN_LITE_SETUP_EMAIL" in message
    assert "Email address" not in message  # it did not prompt
    message = calls[1].fails()
    assert "--password-stdin" in message and "PGADMIN_LITE_SETUP_PASSWORD" in message
    assert "Password:" not in message
    for runner in (no_email, no_password):
        assert users_in_db(runner.data_dir) == []


def test_setup_db_password_stdin_and_its_validation(cli: Cli, tmp_path: Path) -> None:
    other = Cli(tmp_path / "other" / "data")
    bad_email = cli.start("setup-db", "--email", "not-an-email", "--password-stdin", stdin=ADMIN_PW + "\n")
    short = other.start("setup-db", "--email", ADMIN, "--password-stdin", stdin="short\n")
    assert "not a valid email" in bad_email.fails()
    assert "at least 8" in short.fails()
    assert users_in_db(cli.data_dir) == users_in_db(other.data_dir) == []
    cli.ok("setup-db", "--email", ADMIN, "--password-stdin", stdin=ADMIN_PW + "\n")
    assert user_flags(cli.data_dir, ADMIN) == (True, True)
    assert password_ok(cli.data_dir, ADMIN, ADMIN_PW)


def test_setup_db_random_password_and_owner(cli: Cli) -> None:
    """--random-password prints a working password once (never logged); as root --owner hands files over."""
    owner = ("--owner", "nobody") if os.geteuid() == 0 else ()
    out = cli.ok("setup-db", "--email", ADMIN, "--random-password", *owner)
    match = re.search(r"password: (\S+)", out)
    assert match, out
    password = match.group(1)
    assert password_ok(cli.data_dir, ADMIN, password)
    assert out.count(password) == 1
    assert out.count("Created administrator") == 1
    assert out.splitlines()[-2:] == [f"Log in as {ADMIN} with password: {password}",
                                     "(shown once; change it after logging in)"]  # last: after the hand-over lines
    assert password not in (cli.data_dir / "pgadmin_lite.log").read_text()
    if owner:
        nobody = pwd.getpwnam("nobody").pw_uid
        owners = {}
        for path in [cli.data_dir, *cli.data_dir.rglob("*")]:
            with contextlib.suppress(FileNotFoundError):  # SQLite's -wal/-shm come and go with connections
                owners[path] = path.stat().st_uid
        assert set(owners.values()) == {nobody}, owners
        assert "chown -R www-data" not in out


# --- add-user / get-users -------------------------------------------------------------------------

def test_add_user_and_get_users(ready: Cli) -> None:
    out = ready.ok("add-user", "Carol@Example.com", "--password-stdin", stdin="carol-password-1\n")
    assert "carol@example.com" in out
    ready.ok("add-user", "dave@example.com", "--admin", "--password-stdin", stdin="dave-password-1\n")
    assert user_flags(ready.data_dir, "carol@example.com") == (False, True)
    assert user_flags(ready.data_dir, "dave@example.com") == (True, True)
    assert password_ok(ready.data_dir, "dave@example.com", "dave-password-1")
    lines = ready.ok("get-users").splitlines()  # the table (get-users --json: see the unlock test)
    assert len(lines) == 5
    assert "EMAIL" in lines[0]
    assert "admin" in next(line for line in lines if "dave@example.com" in line)
    assert "admin" not in next(line for line in lines if "carol@example.com" in line)


# Bad input: each prints a clear message, exits non-zero, and changes nothing.
BAD_INPUT = [
    (("add-user", "ALICE@example.com", "--password-stdin"), "another-password-1", "already exists"),
    (("add-user", "bad@", "--password-stdin"), "another-password-1", "not a valid email"),
    (("add-user", "eve@example.com", "--password-stdin"), "short", "at least 8"),
    (("add-user", "eve@example.com"), None, "--password-stdin"),  # no TTY: no prompt
    (("update-user", "ghost@example.com", "--admin"), None, "No user with email"),
    (("update-user", ADMIN, "--no-admin"), None, "last active administrator"),
    (("update-user", ADMIN, "--inactive"), None, "last active administrator"),
    (("delete-user", ADMIN, "--yes"), None, "last active administrator"),
    (("delete-user", USER), None, "--yes"),  # no TTY: no confirmation prompt
]


def test_bad_input_fails_clearly_and_changes_nothing(ready: Cli) -> None:
    before = users_in_db(ready.data_dir)
    calls = [(ready.start(*args, stdin=stdin + "\n" if stdin else None), expected)
             for args, stdin, expected in BAD_INPUT]
    for call, expected in calls:
        message = call.fails()
        assert expected in message, (call.args, message)
    assert users_in_db(ready.data_dir) == before
    assert password_ok(ready.data_dir, USER, USER_PW)


def test_no_command_takes_a_password_argument() -> None:
    """Passwords never travel in argv: no option or argument of any command carries one."""
    assert {"setup-db", "add-user", "update-user", "delete-user", "get-users"} <= set(cli_group.commands)
    for name, command in cli_group.commands.items():
        for param in command.params:
            if "password" in param.name:
                assert getattr(param, "is_flag", False), f"{name} {param.opts} takes a password value"


# --- update-user / delete-user ----------------------------------------------------------------

def test_update_user_password_role_and_active(ready: Cli) -> None:
    ready.ok("update-user", USER, "--password-stdin", "--admin", "--inactive", stdin="alice-new-password\n")
    assert password_ok(ready.data_dir, USER, "alice-new-password")
    assert not password_ok(ready.data_dir, USER, USER_PW)
    assert user_flags(ready.data_dir, USER) == (True, False)
    # alice is an admin but inactive: she does not count, so boss is still the last active admin.
    assert "last active administrator" in ready.fails("update-user", ADMIN, "--no-admin")
    assert user_flags(ready.data_dir, ADMIN) == (True, True)
    ready.ok("update-user", USER, "--active")
    # With a second active admin, the first one may be demoted and deactivated.
    ready.ok("update-user", ADMIN, "--no-admin", "--inactive")
    assert user_flags(ready.data_dir, ADMIN) == (False, False)
    assert user_flags(ready.data_dir, USER) == (True, True)


def test_update_user_random_password_recovers_a_lost_password(ready: Cli) -> None:
    """update-user --random-password replaces a forgotten password and prints the new one once, last."""
    out = ready.ok("update-user", ADMIN, "--random-password", "--unlock")
    match = re.search(rf"^Log in as {re.escape(ADMIN)} with password: (\S+)$", out, re.MULTILINE)
    assert match, out
    password = match.group(1)
    assert password_ok(ready.data_dir, ADMIN, password) and not password_ok(ready.data_dir, ADMIN, ADMIN_PW)
    assert out.count(password) == 1 and out.splitlines()[-1] == "(shown once; change it after logging in)"
    assert password not in (ready.data_dir / "pgadmin_lite.log").read_text()
    assert "either --password-stdin or --random-password" in ready.fails(
        "update-user", ADMIN, "--random-password", "--password-stdin", stdin="another-password-1\n")


def test_delete_user(ready: Cli) -> None:
    assert USER in ready.ok("delete-user", USER, "--yes")
    assert db_rows(ready.data_dir, "SELECT email FROM users") == [(ADMIN,)]


def test_unlock_clears_a_lockout(ready: Cli) -> None:
    """Lock alice by real failed logins through the app, then unlock from the CLI."""
    app = create_app({"DATA_DIR": str(ready.data_dir), "MAX_LOGIN_ATTEMPTS": 2})

    def attempt(password: str) -> int:
        client = app.test_client()
        data = {"email": USER, "password": password, "csrf_token": form_csrf(client)}
        return client.post("/login", data=data).status_code

    assert attempt("wrong-password-1") == 401
    assert attempt("wrong-password-2") == 401
    assert attempt(USER_PW) == 401  # locked
    # A lock is judged by the configured limits (the server's own rule): the CLI reads the app's setting.
    same_limit = {"PGADMIN_LITE_MAX_LOGIN_ATTEMPTS": "2"}
    users = {u["email"]: u for u in json.loads(ready.ok("get-users", "--json", env=same_limit))}
    assert set(users) == {ADMIN, USER}
    assert users[USER]["locked_until"] is not None
    assert users[ADMIN]["locked_until"] is None
    assert all(isinstance(u["id"], int) and u["is_active"] for u in users.values())
    assert (users[ADMIN]["is_admin"], users[USER]["is_admin"]) == (True, False)
    unlocked = ready.ok("update-user", USER, "--unlock", env=same_limit)
    assert "from every address and account-wide (it was locked until " in unlocked
    assert attempt(USER_PW) == 302


# --- schema gate ----------------------------------------------------------------------------

def test_schema_newer_than_the_code_is_refused(ready: Cli) -> None:
    with sqlite3.connect(ready.data_dir / "pgadmin_lite.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
    wsgi = subprocess.Popen([str(PYTHON), "-c", "import pgadmin_lite.wsgi"], env=ready.env(), text=True,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    calls = [ready.start("get-users"), ready.start("setup-db")]
    for call in calls:
        message = call.fails()
        assert "newer" in message and "ffffffffffff" in message, (call.args, message)
    _, stderr = wsgi.communicate(timeout=60)
    assert wsgi.returncode != 0
    assert "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert "newer" in stderr
    assert db_rows(ready.data_dir, "SELECT version_num FROM alembic_version") == [("ffffffffffff",)]


def test_fresh_data_dir_says_run_setup_db(tmp_path: Path) -> None:
    empty, keyed = Cli(tmp_path / "a" / "data"), Cli(tmp_path / "b" / "data")
    keyed.data_dir.mkdir(parents=True)
    create_key_file(str(keyed.data_dir / "secret_key"))
    calls = [empty.start("get-users"), keyed.start("get-users")]
    assert "setup-db" in calls[0].fails()
    message = calls[1].fails()
    assert "not set up" in message and "setup_db.py setup-db" in message
