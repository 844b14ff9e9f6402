"""Maintenance and CSV jobs on the real PostgreSQL, request checking, and who sees which job."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.integration.test_jobs_support import (
    connect,
    job_log,
    leftovers,
    run_job,
    table_checksums,
    user_storage,
    wait_done,
)
from tests.plugins.app_fixtures import (
    USER_EMAIL,
    USER_PASSWORD,
    ApiClient,
    api_client,
    module_scoped_app,
)
from tests.plugins.postgres_fixture import PgServer
from tests.plugins.query_tool_helpers import register_server

AWKWARD_ROWS_SQL = """
CREATE TABLE "Odd Table" (id int PRIMARY KEY, txt text, "Note, with comma" text, n numeric);
INSERT INTO "Odd Table" VALUES
  (1, NULL, 'plain', NULL),
  (2, '', 'empty string is not NULL', 0),
  (3, 'say "hi"', 'quote '' and "double"', 1.5),
  (4, E'two\\nlines\\r\\nand CRLF', 'comma, semicolon; tab\\there', -2),
  (5, 'ünïcödé ✓ 日本語 🐘', E'back\\\\slash \\\\N', 3),
  (6, '\\N', 'NULL', 4);
CREATE TABLE "Odd Copy" (LIKE "Odd Table" INCLUDING ALL);
"""


app, admin_client = module_scoped_app()


@pytest.fixture(scope="module")
def server_id(admin_client: ApiClient, pg_server: PgServer) -> int:
    return register_server(admin_client, pg_server, "postgres")


@pytest.fixture
def odd_db(pg_server: PgServer, pg_database: str) -> str:
    with connect(pg_server, pg_database) as conn:
        conn.execute(AWKWARD_ROWS_SQL)  # type: ignore[arg-type]
    return pg_database


def test_vacuum_verbose_messages_are_in_the_log(admin_client: ApiClient, server_id: int, odd_db: str) -> None:
    job = run_job(admin_client, server_id, kind="maintenance", database=odd_db, operation="vacuum",
                  table="Odd Table", analyze=True, verbose=True)
    log = job_log(admin_client, job["id"])
    assert 'VACUUM (ANALYZE, VERBOSE) "public"."Odd Table"' in log
    assert f'INFO:  vacuuming "{odd_db}.public.Odd Table"' in log
    assert 'INFO:  analyzing "public.Odd Table"' in log
    assert job["message"] == "VACUUM finished." and job["progress"]["percent"] == 100


@pytest.mark.parametrize("operation", ["reindex", "cluster", "analyze"])
def test_database_wide_maintenance(operation: str, admin_client: ApiClient, server_id: int, odd_db: str) -> None:
    job = run_job(admin_client, server_id, kind="maintenance", database=odd_db, operation=operation)
    if operation == "reindex":
        assert "INFO:" in job_log(admin_client, job["id"])  # REINDEX (VERBOSE) reports each index


def test_maintenance_error_fails_the_job_with_the_servers_message(admin_client: ApiClient, server_id: int,
                                                                   odd_db: str) -> None:
    job = wait_done(admin_client, admin_client.post("/api/v1/jobs", json={
        "server_id": server_id, "kind": "maintenance", "database": odd_db, "operation": "cluster",
        "table": "Odd Table"}).get_json()["id"])
    assert job["state"] == "failed"
    assert 'there is no previously clustered index for table "Odd Table"' in job["message"]


@pytest.mark.parametrize("options", [{}, {"delimiter": ";", "quote": "'", "null": "<null>", "encoding": "UTF8"}],
                         ids=["defaults", "custom"])
def test_csv_export_and_import_round_trip(options: dict[str, str], app: Flask, admin_client: ApiClient,
                                          pg_server: PgServer, server_id: int, odd_db: str) -> None:
    exported = run_job(admin_client, server_id, kind="export", database=odd_db, table="Odd Table",
                       output_path=f"odd-{len(options)}.csv", **options)
    assert exported["progress"]["rows"] == 6 and exported["progress"]["percent"] == 100
    data = (user_storage(app, admin_client) / f"odd-{len(options)}.csv").read_bytes()
    assert data.startswith(b"id" + (options.get("delimiter") or ",").encode() + b"txt")
    assert "🐘".encode() in data and len(data) == exported["output"]["size"]
    imported = run_job(admin_client, server_id, kind="import", database=odd_db, table="Odd Copy",
                       input_path=f"odd-{len(options)}.csv", **options)
    assert imported["progress"]["rows"] == 6 and "Imported 6 rows" in imported["message"]
    sums = table_checksums(pg_server, odd_db)
    assert sums[("public", "Odd Copy")] == sums[("public", "Odd Table")]
    with connect(pg_server, odd_db) as conn:
        assert conn.execute('SELECT count(*) FROM "Odd Copy" WHERE txt IS NULL').fetchone() == (1,)
        assert conn.execute("""SELECT count(*) FROM "Odd Copy" WHERE txt = ''""").fetchone() == (1,)


def test_export_of_chosen_columns_without_header(app: Flask, admin_client: ApiClient, server_id: int,
                                                 odd_db: str) -> None:
    run_job(admin_client, server_id, kind="export", database=odd_db, table="Odd Table", output_path="cols.csv",
            columns=["id", "Note, with comma"], header=False)
    lines = (user_storage(app, admin_client) / "cols.csv").read_text().splitlines()
    assert lines[0] == "1,plain" and len(lines) == 6


def test_a_failed_import_keeps_no_rows(admin_client: ApiClient, pg_server: PgServer, server_id: int,
                                       odd_db: str) -> None:
    body = b"id,txt,Note,n\n10,a,b,1\n11,a,b,not-a-number\n"
    upload = admin_client.post("/api/v1/storage/upload", data={"path": "/", "file": (__import__("io").BytesIO(body),
                                                                                   "bad.csv")})
    assert upload.status_code == 201
    job = wait_done(admin_client, admin_client.post("/api/v1/jobs", json={
        "server_id": server_id, "kind": "import", "database": odd_db, "table": "Odd Copy",
        "input_path": "bad.csv"}).get_json()["id"])
    assert job["state"] == "failed" and "invalid input syntax for type numeric" in job["message"]
    with connect(pg_server, odd_db) as conn:
        assert conn.execute('SELECT count(*) FROM "Odd Copy"').fetchone() == (0,)


@pytest.mark.parametrize(("body", "code", "text"), [
    ({"kind": "nope"}, "bad_request", "kind must be one of"),
    ({"kind": "backup", "database": "x", "format": "zip"}, "bad_request", "format must be one of"),
    ({"kind": "backup", "database": "x", "data_only": True, "schema_only": True}, "bad_request", "cannot both"),
    ({"kind": "backup", "database": "x", "format": "tar", "compression": 5}, "bad_request", "tar format"),
    ({"kind": "backup", "database": "x", "output": "/x"}, "bad_request", "Unknown field(s) for a backup job: output"),
    ({"kind": "backup", "database": "x", "output_path": "../escape.dump"}, "outside_storage", "Refused storage path"),
    ({"kind": "restore", "database": "x"}, "bad_request", "input_path is required"),
    ({"kind": "maintenance", "database": "x", "operation": "analyze", "full": True}, "bad_request", "vacuum only"),
    ({"kind": "export", "database": "x", "table": "t", "delimiter": ";;"}, "bad_request", "single one-byte"),
    ({"kind": "backup", "database": "x" * 64}, "bad_request", "1 to 63 bytes"),
])
def test_invalid_requests_are_refused_clearly(body: dict[str, object], code: str, text: str, app: Flask,
                                              admin_client: ApiClient, server_id: int) -> None:
    before = admin_client.get("/api/v1/jobs").get_json()
    response = admin_client.post("/api/v1/jobs", json={"server_id": server_id, **body})
    assert response.status_code in (400, 422), response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == code and text in error["message"], error
    assert admin_client.get("/api/v1/jobs").get_json() == before
    assert not leftovers(user_storage(app, admin_client))


def test_restore_options_of_archives_are_refused_for_plain_sql(admin_client: ApiClient, server_id: int,
                                                               odd_db: str) -> None:
    run_job(admin_client, server_id, kind="backup", database=odd_db, format="plain", output_path="p.sql")
    response = admin_client.post("/api/v1/jobs", json={"server_id": server_id, "kind": "restore",
                                                       "database": odd_db, "input_path": "p.sql", "clean": True})
    assert response.status_code == 400 and "plain SQL file" in response.get_json()["error"]["message"]


def test_users_see_only_their_own_jobs(app: Flask, admin_client: ApiClient, server_id: int) -> None:
    job = run_job(admin_client, server_id, kind="maintenance", database="postgres", operation="analyze")
    other = api_client(app, USER_EMAIL, USER_PASSWORD)
    assert other.get("/api/v1/jobs").get_json() == []
    for path in (f"/api/v1/jobs/{job['id']}", f"/api/v1/jobs/{job['id']}/log"):
        assert other.get(path).status_code == 404
    assert other.post(f"/api/v1/jobs/{job['id']}/cancel").status_code == 404
    assert other.post("/api/v1/jobs", json={"server_id": server_id, "kind": "maintenance", "database": "postgres",
                                            "operation": "analyze"}).status_code == 404  # not their server


def test_jobs_are_in_the_openapi_document(admin_client: ApiClient) -> None:
    paths = admin_client.get("/api/v1/openapi.json").get_json()["paths"]
    start = paths["/jobs"]["post"]
    assert "201" in start["responses"]
    assert start["requestBody"]["content"]["application/json"]["schema"]["required"] == ["kind", "server_id"]
    assert {"state", "progress", "output"} <= set(paths["/jobs/{job_id}"]["get"]["responses"]["200"]["content"]
                                                 ["application/json"]["schema"]["properties"])
    assert {"/jobs/{job_id}/log", "/jobs/{job_id}/cancel"} <= set(paths)


def test_jobs_page_preselects_the_server_and_database(admin_client: ApiClient, server_id: int) -> None:
    page = admin_client.get(f"/jobs?server_id={server_id}&database=sales").get_data(as_text=True)
    assert 'id="job-form"' in page and "js/jobs." in page and 'id="nav-jobs"' in page
