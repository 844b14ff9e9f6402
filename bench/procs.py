"""Processes the bench starts (Gunicorn, psql) and what /proc tells about them: memory, peaks, descriptors."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUNICORN_CONF = ROOT / "deploy" / "gunicorn" / "gunicorn.conf.py"
FLOOR_CONF = ROOT / "bench" / "floor_gunicorn.conf.py"
MIB = 1024 * 1024


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def status_kib(pid: int, field: str) -> int:
    """A `kB` field of /proc/<pid>/status (VmRSS, VmHWM…) in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def rss_mib(pid: int) -> float:
    return status_kib(pid, "VmRSS") / 1024


def pss_mib(pid: int) -> float | None:
    """Proportional set size from smaps_rollup (None where the kernel has no rollup)."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    return None


def fd_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


class PeakRss:
    """Peak resident memory of a process during a block: VmHWM reset through clear_refs, else sampled."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_mib = 0.0
        self._stop = threading.Event()
        self._sampler: threading.Thread | None = None
        self.is_exact = False

    def __enter__(self) -> PeakRss:
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")  # reset VmHWM to the current RSS
            self.is_exact = True
        except OSError:
            self._sampler = threading.Thread(target=self._sample, daemon=True)
            self._sampler.start()
        return self

    def _sample(self) -> None:
        deadline = time.monotonic() + 600
        while not self._stop.wait(0.005) and time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                self.peak_mib = max(self.peak_mib, rss_mib(self.pid))

    def __exit__(self, *exc: object) -> None:
        if self.is_exact:
            self.peak_mib = status_kib(self.pid, "VmHWM") / 1024
        else:
            self._stop.set()
            assert self._sampler is not None
            self._sampler.join(5)


@dataclass
class Served:
    """A started Gunicorn: master process, URL, the worker's pid (from /health) and how long it took."""

    process: subprocess.Popen[bytes]
    url: str
    log_path: Path
    ready_s: float
    worker_pid: int

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM the master (graceful), then SIGKILL whatever is left of its process group."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)


def _health_pid(port: int) -> int | None:
    """The pid /health reports, or None while nothing answers 200."""
    import http.client
    import json

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/health")
        response = conn.getresponse()
        body = response.read()
        return int(json.loads(body)["pid"]) if response.status == 200 else None
    except (OSError, ValueError, KeyError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def deployed_env(extra: dict[str, str], pycache: Path | None = None) -> dict[str, str]:
    """The environment a deployment has: bytecode is cached (PYTHONDONTWRITEBYTECODE would recompile every start)
    and optimised (-OO).

    With ``pycache`` the bytecode goes there (PYTHONPYCACHEPREFIX) instead of into the source tree.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.setdefault("PYTHONOPTIMIZE", "2")  # as deploy/systemd/pgadmin_lite-gunicorn.service and `setup_db.py serve`
    if pycache is not None:
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return {**env, **extra}


def start_gunicorn(app: str, env: dict[str, str], log_path: Path, *, conf: Path = GUNICORN_CONF,
                   timeout: float = 30.0) -> Served:
    """`gunicorn -c <conf> <app>` on a free loopback port; ready_s runs from Popen to the first 200 on /health."""
    port = free_port()
    env = {**deployed_env(env), "PGADMIN_LITE_BIND": f"127.0.0.1:{port}"}
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        began = time.perf_counter()
        process = subprocess.Popen([gunicorn, "-c", str(conf), app], cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    served = Served(process, f"http://127.0.0.1:{port}", log_path, 0.0, 0)
    deadline = began + timeout
    while time.perf_counter() < deadline and process.poll() is None:
        pid = _health_pid(port)
        if pid is not None:
            served.ready_s, served.worker_pid = time.perf_counter() - began, pid
            return served
        time.sleep(0.005)
    served.stop(5)
    raise RuntimeError(f"{app} did not answer /health within {timeout}s:\n{log_path.read_text(errors='replace')}")


@contextlib.contextmanager
def gunicorn(app: str, env: dict[str, str], log_path: Path, **kw: object) -> Iterator[Served]:
    """start_gunicorn, stopped by pid whatever happens."""
    served = start_gunicorn(app, env, log_path, **kw)  # type: ignore[arg-type]
    try:
        yield served
    finally:
        served.stop()


def settle(pid: int, seconds: float = 0.3) -> float:
    """RSS after a short pause (lets worker threads finish freeing), in MiB."""
    time.sleep(seconds)
    return rss_mib(pid)
