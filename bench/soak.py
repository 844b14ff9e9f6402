"""`make soak`: 50 simulated users against the app under the deploy Gunicorn config, bounded in time.

Each user logs in, opens two query tools and, until the time is up, runs short queries, a transaction over
several requests, a large result paged and abandoned, a cancelled pg_sleep, and file uploads and downloads.
Reported: errors (must be zero), latency per minute, the worker's memory and open descriptors over time,
its memory idle before the load and once quiet after it (back within BACK_TO_IDLE_MIB), and PostgreSQL
backends (back to the baseline after logout). SOAK_SECONDS (default 600) bounds the run.

"Idle" is the worker quiet after a short warm-up round of the same users (WARMUP_S): the first load grows
the worker once for good (Gunicorn's thread pool from 4 to 25 threads, the connection pools, lazily imported
code, Python's object arenas); what must not stay is what every load adds. The cold start is reported too.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from bench import scenarios
from bench.client import Client, HttpError, QueryTool
from bench.cluster import ADMIN_EMAIL, ADMIN_PASSWORD, BENCH_DB, postgres, prepare_data_dir, seed, tcp_conninfo
from bench.procs import fd_count, gunicorn, rss_mib
from bench.run import APP, RESULTS, log
from bench.stats import percentile

USERS = 50
SAMPLE_EVERY_S = 5.0
BACK_TO_IDLE_MIB = 10.0  # DESIGN.md §10: back within 10 MiB of idle after load
WARMUP_S = 10.0  # the warm-up round before "idle" is measured
SETTLE_S = 10.0  # quiet time before idle and after-load RSS are read: longer than HEAP_TRIM_AFTER_S + its period
BACKENDS_SQL = ("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                "AND pid <> pg_backend_pid()")
SHORT_QUERIES = ("SELECT 1", "SELECT now(), current_user", "SELECT * FROM bench.big WHERE id = {id}",
                 "SELECT count(*) FROM pg_stat_activity")


@dataclass
class Tally:
    """Everything the users report, shared under one lock."""

    started: float = field(default_factory=time.monotonic)
    latencies: list[tuple[float, str, float]] = field(default_factory=list)  # (since start, action, seconds)
    errors: list[str] = field(default_factory=list)
    actions: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, action: str, seconds: float) -> None:
        with self.lock:
            self.latencies.append((time.monotonic() - self.started, action, seconds))
            self.actions[action] += 1

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(f"{time.monotonic() - self.started:7.1f}s {message}")


class User:
    """One simulated user: a login, two query tools, and a mix of actions until the deadline."""

    def __init__(self, index: int, url: str, server_id: int, has_storage: bool, tally: Tally) -> None:
        self.index, self.url, self.server_id, self.has_storage, self.tally = index, url, server_id, has_storage, tally
        self.rng = random.Random(index)  # noqa: S311 - a reproducible workload, not security
        self.client = Client(url)
        self.tools: list[QueryTool] = []
        self.files = 0

    def run(self, deadline: float) -> None:
        try:
            self._timed("login", lambda: self.client.login(scenarios.user_email(self.index), scenarios.USER_PASSWORD))
            self.tools = [QueryTool(self.client, self.server_id, BENCH_DB) for _ in range(2)]
        except (HttpError, OSError) as exc:
            self.tally.error(f"user {self.index} could not start: {exc}")
            return
        actions = [(self.short_query, 10), (self.transaction, 2), (self.large_abandoned, 1), (self.cancelled_sleep, 1)]
        if self.has_storage:
            actions.append((self.upload_download, 1))
        choices = [a for a, weight in actions for _ in range(weight)]
        while time.monotonic() < deadline:
            action = self.rng.choice(choices)
            try:
                action()
            except (HttpError, OSError, KeyError, ValueError) as exc:
                self.tally.error(f"user {self.index} {action.__name__}: {exc}")
            time.sleep(self.rng.uniform(0.1, 0.6))  # think time
        self.finish()

    def finish(self) -> None:
        """Close one tool explicitly; logging out must close the other (and its backend)."""
        try:
            self._timed("close_tool", self.tools[0].close)
            self._timed("logout", self.client.logout)
        except (HttpError, OSError) as exc:
            self.tally.error(f"user {self.index} finish: {exc}")
        self.client.close()

    def _timed(self, action: str, work: Any) -> Any:
        began = time.perf_counter()
        result = work()
        self.tally.record(action, time.perf_counter() - began)
        return result

    def short_query(self) -> None:
        sql = self.rng.choice(SHORT_QUERIES).format(id=self.rng.randint(1, 1_000_000))
        body = self._timed("short_query", lambda: self.tools[0].run(sql))
        if not body["rows"]:
            raise HttpError(f"{sql!r} returned no rows")

    def transaction(self) -> None:
        """BEGIN, INSERT, SELECT and COMMIT as four requests on the second tool's connection."""
        tool = self.tools[1]
        values = f"({self.index}, {self.rng.randint(1, 9)})"  # integers only: the SQL is ours
        steps = ("BEGIN", "INSERT INTO bench.soak_log (user_id, n) VALUES " + values,  # noqa: S608
                 "SELECT count(*) FROM bench.soak_log WHERE user_id = " + str(self.index), "COMMIT")  # noqa: S608
        for sql in steps:
            body = self._timed("transaction_step", lambda s=sql: tool.run(s))
            expected = "idle" if sql == "COMMIT" else "in_transaction"
            if body["transaction_status"] != expected:
                raise HttpError(f"after {sql!r} the transaction is {body['transaction_status']}, not {expected}")

    def large_abandoned(self) -> None:
        """The 1,000,000-row SELECT, three pages read, then left (the next statement closes its cursor)."""
        tool = self.tools[0]
        body = self._timed("large_first_page", lambda: tool.run("SELECT * FROM bench.big"))
        if not body["has_more"]:
            raise HttpError("the large result had no more rows")
        for _ in range(3):
            self._timed("large_fetch", lambda: tool.fetch(1000))

    def cancelled_sleep(self) -> None:
        tool = self.tools[1]
        reply = self.client.post(f"{tool.base}/execute", {"sql": "SELECT pg_sleep(30)", "wait_ms": 100},
                                 expect=(202,))
        del reply
        self._timed("cancel", lambda: self.client.post(f"{tool.base}/cancel"))
        body = self._timed("cancelled_result", lambda: self.client.get(f"{tool.base}/result?wait_ms=5000").json())
        if not (body.get("error") or {}).get("cancelled"):
            raise HttpError(f"pg_sleep was not reported cancelled: {body.get('error')!r}")
        if body.get("transaction_status") != "idle":  # the cancelled statement's transaction must be gone
            raise HttpError(f"after the cancel the tool is {body.get('transaction_status')!r}, not idle")

    def upload_download(self) -> None:
        self.files += 1
        name = f"soak-{self.files % 3}.bin"
        data = os.urandom(self.rng.randint(1_000, 200_000))
        self._timed("upload", lambda: self.client.call(
            "DELETE", f"/api/v1/storage?path=/{name}", expect=(204, 404)))
        self._timed("upload", lambda: self.client.upload("/", name, data))
        got = self._timed("download", lambda: self.client.get(f"/api/v1/storage/download?path=/{name}").body)
        if got != data:
            raise HttpError(f"downloaded {len(got)} bytes, uploaded {len(data)}")


def monitor(pid: int, conninfo: str, stop: threading.Event, samples: list[dict[str, float]], began: float) -> None:
    """Every few seconds: the worker's RSS and open descriptors, and PostgreSQL's client backends."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        while True:
            samples.append({"t": time.monotonic() - began, "rss_mib": rss_mib(pid), "fds": fd_count(pid),
                            "backends": conn.execute(BACKENDS_SQL).fetchone()[0]})  # type: ignore[index]
            if stop.wait(SAMPLE_EVERY_S):
                return


def fd_kinds(pid: int) -> dict[str, int]:
    """What the worker's descriptors point at: sockets, pipes, and files by name (-wal/-shm with their DB)."""
    kinds: dict[str, int] = defaultdict(int)
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        kind = target.split(":", 1)[0] if target.startswith(("socket:", "pipe:", "anon_inode:")) else Path(target).name
        kinds[kind.removesuffix("-wal").removesuffix("-shm")] += 1
    return dict(sorted(kinds.items(), key=lambda item: -item[1]))


def per_minute(tally: Tally, samples: list[dict[str, float]]) -> list[dict[str, Any]]:
    """Latency percentiles of every request, with memory, descriptors and backends at the minute's end."""
    buckets: dict[int, list[float]] = defaultdict(list)
    for since, _, seconds in tally.latencies:
        buckets[int(since // 60)].append(seconds * 1000)
    rows = []
    for minute in sorted(buckets):
        values = buckets[minute]
        last = [s for s in samples if s["t"] < (minute + 1) * 60] or samples[:1]
        rows.append({"minute": minute + 1, "requests": len(values), "p50_ms": percentile(values, 50),
                     "p95_ms": percentile(values, 95), "p99_ms": percentile(values, 99), "max_ms": max(values),
                     "rss_mib": last[-1]["rss_mib"], "fds": last[-1]["fds"], "backends": last[-1]["backends"]})
    return rows


def settled_rss(pid: int) -> float:
    """The worker's RSS once it has been quiet long enough to give freed memory back (HEAP_TRIM_AFTER_S)."""
    time.sleep(SETTLE_S)
    return rss_mib(pid)


def verdicts(samples: list[dict[str, float]], baseline: dict[str, Any], after: dict[str, Any],
             errors: int, warmup_s: float) -> list[tuple[bool, str]]:
    steady = [s for s in samples if s["t"] >= warmup_s] or samples
    rss_growth = max(s["rss_mib"] for s in steady) - steady[0]["rss_mib"]
    half = max(1, len(steady) // 2)  # in-flight sockets make the count jitter: compare the halves' highs
    fd_early, fd_late = max(s["fds"] for s in steady[:half]), max(s["fds"] for s in steady[half:] or steady)
    return [
        (errors == 0, f"errors: {errors}"),
        (after["rss_mib"] - baseline["rss_mib"] <= BACK_TO_IDLE_MIB,
         f"memory idle after the warm-up: {baseline['rss_mib']:.1f} MiB (cold start "
         f"{baseline['cold_rss_mib']:.1f}), once quiet after the load: "
         f"{after['rss_mib']:.1f} MiB ({after['rss_mib'] - baseline['rss_mib']:+.1f}; back to idle: "
         f"<= {BACK_TO_IDLE_MIB:.0f})"),
        (rss_growth < 10, f"memory after warm-up ({warmup_s:.0f} s): {steady[0]['rss_mib']:.1f} MiB, "
                          f"highest later {steady[0]['rss_mib'] + rss_growth:.1f} MiB (+{rss_growth:.1f}; flat: < 10)"),
        (after["backends"] <= baseline["backends"],
         f"PostgreSQL client backends: {baseline['backends']:.0f} before login, "
         f"{max(s['backends'] for s in samples):.0f} at most, {after['backends']:.0f} after logout"),
        (fd_late <= fd_early + 2 and after["fds"] <= steady[0]["fds"],
         f"worker descriptors: highest {fd_early:.0f} in the first half after warm-up, {fd_late:.0f} in the second; "
         f"{after['fds']:.0f} after logout (before the users: {baseline['fds']:.0f}; see fd kinds)"),
    ]


def run_users(url: str, server_id: int, has_storage: bool, tally: Tally, seconds: float) -> None:
    """USERS users in threads of their own until `seconds` from now; each logs out at the end."""
    deadline = time.monotonic() + seconds
    users = [User(i, url, server_id, has_storage, tally) for i in range(USERS)]
    threads = [threading.Thread(target=u.run, args=(deadline,), daemon=True) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 120)


def soak(seconds: float) -> int:
    tally = Tally()
    samples: list[dict[str, float]] = []
    with postgres() as manager:
        seed(manager, big=True, tables=())
        with psycopg.connect(tcp_conninfo(manager), autocommit=True) as conn:
            conn.execute("CREATE TABLE bench.soak_log (user_id int, n int, at timestamptz DEFAULT now())")
        data_root = Path(tempfile.mkdtemp(prefix="pgadmin_lite-soak-"))
        try:
            env = prepare_data_dir(data_root / "data")
            with gunicorn(APP, env, RESULTS / "soak-gunicorn.log") as served:
                admin = Client(served.url)
                admin.login(ADMIN_EMAIL, ADMIN_PASSWORD)
                scenarios.create_users(admin, USERS)
                server_id = scenarios.register_server(admin, "127.0.0.1", manager.port, manager.superuser)
                paths = {p.removeprefix("/api/v1") for p in admin.get("/api/v1/openapi.json").json().get("paths", {})}
                has_storage = {"/storage/upload", "/storage/download"} <= paths
                if not has_storage:
                    log("storage API absent (no /api/v1/storage/upload in openapi.json): skipping uploads/downloads")
                cold_rss = rss_mib(served.worker_pid)
                warm_tally = Tally()
                log(f"warm-up: {USERS} users for {WARMUP_S:.0f} s")
                run_users(served.url, server_id, has_storage, warm_tally, WARMUP_S)
                tally.errors += [f"warm-up {e}" for e in warm_tally.errors]
                idle_rss = settled_rss(served.worker_pid)
                with psycopg.connect(tcp_conninfo(manager), autocommit=True) as conn:
                    baseline = {"cold_rss_mib": cold_rss, "backends": conn.execute(BACKENDS_SQL).fetchone()[0],  # type: ignore[index]
                                "fds": fd_count(served.worker_pid), "rss_mib": idle_rss,
                                "fd_kinds": fd_kinds(served.worker_pid)}
                stop = threading.Event()
                tally.started = began = time.monotonic()
                watcher = threading.Thread(target=monitor, daemon=True,
                                           args=(served.worker_pid, tcp_conninfo(manager), stop, samples, began))
                watcher.start()
                log(f"{USERS} users for {seconds:.0f} s")
                run_users(served.url, server_id, has_storage, tally, seconds)
                time.sleep(2.0)  # let logout's closes reach PostgreSQL
                stop.set()
                watcher.join(30)
                with psycopg.connect(tcp_conninfo(manager), autocommit=True) as conn:
                    after = {"backends": conn.execute(BACKENDS_SQL).fetchone()[0],  # type: ignore[index]
                             "fds": fd_count(served.worker_pid),
                             "rss_mib": settled_rss(served.worker_pid),
                             "fd_kinds": fd_kinds(served.worker_pid)}
                admin.close()
        finally:
            shutil.rmtree(data_root, ignore_errors=True)
    return report(tally, samples, baseline, after, seconds)


def report(tally: Tally, samples: list[dict[str, float]], baseline: dict[str, Any], after: dict[str, Any],
           seconds: float) -> int:
    minutes = per_minute(tally, samples)
    warmup = min(60.0, seconds / 4)
    checks = verdicts(samples, baseline, after, len(tally.errors), warmup)
    print(f"\nsoak: {USERS} users, {seconds:.0f} s, {len(tally.latencies)} timed requests; actions: "
          + ", ".join(f"{k} {v}" for k, v in sorted(tally.actions.items())))
    print(f"{'minute':>6} {'requests':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'RSS MiB':>8} "
          f"{'fds':>5} {'backends':>8}")
    for row in minutes:
        print(f"{row['minute']:>6} {row['requests']:>9} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} "
              f"{row['p99_ms']:>8.1f} {row['max_ms']:>8.1f} {row['rss_mib']:>8.1f} {row['fds']:>5.0f} "
              f"{row['backends']:>8.0f}")
    print("samples (every 5 s): RSS " + " ".join(f"{s['rss_mib']:.0f}" for s in samples))
    for ok, text in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    print(f"fd kinds before the users: {baseline['fd_kinds']}\nfd kinds after logout:    {after['fd_kinds']}")
    for line in tally.errors[:20]:
        print(f"  error {line}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"soak-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps({"seconds": seconds, "users": USERS, "per_minute": minutes, "samples": samples,
                                "baseline": baseline, "after": after, "errors": tally.errors,
                                "actions": tally.actions, "checks": [{"passed": ok, "text": t} for ok, t in checks]},
                               indent=1))
    print(f"JSON: {path}")
    return 0 if all(ok for ok, _ in checks) else 1


def main() -> int:
    seconds = float(os.environ.get("SOAK_SECONDS", "600"))
    if not 10 <= seconds <= 3600:
        print("SOAK_SECONDS must be between 10 and 3600", file=sys.stderr)
        return 2
    return soak(seconds)


if __name__ == "__main__":
    sys.exit(main())
