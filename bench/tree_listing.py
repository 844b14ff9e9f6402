"""Object-tree listing micro-benchmark, in process (Flask test client, no Gunicorn): where the time goes.

Usage: python -m bench.tree_listing [--host H --port P --user U] [--runs N] [--json PATH]
Without --port a throwaway PostgreSQL is started (servermgr) and removed afterwards. The whole-stack
numbers (Gunicorn, HTTP) are `make bench`'s tree_2000 / tree_5000; this one separates the catalog SQL
from the app around it, for tuning the .sql files.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import socket
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from pgadmin_lite import create_app
from pgadmin_lite.browser import catalog, tree
from pgadmin_lite.servermgr.postgres import Manager
from tests.plugins.app_fixtures import ADMIN_EMAIL, ADMIN_PASSWORD, api_client, prepare_data_dir

DB = "tree_bench"
SIZES = (2000, 5000)


@contextlib.contextmanager
def server(args: argparse.Namespace) -> Iterator[tuple[str, int, str]]:
    """(host, port, superuser) of the given server, or of a throwaway one started for the run."""
    if args.port:
        yield args.host, args.port, args.user
        return
    root = Path(tempfile.mkdtemp(prefix="tree-bench-"))
    root.chmod(0o755)
    manager = Manager("127.0.0.1", _free_port(), root / "data", initialize=True,
                      extra_options={"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"})
    try:
        manager.start(timeout=30)
        yield "127.0.0.1", manager.port, manager.superuser
    finally:
        manager.stop(mode="fast", timeout=30)
        shutil.rmtree(root, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def seed(conninfo: Callable[[str], str]) -> None:
    """Schemas s2000 and s5000 holding that many 4-column tables (skipped when already there)."""
    with psycopg.connect(conninfo("postgres"), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB]).fetchone():
            return
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB)))
    with psycopg.connect(conninfo(DB), autocommit=True) as conn:
        for size in SIZES:
            conn.execute(f"CREATE SCHEMA s{size}")
            for start in range(0, size, 500):
                conn.execute(";".join(f"CREATE TABLE s{size}.t{i:05d} (id int, name text, amount numeric, at date)"
                                      for i in range(start, start + 500)))


def timed(action: Callable[[], Any], runs: int) -> dict[str, float]:
    action()  # warm up caches and the connection path once
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return {"median_ms": round(statistics.median(samples), 2), "p90_ms": round(samples[int(len(samples) * 0.9)], 2),
            "min_ms": round(samples[0], 2)}


def run(args: argparse.Namespace) -> dict[str, Any]:
    with server(args) as (host, port, user):
        conninfo = lambda db: make_conninfo(host=host, port=port, user=user, dbname=db)  # noqa: E731
        seed(conninfo)
        data = Path(tempfile.mkdtemp(prefix="tree-bench-data-"))
        try:
            settings = prepare_data_dir(data / "data")
            app = create_app(settings)
            client = api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD)
            server_id = client.post("/api/v1/servers", json={"name": "bench", "host": host, "port": port,
                                                             "username": user}).get_json()["id"]
            base = f"/api/v1/servers/{server_id}/tree"
            results: dict[str, Any] = {}
            # Every page of 2,000 tables: on reused connections, on a new connection per page (as before
            # short-lived connections were reused: SHORT_LIVED_MAX_IDLE = 0), and the floor, one query for them all.
            fresh = api_client(create_app({**settings, "SHORT_LIVED_MAX_IDLE": 0}), ADMIN_EMAIL, ADMIN_PASSWORD)
            results["http_every_page_2000"] = timed(lambda: _every_page(client, base, 2000), args.runs)
            results["http_every_page_2000_no_reuse"] = timed(lambda: _every_page(fresh, base, 2000), args.runs)
            results["sql_all_2000"] = timed(lambda: _sql_only(conninfo(DB), 2000, limit=2000), args.runs)
            for size in SIZES:
                query = {"kind": "tables", "db": DB, "schema": f"s{size}"}
                results[f"http_first_page_{size}"] = timed(lambda q=query: client.get(base, query_string=q), args.runs)
                results[f"http_all_{size}"] = timed(
                    lambda q=query: client.get(base, query_string={**q, "limit": 5000}), max(3, args.runs // 4))
                results[f"http_search_{size}"] = timed(
                    lambda q=query: client.get(base, query_string={**q, "q": "t0042"}), args.runs)
                results[f"sql_first_page_{size}"] = timed(lambda s=size: _sql_only(conninfo(DB), s), args.runs)
            results["http_expand_schema_5000"] = timed(
                lambda: client.get(base, query_string={"kind": "schema", "db": DB, "name": "s5000"}), args.runs)
        finally:
            shutil.rmtree(data, ignore_errors=True)
    return results


def _every_page(client: Any, base: str, size: int) -> None:
    """Page through a tables node as the tree does (DEFAULT_LIMIT rows a request) until the last page."""
    offset, truncated = 0, True
    while truncated:
        body = client.get(base, query_string={"kind": "tables", "db": DB, "schema": f"s{size}",
                                              "offset": offset}).get_json()
        offset, truncated = offset + len(body["items"]), body["truncated"]
    assert offset == size, offset


def _sql_only(conninfo: str, size: int, limit: int = tree.DEFAULT_LIMIT) -> None:
    """The page query alone on a held connection: what the catalog SQL costs without connect and JSON."""
    with _held(conninfo) as conn:
        inner = sql.SQL(catalog.load_sql("list_tables").strip())  # type: ignore[arg-type]
        conn.execute(tree.PAGE.format(inner=inner), {"schema": f"s{size}", "pattern": None, "limit": limit,
                                                      "offset": 0, "system": False}).fetchall()


_CONNECTIONS: dict[str, psycopg.Connection[Any]] = {}


@contextlib.contextmanager
def _held(conninfo: str) -> Iterator[psycopg.Connection[Any]]:
    if conninfo not in _CONNECTIONS:
        _CONNECTIONS[conninfo] = psycopg.connect(conninfo, autocommit=True)
    yield _CONNECTIONS[conninfo]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--user", default="postgres")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    text = json.dumps(run(args), indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
