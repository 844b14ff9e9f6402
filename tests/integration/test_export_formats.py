"""Issue 16 point 6: a result exported as CSV, TSV, JSON, NDJSON, SQL INSERTs or XLSX, downloaded or into the file
area; every format round-trips NULLs, quotes, backslashes, newlines, unicode, bytea and arrays, both when the
result is written from what is held and when a read-only query is read again; a statement that wrote is never run
a second time; a bad format is a 400 before anything happens."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from pathlib import Path
from typing import Any

import openpyxl
import psycopg
import pytest
from flask import Flask

from tests.plugins.app_fixtures import USER_EMAIL, USER_PASSWORD, api_client
from tests.plugins.query_tool_helpers import QueryTool, open_tool, register_server

FORMATS = ["csv", "tsv", "json", "ndjson", "sql", "xlsx"]
THINGS = r"""
create table things (id int primary key, label text, n numeric, big bigint, f float8, flag bool, day date,
                     at timestamp, tags text[], raw bytea, doc jsonb);
insert into things values
  (1, 'plain', 1.50, 9007199254740993, 0.1, true, '2024-02-29', '2024-02-29 13:14:15.5', '{a,b}', '\x00ff', '{"k": 1}'),
  (2, null, null, null, null, null, null, null, null, null, null),
  (3, E'it''s "quoted", \\back\\slash\ttab\nnew line\r', -12345678901234567890.123, -5, 'NaN', false,
   'infinity', '1850-01-01 00:00', '{"x,y",NULL,"q\"uote",""}', '\x5c27', '[1, "two"]'),
  (4, 'ünïcödé ☃ 😀', 0, 0, '-Infinity', true, '1999-12-31', null, '{}', '', 'null'),
  (5, '', 1e-10, 2, 1e300, false, null, null, '{{1,2},{3,4}}', null, '"text"');
insert into things (id, label, n, big) select g, 'row ' || g, g / 8.0, g * 1000 from generate_series(6, 2500) g;
"""
HELD = "select * from things where id <= 5 order by id"  # a page: kept whole, written from memory
READ_AGAIN = "select * from things order by id"  # more than a page of a read-only query: read again


@pytest.fixture
def tool(admin_client: Any, pg_server: Any, pg_database: str) -> QueryTool:
    tool = open_tool(admin_client, register_server(admin_client, pg_server, pg_database), pg_database)
    tool.run(THINGS)
    return tool


@pytest.fixture
def ours(pg_server: Any, pg_database: str) -> Any:
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
        yield conn


@pytest.fixture
def home(app: Flask) -> Path:
    return Path(app.config["STORAGE_DIR"]) / "u1"


def download(tool: QueryTool, fmt: str) -> Any:
    response = tool.client.post(f"{tool.base}/export", query_string={"format": fmt})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response


def grid_rows(tool: QueryTool, statement: str) -> list[list[Any]]:
    """Every row as the API gives it to the grid (the first page, then fetches)."""
    shown = tool.run(statement)
    rows, has_more = shown["rows"], shown["has_more"]
    while has_more:
        page = tool.fetch(1000).get_json()
        rows, has_more = rows + page["rows"], page["has_more"]
    tool.run(statement)  # the export's result again, unpaged
    return rows


def table_rows(ours: Any, table: str = "things") -> list[tuple[Any, ...]]:
    """Each row as PostgreSQL prints it (NaN equals NaN there)."""
    return ours.execute(f"select id, t::text from {table} t order by id").fetchall()


def copy_of_things(ours: Any) -> None:
    ours.execute("create table loaded (like things)")


@pytest.mark.parametrize("statement", [HELD, READ_AGAIN])
@pytest.mark.parametrize("fmt", ["json", "ndjson"])
def test_json_values_are_the_grids(tool: QueryTool, fmt: str, statement: str) -> None:
    rows = grid_rows(tool, statement)
    response = download(tool, fmt)
    text = response.get_data(as_text=True)
    objects = json.loads(text) if fmt == "json" else [json.loads(line) for line in text.splitlines()]
    names = ["id", "label", "n", "big", "f", "flag", "day", "at", "tags", "raw", "doc"]
    assert objects == [dict(zip(names, row, strict=True)) for row in rows]
    assert objects[0]["big"] == "9007199254740993" and objects[0]["id"] == 1 and objects[0]["f"] == 0.1
    assert objects[2]["f"] == "NaN" and objects[2]["n"] == "-12345678901234567890.123"
    assert response.headers["Content-Type"].startswith("application/json" if fmt == "json" else "application/x-ndjson")
    assert f'filename="things.{fmt}"' in response.headers["Content-Disposition"]


@pytest.mark.parametrize("statement", [HELD, READ_AGAIN])
def test_sql_inserts_load_back_to_the_same_rows(tool: QueryTool, ours: Any, statement: str) -> None:
    tool.run(statement)
    script = download(tool, "sql").get_data(as_text=True)
    assert script.startswith('INSERT INTO "things" ("id", "label", "n", "big", "f", "flag", "day", "at", "tags", ')
    before = [row for row in table_rows(ours) if statement == READ_AGAIN or row[0] <= 5]
    ours.execute("truncate things")
    ours.execute(script)
    assert table_rows(ours) == before


@pytest.mark.parametrize("statement", [HELD, READ_AGAIN])
@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_csv_and_tsv_load_back_with_copy(tool: QueryTool, ours: Any, fmt: str, statement: str) -> None:
    """TSV is PostgreSQL's COPY text format with a header: COPY … FROM loads it as it is."""
    tool.run(statement)
    data = download(tool, fmt).get_data()
    expected = [row for row in table_rows(ours) if statement == READ_AGAIN or row[0] <= 5]
    copy_of_things(ours)
    options = "format csv, header true" if fmt == "csv" else "format text, header true"
    with ours.cursor() as cursor, cursor.copy(f"copy loaded from stdin with ({options})") as copy:
        copy.write(data)
    assert table_rows(ours, "loaded") == expected


def test_the_tsv_of_what_is_held_is_the_copy_text_postgresql_writes(tool: QueryTool, ours: Any) -> None:
    tool.run(HELD)
    held = download(tool, "tsv").get_data()
    with ours.cursor() as cursor, cursor.copy(f"copy ({HELD}) to stdout with (format text, header true)") as copy:
        assert held == b"".join(bytes(piece) for piece in copy)
    assert b"\\N" in held and b"it's \"quoted\", \\\\back\\\\slash\\ttab\\nnew line\\r" in held


def excel_text(stored: str) -> str:
    """A string cell as Excel reads it: OOXML escapes control characters as _xHHHH_ (openpyxl leaves them)."""
    return re.sub(r"_x([0-9A-F]{4})_", lambda match: chr(int(match.group(1), 16)), stored)


def test_xlsx_has_numbers_dates_and_text(tool: QueryTool) -> None:
    tool.run(READ_AGAIN)
    response = download(tool, "xlsx")
    assert response.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0] == ("id", "label", "n", "big", "f", "flag", "day", "at", "tags", "raw", "doc")
    assert len(rows) == 2501
    assert rows[1] == (1, "plain", 1.5, "9007199254740993", 0.1, True, datetime.datetime(2024, 2, 29),
                       datetime.datetime(2024, 2, 29, 13, 14, 15, 500000), "{a,b}", "\\x00ff", '{"k": 1}')
    assert rows[2] == (2, *([None] * 10))
    assert excel_text(rows[3][1]) == "it's \"quoted\", \\back\\slash\ttab\nnew line\r"
    assert rows[3][2] == "-12345678901234567890.123" and rows[3][4] == "NaN"  # beyond a double: text, as shown
    assert rows[3][6] == "infinity" and rows[3][7] == "1850-01-01 00:00:00"  # no Excel date for these
    assert rows[3][8] == '{"x,y",NULL,"q\\"uote",""}'
    assert rows[4][1] == "ünïcödé ☃ 😀" and rows[5][1] == ""  # an empty text stays an (empty) string
    assert rows[2500] == (2500, "row 2500", 312.5, 2500000, None, None, None, None, None, None, None)


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_insert_returning_exported_twice_inserts_once(tool: QueryTool, ours: Any, home: Path, fmt: str) -> None:
    """More rows than a page: the export writes them from the spool; the INSERT never runs again."""
    tool.run("create table t (a int, b text)")
    shown = tool.run("insert into t select g, 'v' || g from generate_series(1, 3000) g returning *")
    assert shown["has_more"]
    first = download(tool, fmt).get_data()
    stored = tool.client.post(f"{tool.base}/export-to-storage", json={"path": f"/t.{fmt}", "format": fmt})
    assert stored.status_code == 201 and stored.get_json()["rows"] == 3000 and stored.get_json()["format"] == fmt
    assert (home / f"t.{fmt}").read_bytes() == first or fmt == "xlsx"
    assert ours.execute("select count(*) from t").fetchone()[0] == 3000
    if fmt == "sql":
        assert first.decode().splitlines()[0] == "INSERT INTO \"t\" (\"a\", \"b\") VALUES (1, 'v1');"
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(home / "t.xlsx", read_only=True).worksheets[0]
        assert sum(1 for _ in sheet.iter_rows()) == 3001


def test_a_query_that_would_write_is_refused_rather_than_read_again(tool: QueryTool, ours: Any) -> None:
    """In the user's transaction nobody can tell whether it wrote: read again read-only, where nextval fails (409)."""
    tool.run("create sequence s; begin")
    assert tool.run("select nextval('s') from generate_series(1, 3000)")["has_more"]
    for fmt in ("json", "xlsx", "tsv"):
        refused = tool.client.post(f"{tool.base}/export", query_string={"format": fmt})
        assert refused.status_code == 409 and "would change data" in refused.get_json()["error"]["message"]
    assert tool.run("select 1")["transaction_status"] == "in_transaction"
    tool.run("rollback")


def test_a_bad_format_is_a_400_and_nothing_is_written(tool: QueryTool, home: Path) -> None:
    tool.run(HELD)
    for response in (tool.client.post(f"{tool.base}/export", query_string={"format": "xml"}),
                     tool.client.post(f"{tool.base}/export-to-storage", json={"path": "/x.xml", "format": "xml"}),
                     tool.client.post(f"{tool.base}/export-to-storage", json={"path": "/x.csv", "format": 3}),
                     tool.client.get(f"{tool.base}/export-name", query_string={"format": "pdf"})):
        assert response.status_code == 400
        assert response.get_json()["error"]["message"] == "format must be one of: csv, tsv, json, ndjson, sql, xlsx."
    assert not (home / "x.xml").exists() and not (home / "x.csv").exists()
    assert tool.client.get(tool.base).get_json()["is_running"] is False


def test_names_follow_the_table_or_the_query(tool: QueryTool) -> None:
    def name(fmt: str) -> str:
        return tool.client.get(f"{tool.base}/export-name", query_string={"format": fmt}).get_json()["name"]
    tool.run('create table "Sales 2024" (x int); insert into "Sales 2024" values (1)')
    tool.run('select * from public."Sales 2024"')
    assert name("xlsx") == "Sales_2024.xlsx"
    assert 'filename="Sales_2024.sql"' in download(tool, "sql").headers["Content-Disposition"]
    assert download(tool, "sql").get_data(as_text=True) == 'INSERT INTO "public"."Sales 2024" ("x") VALUES (1);\n'
    tool.run("select 1 as one, now() as t from things a join things b using (id) limit 1")
    assert name("csv") == "select_1_as.csv"
    assert download(tool, "sql").get_data(as_text=True).startswith('INSERT INTO "export" ("one", "t") VALUES (1, ')
    tool.run("select 1 as a, 2 as a")
    assert json.loads(download(tool, "json").get_data()) == [{"a": 1, "a_2": 2}]


def test_a_copy_to_stdout_is_exported_as_written(tool: QueryTool) -> None:
    tool.run("copy (select id, label from things where id in (1, 4) order by id) to stdout with (format csv)")
    assert download(tool, "csv").get_data(as_text=True) == "1,plain\n4,ünïcödé ☃ 😀\n"
    refused = tool.client.post(f"{tool.base}/export", query_string={"format": "json"})
    assert refused.status_code == 400 and "exported as written" in refused.get_json()["error"]["message"]


def test_csv_is_still_the_default_and_export_csv_still_answers(tool: QueryTool) -> None:
    tool.run("select id, label from things where id in (1, 2) order by id")
    assert tool.client.post(f"{tool.base}/export.csv").get_data(as_text=True) == "id,label\n1,plain\n2,\n"
    plain = tool.client.post(f"{tool.base}/export")
    assert plain.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert list(csv.reader(io.StringIO(plain.get_data(as_text=True)))) == [["id", "label"], ["1", "plain"], ["2", ""]]


def test_only_the_tabs_owner_exports_and_csrf_is_needed(app: Flask, tool: QueryTool, home: Path) -> None:
    tool.run(HELD)
    user = api_client(app, USER_EMAIL, USER_PASSWORD)
    user_home = Path(app.config["STORAGE_DIR"]) / "u2"
    for fmt in ("json", "xlsx"):
        assert user.post(f"{tool.base}/export", query_string={"format": fmt}).status_code == 404
        assert user.get(f"{tool.base}/export-name", query_string={"format": fmt}).status_code == 404
        stolen = user.post(f"{tool.base}/export-to-storage", json={"path": f"/stolen.{fmt}", "format": fmt})
        assert stolen.status_code == 404 and not (user_home / f"stolen.{fmt}").exists()
    no_token = tool.client.client.post(f"{tool.base}/export", query_string={"format": "json"})  # the owner's cookies
    assert no_token.status_code == 400 and no_token.get_json()["error"]["code"] == "csrf_failed"
    no_token = tool.client.client.post(f"{tool.base}/export-to-storage", json={"path": "/x.json", "format": "json"})
    assert no_token.status_code == 400 and not (home / "x.json").exists()
    assert tool.client.get(tool.base).get_json()["is_running"] is False
