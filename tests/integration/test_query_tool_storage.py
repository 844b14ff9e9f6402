"""Files in the query tool, through the public API: open/save round trips and CSV exports into storage
(COPY streamed into an atomic write), with the session busy meanwhile and always freed afterwards."""

from __future__ import annotations

import errno
import os
import stat
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask

from pgadmin_lite.errors import BadRequest
from pgadmin_lite.storage import files, writes
from pgadmin_lite.storage.roots import Root
from tests.plugins.app_fixtures import ADMIN_EMAIL, ADMIN_PASSWORD, USER_EMAIL, USER_PASSWORD, api_client
from tests.plugins.query_tool_helpers import QueryTool, open_tool, register_server
from tests.plugins.storage_helpers import leftovers

BIG_QUERY = ("SELECT g AS n, CASE WHEN g % 10 = 0 THEN NULL ELSE 'v,' || g END AS label, ''::text AS empty "
             "FROM generate_series(1, 50000) g")


@pytest.fixture
def server_id(admin_client: Any, pg_server: Any, pg_database: str) -> int:
    return register_server(admin_client, pg_server, pg_database)


@pytest.fixture
def tool(admin_client: Any, server_id: int, pg_database: str) -> QueryTool:
    return open_tool(admin_client, server_id, pg_database)


@pytest.fixture
def home(app: Flask) -> Path:
    """The admin's (user 1) file area on disk."""
    return Path(app.config["STORAGE_DIR"]) / "u1"


def put_text(client: Any, path: str, text: str, **extra: Any) -> Any:
    return client.put("/api/v1/storage/text", json={"path": path, "text": text, **extra})


def read_text(client: Any, path: str) -> Any:
    return client.get("/api/v1/storage/text", query_string={"path": path})


def export(tool: QueryTool, path: str, **extra: Any) -> Any:
    return tool.client.post(f"{tool.base}/export-to-storage", json={"path": path, **extra})


def error_code(response: Any) -> str:
    return str(response.get_json()["error"]["code"])


def test_open_and_save_round_trip(tool: QueryTool, admin_client: Any, home: Path) -> None:
    assert admin_client.post("/api/v1/storage/mkdir", json={"path": "/scripts"}).status_code == 201
    script = "-- café report\nSELECT 'ünïcode' AS word, 41 + 1 AS answer;\n"
    saved = put_text(admin_client, "/scripts/report.sql", script)
    assert saved.status_code == 201 and saved.get_json()["path"] == "/scripts/report.sql"
    assert (home / "scripts" / "report.sql").read_bytes() == script.encode("utf-8")
    assert stat.S_IMODE((home / "scripts" / "report.sql").stat().st_mode) == 0o600

    opened = read_text(admin_client, "/scripts/report.sql").get_json()
    assert opened["text"] == script and opened["size"] == len(script.encode("utf-8")) and opened["root"] == "home"
    assert tool.run(opened["text"])["rows"] == [["ünïcode", 42]]

    again = put_text(admin_client, "/scripts/report.sql", "SELECT 2 AS two")
    assert again.status_code == 409 and error_code(again) == "exists"
    assert "overwrite" in again.get_json()["error"]["hint"]
    assert read_text(admin_client, "/scripts/report.sql").get_json()["text"] == script
    assert put_text(admin_client, "/scripts/report.sql", "SELECT 2 AS two", overwrite=True).status_code == 200
    assert tool.run(read_text(admin_client, "/scripts/report.sql").get_json()["text"])["rows"] == [[2]]
    assert leftovers(home) == []


def test_binary_and_non_utf8_files_are_refused_as_text(admin_client: Any, home: Path) -> None:
    (home / "dump.bin").write_bytes(b"PGDMP\x00\x01\x02")
    (home / "latin1.sql").write_bytes("SELECT 'caf\xe9'".encode("latin-1"))
    binary = read_text(admin_client, "/dump.bin")
    assert binary.status_code == 400 and error_code(binary) == "not_text"
    assert "binary" in binary.get_json()["error"]["message"] and binary.get_json()["error"]["hint"]
    latin = read_text(admin_client, "/latin1.sql")
    assert latin.status_code == 400 and error_code(latin) == "not_text"
    assert "not UTF-8" in latin.get_json()["error"]["message"]


def test_export_of_50000_rows(tool: QueryTool, admin_client: Any, home: Path) -> None:
    tool.run(BIG_QUERY)
    admin_client.post("/api/v1/storage/mkdir", json={"path": "/exports"})
    response = export(tool, "/exports/big.csv")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    on_disk = home / "exports" / "big.csv"
    assert body["path"] == "/exports/big.csv" and body["root"] == "home" and body["rows"] == 50000
    assert body["size"] == on_disk.stat().st_size and body["replaced"] is False
    lines = on_disk.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "n,label,empty" and len(lines) == 50001
    assert lines[1] == '1,"v,1",""'  # an empty string is quoted ...
    assert lines[10] == '10,,""'  # ... a NULL is not
    assert lines[-1] == '50000,,""'
    assert stat.S_IMODE(on_disk.stat().st_mode) == 0o600 and leftovers(home) == []
    listing = admin_client.get("/api/v1/storage", query_string={"path": "/exports"}).get_json()["entries"]
    assert [(e["name"], e["size"]) for e in listing] == [("big.csv", body["size"])]
    assert tool.run("SELECT 1 AS after_export")["rows"] == [[1]]  # the session was freed


def test_export_needs_overwrite_to_replace(tool: QueryTool, home: Path) -> None:
    tool.run("SELECT 1 AS first")
    assert export(tool, "/result.csv").status_code == 201
    tool.run("SELECT 2 AS second -- a trailing comment")
    refused = export(tool, "/result.csv")
    assert refused.status_code == 409 and error_code(refused) == "exists"
    assert (home / "result.csv").read_text() == "first\n1\n"
    replaced = export(tool, "/result.csv", overwrite=True)
    assert replaced.status_code == 201 and replaced.get_json()["replaced"] is True
    assert (home / "result.csv").read_text() == "second\n2\n"
    (home / "folder").mkdir()
    onto_folder = export(tool, "/folder", overwrite=True)
    assert onto_folder.status_code == 409 and error_code(onto_folder) == "is_directory"
    assert export(tool, "/missing/x.csv").status_code == 404
    assert leftovers(home) == [] and tool.run("SELECT 3")["rows"] == [[3]]


def test_export_without_a_result_is_400(tool: QueryTool, home: Path) -> None:
    response = export(tool, "/nothing.csv")
    assert response.status_code == 400 and "Nothing to export" in response.get_json()["error"]["message"]
    tool.run("CREATE TABLE t (id int)")
    assert export(tool, "/nothing.csv").status_code == 400  # no statement since returned rows
    assert not (home / "nothing.csv").exists()


def test_a_data_changing_result_is_not_run_again(tool: QueryTool, home: Path) -> None:
    """Its rows were kept whole, so the export writes them from memory (before: refused with a 400)."""
    tool.run("CREATE TABLE t (id int)")
    assert tool.run("INSERT INTO t VALUES (1), (2) RETURNING id")["rows"] == [[1], [2]]
    response = export(tool, "/returning.csv")
    assert response.status_code == 201, response.get_json()
    assert (home / "returning.csv").read_text() == "id\n1\n2\n"
    assert tool.run("SELECT count(*) FROM t")["rows"] == [[2]]


def test_paths_stay_in_the_callers_own_root(app: Flask, tool: QueryTool, admin_client: Any, pg_server: Any,
                                            pg_database: str, home: Path) -> None:
    put_text(admin_client, "/shared-name.csv", "the admin's")
    user = api_client(app, USER_EMAIL, USER_PASSWORD)
    mine = open_tool(user, register_server(user, pg_server, pg_database), pg_database)
    mine.run("SELECT 'user' AS who")
    for hostile in ("../u1/shared-name.csv", "/../u1/x.csv", "..\\u1\\x.csv", "/a/../../u1/x.csv"):
        response = export(mine, hostile, overwrite=True)
        assert response.status_code == 400 and error_code(response) == "outside_storage", hostile
    assert export(mine, "/shared-name.csv", overwrite=True).status_code == 201
    user_home = Path(app.config["STORAGE_DIR"]) / "u2"
    assert (user_home / "shared-name.csv").read_text() == "who\nuser\n"
    assert (home / "shared-name.csv").read_text() == "the admin's"  # untouched
    assert sorted(p.name for p in home.iterdir()) == ["shared-name.csv"]

    tool.run("SELECT 'admin' AS who")
    stolen = user.post(f"{tool.base}/export-to-storage", json={"path": "/stolen.csv"})  # the admin's tx_id
    assert stolen.status_code == 404 and not (user_home / "stolen.csv").exists()
    assert read_text(user, "/../u1/shared-name.csv").status_code == 400


# More rows than a page, so the export reads the result again (a result kept whole is written from memory);
# the rows past the first page are slow.
SLOW_QUERY = "SELECT pg_sleep(CASE WHEN g > 1001 THEN 0.5 ELSE 0 END) AS slept, g FROM generate_series(1, 1004) g"


class BackgroundExport:
    """An export request on its own thread; `other` is a second logged-in client (another tab)."""

    def __init__(self, app: Flask, tool: QueryTool, path: str) -> None:
        self.tool = tool
        self.other = api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD)
        self.outcome: dict[str, Any] = {}
        self.thread = threading.Thread(target=lambda: self.outcome.update(response=export(tool, path)))

    def __enter__(self) -> BackgroundExport:
        self.thread.start()
        deadline = time.monotonic() + 5
        while not self.other.get(self.tool.base).get_json()["is_running"]:
            assert time.monotonic() < deadline, "the export never marked the session as running"
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self.thread.join(20)

    @property
    def response(self) -> Any:
        return self.outcome["response"]


def test_the_session_is_busy_during_an_export(app: Flask, tool: QueryTool, home: Path) -> None:
    tool.run(SLOW_QUERY)
    with BackgroundExport(app, tool, "/slow.csv") as background:
        busy = background.other.post(f"{tool.base}/execute", json={"sql": "SELECT 1"})
        assert busy.status_code == 409 and error_code(busy) == "busy"
        second = background.other.post(f"{tool.base}/export-to-storage", json={"path": "/second.csv"})
        assert second.status_code == 409 and error_code(second) == "busy"
        assert background.other.post(f"{tool.base}/fetch", json={"limit": 5}).status_code == 409
    assert background.response.status_code == 201, background.response.get_json()
    assert background.response.get_json()["rows"] == 1004
    lines = (home / "slow.csv").read_text().splitlines()
    assert lines[:2] == ["slept,g", '"",1'] and lines[-1] == '"",1004' and len(lines) == 1005  # void: ''
    assert not (home / "second.csv").exists()
    assert tool.client.get(tool.base).get_json()["is_running"] is False
    assert tool.run("SELECT 'free' AS again")["rows"] == [["free"]]


def test_cancel_stops_an_export(app: Flask, tool: QueryTool, home: Path) -> None:
    tool.run(SLOW_QUERY)
    with BackgroundExport(app, tool, "/cancelled.csv") as background:
        assert background.other.post(f"{tool.base}/cancel").get_json() == {"cancelled": True}
    assert background.response.status_code == 400
    assert "cancelled" in background.response.get_json()["error"]["message"]
    assert list(home.iterdir()) == [] and tool.run("SELECT 1 AS ok")["rows"] == [[1]]


def test_a_connection_lost_during_an_export(app: Flask, tool: QueryTool, home: Path, pg_server: Any) -> None:
    pid = tool.run("SELECT pg_backend_pid()")["rows"][0][0]
    tool.run(SLOW_QUERY)
    with BackgroundExport(app, tool, "/lost.csv") as background, \
            psycopg.connect(pg_server.conninfo(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    assert background.response.status_code == 409 and error_code(background.response) == "connection_lost"
    assert list(home.iterdir()) == []
    assert tool.client.get(tool.base).get_json()["transaction_status"] == "lost"
    assert tool.run("SELECT 'reconnected' AS state")["rows"] == [["reconnected"]]  # no transaction was lost


def test_quota_stops_an_export_and_keeps_the_transaction(make_app: Any, pg_server: Any, pg_database: str) -> None:
    app = make_app(STORAGE_QUOTA_MB=1)
    client = api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD)
    tool = open_tool(client, register_server(client, pg_server, pg_database), pg_database)
    home = Path(app.config["STORAGE_DIR"]) / "u1"
    tool.run("CREATE TABLE t (id int)")
    tool.run("BEGIN; INSERT INTO t VALUES (7)")
    first = tool.run("SELECT g, repeat('x', 1000) AS pad FROM generate_series(1, 20000) g")  # 20 MB of CSV
    assert first["has_more"] is True and first["transaction_status"] == "in_transaction"  # an open cursor
    response = export(tool, "/too-big.csv")
    assert response.status_code == 413 and error_code(response) == "quota_exceeded"
    assert "STORAGE_QUOTA_MB" in response.get_json()["error"]["hint"]
    assert list(home.iterdir()) == []  # neither the file nor its temp file
    assert len(tool.fetch(1000).get_json()["rows"]) == 1000  # the open result still pages
    still = tool.run("SELECT id FROM t")
    assert still["rows"] == [[7]] and still["transaction_status"] == "in_transaction"
    assert tool.run("COMMIT")["transaction_status"] == "idle"


def test_a_write_error_removes_the_temp_file_and_frees_the_session(tool: QueryTool, home: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    tool.run(BIG_QUERY)
    real_write = writes.PendingFile.write

    def fill_disk(self: writes.PendingFile, data: bytes) -> None:
        if self.size > 100_000:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(self, data)

    monkeypatch.setattr(writes.PendingFile, "write", fill_disk)
    response = export(tool, "/full.csv")
    assert response.status_code == 507 and error_code(response) == "disk_full"
    assert list(home.iterdir()) == []
    monkeypatch.undo()
    assert tool.run("SELECT 'usable' AS state")["rows"] == [["usable"]]
    assert export(tool, "/full.csv").status_code == 201


def test_write_stream_writes_chunks_as_they_arrive(tmp_path: Path) -> None:
    """The storage side of an export: each chunk is on disk (in the temp file) before the next one is made."""
    (tmp_path / "u9").mkdir(mode=0o700)
    root = Root("home", str(tmp_path), "u9", is_shared=False, is_writable=True)
    seen: list[int] = []

    def chunks() -> Any:
        for number in range(5):
            temp = [p for p in (tmp_path / "u9").iterdir() if p.name.startswith(".pgl-tmp-")]
            seen.append(sum(os.path.getsize(p) for p in temp))
            yield b"x" * 1000 + str(number).encode()

    entry, created = files.write_stream(root, "/out.csv", chunks())
    assert seen == [0, 1001, 2002, 3003, 4004] and created and entry["size"] == 5005
    assert not [p for p in (tmp_path / "u9").iterdir() if p.name != "out.csv"]

    def failing() -> Any:
        yield b"partial"
        raise BadRequest("the source failed")

    with pytest.raises(BadRequest):
        files.write_stream(root, "/out.csv", failing(), overwrite=True)
    assert [p.name for p in (tmp_path / "u9").iterdir()] == ["out.csv"]
    assert (tmp_path / "u9" / "out.csv").stat().st_size == 5005
