"""The throwaway PostgreSQL (started with servermgr), its seed data, and a DATA_DIR set up like a deployment."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg

from bench.procs import ROOT, free_port
from pgadmin_lite.servermgr.postgres import Manager

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "admin-password-1"  # noqa: S105 - a throwaway DATA_DIR on loopback
BENCH_DB = "bench"
BIG_ROWS = 1_000_000
BIG_TABLE = "bench.big"
BIG_SELECT = "SELECT * FROM bench.big"
# Durability costs time and protects nothing here; room for 100 query tools plus catalog connections.
# Every scan of bench.big starts at its first block: with synchronized scans a scan starts where the previous
# one stopped, and the first run after the other side's made alternating measurements slower (both ways).
SERVER_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off", "max_connections": "300",
                   "synchronize_seqscans": "off"}

SEED_BIG = """
CREATE SCHEMA bench;
CREATE TABLE bench.big (id int PRIMARY KEY, name text NOT NULL, amount numeric(12, 2), created timestamptz);
INSERT INTO bench.big
SELECT i, 'row ' || i || ' ' || md5(i::text), (i % 100000) / 7.0,
       timestamptz '2024-01-01 00:00:00+00' + i * interval '17 seconds'
FROM generate_series(1, 1000000) AS i;  -- BIG_ROWS
"""
SEED_TABLES = """DO $$
BEGIN
  FOR i IN 1..{count} LOOP
    EXECUTE format('CREATE TABLE {schema}.t%s (id int, name text, amount numeric, created timestamptz)',
                   to_char(i, 'FM00000'));
    IF i % 500 = 0 THEN COMMIT; END IF;
  END LOOP;
END $$;
"""


@contextlib.contextmanager
def postgres() -> Iterator[Manager]:
    """Start a PostgreSQL in a fresh temp dir (755, so the postgres OS user can reach it); remove it after."""
    root = Path(tempfile.mkdtemp(prefix="pgadmin_lite-bench-"))
    root.chmod(0o755)
    manager: Manager | None = None
    try:
        manager = Manager("127.0.0.1", free_port(), root / "data", initialize=True, extra_options=SERVER_SETTINGS)
        manager.start(timeout=30.0)
        yield manager
    finally:
        if manager is not None:
            manager.stop(mode="fast", timeout=30.0)
        shutil.rmtree(root, ignore_errors=True)


def tcp_conninfo(manager: Manager, dbname: str = BENCH_DB) -> str:
    return f"host=127.0.0.1 port={manager.port} user={manager.superuser} dbname={dbname}"


def seed(manager: Manager, big: bool = True, tables: tuple[int, ...] = (2000, 5000)) -> float:
    """Create the bench database: the 1,000,000-row table and the schemas of many tables; returns seconds."""
    began = time.perf_counter()
    with psycopg.connect(tcp_conninfo(manager, "postgres"), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {BENCH_DB}")
    with psycopg.connect(tcp_conninfo(manager), autocommit=True) as conn:
        if big:
            conn.execute(SEED_BIG)
            conn.execute(f"VACUUM ANALYZE {BIG_TABLE}")
        for count in tables:  # alone in its query string: a multi-statement string would forbid the COMMITs
            conn.execute(f"CREATE SCHEMA s{count}")
            conn.execute(SEED_TABLES.format(schema=f"s{count}", count=count))
    return time.perf_counter() - began


def prepare_data_dir(data_dir: Path) -> dict[str, str]:
    """`setup_db.py setup-db` as an operator runs it: keys, schema and the first administrator."""
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PGADMIN_LITE_DATA_DIR": str(data_dir)}
    subprocess.run([sys.executable, str(ROOT / "setup_db.py"), "setup-db", "--email", ADMIN_EMAIL,
                    "--password-stdin"], input=ADMIN_PASSWORD.encode(), env=env, cwd=ROOT, check=True,
                   capture_output=True, timeout=120)
    return {"PGADMIN_LITE_DATA_DIR": str(data_dir)}
