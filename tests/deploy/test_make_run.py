"""`make run` on a fresh machine: a run-only virtualenv, the console on /login, the password last, a clean Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.plugins.app_fixtures import CSRF_INPUT
from tests.plugins.live_server import LiveServer, start_process
from tests.plugins.postgres_fixture import free_port, make_cluster_root
from tests.plugins.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
# Test tools that must never be needed to run the console (uWSGI has no wheel: it needs a C compiler).
TEST_TOOLS = {"pytest", "playwright", "schemathesis", "hypothesis", "uwsgi", "ruff"}
PASSWORD_LINE = re.compile(r"^Log in as admin@example\.com with password: (\S+)$")


def _name(requirement: str) -> str:
    """The normalised project name of a PEP 508 requirement string."""
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


@pytest.fixture(scope="module")
def run_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean virtualenv made by `make <venv>/.installed-run`, with pip forbidden to compile anything."""
    venv = tmp_path_factory.mktemp("make-run") / "venv"
    env = {**os.environ, "PIP_ONLY_BINARY": ":all:"}  # a dependency without a wheel fails here, as without gcc
    built = subprocess.run(["make", "-C", str(ROOT), f"VENV={venv}", f"{venv}/.installed-run"], env=env,
                           capture_output=True, text=True, timeout=600, check=False)
    assert built.returncode == 0, built.stdout + built.stderr
    return venv


def test_run_environment_holds_no_test_tool(run_venv: Path) -> None:
    """Only what running needs: none of the test extras, no test tool, nothing built from source."""
    listed = subprocess.run([str(run_venv / "bin" / "python"), "-m", "pip", "list", "--format=json"],
                            capture_output=True, text=True, timeout=120, check=True)
    installed = {_name(row["name"]) for row in json.loads(listed.stdout)}
    test_extras = {_name(req) for req in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]["test"]}
    assert {"pgadmin-lite", "gunicorn", "psycopg", "psycopg-binary"} <= installed
    assert installed & (TEST_TOOLS | test_extras) == set()


@pytest.fixture
def make_run(run_venv: Path, tmp_path: Path) -> Iterator[LiveServer]:
    """`make run` from the run-only virtualenv on free ports, in its own process group like a terminal job."""
    root = make_cluster_root("pgadmin_lite-make-run-")  # the demo cluster's postgres user must reach DATA_DIR
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("PGADMIN_LITE_")}
    env |= {"PGADMIN_LITE_DEFAULT_SERVER_PORT": str(port), "PGADMIN_LITE_DEMO_CLUSTER_PORT": str(free_port())}
    argv = ["make", "-C", str(ROOT), "--no-print-directory", "run", f"VENV={run_venv}", f"DATA_DIR={root}/data"]
    server = start_process(argv, f"http://127.0.0.1:{port}", tmp_path / "make-run.out", root / "data", env=env,
                           ready_path="/login", name="make run", timeout=120)
    try:
        yield server
    finally:
        server.stop()  # SIGTERM to make, which passes it on: serve stops Gunicorn and the demo cluster
        shutil.rmtree(root, ignore_errors=True)


def test_make_run_serves_shows_the_password_last_and_stops_on_ctrl_c(make_run: LiveServer) -> None:
    """/login answers, requests leave the screen alone, the password works, Ctrl-C ends without make's error."""
    process, output, url = make_run.process, make_run.log_path, make_run.url
    http = requests.Session()
    page = http.get(f"{url}/login", timeout=10)
    token = CSRF_INPUT.search(page.text)
    assert page.status_code == 200 and token
    lines = output.read_text().splitlines()
    password = PASSWORD_LINE.match(lines[-2])
    assert password and lines[-1] == "(shown once; change it after logging in)", "\n".join(lines)
    assert sum("Created administrator" in line for line in lines) == 1
    signed_in = http.post(f"{url}/login", data={"email": "admin@example.com", "password": password.group(1),
                                                "csrf_token": token.group(1)}, allow_redirects=False, timeout=10)
    assert signed_in.status_code == 302 and not signed_in.headers["Location"].endswith("/login")
    access_log = Path(re.search(r"access log: (\S+)\)", output.read_text())[1])
    wait_until(lambda: '"POST /login HTTP/1.1" 302' in access_log.read_text(),  # logged once the response is sent
               access_log.read_text, timeout=30)
    assert output.read_text().splitlines()[-2:] == lines[-2:]  # the requests were logged there, not printed

    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the whole foreground group
    assert process.wait(60) == -signal.SIGINT  # make re-raises SIGINT on itself, as on any Ctrl-C
    text = output.read_text()
    assert "***" not in text and "Traceback" not in text, text  # no "[Makefile:N: run] Interrupt" or "Error 1"
    if "Demo PostgreSQL 1" in text:  # the demo cluster ran (PostgreSQL is installed): it was stopped cleanly
        assert text.rstrip().endswith("Demo PostgreSQL stopped."), text
        assert not (make_run.data_dir / "demo-postgres" / "data" / "postmaster.pid").exists()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/login", timeout=5)
