"""Editing a query-tool result in the grid (real browser, Gunicorn and PostgreSQL): an edit made inside `begin;`
is invisible to another session until COMMIT in the tool; add, delete, NULL and Discard."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from tests.plugins.browser import module_server, run_sql
from tests.plugins.waiting import wait_until

server_id = module_server()


@pytest.fixture
def outside(pg_server: Any, pg_database: str) -> Any:
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id int PRIMARY KEY, note text); INSERT INTO t VALUES (1, 'a'), (2, 'b')")
        yield conn


def cell(page: Any, row: int, column: int) -> Any:
    return page.locator(f"#results tbody tr[data-row='{row}'] td:nth-child({column + 2})")


def notes(conn: psycopg.Connection[Any]) -> list[tuple[Any, ...]]:
    return conn.execute("SELECT id, note FROM t ORDER BY id").fetchall()


def review_and_apply(page: Any) -> str:
    page.click("#grid-review")
    sql = page.locator("#grid-review-sql").inner_text()
    page.click("#grid-apply")
    page.wait_for_selector("#grid-review-sql", state="detached")
    return sql


def test_an_edit_inside_begin_is_invisible_to_others_until_commit(query_tool_page: Any, outside: Any,
                                                                  page_errors: Any) -> None:
    page = query_tool_page
    run_sql(page, "begin;")
    page.wait_for_selector("#tx-badge[data-status=in_transaction]")
    run_sql(page, "select id, note from t order by id")
    page.wait_for_selector("#grid-editable")
    cell(page, 0, 1).dblclick()
    page.fill("#results .cell-input", "changed")
    page.keyboard.press("Enter")
    assert "edited" in (cell(page, 0, 1).get_attribute("class") or "")
    sql = review_and_apply(page)
    assert sql == 'UPDATE "public"."t" SET "note" = \'changed\' WHERE "id" = \'1\';'
    wait_until(lambda: "in your open transaction" in page.inner_text("#results .grid-info"), "the applied note")
    assert cell(page, 0, 1).inner_text() == "changed"
    assert notes(outside) == [(1, "a"), (2, "b")]  # not committed yet
    page.wait_for_selector("#tx-badge[data-status=in_transaction]")
    run_sql(page, "commit;")
    page.wait_for_selector("#tx-badge[data-status=idle]")
    assert notes(outside) == [(1, "changed"), (2, "b")]
    assert not page_errors.unexpected()


def test_null_empty_text_add_delete_and_discard(query_tool_page: Any, outside: Any, page_errors: Any) -> None:
    page = query_tool_page
    run_sql(page, "select id, note from t order by id")
    page.wait_for_selector("#grid-editable")
    cell(page, 0, 1).click()
    page.keyboard.press("F2")
    page.locator("#results .cell-null").dispatch_event("mousedown")
    cell(page, 1, 1).dblclick()
    page.fill("#results .cell-input", "")
    page.keyboard.press("Enter")
    page.click("#results tbody tr[data-row='1'] td.rownum")
    page.click("#grid-delete-rows")
    page.click("#grid-discard")
    assert page.locator("#results tr.deleted, #results td.edited").count() == 0
    cell(page, 0, 1).dblclick()
    page.locator("#results .cell-null").dispatch_event("mousedown")
    cell(page, 1, 1).dblclick()
    page.fill("#results .cell-input", "")
    page.keyboard.press("Enter")
    page.click("#grid-add-row")
    page.fill("#results .cell-input", "3")
    page.keyboard.press("Enter")
    sql = review_and_apply(page)
    assert "SET \"note\" = NULL WHERE \"id\" = '1'" in sql and "SET \"note\" = '' WHERE \"id\" = '2'" in sql
    assert "INSERT INTO \"public\".\"t\" (\"id\") VALUES ('3')" in sql
    assert notes(outside) == [(1, None), (2, ""), (3, None)]
    run_sql(page, "select id, note from t where id = 1")
    page.wait_for_selector("#grid-editable")
    page.click("#results tbody tr[data-row='0'] td.rownum")
    page.click("#grid-delete-rows")
    assert "DELETE FROM" in review_and_apply(page)
    wait_until(lambda: page.locator("#results tbody tr").count() == 0, "the deleted row gone")
    assert notes(outside) == [(2, ""), (3, None)]
    run_sql(page, "select note from t")
    page.wait_for_selector("#results .grid-read-only")
    assert not page_errors.unexpected()
