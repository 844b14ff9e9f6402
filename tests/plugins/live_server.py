"""One live-server helper for browser and deploy tests: a real server process, ready on /health, stopped by pid.

Every server starts in its own session (process group), so stopping it reaches the workers it forked
(uWSGI workers, Apache's mod_wsgi daemons) by that group's id, never by a process name.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.plugins.app_fixtures import prepare_data_dir
from tests.plugins.postgres_fixture import free_port

ROOT = Path(__file__).resolve().parents[2]
GUNICORN_CONF = ROOT / "deploy" / "gunicorn" / "gunicorn.conf.py"


@dataclass
class LiveServer:
    """A started server process: its base URL, its log, and how to stop it."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    data_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    stop_signal: int = signal.SIGTERM
    name: str = "server"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, timeout: float = 15.0) -> None:
        """Ask the server to stop, then kill whatever is left of its process group."""
        stop_child(self.process, timeout, self.stop_signal)
        kill_group(self.process.pid)


def stop_child(process: subprocess.Popen[bytes], timeout: float = 10.0, stop_signal: int = signal.SIGTERM) -> None:
    """Ask a child server to stop, and kill it if it has not within timeout; it is gone (reaped) afterwards."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(stop_signal)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def port_accepts(port: int, host: str = "127.0.0.1") -> Callable[[], bool]:
    """A readiness probe that only connects (no HTTP request reaches the app)."""
    def probe() -> bool:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return True
        return False
    return probe


def kill_group(pgid: int) -> None:
    """SIGKILL the rest of a process group this helper created (children that outlived their parent)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def wait_ready(url: str, process: subprocess.Popen[bytes], log_path: Path, timeout: float = 30.0, *,
               path: str = "/health", watch: Sequence[LiveServer] = (),
               probe: Callable[[], bool] | None = None) -> None:
    """Poll url+path until it answers 200 (or probe() is true); on failure stop the process and show the logs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None or any(s.process.poll() is not None for s in watch):
            break
        try:
            if probe() if probe else requests.get(url + path, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    if process.poll() is None:
        process.kill()
        process.wait(5)
    kill_group(process.pid)
    logs = [f"--- {log_path} ---\n" + (log_path.read_text(errors="replace") if log_path.exists() else "(no log)")]
    logs += [f"--- {s.name} {s.log_path} (exit code {s.process.poll()}) ---\n{s.log()}" for s in watch]
    raise RuntimeError(f"server at {url}{path} did not become ready (exit code {process.poll()}); logs:\n"
                       + "\n".join(logs))


def start_process(argv: Sequence[str], url: str, log_path: Path, data_dir: Path, *, env: dict[str, str],
                  cwd: Path = ROOT, ready_path: str = "/health", stop_signal: int = signal.SIGTERM,
                  name: str = "server", watch: Sequence[LiveServer] = (), timeout: float = 30.0,
                  probe: Callable[[], bool] | None = None) -> LiveServer:
    """Start argv in its own process group with output to log_path, and wait until url+ready_path answers 200.

    The log is opened for appending, so a server may also write its own error log to the same file.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.unlink(missing_ok=True)
    with open(log_path, "ab") as log:
        process = subprocess.Popen(list(argv), cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    server = LiveServer(url, process, log_path, data_dir, env, stop_signal, name)
    try:
        wait_ready(url, process, log_path, timeout, path=ready_path, watch=watch, probe=probe)
    except BaseException:
        server.stop(timeout=5)
        raise
    return server


def start_gunicorn(data_dir: Path, log_dir: Path, *, settings: dict[str, Any] | None = None,
                   extra_args: list[str] | None = None, bind: str | None = None, url: str | None = None,
                   ready_path: str = "/health", watch: Sequence[LiveServer] = (),
                   probe: Callable[[], bool] | None = None) -> LiveServer:
    """Start `gunicorn -c deploy/gunicorn/gunicorn.conf.py pgadmin_lite.wsgi:app` (a free loopback port by default).

    bind may be "unix:/path" (then url is the proxy in front, started by the caller, and ready_path its /health);
    probe replaces the HTTP readiness check (e.g. when the test's own first request must be the first one served).
    """
    port = free_port()
    bind = bind or f"127.0.0.1:{port}"
    # PYTHONOPTIMIZE=2 as deploy/systemd/pgadmin_lite-gunicorn.service runs it (no docstrings, no asserts).
    env = {**os.environ, "PYTHONOPTIMIZE": "2", "PGADMIN_LITE_DATA_DIR": str(data_dir), "PGADMIN_LITE_BIND": bind}
    for name, value in (settings or {}).items():
        env[f"PGADMIN_LITE_{name}"] = str(value)
    log_path = log_dir / f"gunicorn-{port}.log"
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    argv = [gunicorn, "-c", str(GUNICORN_CONF), *(extra_args or []), "pgadmin_lite.wsgi:app"]
    return start_process(argv, url or f"http://127.0.0.1:{port}", log_path, data_dir, env=env,
                         ready_path=ready_path, name="gunicorn", watch=watch, probe=probe)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    """A Gunicorn (1 worker, 25 threads, as deployed) on a freshly set-up DATA_DIR, for one test module.

    A module's LIVE_SERVER_SETTINGS (setting name -> value) are given to the server as PGADMIN_LITE_* variables.
    """
    base = tmp_path_factory.mktemp("live")
    prepare_data_dir(base / "data")
    settings = getattr(request.module, "LIVE_SERVER_SETTINGS", None)
    server = start_gunicorn(base / "data", base / "logs", settings=settings)
    try:
        yield server
    finally:
        server.stop()
