"""The splitter cuts where psql cuts: psql's query log (-L) against our statements, for the unit table and for
every corpus script (the corpus driven statement by statement, feeding standard_conforming_strings as the
server reports it after each, as the engine does)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import psycopg
import pytest
from psycopg import pq

from pgadmin_lite.connections.splitter import Statement, split_script, split_text
from tests.integration.parity.conftest import CORPUS, QUERY_LOG, Harness
from tests.unit.test_splitter import CASES, OFF_CASES


def normalized(text: str) -> str:
    """A statement as psql logs it: through its semicolon, without the empty lines psql drops outside quotes."""
    return re.sub(r"\s+;\Z", ";", re.sub(r"\n{2,}", "\n", text.rstrip()))


def as_sent(statement: Statement) -> str:
    return normalized(statement.sql + (";" if statement.is_terminated else ""))


def psql_sent(harness: Harness, script: Path, database: str, stop: bool, std: bool = True) -> list[str]:
    log = script.with_suffix(".log")
    log.unlink(missing_ok=True)  # psql appends to its log
    env = {"PATH": "/usr/bin:/bin", "PGCLIENTENCODING": "UTF8"}
    if not std:
        env["PGOPTIONS"] = "-c standard_conforming_strings=off"
    subprocess.run([harness.binary("psql"), "-X", "-q", "-v", f"ON_ERROR_STOP={int(stop)}", "-L", str(log),
                    "-f", str(script), "-d", harness.pg.conninfo(database)],
                   capture_output=True, text=True, timeout=60, check=False, env=env)
    text = log.read_bytes().decode() if log.exists() else ""  # bytes: keep a \r as psql sent it
    queries = [normalized(m.group(1)) for m in QUERY_LOG.finditer(text)]
    return [q for q in queries if split_text(q)]  # psql also sends empty queries; the server does nothing


def is_std(conn: psycopg.Connection[object]) -> bool:
    return conn.pgconn.parameter_status(b"standard_conforming_strings") == b"on"


def sent_by_engine(conninfo: str, script: str) -> list[str]:
    """Each statement as split lazily, run in autocommit until one fails, feeding the server's std_strings."""
    sent = []
    with psycopg.connect(conninfo, autocommit=True) as conn:
        statements = split_script(script, is_std(conn))
        for statement in statements:
            sent.append(as_sent(statement))
            result = conn.pgconn.exec_(statement.sql.encode())
            if result.status == pq.ExecStatus.COPY_OUT:
                while conn.pgconn.get_copy_data(0)[0] >= 0:
                    pass
                while (last := conn.pgconn.get_result()) is not None:
                    result = last
            if result.status == pq.ExecStatus.FATAL_ERROR:
                break
            statements.set_std_strings(is_std(conn))
    return sent


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.sql")), ids=lambda p: p.stem)
def test_corpus_statements_are_those_psql_sends(harness: Harness, path: Path, tmp_path: Path) -> None:
    script = tmp_path / path.name
    script.write_text(path.read_text())
    ours = sent_by_engine(harness.pg.conninfo(harness.fresh_database("split")), path.read_text())
    theirs = psql_sent(harness, script, harness.fresh_database("split"), stop=True)
    harness.drop_all()
    assert ours == theirs


def test_the_unit_table_is_what_psql_sends(harness: Harness, tmp_path: Path) -> None:
    database = harness.fresh_database("table")
    mismatches = []
    for number, (text, _expected) in enumerate([*CASES, *OFF_CASES]):
        std = number < len(CASES)
        script = tmp_path / f"case{number}.sql"
        script.write_text(text)
        ours = [as_sent(s) for s in split_text(text, std_strings=std)]
        theirs = psql_sent(harness, script, database, stop=False, std=std)
        if ours != theirs:
            mismatches.append((text, ours, theirs))
    harness.drop_all()
    assert not mismatches, "\n".join(map(repr, mismatches))
    assert os.path.exists(tmp_path / "case0.sql")
