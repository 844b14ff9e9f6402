"""The psql-parity harness: run one script through psql and through the query-tool API, each in a fresh
database, and reduce both runs to comparable outcomes (statements, tags, errors, the resulting dump).

psql's side: psql -X with ON_ERROR_STOP=1 and VERBOSITY=verbose, its query log (-L) giving the statements
it sent (a query is logged before it is sent) each followed by what it printed (a table with its
"(n rows)" footer, or a command tag), and stderr giving each error's sqlstate and input line.
"""

from __future__ import annotations

import re
import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from pgadmin_lite.connections.splitter import first_keyword, split_text
from tests.plugins.app_fixtures import module_scoped_app
from tests.plugins.postgres_fixture import PgServer
from tests.plugins.query_tool_helpers import QueryTool, open_tool, register_server

app, admin_client = module_scoped_app()

CORPUS = Path(__file__).parent / "corpus"

# mode name -> (psql arguments, the API's transaction modes for PATCH /query-tool/<tx_id>)
MODES: dict[str, tuple[list[str], dict[str, bool]]] = {
    "default": ([], {}),
    "autocommit_off": (["-v", "AUTOCOMMIT=off"], {"autocommit": False}),
    "auto_rollback": (["-v", "ON_ERROR_ROLLBACK=on"], {"auto_rollback": True}),
    "single_transaction": (["--single-transaction"], {"single_transaction": True}),
}
QUERY_LOG = re.compile(r"\*{9} QUERY \*{10}\n(.*?)\n\*{26}\n\n", re.DOTALL)
FOOTER = re.compile(r"^\((\d+) rows?\)$", re.MULTILINE)
PSQL_ERROR = re.compile(r"^psql:[^\n]*?:(\d+): ERROR:  ([0-9A-Z]{5}): ", re.MULTILINE)
DML = ("INSERT", "UPDATE", "DELETE", "MERGE")
ROW_TAGS = ("SELECT", "FETCH", "SHOW", "EXPLAIN", "VALUES", "TABLE")


@dataclass
class Outcome:
    """One run reduced to what must agree: an outcome per statement sent, in order, and the dump."""

    outcomes: list[str]
    dump: str = ""
    detail: list[str] = field(default_factory=list)  # texts sent (psql) or notes, for failure messages


def script_modes(path: Path) -> list[str]:
    """The modes a corpus script runs in: a `-- modes: a, b` line among its first lines, else default."""
    for line in path.read_text().splitlines()[:5]:
        if line.startswith("-- modes:"):
            return [m.strip() for m in line.split(":", 1)[1].split(",")]
    return ["default"]


def normalize_dump(text: str) -> str:
    """pg_dump output without comments, the random \\restrict key lines and blank lines."""
    keep = (ln for ln in text.splitlines() if ln and not ln.startswith(("--", "\\restrict", "\\unrestrict")))
    return "\n".join(keep)


def psql_outcomes(log: str, stderr: str) -> tuple[list[str], list[str]]:
    """Per sent statement: "ERROR <sqlstate>", "ROWS n" (+ the tag psql prints after RETURNING rows) or the tag.

    With ON_ERROR_STOP the statement that failed is the last one psql sent.
    """
    matches = list(QUERY_LOG.finditer(log))
    outcomes, queries = [], []
    for i, match in enumerate(matches):
        if not split_text(match.group(1)):
            continue  # an empty query (";" alone, or only comments): psql sends it, the server does nothing
        section = log[match.end():matches[i + 1].start() if i + 1 < len(matches) else len(log)]
        lines = [ln for ln in section.splitlines() if ln.strip()]
        footers = list(FOOTER.finditer(section))
        queries.append(match.group(1))
        if footers:
            tag = " ".join(section[footers[-1].end():].split())
            outcomes.append(f"ROWS {footers[-1].group(1)}" + (f" {tag}" if tag.startswith(DML) else ""))
        elif first_keyword(match.group(1)) == "COPY":
            outcomes.append("COPY")  # psql prints COPY TO STDOUT's data, and no tag
        else:
            outcomes.append(lines[-1] if lines else "")
    for _line, sqlstate in PSQL_ERROR.findall(stderr):
        outcomes[-1] = f"ERROR {sqlstate}"
    return outcomes, queries


def _api_tag_outcome(statement: dict[str, Any], sql_text: str, rows_seen: int | None) -> str:
    """One API statement reduced like psql's: rows for a row set, else the command tag."""
    tag = statement.get("command") or ""
    if tag.startswith("COPY"):
        return "COPY"
    if "columns" in statement:  # the engine reports row sets per statement
        if not statement["columns"]:
            return tag
        count = statement.get("row_count") if rows_seen is None else rows_seen
        return f"ROWS {count}" + (f" {tag}" if tag.startswith(DML) else "")
    word = tag.split(" ")[0]
    statement_words = set(re.findall(r"[A-Za-z_]+", sql_text.upper()))
    if word in ROW_TAGS and "INTO" not in statement_words and not sql_text.lstrip().upper().startswith("CREATE"):
        count = rows_seen if rows_seen is not None else statement.get("rows_affected")
        numbers = tag.split(" ")[1:]
        return f"ROWS {numbers[-1] if numbers and rows_seen is None else count}"
    return tag


def api_outcomes(result: dict[str, Any], script: str, rows_seen: int | None) -> list[str]:
    """Per statement that ran (not the ones never run), reduced like psql's, errors as "ERROR <sqlstate>"."""
    pieces = split_text(script)
    statements = sorted(result.get("statements") or [], key=lambda s: s.get("index", 0))
    error = result.get("error") or None
    ran = [s for s in statements if s.get("status", "ok") in ("ok", "error") and s.get("fate") != "not_run"]
    tags = {s["index"]: (s.get("command") or "").split(" ")[0] for s in ran if s.get("status", "ok") == "ok"}
    pageable = result.get("rows_statement_index",
                          max((i for i, word in tags.items() if word in ROW_TAGS), default=-1))
    outcomes: dict[int, str] = {}
    for statement in ran:
        index = statement.get("index", 0)
        if statement.get("status") == "error":
            outcomes[index] = f"ERROR {(statement.get('error') or error or {}).get('sqlstate')}"
            continue
        sql_text = pieces[index].sql if index < len(pieces) else ""
        outcomes[index] = _api_tag_outcome(statement, sql_text, rows_seen if index == pageable else None)
    if error is not None and error.get("statement_index") not in outcomes:
        outcomes[error.get("statement_index", len(outcomes))] = f"ERROR {error.get('sqlstate')}"
    return [outcomes.get(i, "(missing)") for i in range(max(outcomes, default=-1) + 1)]


@dataclass
class Harness:
    """Runs scripts both ways against the session PostgreSQL."""

    pg: PgServer
    client: Any
    server_id: int
    created: list[str] = field(default_factory=list)
    scratch: str = ""

    def fresh_database(self, label: str) -> str:
        name = f"parity_{label}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(self.pg.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
        self.created.append(name)
        return name

    def scratch_database(self) -> str:
        """One database for runs whose effects do not matter (the splitter checks), made on first use."""
        if not self.scratch or self.scratch not in self.created:
            self.scratch = self.fresh_database("scratch")
        return self.scratch

    def binary(self, name: str) -> str:
        assert self.pg.manager is not None
        return str(Path(self.pg.manager.bin_dir) / name)

    def dump(self, database: str) -> str:
        done = subprocess.run([self.binary("pg_dump"), "--no-owner", "-d", self.pg.conninfo(database)],
                              capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        return normalize_dump(done.stdout)

    def run_psql(self, path: Path, mode: str, tmp: Path) -> Outcome:
        database = self.fresh_database("psql")
        log = tmp / f"{path.stem}.{mode}.log"
        argv = [self.binary("psql"), "-X", "-A", "-v", "ON_ERROR_STOP=1", "-v", "VERBOSITY=verbose",
                "-P", "pager=off", "-L", str(log), *MODES[mode][0], "-f", str(path), "-d", self.pg.conninfo(database)]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False,
                              env={"PGCLIENTENCODING": "UTF8", "PATH": "/usr/bin:/bin"})
        outcomes, queries = psql_outcomes(log.read_bytes().decode() if log.exists() else "", done.stderr)
        return Outcome(outcomes, self.dump(database), queries)

    def run_api(self, path: Path, mode: str) -> Outcome:
        database = self.fresh_database("api")
        tool = open_tool(self.client, self.server_id, database)
        try:
            modes = MODES[mode][1]
            if modes:
                answer = self.client.patch(tool.base, json=modes)
                assert answer.status_code == 200, f"the API has no mode {modes} yet: {answer.status_code}"
            script = path.read_text()
            result = tool.run(script)
            rows_seen = self.page_to_end(tool, result)
        finally:
            self.client.delete(tool.base)  # like psql's disconnect: an open transaction is rolled back
        return Outcome(api_outcomes(result, script, rows_seen), self.dump(database))

    def page_to_end(self, tool: QueryTool, result: dict[str, Any]) -> int | None:
        """Rows of the pageable result, counted to its end (psql prints them all); None if there is none."""
        if not result.get("columns") or result.get("error"):
            return None  # no pageable result, or its transaction failed later in the script
        seen, has_more = len(result.get("rows") or []), bool(result.get("has_more"))
        while has_more:
            page = tool.fetch(10000)
            if page.status_code != 200:
                return -1  # the rest of the rows cannot be read: shows as "ROWS -1"
            body = page.get_json()
            seen += len(body.get("rows") or [])
            has_more = bool(body.get("has_more"))
        return seen

    def drop_all(self) -> None:
        with psycopg.connect(self.pg.conninfo(), autocommit=True) as conn:
            for name in self.created:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        self.created.clear()


@pytest.fixture(scope="module")
def harness(pg_server: PgServer, admin_client: Any) -> Iterator[Harness]:
    server_id = register_server(admin_client, pg_server, "postgres", name="parity")
    runner = Harness(pg_server, admin_client, server_id)
    yield runner
    runner.drop_all()


@pytest.fixture
def run_both(harness: Harness, tmp_path: Path) -> Iterator[Callable[[Path, str], tuple[Outcome, Outcome]]]:
    """Run a corpus script through psql and the API in mode; both fresh databases are dropped afterwards."""

    def run(path: Path, mode: str) -> tuple[Outcome, Outcome]:
        return harness.run_psql(path, mode, tmp_path), harness.run_api(path, mode)

    yield run
    harness.drop_all()
