"""One live-server helper for browser and deploy tests: a real Gunicorn on a free port, ready on /health."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
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

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def wait_ready(url: str, process: subprocess.Popen[bytes], log_path: Path, timeout: float = 30.0) -> None:
    """Poll /health until it answers 200; on failure show the server's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if requests.get(url + "/health", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    process.kill()
    log = log_path.read_text(errors="replace") if log_path.exists() else "(no log)"
    raise RuntimeError(f"server at {url} did not become ready (exit code {process.poll()}); log:\n{log}")


def start_gunicorn(data_dir: Path, log_dir: Path, *, settings: dict[str, Any] | None = None,
                   extra_args: list[str] | None = None) -> LiveServer:
    """Start `gunicorn -c deploy/gunicorn/gunicorn.conf.py pgadmin_lite.wsgi:app` on a free loopback port."""
    port = free_port()
    env = {**os.environ, "PGADMIN_LITE_DATA_DIR": str(data_dir), "PGADMIN_LITE_BIND": f"127.0.0.1:{port}"}
    for name, value in (settings or {}).items():
        env[f"PGADMIN_LITE_{name}"] = str(value)
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"gunicorn-{port}.log"
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    with open(log_path, "wb") as log:
        process = subprocess.Popen([gunicorn, "-c", str(GUNICORN_CONF), *(extra_args or []), "pgadmin_lite.wsgi:app"],
                                   cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_ready(url, process, log_path)
    return LiveServer(url, process, log_path, data_dir, env)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A Gunicorn (1 worker, 25 threads, as deployed) on a freshly set-up DATA_DIR, for one test module."""
    base = tmp_path_factory.mktemp("live")
    prepare_data_dir(base / "data")
    server = start_gunicorn(base / "data", base / "logs")
    try:
        yield server
    finally:
        server.stop()
