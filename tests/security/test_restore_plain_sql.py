"""Issue 13, item 1: a plain SQL restore never lets a psql meta-command run on the web host.

An ordinary user uploads a .sql file with backslash commands (`\\!` runs a shell, `\\o` and `\\copy` write
files, `\\i` reads one, `\\gexec` runs query results), registers the session PostgreSQL as their own server
and restores the file into a database there, all over HTTP against a real Gunicorn. The job must fail
naming the line and the command, before anything runs: no marker file appears and the file's first
statement (a CREATE TABLE) left nothing in the database. A real pg_dump of tricky data restores exactly.
"""

from __future__ import annotations

import re
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from tests.plugins.http_session import HttpClient, wait_for_job
from tests.plugins.postgres_fixture import PgServer

# (case, the lines after "CREATE TABLE <probe> ();", the refused line, the command named)
# X, Y and Z are marker files (in the test's tmp_path) that psql would have created.
ATTACKS = [
    ("issue-report", ["select 1;", "\\! id > {X}", "\\o {Y}", "\\copy (select 1) to '{Z}'"], 3, "\\!"),
    ("shell", ["\\! touch {X}"], 2, "\\!"),
    ("output-file", ["\\o {X}", "select 1;"], 2, "\\o"),
    ("client-copy", ["\\copy (select 1) to '{X}'"], 2, "\\copy"),
    ("include", ["\\i {INCLUDED}"], 2, "\\i"),
    ("setenv", ["\\setenv PAGER 'touch {X}'", "\\! touch {Y}"], 2, "\\setenv"),
    ("gexec", ["select format('create table %I ()', '{PROBE}_gexec') \\gexec"], 2, "\\gexec"),
    ("after-a-semicolon", ["select 'a;b'; \\! touch {X}"], 2, "\\!"),
    ("inside-a-statement", ["select 1,", "  2", "\\! touch {X}", ";"], 4, "\\!"),
    ("after-a-literal-with-backslashes", ["select E'\\\\! x', $q$ \\! y $q$ -- \\! z", "\\! touch {X}", ";"],
     3, "\\!"),
]


@pytest.fixture
def restore_db(pg_server: PgServer) -> Iterator[str]:
    """An empty database of its own for the restore."""
    name = f"t_restore_sec_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield name
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def own_server(user_http: HttpClient, pg_server: PgServer) -> int:
    """The session PostgreSQL, registered by the ordinary user as their own server."""
    response = user_http.post("/api/v1/servers", json={"name": f"mine {uuid.uuid4().hex[:8]}", "host": pg_server.host,
                                                       "port": pg_server.port, "username": pg_server.user,
                                                       "sslmode": "disable"})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def upload(client: HttpClient, name: str, content: bytes) -> str:
    response = client.post("/api/v1/storage/upload", data={"path": "/"}, files={"file": (name, content)})
    assert response.status_code in (200, 201), response.text
    return f"/{name}"


def restore(client: HttpClient, server_id: int, database: str, path: str, **options: Any) -> dict[str, Any]:
    response = client.post("/api/v1/jobs", json={"server_id": server_id, "kind": "restore", "database": database,
                                                 "input_path": path, **options})
    assert response.status_code == 201, response.text
    return wait_for_job(client, response.json()["id"])


def tables(pg_server: PgServer, database: str) -> list[str]:
    with psycopg.connect(pg_server.conninfo(database), autocommit=True) as conn:
        return [row[0] for row in conn.execute("SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace"
                                               " = 'public'::regnamespace ORDER BY 1")]


@pytest.mark.parametrize(("lines", "line", "command"), [case[1:] for case in ATTACKS], ids=[c[0] for c in ATTACKS])
def test_a_meta_command_fails_the_restore_before_anything_runs(
        user_http: HttpClient, own_server: int, restore_db: str, pg_server: PgServer, tmp_path: Path,
        lines: list[str], line: int, command: str) -> None:
    probe = f"probe_{uuid.uuid4().hex[:8]}"
    markers = {key: tmp_path / f"marker-{key}" for key in "XYZ"}
    included = tmp_path / "included.sql"
    included.write_text(f"\\! touch {markers['X']}\n")
    values = {**{key: str(path) for key, path in markers.items()}, "INCLUDED": str(included), "PROBE": probe}
    text = "\n".join([f"CREATE TABLE {probe} ();", *(template.format(**values) for template in lines)]) + "\n"

    job = restore(user_http, own_server, restore_db, upload(user_http, f"{probe}.sql", text.encode()))

    log = user_http.get(f"/api/v1/jobs/{job['id']}/log").json()["text"]
    assert job["state"] == "failed", f"{job}\n{log}"
    assert job["message"].startswith(f"Line {line}: the psql meta-command {command} is not allowed"), job["message"]
    assert not [path for path in markers.values() if path.exists()]
    assert tables(pg_server, restore_db) == []  # not even the CREATE TABLE on line 1 ran
    assert "statements ran" not in log


def test_a_dollar_quoted_shell_command_is_only_text(user_http: HttpClient, own_server: int, restore_db: str,
                                                    pg_server: PgServer, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    text = (f"CREATE TABLE notes (body text);\nINSERT INTO notes VALUES ($x$\n\\! touch {marker}\n$x$), "
            f"(E'\\\\! touch {marker}'), ('\\o {marker}');\n-- \\! touch {marker}\n/* \\! touch {marker} */\n")
    job = restore(user_http, own_server, restore_db, upload(user_http, "notes.sql", text.encode()))
    assert job["state"] == "succeeded", job
    assert not marker.exists()
    with psycopg.connect(pg_server.conninfo(restore_db)) as conn:
        bodies = [row[0] for row in conn.execute("SELECT body FROM notes ORDER BY body")]
    assert bodies == [f"\n\\! touch {marker}\n", f"\\! touch {marker}", f"\\o {marker}"]


TRICKY_SOURCE = r"""
CREATE SCHEMA "odd schema";
CREATE TABLE "odd schema"."Items" (id int PRIMARY KEY, label text, raw bytea, at timestamptz);
INSERT INTO "odd schema"."Items" SELECT g, CASE g % 4 WHEN 0 THEN E'tab\there\nnew line \\! \\. end'
    WHEN 1 THEN 'it''s; -- not a comment' WHEN 2 THEN NULL ELSE '\.' END, decode(md5(g::text), 'hex'),
    '2024-01-01 00:00:00+00'::timestamptz + g * interval '1 hour' FROM generate_series(1, 2000) g;
CREATE FUNCTION "odd schema".shout(t text) RETURNS text LANGUAGE plpgsql AS $body$
BEGIN
    -- a ; and a \! inside the body are text
    RETURN upper(t) || $$!;$$ || E'\\';
END;
$body$;
CREATE FUNCTION public.add_one(i int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT i + 1; END;
CREATE VIEW public.labels AS SELECT id, "odd schema".shout(label) AS loud FROM "odd schema"."Items" WHERE id < 10;
COMMENT ON TABLE "odd schema"."Items" IS 'backslash \ and quote '' and \! inside';
CREATE SEQUENCE public.counter START 42;
SELECT setval('public.counter', 99);
"""


STATEMENT_HEADS = re.compile(r"^(?:SET|SELECT|CREATE|ALTER|COMMENT|COPY) ", re.MULTILINE)


def without_restrict_keys(dump: str) -> str:
    """A dump without its random \\restrict / \\unrestrict key (pg_dump ≥ 15.14, 16.10, 17.6)."""
    return re.sub(r"^\\(un)?restrict \w+$", r"\\\1restrict KEY", dump, flags=re.MULTILINE)


def pg_dump(pg_server: PgServer, database: str) -> str:
    assert pg_server.manager is not None
    result = subprocess.run([str(pg_server.manager.bin_dir / "pg_dump"), "--format=plain", "--no-owner",
                             f"--dbname={pg_server.conninfo(database)}"], capture_output=True, check=True)
    return result.stdout.decode()


def test_a_real_pg_dump_restores_exactly(user_http: HttpClient, own_server: int, restore_db: str,
                                         pg_database: str, pg_server: PgServer) -> None:
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
        conn.execute(TRICKY_SOURCE)  # type: ignore[arg-type]
    dump = pg_dump(pg_server, pg_database)
    assert "FROM stdin;" in dump and "SET standard_conforming_strings = on;" in dump and "\\restrict " in dump

    job = restore(user_http, own_server, restore_db, upload(user_http, "source.sql", dump.encode()))

    log = user_http.get(f"/api/v1/jobs/{job['id']}/log").json()["text"]
    assert job["state"] == "succeeded", f"{job}\n{log}"
    count = len(STATEMENT_HEADS.findall(dump))  # pg_dump starts each statement on a line of its own
    assert f"Checked the file: {count} statements" in log and f" {count} statements ran." in log, log
    assert f"Ran {count} SQL statements." in job["message"]
    assert without_restrict_keys(pg_dump(pg_server, restore_db)) == without_restrict_keys(dump)
    with psycopg.connect(pg_server.conninfo(restore_db)) as conn:
        assert conn.execute("SELECT add_one(1), nextval('counter')").fetchone() == (2, 100)
