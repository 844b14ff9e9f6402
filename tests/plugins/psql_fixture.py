"""pytest plugin: ``psql``, the reference client (psql 15) on a twin database of the test's own."""

from __future__ import annotations

import re
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

PSQL = Path("/usr/lib/postgresql/15/bin/psql")
SQLSTATE = re.compile(r"ERROR:\s+([0-9A-Z]{5}):")


@dataclass
class Psql:
    """psql on a twin database of the test's own: the reference every script is held against."""

    pg_server: Any
    database: str

    def run(self, script: str, *options: str, stop: bool = True) -> str | None:
        """Run the script as a file (with ON_ERROR_STOP unless told); the first error's sqlstate, or None."""
        done = self._psql(script, *options, stop=stop)
        match = SQLSTATE.search(done.stderr)
        assert not stop or (done.returncode == 0) == (match is None), done.stderr
        return match.group(1) if match else None

    def output(self, script: str) -> str:
        """What psql prints for a script that must succeed, command tags included (QUIET off)."""
        done = self._psql("\\set QUIET off\n" + script)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def _psql(self, script: str, *options: str, stop: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(PSQL), "-X", "-q", "-v", f"ON_ERROR_STOP={int(stop)}", "-v", "VERBOSITY=verbose", *options,
             "-h", self.pg_server.host, "-p", str(self.pg_server.port), "-U", self.pg_server.user,
             "-d", self.database, "-f", "-"],
            input=script, capture_output=True, text=True, timeout=60, check=False)

    def value(self, query: str) -> Any:
        with psycopg.connect(self.pg_server.conninfo(self.database), autocommit=True) as conn:
            return conn.execute(query).fetchone()[0]


@pytest.fixture
def psql(pg_server: Any) -> Iterator[Psql]:
    if not PSQL.exists():
        pytest.skip("psql 15 is not installed (apt-get install postgresql-client-15)")
    name = f"twin_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield Psql(pg_server, name)
    finally:
        with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
