"""What the job API says a job ran: the server's name and the exact command line (never a password), for a
program (pg_dump's shell-quoted argv) and for a psycopg task (its SQL statement)."""

from __future__ import annotations

import shlex
import uuid

from psycopg import sql

from tests.integration.test_jobs_support import connect, run_job
from tests.plugins.app_fixtures import ApiClient
from tests.plugins.postgres_fixture import PgServer
from tests.plugins.query_tool_helpers import register_server
from tests.plugins.servers_fixtures import PgRole

SCHEMA, TABLE = 'Sales "Q1"', "t.x"


def test_a_backup_names_its_server_and_shows_its_command_without_the_password(
        make_pw_role: type, pw_pg_server: PgServer, admin_client: ApiClient) -> None:
    role: PgRole = make_pw_role()  # type: ignore[operator]
    database = f"t_cmd_{uuid.uuid4().hex[:8]}"
    with connect(pw_pg_server) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(database), sql.Identifier(role.name)))
    try:
        with connect(pw_pg_server, database) as conn:
            conn.execute(sql.SQL("CREATE SCHEMA {s} AUTHORIZATION {r}; CREATE TABLE {s}.{t} (id int); "
                                 "ALTER TABLE {s}.{t} OWNER TO {r}").format(
                s=sql.Identifier(SCHEMA), t=sql.Identifier(TABLE), r=sql.Identifier(role.name)))
        server_id = register_server(admin_client, pw_pg_server, database, name=f"Nightly {database}",
                                    username=role.name, password=role.password, save_password=True)
        job = run_job(admin_client, server_id, kind="backup", database=database, output_path="one-table.dump",
                      tables=[{"schema": SCHEMA, "name": TABLE}])  # the password was needed: it reached pg_dump
    finally:
        with connect(pw_pg_server) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))

    listed = next(j for j in admin_client.get("/api/v1/jobs").get_json() if j["id"] == job["id"])
    for seen in (job, listed):
        assert seen["server_name"] == f"Nightly {database}"
        assert role.password not in seen["command"]
    argv = shlex.split(listed["command"])
    assert argv[0].endswith("/pg_dump") and "--no-password" in argv
    assert '--table="Sales ""Q1"""."t.x"' in argv  # the qualified name as an exact pattern
    dbname = next(arg for arg in argv if arg.startswith("--dbname="))
    assert f"user={role.name}" in dbname and f"dbname={database}" in dbname and "password" not in dbname


def test_a_maintenance_job_shows_its_statement(admin_client: ApiClient, pg_server: PgServer, pg_database: str) -> None:
    with connect(pg_server, pg_database) as conn:
        conn.execute(sql.SQL("CREATE TABLE {}.{} (id int)").format(sql.Identifier("public"), sql.Identifier(TABLE)))
    server_id = register_server(admin_client, pg_server, pg_database)
    job = run_job(admin_client, server_id, kind="maintenance", database=pg_database, operation="vacuum",
                  analyze=True, schema="public", table=TABLE)
    assert job["command"] == 'VACUUM (ANALYZE, VERBOSE) "public"."t.x"'
    assert job["server_name"] == f"test {pg_database}"
