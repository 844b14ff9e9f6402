"""The floors every figure is compared with, measured in the same run on the same machine."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg

from bench.client import Client, HttpError
from bench.cluster import BIG_SELECT, tcp_conninfo
from bench.procs import FLOOR_CONF, gunicorn, rss_mib, settle
from bench.scenarios import run_clients
from pgadmin_lite.servermgr.postgres import Manager

COPY_SQL = "COPY (SELECT * FROM bench.big) TO STDOUT WITH (FORMAT csv, HEADER true)"
FLOOR_APP = "bench.floor_app:app"


def floor_env(manager: Manager) -> dict[str, str]:
    return {"BENCH_FLOOR_DSN": tcp_conninfo(manager)}


def floor_select_one(client: Client) -> None:
    if client.post("/select1", {"sql": "SELECT 1"}).json()["rows"] != [[1]]:
        raise HttpError("floor SELECT 1 returned something else")


def floor_app_figures(manager: Manager, log_dir: Path, *, starts: int, seconds: float, reps: int,
                      base_env: dict[str, str]) -> dict[str, list[float]]:
    """Ready time and idle memory over `starts` launches, then throughput with 10 and 50 clients."""
    figures: dict[str, list[float]] = {"ready_s": [], "idle_mib": []}
    env = {**base_env, **floor_env(manager)}
    with gunicorn(FLOOR_APP, env, log_dir / "floor-cold.log", conf=FLOOR_CONF):
        pass  # writes the bytecode cache, as for the app
    for index in range(starts):
        with gunicorn(FLOOR_APP, env, log_dir / f"floor-{index}.log", conf=FLOOR_CONF) as served:
            figures["ready_s"].append(served.ready_s)
            figures["idle_mib"].append(settle(served.worker_pid, 0.5))
    with gunicorn(FLOOR_APP, env, log_dir / "floor.log", conf=FLOOR_CONF) as served:
        for clients in (10, 50):
            users = [Client(served.url) for _ in range(clients)]
            rates: list[float] = []
            latencies: list[float] = []
            for _ in range(reps):
                lat, errors, elapsed = run_clients([lambda c=c: floor_select_one(c) for c in users], seconds)
                if errors:
                    raise HttpError(f"{errors} failed floor requests with {clients} clients")
                rates.append(len(lat) / elapsed)
                latencies.extend(lat)
            figures[f"qps_{clients}"], figures[f"lat_{clients}_s"] = rates, latencies
            for user in users:
                user.close()
        figures["rss_after_mib"] = [rss_mib(served.worker_pid)]
    return figures


@contextlib.contextmanager
def floor_server(manager: Manager, log_dir: Path, base_env: dict[str, str]) -> Iterator[Client]:
    """The bare floor app running beside the app, with a warmed-up client, for measurements taken in turns."""
    env = {k: v for k, v in base_env.items() if not k.startswith("PGADMIN_LITE_")}
    with gunicorn(FLOOR_APP, {**env, **floor_env(manager)}, log_dir / "floor-beside.log", conf=FLOOR_CONF) as served:
        client = Client(served.url)
        for _ in range(20):
            floor_select_one(client)
        yield client
        client.close()


class PsycopgPager:
    """psycopg alone over the app's SELECT: a server-side cursor read with fetchmany, each call timed, so that
    the bench can take its pages in turns with the app's (a busy moment of the machine then slows both)."""

    def __init__(self, manager: Manager) -> None:
        self._conn = psycopg.connect(tcp_conninfo(manager))
        self._cursor: psycopg.ServerCursor[Any] | None = None
        self._runs = 0
        self.elapsed = 0.0

    def start(self, page_rows: int) -> None:
        """DECLARE the cursor and read the first page (as the app's execute does)."""
        self._runs += 1
        self.elapsed = 0.0
        began = time.perf_counter()
        self._cursor = self._conn.cursor(name=f"floor_{self._runs}")
        self._cursor.execute(BIG_SELECT)
        self._cursor.fetchmany(page_rows)
        self.elapsed += time.perf_counter() - began

    def page(self, rows: int) -> None:
        assert self._cursor is not None
        began = time.perf_counter()
        self._cursor.fetchmany(rows)
        self.elapsed += time.perf_counter() - began

    def finish(self) -> float:
        """Close the cursor and its transaction (not timed, as the app's close is not); the run's seconds."""
        if self._cursor is not None:
            self._cursor.close()
            self._conn.rollback()
            self._cursor = None
        return self.elapsed

    def close(self) -> None:
        self.finish()
        self._conn.close()


def psql_binary(manager: Manager) -> str:
    """psql next to the server binaries, else the one on PATH."""
    candidate = manager.bin_dir / "psql"
    if candidate.is_file():
        return str(candidate)
    found = shutil.which("psql")
    if not found:
        raise RuntimeError("psql not found next to the server binaries or on PATH; apt-get install postgresql-client")
    return found


def psql_copy(manager: Manager, runs: int) -> list[float]:
    """`psql -c "COPY (…) TO STDOUT"` into /dev/null, as the export floor."""
    argv = [psql_binary(manager), "-X", "-q", "-h", "127.0.0.1", "-p", str(manager.port), "-U", manager.superuser,
            "-d", "bench", "-c", COPY_SQL]
    times = []
    for _ in range(runs):
        with open("/dev/null", "wb") as sink:
            began = time.perf_counter()
            subprocess.run(argv, stdout=sink, check=True, timeout=120)
            times.append(time.perf_counter() - began)
    return times
