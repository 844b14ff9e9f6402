"""The editor's text actions over HTTP: the statement at the cursor (psql's boundaries) and Format SQL (pglast)."""

from __future__ import annotations

from typing import Any

import pglast
import pytest

from tests.plugins.app_fixtures import ApiClient

API = "/api/v1/query-tool"
FUNCTION = "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN PERFORM 1; RETURN 2; END $$"
SCRIPT = f"select 1;\n{FUNCTION};\nselect E'a\\';b'; -- ;\nselect 3"


def span(client: ApiClient, sql: str, cursor: int) -> tuple[Any, Any]:
    answer = client.post(f"{API}/statement-at", json={"sql": sql, "cursor": cursor})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    return body["from"], body["to"]


@pytest.mark.parametrize(("cursor_in", "expected"), [
    ("PERFORM", FUNCTION), ("RETURN 2", FUNCTION), ("select 1", "select 1"), ("b'", "select E'a\\';b'"),
    ("-- ;", "select E'a\\';b'"), ("select 3", "select 3"),
])
def test_statement_at_the_cursor_follows_psql(admin_client: ApiClient, cursor_in: str, expected: str) -> None:
    start, end = span(admin_client, SCRIPT, SCRIPT.index(cursor_in) + 1)
    assert SCRIPT[start:end] == expected


def test_statement_at_counts_utf16_units_and_empty_text(admin_client: ApiClient) -> None:
    sql = "select '😀';\nselect 2;"
    start, end = span(admin_client, sql, len(sql.encode("utf-16-le")) // 2 - 2)
    assert (start, end) == (13, 21)  # the emoji is two units in the browser
    assert span(admin_client, " -- nothing\n", 3) == (None, None)
    assert admin_client.post(f"{API}/statement-at", json={"sql": "x", "cursor": -1}).status_code == 400


def test_format_keeps_comments_and_gives_valid_sql(admin_client: ApiClient) -> None:
    sql = "select a, b -- the keys\nfrom t where x = 1; /* done */ select 2;"
    answer = admin_client.post(f"{API}/format", json={"sql": sql})
    assert answer.status_code == 200, answer.get_json()
    pretty = answer.get_json()["sql"]
    assert "-- the keys" in pretty and "/* done */" in pretty and "SELECT a" in pretty
    assert len(pglast.parse_sql(pretty)) == 2


def test_format_of_invalid_sql_is_a_400_with_the_position(admin_client: ApiClient) -> None:
    answer = admin_client.post(f"{API}/format", json={"sql": "select 1;\nselec 2"})
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert error["code"] == "syntax_error" and error["position"] == 11 and "selec" in error["message"]
    assert admin_client.post(f"{API}/format", json={"sql": 5}).status_code == 400


def test_format_needs_the_csrf_token(admin_client: ApiClient) -> None:
    answer = admin_client.post(f"{API}/format", json={"sql": "select 1"}, headers={"X-CSRFToken": ""})
    assert answer.status_code in (400, 403)
