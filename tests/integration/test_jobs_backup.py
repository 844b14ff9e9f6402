"""Backup and restore jobs on the real PostgreSQL: every format round-trips the data, globals are dumped,
and hostile database and table names never change what the programs do."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from tests.integration.test_jobs_support import (
    connect,
    create_database,
    drop_database,
    job_dir,
    job_log,
    leftovers,
    run_job,
    table_checksums,
    user_storage,
)
from tests.plugins.app_fixtures import ApiClient, module_scoped_app
from tests.plugins.postgres_fixture import PgServer
from tests.plugins.query_tool_helpers import register_server

PG_RESTORE = "/usr/lib/postgresql/15/bin/pg_restore"
SAMPLE_SQL = """
CREATE SCHEMA "Sales Data";
CREATE TABLE public.items (id serial PRIMARY KEY, name text NOT NULL, price numeric(10, 2), tags text[],
                           created timestamptz DEFAULT '2024-01-02 03:04:05+00', note text);
INSERT INTO public.items (name, price, tags, note)
SELECT 'item ' || g, g * 1.5, ARRAY['a' || g, 'b'], CASE WHEN g % 3 = 0 THEN NULL ELSE 'note "' || g || E'"\\nline' END
FROM generate_series(1, 500) g;
CREATE TABLE "Sales Data"."Order Lines" (order_id int, qty int, "Unit price" numeric, memo text);
INSERT INTO "Sales Data"."Order Lines" SELECT g / 3, g % 7, g / 10.0, 'ünïcödé ✓ ' || g FROM generate_series(1, 300) g;
CREATE INDEX ON "Sales Data"."Order Lines" (order_id);
CREATE VIEW public.cheap AS SELECT * FROM public.items WHERE price < 10;
"""


@pytest.fixture
def source_db(pg_server: PgServer, pg_database: str) -> str:
    with connect(pg_server, pg_database) as conn:
        conn.execute(SAMPLE_SQL)  # type: ignore[arg-type]
    return pg_database


@pytest.fixture
def fresh_db(pg_server: PgServer) -> Iterator[str]:
    name = f"t_restore_{uuid.uuid4().hex[:8]}"
    create_database(pg_server, name)
    yield name
    drop_database(pg_server, name)


app, admin_client = module_scoped_app()


@pytest.fixture(scope="module")
def server_id(admin_client: ApiClient, pg_server: PgServer) -> int:
    return register_server(admin_client, pg_server, "postgres")


@pytest.mark.parametrize("fmt", ["custom", "tar", "directory", "plain"])
def test_backup_and_restore_round_trip(fmt: str, app: Flask, admin_client: ApiClient, pg_server: PgServer,
                                       server_id: int, source_db: str, fresh_db: str) -> None:
    name = f"backups-{fmt}"
    assert admin_client.post("/api/v1/storage/mkdir", json={"path": f"/{name}"}).status_code == 201
    backup = run_job(admin_client, server_id, kind="backup", database=source_db, format=fmt,
                     output_path=f"/{name}/sales", compression=None if fmt in ("tar", "plain") else 6)
    storage = user_storage(app, admin_client)
    output = storage / name / "sales"
    assert backup["output"] == {"root": "home", "path": f"/{name}/sales", "is_dir": fmt == "directory",
                                "size": backup["output"]["size"], "is_saved": True}
    assert output.is_dir() if fmt == "directory" else output.is_file()
    assert backup["output"]["size"] > 0 and backup["progress"]["percent"] == 100
    assert backup["progress"]["done"] == backup["progress"]["total"] == 2  # tables dumped of the catalog count
    assert 'dumping contents of table "Sales Data.Order Lines"' in job_log(admin_client, backup["id"])
    assert oct(output.stat().st_mode & 0o777) == ("0o700" if fmt == "directory" else "0o600")
    assert not leftovers(storage)

    restore = run_job(admin_client, server_id, kind="restore", database=fresh_db, input_path=f"/{name}/sales",
                      **({"single_transaction": True} if fmt == "plain" else {"no_owner": True,
                                                                              "exit_on_error": True}))
    assert restore["progress"]["percent"] == 100
    assert table_checksums(pg_server, fresh_db) == table_checksums(pg_server, source_db)
    with connect(pg_server, fresh_db) as conn:
        assert conn.execute("SELECT count(*) FROM public.cheap").fetchone() == (6,)
        assert conn.execute("SELECT nextval('items_id_seq')").fetchone() == (501,)


def test_directory_backup_is_a_folder_pg_restore_lists(app: Flask, admin_client: ApiClient, server_id: int,
                                                       source_db: str) -> None:
    run_job(admin_client, server_id, kind="backup", database=source_db, format="directory", output_path="dir-dump")
    folder = user_storage(app, admin_client) / "dir-dump"
    listing = subprocess.run([PG_RESTORE, "--list", "--", str(folder)], capture_output=True, text=True, check=True)
    assert "TABLE DATA public items" in listing.stdout
    entries = admin_client.get("/api/v1/storage?path=/").get_json()["entries"]
    assert {"name": "dir-dump", "is_dir": True} .items() <= next(e for e in entries if e["name"] == "dir-dump").items()


def test_existing_output_is_refused_before_anything_runs(app: Flask, admin_client: ApiClient, server_id: int,
                                                         source_db: str) -> None:
    run_job(admin_client, server_id, kind="backup", database=source_db, output_path="same.dump")
    before = admin_client.get("/api/v1/jobs").get_json()
    response = admin_client.post("/api/v1/jobs", json={"server_id": server_id, "kind": "backup",
                                                       "database": source_db, "output_path": "same.dump"})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "exists"
    assert admin_client.get("/api/v1/jobs").get_json() == before  # the refused one left no job behind
    replaced = run_job(admin_client, server_id, kind="backup", database=source_db, format="plain",
                       output_path="same.dump", overwrite=True)
    assert (user_storage(app, admin_client) / "same.dump").stat().st_size == replaced["output"]["size"]


def test_globals_dump_contains_a_new_role(admin_client: ApiClient, app: Flask, pg_server: PgServer,
                                          server_id: int) -> None:
    role = f"pgl_glob_{uuid.uuid4().hex[:8]}"
    with connect(pg_server) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
    try:
        job = run_job(admin_client, server_id, kind="backup_globals", output_path="globals.sql")
    finally:
        with connect(pg_server) as conn:
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
    text = (user_storage(app, admin_client) / "globals.sql").read_text()
    assert f"CREATE ROLE {role};" in text and job["database"] == "postgres"
    assert "CREATE TABLE" not in text


HOSTILE_DATABASES = ["--help", "-f/etc/passwd", "x host=elsewhere", "we\"ird 'db' name"]
HOSTILE_TABLES = ["-f/etc/passwd", "--help", "a \"quoted\" 'tbl' *.? name"]


def _fingerprint(path: str) -> tuple[Any, ...]:
    info = os.stat(path)
    return info.st_mtime_ns, info.st_size, hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.mark.parametrize("database", HOSTILE_DATABASES)
def test_hostile_names_keep_their_meaning(database: str, app: Flask, admin_client: ApiClient,
                                          pg_server: PgServer, server_id: int) -> None:
    drop_database(pg_server, database)
    create_database(pg_server, database)
    passwd = _fingerprint("/etc/passwd")
    output = f"hostile-{HOSTILE_DATABASES.index(database)}.sql"
    try:
        with connect(pg_server, database) as conn:
            for table in [*HOSTILE_TABLES, "decoy"]:
                conn.execute(sql.SQL("CREATE TABLE {} (v text)").format(sql.Identifier("public", table)))
                conn.execute(sql.SQL("INSERT INTO {} VALUES (%s)").format(sql.Identifier("public", table)),
                             [f"row of {table}"])
        job = run_job(admin_client, server_id, kind="backup", database=database, format="plain",
                      output_path=output, tables=[{"schema": "public", "name": t} for t in HOSTILE_TABLES])
        dumped = (user_storage(app, admin_client) / output).read_text()
    finally:
        drop_database(pg_server, database)
    for table in HOSTILE_TABLES:
        assert f"CREATE TABLE public.{sql.Identifier(table).as_string()}" in dumped, table
        assert f"row of {table}" in dumped
    assert "decoy" not in dumped  # the patterns matched exactly the chosen tables, nothing else
    assert _fingerprint("/etc/passwd") == passwd
    directory = job_dir(app, job["id"])
    assert sorted(p.name for p in directory.iterdir()) == ["job.log", "spec.json", "status.json", "worker.log"]
    spec = json.loads((directory / "spec.json").read_text())
    dbname_options = [arg for arg in spec["argv"] if arg.startswith("--dbname=")]
    assert len(dbname_options) == 1
    parsed = conninfo_to_dict(dbname_options[0][len("--dbname="):])
    assert parsed["dbname"] == database and parsed["host"] == pg_server.host
    assert spec["argv"][-1] == dbname_options[0]  # no positional argument that could be read as a database
