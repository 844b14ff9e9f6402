"""The query tool against the real PostgreSQL: transactions across requests, cancel, long-poll, errors, limits."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

import psycopg
import pytest
from sqlalchemy import func, select

from pgadmin_lite.extensions import db
from pgadmin_lite.models.history import QueryHistory
from tests.plugins.app_fixtures import ADMIN_EMAIL, ADMIN_PASSWORD, USER_EMAIL, USER_PASSWORD, api_client
from tests.plugins.query_tool_helpers import QueryTool, open_tool, register_server


@pytest.fixture
def server_id(admin_client: Any, pg_server: Any, pg_database: str) -> int:
    return register_server(admin_client, pg_server, pg_database)


@pytest.fixture
def tool(admin_client: Any, server_id: int, pg_database: str) -> QueryTool:
    return open_tool(admin_client, server_id, pg_database)


@pytest.fixture
def outside(pg_server: Any, pg_database: str) -> Any:
    """A separate connection, to see what other sessions see."""
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
        yield conn


def count(conn: psycopg.Connection[Any], table: str = "t") -> int:
    return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def backend_gone(conn: psycopg.Connection[Any], pid: int) -> bool:
    """Wait for the backend to have exited (it leaves pg_stat_activity a moment after its connection closes)."""
    deadline = time.monotonic() + 10
    while conn.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchall():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_transaction_spans_requests_until_commit(tool: QueryTool, outside: Any) -> None:
    tool.run("CREATE TABLE t (id int PRIMARY KEY, note text)")
    assert tool.run("BEGIN")["transaction_status"] == "in_transaction"
    assert tool.run("INSERT INTO t VALUES (1, 'a')")["rows_affected"] == 1
    seen = tool.run("SELECT id, note FROM t")
    assert seen["rows"] == [[1, "a"]] and seen["transaction_status"] == "in_transaction"
    assert seen["transaction_age_s"] >= 0
    assert count(outside) == 0
    assert tool.run("COMMIT")["transaction_status"] == "idle"
    assert count(outside) == 1


def test_rollback_discards_the_transaction(tool: QueryTool, outside: Any) -> None:
    tool.run("CREATE TABLE t (id int)")
    tool.run("BEGIN")
    tool.run("INSERT INTO t VALUES (1)")
    assert tool.run("SELECT count(*) FROM t")["rows"] == [[1]]
    assert tool.run("ROLLBACK")["transaction_status"] == "idle"
    assert count(outside) == 0 and tool.run("SELECT count(*) FROM t")["rows"] == [[0]]


def test_error_in_block_needs_rollback(tool: QueryTool) -> None:
    tool.run("BEGIN")
    failed = tool.run("SELECT 1/0")
    assert failed["error"]["sqlstate"] == "22012" and failed["transaction_status"] == "in_error"
    blocked = tool.run("SELECT 1")
    assert blocked["error"]["sqlstate"] == "25P02" and blocked["transaction_status"] == "in_error"
    assert tool.run("ROLLBACK")["transaction_status"] == "idle"
    assert tool.run("SELECT 1 AS x")["rows"] == [[1]]


def test_backend_pid_is_constant_over_50_requests(tool: QueryTool) -> None:
    pids = {tool.run("SELECT pg_backend_pid()")["rows"][0][0] for _ in range(50)}
    assert len(pids) == 1
    assert tool.client.get(tool.base).get_json()["backend_pid"] in pids


def test_cancel_interrupts_pg_sleep_within_a_second(tool: QueryTool) -> None:
    response = tool.execute("SELECT pg_sleep(60)", wait_ms=100)
    assert response.status_code == 202 and response.get_json()["state"] == "running"
    started = time.monotonic()
    assert tool.cancel().get_json() == {"cancelled": True}
    result = tool.result(wait_ms=3000)
    elapsed = time.monotonic() - started
    assert result.status_code == 200
    error = result.get_json()["error"]
    assert error["sqlstate"] == "57014" and error["cancelled"] is True
    assert elapsed < 1.0
    assert tool.run("SELECT 2 AS y")["rows"] == [[2]]  # the session is usable again


def test_slow_statement_answers_202_then_long_polls(tool: QueryTool) -> None:
    response = tool.execute("SELECT pg_sleep(0.8), 42 AS answer", wait_ms=50)
    assert response.status_code == 202
    early = tool.result(wait_ms=10)
    assert early.status_code == 202
    done = tool.result(wait_ms=5000)
    assert done.status_code == 200 and done.get_json()["rows"][0][1] == 42
    again = tool.result(wait_ms=0)  # a reloaded page re-attaches to the same result
    assert again.status_code == 200 and again.get_json()["rows"][0][1] == 42


def test_second_execute_on_busy_session_is_409(tool: QueryTool) -> None:
    assert tool.execute("SELECT pg_sleep(3)", wait_ms=0).status_code == 202
    busy = tool.execute("SELECT 1")
    assert busy.status_code == 409 and busy.get_json()["error"]["code"] == "busy"
    assert tool.fetch(10).status_code == 409
    tool.cancel()
    assert tool.result().status_code == 200


@pytest.mark.parametrize(("method", "suffix", "body"), [
    ("get", "", None), ("post", "/execute", {"sql": "select 1"}), ("get", "/result", None),
    ("post", "/fetch", {"limit": 10}), ("post", "/cancel", None), ("delete", "", None),
    ("post", "/export.csv", None), ("post", "/reconnect", None),
])
def test_another_users_tx_id_is_404(app: Any, tool: QueryTool, method: str, suffix: str, body: Any) -> None:
    other = api_client(app, USER_EMAIL, USER_PASSWORD)
    kwargs = {"json": body} if body is not None else {}
    response = getattr(other, method)(tool.base + suffix, **kwargs)
    assert response.status_code == 404, response.get_data(as_text=True)
    assert tool.run("SELECT 1 AS still_mine")["rows"] == [[1]]


def test_unknown_and_foreign_process_tx_ids(tool: QueryTool) -> None:
    token = tool.tx_id.split(".")[0]
    assert tool.client.get(f"/api/v1/query-tool/{token}.nope").status_code == 404
    foreign = tool.client.post("/api/v1/query-tool/0123456789ab.xyz/execute", json={"sql": "select 1"})
    assert foreign.status_code == 409
    error = foreign.get_json()["error"]
    assert error["code"] == "affinity_lost"
    assert "several worker processes" in error["message"] and "sticky" in error["hint"]


def test_idle_session_is_reaped_with_410_and_rolled_back(make_app: Any, pg_server: Any, pg_database: str,
                                                         outside: Any) -> None:
    app = make_app(MAX_SESSION_IDLE_TIME=1)
    client = api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD)
    tool = open_tool(client, register_server(client, pg_server, pg_database), pg_database)
    outside.execute("CREATE TABLE t (id int)")
    tool.run("BEGIN")
    tool.run("INSERT INTO t VALUES (1)")
    pid = tool.run("SELECT pg_backend_pid()")["rows"][0][0]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and app.extensions["connection_manager"].count():
        time.sleep(0.1)
    response = tool.execute("SELECT 1")
    assert response.status_code == 410
    error = response.get_json()["error"]
    assert error["code"] == "gone" and "without activity" in error["message"] and "rolled back" in error["message"]
    assert count(outside) == 0
    assert not outside.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchall()


def test_terminated_backend_in_transaction_is_reported_lost(tool: QueryTool, outside: Any) -> None:
    tool.run("CREATE TABLE t (id int)")
    tool.run("BEGIN")
    tool.run("INSERT INTO t VALUES (1)")
    pid = tool.run("SELECT pg_backend_pid()")["rows"][0][0]
    outside.execute("SELECT pg_terminate_backend(%s)", (pid,))
    assert backend_gone(outside, pid)  # deterministic: the next statement meets a dead connection, never a live one
    lost = tool.run("SELECT 1")
    assert lost["transaction_status"] == "lost"
    assert lost["error"]["connection_lost"] is True and lost["error"]["transaction_rolled_back"] is True
    assert tool.client.get(tool.base).get_json()["lost_in_transaction"] is True
    refused = tool.execute("SELECT 1")
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "connection_lost"
    assert tool.client.post(f"{tool.base}/reconnect").status_code == 200
    new_pid = tool.run("SELECT pg_backend_pid()")["rows"][0][0]
    assert new_pid != pid and count(outside) == 0


def test_terminated_idle_backend_reconnects_on_next_execute(tool: QueryTool, outside: Any) -> None:
    pid = tool.run("SELECT pg_backend_pid()")["rows"][0][0]
    outside.execute("SELECT pg_terminate_backend(%s)", (pid,))
    assert backend_gone(outside, pid)
    lost = tool.run("SELECT 1")
    assert lost["error"]["connection_lost"] is True and lost["error"]["transaction_rolled_back"] is False
    again = tool.run("SELECT pg_backend_pid()")
    assert again["error"] is None and again["rows"][0][0] != pid


def test_multi_statement_script_tags_notices_and_last_rows(tool: QueryTool) -> None:
    result = tool.run(
        "CREATE TABLE t (id int);\nINSERT INTO t VALUES (1), (2);\n"
        "DO $$BEGIN RAISE NOTICE 'hello; from do'; END$$;\nSELECT id FROM t ORDER BY id;\nUPDATE t SET id = id + 10")
    tags = [s["command"] for s in result["statements"]]
    assert tags == ["CREATE TABLE", "INSERT 0 2", "DO", "SELECT 2", "UPDATE 2"]
    assert result["rows"] == [[1], [2]] and result["columns"] == [{"name": "id", "type": "int4"}]
    assert result["rows_affected"] == 2
    assert [n["message"] for n in result["notices"]] == ["hello; from do"]
    assert result["duration_ms"] > 0


def test_error_names_statement_line_and_position(tool: QueryTool) -> None:
    script = "SELECT 1;\nSELECT nope FROM pg_class;"
    result = tool.run(script)
    error = result["error"]
    assert error["statement_index"] == 1 and error["line"] == 2
    assert script[error["position"] - 1:].startswith("nope")
    assert error["sqlstate"] == "42703" and "nope" in error["message"]
    assert [(s["command"], s["status"]) for s in result["statements"]] == [("SELECT 1", "ok"), (None, "error")]
    assert result["statements"][1]["error"]["sqlstate"] == "42703"


ENCODING_CASES = [
    ("NULL::int", None),
    ("'NULL'::text", "NULL"),
    ("12345678901234567890.123456789::numeric", "12345678901234567890.123456789"),
    ("'NaN'::numeric", "NaN"),
    ("9007199254740993::int8", "9007199254740993"),
    ("-9007199254740993::int8", "-9007199254740993"),
    ("9007199254740992::int8", 9007199254740992),
    ("42::int2", 42),
    ("1.5::float8", 1.5),
    ("'Infinity'::float8", "Infinity"),
    ("'-Infinity'::float4", "-Infinity"),
    ("'NaN'::float8", "NaN"),
    ("true", True),
    ("'\\xdeadbeef'::bytea", "\\xdeadbeef"),
    ("'2024-01-02 03:04:05.123+05:30'::timestamptz", "2024-01-01 21:34:05.123+00"),
    ("'2024-01-02 03:04:05'::timestamp", "2024-01-02 03:04:05"),
    ("'infinity'::timestamptz", "infinity"),
    ("'0044-03-15 12:00:00 BC'::timestamp", "0044-03-15 12:00:00 BC"),
    ("'2024-02-29'::date", "2024-02-29"),
    ("'12:30:00+02'::timetz", "12:30:00+02"),
    ("'1 day 02:00'::interval", "1 day 02:00:00"),
    ("ARRAY[1, NULL, 3]", "{1,NULL,3}"),  # arrays in PostgreSQL's text form (test_value_text_forms.py)
    ("ARRAY['a', NULL, 'NULL']", '{a,NULL,"NULL"}'),
    ("ARRAY[9007199254740993]::int8[]", "{9007199254740993}"),
    ("'{\"a\": [1, 2.50]}'::json", '{"a": [1, 2.50]}'),
    ("'{\"b\": null}'::jsonb", '{"b": null}'),
    ("ROW(1, 'x y', NULL)", '(1,"x y",)'),
    ("'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
    ("'192.168.0.1/24'::inet", "192.168.0.1/24"),
    ("'[1,5)'::int4range", "[1,5)"),
]


def test_value_encoding_is_faithful(tool: QueryTool) -> None:
    tool.run("SET TIME ZONE 'UTC'")
    exprs = ", ".join(expr for expr, _ in ENCODING_CASES)
    result = tool.run(f"SELECT {exprs}")
    assert result["error"] is None, result["error"]
    for (expr, expected), value in zip(ENCODING_CASES, result["rows"][0], strict=True):
        assert value == expected, f"{expr}: got {value!r}, expected {expected!r}"


def test_large_result_is_paged_in_an_invisible_transaction(tool: QueryTool, outside: Any) -> None:
    first = tool.run("SELECT g, repeat('x', 10) FROM generate_series(1, 2500) g")
    assert len(first["rows"]) == 1000 and first["has_more"] and first["transaction_status"] == "idle"
    pid = tool.client.get(tool.base).get_json()["backend_pid"]
    seen = [row[0] for row in first["rows"]]
    while True:
        page = tool.fetch(1000).get_json()
        seen += [row[0] for row in page["rows"]]
        if not page["has_more"]:
            break
    assert seen == list(range(1, 2501))
    state = outside.execute("SELECT state FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()[0]
    assert state == "idle"  # the cursor's transaction ended with the result
    assert tool.fetch(1000).get_json() == {"rows": [], "has_more": False, "truncated": False}


def test_max_result_rows_reports_truncation(make_app: Any, pg_server: Any, pg_database: str) -> None:
    client = api_client(make_app(MAX_RESULT_ROWS=1500, RESULT_PAGE_SIZE=1000), ADMIN_EMAIL, ADMIN_PASSWORD)
    tool = open_tool(client, register_server(client, pg_server, pg_database), pg_database)
    first = tool.run("SELECT g FROM generate_series(1, 5000) g")
    assert len(first["rows"]) == 1000 and first["has_more"]
    rest = tool.fetch(1000).get_json()
    assert len(rest["rows"]) == 500 and rest["truncated"] is True and rest["has_more"] is False


def test_csv_export_streams_the_full_result(tool: QueryTool) -> None:
    tool.run("SELECT g AS n, CASE WHEN g % 2 = 0 THEN NULL ELSE 'v,' || g END AS label FROM generate_series(1, 2500) g")
    response = tool.client.post(f"{tool.base}/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "n,label" and lines[1] == '1,"v,1"' and lines[2] == "2," and len(lines) == 2501
    assert tool.run("SELECT 1 AS after_export")["rows"] == [[1]]


def test_export_without_a_result_is_400(tool: QueryTool) -> None:
    response = tool.client.post(f"{tool.base}/export.csv")
    assert response.status_code == 400 and "Nothing to export" in response.get_json()["error"]["message"]


def test_per_user_connection_cap(make_app: Any, pg_server: Any, pg_database: str) -> None:
    client = api_client(make_app(MAX_CONNECTIONS_PER_USER=2), ADMIN_EMAIL, ADMIN_PASSWORD)
    server = register_server(client, pg_server, pg_database)
    open_tool(client, server, pg_database)
    open_tool(client, server, pg_database)
    refused = client.post("/api/v1/query-tool", json={"server_id": server, "database": pg_database})
    assert refused.status_code == 429
    assert "MAX_CONNECTIONS_PER_USER" in refused.get_json()["error"]["hint"]


def test_logout_closes_the_users_sessions(app: Any, tool: QueryTool, outside: Any) -> None:
    pid = tool.run("SELECT pg_backend_pid()")["rows"][0][0]
    assert tool.client.post("/logout").status_code == 302
    assert backend_gone(outside, pid)
    again = api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD)
    response = again.post(f"{tool.base}/execute", json={"sql": "select 1"})
    assert response.status_code == 410 and "logged out" in response.get_json()["error"]["message"]


def test_history_is_recorded_searchable_and_capped(make_app: Any, pg_server: Any, pg_database: str) -> None:
    client = api_client(make_app(QUERY_HISTORY_MAX=3), ADMIN_EMAIL, ADMIN_PASSWORD)
    tool = open_tool(client, register_server(client, pg_server, pg_database), pg_database)
    for sql in ("SELECT 1 AS a", "SELECT 1/0", "SELECT 'needle' AS b", "SELECT 4 AS c"):
        tool.run(sql)
    entries = client.get("/api/v1/query-history").get_json()  # no sleep: a read waits for the history writer
    assert len(entries) == 3
    entries = client.get("/api/v1/query-history").get_json()
    assert [e["sql"] for e in entries] == ["SELECT 4 AS c", "SELECT 'needle' AS b", "SELECT 1/0"]
    assert entries[2]["status"] == "error" and entries[0]["status"] == "ok" and entries[0]["rows"] == 1
    assert [e["sql"] for e in client.get("/api/v1/query-history?q=NEEDLE").get_json()] == ["SELECT 'needle' AS b"]
    assert client.delete("/api/v1/query-history").status_code == 204
    assert client.get("/api/v1/query-history").get_json() == []


@pytest.mark.parametrize(("path", "body", "status"), [
    ("/execute", {"sql": ""}, 400), ("/execute", {"sql": 5}, 400),
    ("/execute", {"sql": "select 1", "wait_ms": "x"}, 400),
    ("/fetch", {"limit": 0}, 400), ("/fetch", {"limit": "10"}, 400),
])
def test_bad_input_is_refused(tool: QueryTool, path: str, body: Any, status: int) -> None:
    assert tool.client.post(tool.base + path, json=body).status_code == status


def test_malformed_json_and_missing_csrf_change_nothing(tool: QueryTool, outside: Any) -> None:
    tool.run("CREATE TABLE t (id int)")
    raw = tool.client.post(f"{tool.base}/execute", data="{not json", content_type="application/json")
    assert raw.status_code == 400
    no_token = tool.client.client.post(f"{tool.base}/execute", json={"sql": "INSERT INTO t VALUES (1)"})
    assert no_token.status_code == 400 and no_token.get_json()["error"]["code"] == "csrf_failed"
    assert count(outside) == 0


def test_open_errors_name_the_problem(admin_client: Any, user_client: Any, server_id: int) -> None:
    missing_db = admin_client.post("/api/v1/query-tool", json={"server_id": server_id, "database": "no_such_db"})
    assert missing_db.status_code == 502 and "no_such_db" in missing_db.get_json()["error"]["message"]
    foreign = user_client.post("/api/v1/query-tool", json={"server_id": server_id, "database": "postgres"})
    assert foreign.status_code == 404
    assert admin_client.post("/api/v1/query-tool", json={"server_id": "1"}).status_code == 400


def test_databases_are_listed_on_a_connection_of_their_own(admin_client: Any, user_client: Any, server_id: int,
                                                           pg_database: str, outside: Any) -> None:
    listed = admin_client.get(f"/api/v1/servers/{server_id}/databases")
    assert listed.status_code == 200
    names = [row["name"] for row in listed.get_json()]
    assert pg_database in names and "postgres" in names and "template0" not in names
    mine = next(row for row in listed.get_json() if row["name"] == pg_database)
    assert mine["owner"] == "postgres" and mine["encoding"] == "UTF8" and mine["size_bytes"] > 0
    # No query tool is open: the one backend is the user's short-lived connection, kept for their next request.
    assert outside.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgadmin_lite' "
                           "AND datname = %s AND state = 'idle'", (pg_database,)).fetchone()[0] == 1
    assert user_client.get(f"/api/v1/servers/{server_id}/databases").status_code == 404


def test_expired_login_on_a_state_change_is_401_not_a_csrf_error(tool: QueryTool) -> None:
    tool.client.client.delete_cookie("pgadmin_lite_session")
    response = tool.execute("SELECT 1")
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "not_authenticated"


def test_reattach_reports_rows_already_delivered(tool: QueryTool) -> None:
    tool.run("SELECT g FROM generate_series(1, 3000) g")
    tool.fetch(1000)
    again = tool.result(wait_ms=0).get_json()
    assert again["rows_delivered"] == 2000 and len(again["rows"]) == 1000


def test_process_token_changes_in_a_forked_child(app: Any) -> None:
    manager = app.extensions["connection_manager"]
    parent_token = manager.process_token
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: report its token and leave without running any pytest machinery
        os.write(write_fd, manager.process_token.encode())
        os._exit(0)
    os.close(write_fd)
    child_token = os.read(read_fd, 100).decode()
    os.waitpid(pid, 0)
    assert child_token and child_token != parent_token and manager.process_token == parent_token


def test_each_select_of_a_script_runs_and_the_last_rows_are_shown(tool: QueryTool) -> None:
    result = tool.run("SELECT 1 AS a; SELECT 2 AS b")
    assert result["error"] is None, result["error"]
    assert result["rows"] == [[2]] and [c["name"] for c in result["columns"]] == ["b"]
    assert [s["command"] for s in result["statements"]] == ["SELECT 1", "SELECT 1"]


def test_rows_read_in_our_transaction_never_hold_the_next_statement_in_it(tool: QueryTool) -> None:
    """VACUUM refuses to run inside a transaction block: the hidden one of the SELECT must be over by then."""
    result = tool.run("CREATE TABLE vt (x int);\nSELECT g FROM generate_series(1, 3000) g;\nVACUUM vt")
    assert result["error"] is None, result["error"]
    assert [s["command"] for s in result["statements"]] == ["CREATE TABLE", "SELECT 3000", "VACUUM"]
    assert len(result["rows"]) == 100 and not result["has_more"] and result["transaction_status"] == "idle"
    assert result["rows_statement_index"] == 1  # the preview of the SELECT (RESULT_PREVIEW_ROWS)


def test_sql_ascii_bytes_that_are_not_utf8_are_shown_not_fatal(admin_client: Any, pg_server: Any,
                                                                outside: Any) -> None:
    name = f"sqlascii_{os.getpid()}"
    outside.execute(f"CREATE DATABASE {name} ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0")
    try:
        tool = open_tool(admin_client, register_server(admin_client, pg_server, name), name)
        result = tool.run("SELECT E'caf\\xe9'::text AS t, E'\\xe9'::varchar AS v, 'ok' AS plain")
        assert result["error"] is None, result["error"]
        assert result["rows"] == [["caf\ufffd", "\ufffd", "ok"]]
        tool.client.delete(tool.base)
    finally:
        outside.execute(f"DROP DATABASE {name} WITH (FORCE)")


def test_history_trims_in_batches_but_never_shows_more_than_the_cap(make_app: Any, pg_server: Any,
                                                                    pg_database: str) -> None:
    app = make_app(QUERY_HISTORY_MAX=20)
    client = api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD)
    tool = open_tool(client, register_server(client, pg_server, pg_database), pg_database)
    for index in range(25):
        tool.run(f"SELECT {index} AS n")
    entries = client.get("/api/v1/query-history?limit=100").get_json()
    assert [e["sql"] for e in entries] == [f"SELECT {index} AS n" for index in range(24, 4, -1)]
    with app.app_context():
        stored = db.session.execute(select(func.count()).select_from(QueryHistory)).scalar_one()
    assert 20 <= stored < 20 + 20 // 10  # trimmed once every QUERY_HISTORY_MAX // 10 new rows


def test_history_written_just_before_exit_is_kept(make_app: Any) -> None:
    """The writer's thread is a daemon that waits to batch; the process must not end before it has stored."""
    app = make_app()
    code = ("from pgadmin_lite import create_app\n"
            "from pgadmin_lite.query_tool import history\n"
            "app = create_app()\n"
            "app.extensions['history_writer'].submit(history.entry_for(1, None, 'db', 'SELECT 42 -- last', {}))\n")
    env = {**os.environ, "PGADMIN_LITE_DATA_DIR": app.config["DATA_DIR"]}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60, capture_output=True)
    with app.app_context():
        assert db.session.execute(select(QueryHistory.sql)).scalars().all() == ["SELECT 42 -- last"]


def test_a_fully_read_result_leaves_no_transaction_open(tool: QueryTool, outside: Any) -> None:
    """The hidden transaction of a quick SELECT ends just after the answer, not at the next statement."""
    assert tool.run("SELECT 1")["transaction_status"] == "idle"
    pid = tool.client.get(tool.base).get_json()["backend_pid"]
    deadline = time.monotonic() + 2
    state = None
    while time.monotonic() < deadline:
        state = outside.execute("SELECT state FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()[0]
        if state == "idle":
            break
        time.sleep(0.02)
    assert state == "idle", f"the query tool's backend is {state!r} after a fully read SELECT"


CHILDREN = """
CREATE TABLE parent (id int PRIMARY KEY);
INSERT INTO parent SELECT generate_series(1, 5000);
CREATE TABLE child (id int, parent_id int REFERENCES parent DEFERRABLE INITIALLY DEFERRED);
CREATE FUNCTION add_child(n int, parent int) RETURNS int LANGUAGE sql AS
  'INSERT INTO child VALUES (n, parent) RETURNING n';
"""
ORPHANS = "SELECT add_child(i, -i) FROM generate_series(1, {n}) AS i"  # each row breaks the deferred FK
ADOPTED = "SELECT add_child(i, i) FROM generate_series(1, {n}) AS i"


def test_a_select_whose_commit_fails_reports_the_failure(tool: QueryTool, outside: Any) -> None:
    """A SELECT calling a writing function runs in our hidden transaction; its COMMIT failing is its error."""
    tool.run(CHILDREN)
    failed = tool.run(ORPHANS.format(n=3))
    assert failed["error"] is not None and failed["error"]["sqlstate"] == "23503", failed
    assert failed["rows"] == [] and failed["transaction_status"] == "idle"
    assert count(outside, "child") == 0
    kept = tool.run(ADOPTED.format(n=3))
    assert kept["error"] is None and kept["rows"] == [[1], [2], [3]]
    assert count(outside, "child") == 3, "committed before the answer said it ran"


def test_a_paged_select_whose_commit_fails_reports_it_at_once(tool: QueryTool, outside: Any) -> None:
    """A writing SELECT is committed before its answer (before: on its last page), so its failure is its answer."""
    tool.run(CHILDREN)
    failed = tool.run(ORPHANS.format(n=1500))
    error = failed["error"]
    assert error["sqlstate"] == "23503" and "not committed" in error["message"] and not failed["has_more"]
    assert count(outside, "child") == 0
    assert tool.run("SELECT 1")["error"] is None, "the tool is usable after the failure"


def test_an_abandoned_select_that_changed_data_runs_to_its_end(tool: QueryTool, outside: Any) -> None:
    """As in autocommit: a writing SELECT's rows are all computed (and committed) before its answer."""
    tool.run(CHILDREN)
    assert tool.run(ADOPTED.format(n=5000))["has_more"]  # the rest is paged from the spool
    assert count(outside, "child") == 5000
    assert tool.run("SELECT 2")["rows"] == [[2]]


def test_a_writing_select_whose_commit_fails_leaves_the_next_run_alone(tool: QueryTool, outside: Any) -> None:
    tool.run(CHILDREN + "CREATE TABLE marks (n int);")
    assert tool.run(ORPHANS.format(n=1500))["error"]["sqlstate"] == "23503"
    assert tool.run("INSERT INTO marks VALUES (1)")["error"] is None
    assert count(outside, "child") == 0 and count(outside, "marks") == 1


def test_a_failed_commit_inside_a_script_stops_it_at_that_statement(tool: QueryTool, outside: Any) -> None:
    tool.run(CHILDREN + "CREATE TABLE marks (n int);")
    for script in (ORPHANS.format(n=1500) + "; INSERT INTO marks VALUES (1)",
                   ORPHANS.format(n=3) + "; INSERT INTO marks VALUES (1)"):
        result = tool.run(script)
        assert result["error"]["sqlstate"] == "23503" and result["error"]["statement_index"] == 0, result
        assert [s["status"] for s in result["statements"]] == ["error"] and result["rows"] == []
        assert result["fates"] == ["aborted", "not_run"]
    assert count(outside, "child") == 0 and count(outside, "marks") == 0


FAILS_AFTER_1500 = "SELECT CASE WHEN g <= 1500 THEN g ELSE 1 / (g - g) END FROM generate_series(1, 3000) g"


def test_a_page_that_meets_an_error_says_what_failed_and_what_now(tool: QueryTool) -> None:
    assert tool.run(FAILS_AFTER_1500)["has_more"]
    failed = tool.fetch(1000)
    error = failed.get_json()["error"]
    assert failed.status_code == 400 and error["code"] == "statement_failed" and error["sqlstate"] == "22012"
    assert "division by zero" in error["message"] and "run it again" in error["hint"]
    assert tool.run("SELECT 1")["transaction_status"] == "idle"
    tool.run("BEGIN")
    assert tool.run(FAILS_AFTER_1500)["has_more"]
    in_tx = tool.fetch(1000).get_json()["error"]
    assert in_tx["sqlstate"] == "22012" and "roll it back" in in_tx["hint"]
    assert tool.client.get(tool.base).get_json()["transaction_status"] == "in_error"


def test_a_page_after_the_connection_died_says_so_and_the_next_run_reconnects(tool: QueryTool, outside: Any) -> None:
    assert tool.run("SELECT g FROM generate_series(1, 100000) g")["has_more"]
    pid = tool.client.get(tool.base).get_json()["backend_pid"]
    outside.execute("SELECT pg_terminate_backend(%s)", (pid,))
    for _ in range(5):  # pages already read ahead still arrive; the first one that needs the server fails
        page = tool.fetch(1000)
        if page.status_code != 200:
            break
    error = page.get_json()["error"]
    assert page.status_code == 409 and error["code"] == "connection_lost", error
    assert "No transaction was open" in error["hint"]
    again = tool.run("SELECT 2")
    assert again["rows"] == [[2]] and again["backend_pid"] != pid


def test_a_writing_select_is_durable_before_its_answer(tool: QueryTool, outside: Any) -> None:
    """Before: its changes waited for the last page, and a lost connection lost them."""
    tool.run(CHILDREN)
    assert tool.run(ADOPTED.format(n=1500))["has_more"]
    pid = tool.client.get(tool.base).get_json()["backend_pid"]
    outside.execute("SELECT pg_terminate_backend(%s)", (pid,))
    assert backend_gone(outside, pid)
    assert count(outside, "child") == 1500
    rest = tool.fetch(1000).get_json()  # from the spool: the connection is not needed
    assert len(rest["rows"]) == 500 and rest["released"] is True
    lost = tool.run("SELECT 3")["error"]
    assert lost["connection_lost"] is True and lost["transaction_rolled_back"] is False
    again = tool.run("SELECT 3")
    assert again["rows"] == [[3]] and again["backend_pid"] != pid, "the next statement reconnects"


def test_a_read_only_result_fully_read_when_the_connection_died_still_arrives(tool: QueryTool, outside: Any) -> None:
    assert tool.run("SELECT g FROM generate_series(1, 1500) g")["has_more"]
    time.sleep(0.3)  # the rest (500 rows) is read ahead by now
    pid = tool.client.get(tool.base).get_json()["backend_pid"]
    outside.execute("SELECT pg_terminate_backend(%s)", (pid,))
    last = tool.fetch(1000)
    assert last.status_code == 200 and len(last.get_json()["rows"]) == 500, last.get_json()
