"""Where the time and memory go: py-spy on the live Gunicorn worker while one bench scenario runs, and imports.

Usage:
    python -m bench.profile cpu SCENARIO [--seconds 8] [--gil]   (SCENARIO: select1, load10, paging, csv, login)
    python -m bench.profile imports                                (RSS and import time of each big dependency)
Output: a summary on stdout; the raw collapsed stacks under bench/results/profile-<scenario>.txt.
"""

from __future__ import annotations

import argparse
import collections
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench import floors, scenarios
from bench.client import Client
from bench.cluster import ADMIN_EMAIL, ADMIN_PASSWORD, postgres, prepare_data_dir, seed
from bench.procs import ROOT, gunicorn
from bench.run import APP, RESULTS, log
from pgadmin_lite.servermgr.postgres import Manager

FRAME_FILE = re.compile(r"\s*\((.*)\)$")
IMPORTS = ("flask", "werkzeug", "jinja2", "sqlalchemy", "flask_sqlalchemy", "flask_migrate", "alembic", "flask_login",
           "flask_wtf", "wtforms", "psycopg", "cryptography.hazmat.primitives.ciphers.aead", "click",
           "pgadmin_lite.wsgi")


def summarise(raw: Path, top: int = 30) -> str:
    """Self and inclusive sample shares per function from py-spy's raw (collapsed) output."""
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [f for f in stack.split(";") if f and not f.startswith("process ") and not f.startswith("thread ")]
        if not frames:
            continue
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    if not total:
        return "no samples"
    lines = [f"{total} samples", "", "self %  function"]
    lines += [f"{100 * n / total:6.1f}  {f}" for f, n in own.most_common(top)]
    lines += ["", "incl %  function"]
    lines += [f"{100 * n / total:6.1f}  {f}" for f, n in inclusive.most_common(top + 20)]
    return "\n".join(lines)


def scenario_loop(name: str, app: scenarios.App, manager: Manager) -> Callable[[float], int]:
    """A callable that runs the scenario for some seconds and returns how many iterations it did."""
    def select1(seconds: float) -> int:
        tool, count, end = app.tool(0), 0, time.monotonic() + seconds
        while time.monotonic() < end:
            tool.run(scenarios.SELECT_ONE)
            count += 1
        tool.close()
        return count

    def load10(seconds: float) -> int:
        rates, _ = scenarios.concurrent_select_one(app, 10, seconds, 1)
        return int(rates[0] * seconds)

    def paging(seconds: float) -> int:
        count, end, pager = 0, time.monotonic() + seconds, floors.PsycopgPager(manager)
        while time.monotonic() < end:
            scenarios.big_paging(app, 1000, pager)
            count += 1
        pager.close()
        return count

    def csv(seconds: float) -> int:
        count, end = 0, time.monotonic() + seconds
        while time.monotonic() < end:
            scenarios.csv_export(app)
            count += 1
        return count

    def login(seconds: float) -> int:
        count, end = 0, time.monotonic() + seconds
        while time.monotonic() < end:
            Client(app.url).login(scenarios.user_email(count % 10), scenarios.USER_PASSWORD)
            count += 1
        return count

    return {"select1": select1, "load10": load10, "paging": paging, "csv": csv, "login": login}[name]


def profile_cpu(name: str, seconds: float, gil: bool, rate: int) -> None:
    if not Path(sys.executable).with_name("py-spy").is_file():
        raise SystemExit(f"py-spy is not installed: {sys.executable} -m pip install py-spy")
    with postgres() as manager:
        seed(manager, big=name in ("paging", "csv"), tables=())
        data_root = Path(tempfile.mkdtemp(prefix="pgadmin_lite-profile-"))
        try:
            env = prepare_data_dir(data_root / "data")
            with gunicorn(APP, env, data_root / "app.log") as served:
                admin = Client(served.url)
                admin.login(ADMIN_EMAIL, ADMIN_PASSWORD)
                scenarios.create_users(admin, 10)
                server_id = scenarios.register_server(admin, "127.0.0.1", manager.port, manager.superuser)
                app = scenarios.App(served.url, served.worker_pid, server_id, scenarios.login_clients(served.url, 10))
                run = scenario_loop(name, app, manager)
                run(min(2.0, seconds))  # warm up before sampling
                raw = RESULTS / f"profile-{name}{'-gil' if gil else ''}.txt"
                raw.parent.mkdir(parents=True, exist_ok=True)
                argv = [str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(served.worker_pid),
                        "--format", "raw", "--output", str(raw), "--rate", str(rate), "--nolineno", "--nonblocking"]
                spy = subprocess.Popen([*argv, *(["--gil"] if gil else [])], stdout=subprocess.DEVNULL,
                                       stderr=subprocess.PIPE)
                time.sleep(0.5)
                began = time.perf_counter()
                iterations = run(seconds)
                elapsed = time.perf_counter() - began
                spy.send_signal(signal.SIGINT)
                spy.wait(30)
                log(f"{name}: {iterations} iterations in {elapsed:.1f} s ({iterations / elapsed:.1f}/s)")
                print(summarise(raw))
                print(f"\nraw stacks: {raw.relative_to(ROOT)}")
        finally:
            shutil.rmtree(data_root, ignore_errors=True)


IMPORT_PROBE = """
import importlib, sys, time
def rss():
    return int(next(l for l in open('/proc/self/status') if l.startswith('VmRSS')).split()[1]) / 1024
base = rss(); print(f"{'interpreter':45s} {base:7.1f} MiB")
for name in sys.argv[1:]:
    before, began = rss(), time.perf_counter()
    importlib.import_module(name)
    print(f"{name:45s} {rss() - before:+7.1f} MiB {1000 * (time.perf_counter() - began):7.1f} ms")
print(f"{'total':45s} {rss():7.1f} MiB, {len(sys.modules)} modules")
"""


def profile_imports() -> None:
    """RSS and time each dependency adds when imported in this order (the worker imports them all)."""
    data_root = Path(tempfile.mkdtemp(prefix="pgadmin_lite-profile-"))
    try:
        env = prepare_data_dir(data_root / "data")
        argv = [sys.executable, "-c", IMPORT_PROBE, *IMPORTS]
        result = subprocess.run(argv, cwd=ROOT, env={**env, "PATH": "/usr/bin"}, capture_output=True, text=True,
                                timeout=120, check=False)
        print(result.stdout or result.stderr)
    finally:
        shutil.rmtree(data_root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="py-spy on the live worker, or an import breakdown")
    sub = parser.add_subparsers(dest="command", required=True)
    cpu = sub.add_parser("cpu")
    cpu.add_argument("scenario", choices=("select1", "load10", "paging", "csv", "login"))
    cpu.add_argument("--seconds", type=float, default=8.0)
    cpu.add_argument("--rate", type=int, default=250)
    cpu.add_argument("--gil", action="store_true", help="only samples holding the GIL (what serialises threads)")
    sub.add_parser("imports")
    args = parser.parse_args(argv)
    if args.command == "cpu":
        profile_cpu(args.scenario, args.seconds, args.gil, args.rate)
    else:
        profile_imports()
    return 0


if __name__ == "__main__":
    sys.exit(main())
