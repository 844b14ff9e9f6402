"""Export of the 1,000,000-row result in every format, over HTTP to the deploy Gunicorn: rate and the worker's memory.

Usage: python -m bench.export_formats [--formats csv,tsv,json,ndjson,sql,xlsx] [--held] [--json PATH]
Each format is streamed from `export?format=` to the end, with the worker's peak RSS growth measured as `make bench`
measures the CSV export (VmHWM reset through clear_refs). The read-only SELECT is read again; with --held the rows
also come from a statement that wrote (INSERT … RETURNING: memory, then its spool; never run again). The target
is flat memory: under 20 MiB of growth for every format, a million rows included.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.client import Client, HttpError, QueryTool
from bench.cluster import ADMIN_EMAIL, ADMIN_PASSWORD, BENCH_DB, BIG_ROWS, BIG_SELECT, postgres, prepare_data_dir, seed
from bench.procs import ROOT, PeakRss, gunicorn, settle
from bench.scenarios import register_server

APP = "pgadmin_lite.wsgi:app"
FORMATS = ("csv", "tsv", "json", "ndjson", "sql", "xlsx")
MAX_GROWTH_MIB = 20.0
HELD_SQL = "INSERT INTO bench.copy SELECT * FROM bench.big RETURNING *"  # wrote: exported from what is held


def log(message: str) -> None:
    print(f"[export bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def export_once(client: Client, pid: int, tool: QueryTool, fmt: str) -> dict[str, float]:
    """Stream one export to its end: seconds, bytes, and the worker's RSS before and at its peak (MiB)."""
    before = settle(pid, 0.5)
    with PeakRss(pid) as peak:
        began = time.perf_counter()
        size, _ = client.stream(f"{tool.base}/export?format={fmt}", method="POST")
        seconds = time.perf_counter() - began
    return {"seconds": round(seconds, 3), "rows_per_s": round(BIG_ROWS / seconds), "mib": round(size / 2**20, 1),
            "before_mib": round(before, 1), "growth_mib": round(peak.peak_mib - before, 1)}


def measure(formats: list[str], with_held: bool, log_dir: Path) -> list[dict[str, object]]:
    figures: list[dict[str, object]] = []
    with postgres() as manager:
        log(f"seeding {BIG_ROWS:,} rows")
        seed(manager, tables=())
        data_root = Path(tempfile.mkdtemp(prefix="pgadmin_lite-export-bench-"))
        try:
            env = {**prepare_data_dir(data_root / "data"), "PYTHONPYCACHEPREFIX": str(data_root / "pycache"),
                   "PGADMIN_LITE_RESULT_SPOOL_MAX_MB": "2048"}
            with gunicorn(APP, env, log_dir / "app.log") as served:
                client = Client(served.url)
                client.login(ADMIN_EMAIL, ADMIN_PASSWORD)
                server_id = register_server(client, "127.0.0.1", manager.port, manager.superuser)
                tool = QueryTool(client, server_id, BENCH_DB)
                sources = [("read again", BIG_SELECT)]
                if with_held:
                    tool.run("CREATE TABLE bench.copy (LIKE bench.big)")
                    sources.append(("held (wrote)", HELD_SQL))
                for label, statement in sources:
                    tool.run(statement, wait_ms=60_000)
                    for fmt in formats:
                        log(f"{fmt}, {label}")
                        figures.append({"format": fmt, "source": label,
                                        **export_once(client, served.worker_pid, tool, fmt)})
                tool.close()
                client.close()
        finally:
            shutil.rmtree(data_root, ignore_errors=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--formats", default=",".join(FORMATS), help="comma-separated formats to export")
    parser.add_argument("--held", action="store_true", help="also export a statement that wrote (from its spool)")
    parser.add_argument("--json", type=Path, help="where to write the figures as JSON")
    args = parser.parse_args(argv)
    formats = [name for name in args.formats.split(",") if name]
    if unknown := set(formats) - set(FORMATS):
        parser.error(f"unknown formats: {', '.join(sorted(unknown))}")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    try:
        figures = measure(formats, args.held, ROOT / "bench" / "results" / f"logs-export-{stamp}")
    except HttpError as exc:
        print(f"export bench failed: {exc}", file=sys.stderr)
        return 1
    print(f"\n{'format':8} {'source':13} {'seconds':>8} {'rows/s':>10} {'MiB out':>8} {'RSS before':>10} "
          f"{'growth':>7}")
    for row in figures:
        print(f"{row['format']:8} {row['source']:13} {row['seconds']:>8} {row['rows_per_s']:>10,} {row['mib']:>8} "
              f"{row['before_mib']:>10} {row['growth_mib']:>7}")
    worst = max(float(str(row["growth_mib"])) for row in figures)
    passed = worst < MAX_GROWTH_MIB
    print(f"\n{'PASS' if passed else 'FAIL'}  every export's peak RSS growth under {MAX_GROWTH_MIB:.0f} MiB: "
          f"max {worst:.1f} MiB")
    if args.json:
        args.json.write_text(json.dumps({"stamp": stamp, "rows": BIG_ROWS, "figures": figures, "passed": passed},
                                        indent=1))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
