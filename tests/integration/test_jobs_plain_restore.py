"""A plain SQL restore runs as psql with ON_ERROR_STOP would, through psycopg: the first error stops the job and
names its line, a single transaction rolls back whole, COPY data arrives byte for byte, the file's own
standard_conforming_strings is followed, the server's notices reach the log, and a cancel stops the statement."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.test_jobs_support import (
    connect,
    create_database,
    drop_database,
    job_log,
    run_job,
    start,
    wait_done,
)
from tests.plugins.app_fixtures import ApiClient, module_scoped_app
from tests.plugins.postgres_fixture import PgServer
from tests.plugins.query_tool_helpers import register_server
from tests.plugins.waiting import wait_until

app, admin_client = module_scoped_app()

FAILING = """-- a comment first
CREATE TABLE first ();
INSERT INTO first DEFAULT VALUES;
SELECT 1,
       no_such_column
FROM first;
CREATE TABLE never ();
"""


@pytest.fixture(scope="module")
def server_id(admin_client: ApiClient, pg_server: PgServer) -> int:
    return register_server(admin_client, pg_server, "postgres")


@pytest.fixture
def target(pg_server: PgServer) -> Iterator[str]:
    name = f"t_plain_{uuid.uuid4().hex[:8]}"
    create_database(pg_server, name)
    yield name
    drop_database(pg_server, name)


def upload(client: ApiClient, text: str) -> str:
    name = f"script-{uuid.uuid4().hex[:8]}.sql"
    response = client.post("/api/v1/storage/upload", data={"path": "/", "file": (io.BytesIO(text.encode()), name)},
                           content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    return f"/{name}"


def restore(client: ApiClient, server_id: int, database: str, text: str, **options: Any) -> dict[str, Any]:
    job = start(client, server_id, kind="restore", database=database, input_path=upload(client, text), **options)
    return wait_done(client, job["id"])


def tables(pg_server: PgServer, database: str) -> list[str]:
    with connect(pg_server, database) as conn:
        return [r[0] for r in conn.execute("SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = "
                                           "'public'::regnamespace ORDER BY 1")]


def test_the_first_error_stops_the_restore_and_names_its_line(admin_client: ApiClient, server_id: int,
                                                               target: str, pg_server: PgServer) -> None:
    job = restore(admin_client, server_id, target, FAILING)
    assert job["state"] == "failed"
    assert job["message"].startswith('Line 5: column "no_such_column" does not exist (the statement from line 4; '
                                     "2 statements before it ran)"), job["message"]
    assert 'ERROR:  column "no_such_column" does not exist' in job_log(admin_client, job["id"])
    assert tables(pg_server, target) == ["first"]  # what ran before stays, as with psql; nothing after it ran


def test_a_single_transaction_rolls_back_whole(admin_client: ApiClient, server_id: int, target: str,
                                               pg_server: PgServer) -> None:
    job = restore(admin_client, server_id, target, FAILING, single_transaction=True)
    assert job["state"] == "failed" and job["message"].startswith("Line 5: ")
    assert tables(pg_server, target) == []
    done = restore(admin_client, server_id, target, "CREATE TABLE a ();\nCREATE TABLE b ();\n", single_transaction=True)
    assert done["state"] == "succeeded" and tables(pg_server, target) == ["a", "b"]


def test_copy_data_and_the_files_own_string_rules_arrive_exactly(admin_client: ApiClient, server_id: int,
                                                                 target: str, pg_server: PgServer) -> None:
    text = ("CREATE TABLE t (id int, body text);\nCOPY t (id, body) FROM stdin;\n1\ttab\\there\\\\ \\\\! x\n2\t\\N\n"
            "\\.\nSET standard_conforming_strings = off;\nINSERT INTO t VALUES (3, 'it\\'s; \\\\! y');\n"
            "SET standard_conforming_strings = on;\nINSERT INTO t VALUES (4, 'a\\b'), (5, E'c\\'d');\n")
    job = run_job(admin_client, server_id, kind="restore", database=target, input_path=upload(admin_client, text))
    assert job["message"].startswith("Ran 6 SQL statements.")
    with connect(pg_server, target) as conn:
        rows = conn.execute("SELECT id, body FROM t ORDER BY id").fetchall()
    assert rows == [(1, "tab\there\\ \\! x"), (2, None), (3, "it's; \\! y"), (4, "a\\b"), (5, "c'd")]


def test_a_copy_error_names_the_copy_statement(admin_client: ApiClient, server_id: int, target: str) -> None:
    job = restore(admin_client, server_id, target, "CREATE TABLE n (i int);\n\nCOPY n FROM stdin;\n1\nnope\n\\.\n")
    assert job["state"] == "failed"
    assert job["message"].startswith('Line 3: invalid input syntax for type integer: "nope"'), job["message"]


def test_a_change_of_string_rules_the_reader_cannot_see_fails(admin_client: ApiClient, server_id: int,
                                                             target: str) -> None:
    job = restore(admin_client, server_id, target,
                  "SELECT 1;\nSELECT set_config('standard_conforming_strings', 'off', false);\nSELECT 'x\\';\n")
    assert job["state"] == "failed"
    assert job["message"].startswith("Line 2: this statement changed standard_conforming_strings"), job["message"]


def test_notices_reach_the_log(admin_client: ApiClient, server_id: int, target: str) -> None:
    job = run_job(admin_client, server_id, kind="restore", database=target,
                  input_path=upload(admin_client, "DO $$ BEGIN RAISE NOTICE 'hello %', 42; END $$;\n"))
    assert "NOTICE:  hello 42" in job_log(admin_client, job["id"])


def test_cancel_stops_the_running_statement(admin_client: ApiClient, server_id: int, target: str,
                                            pg_server: PgServer) -> None:
    job = start(admin_client, server_id, kind="restore", database=target,
                input_path=upload(admin_client, "SELECT pg_sleep(60);\nCREATE TABLE after_sleep ();\n"))
    with connect(pg_server) as conn:
        wait_until(lambda: conn.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND query "
                                        "LIKE 'SELECT pg_sleep%%'", [f"pgadmin_lite job {job['id']}"]).fetchone()[0],
                   "the restore never started its statement", timeout=20)
    assert admin_client.post(f"/api/v1/jobs/{job['id']}/cancel").status_code in (200, 202)
    done = wait_done(admin_client, job["id"], timeout=20)
    assert done["state"] == "cancelled" and done["elapsed_s"] < 30
    assert tables(pg_server, target) == []
