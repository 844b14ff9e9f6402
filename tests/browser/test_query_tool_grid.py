"""The virtual results grid in a real browser: a 100,000-row result with few rows in the page, selection and copies,
PostgreSQL's text forms and whitespace, sort and filter of the loaded rows, the value viewer (real Gunicorn and
PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.plugins.browser import module_server, run_sql
from tests.plugins.live_server import LiveServer
from tests.plugins.waiting import wait_until

server_id = module_server()


@pytest.fixture
def tool(query_tool_page: Any) -> Any:
    return query_tool_page


def cell(page: Any, row: int, column: int) -> Any:
    """A drawn cell by its position in the shown order (0-based) and column (0-based, not the row number)."""
    return page.locator(f"#results tbody tr[data-row='{row}'] td:nth-child({column + 2})")


def column_texts(page: Any, column: int) -> list[str]:
    return page.locator(f"#results tbody td:nth-child({column + 2})").all_inner_texts()


def test_a_100000_row_result_jumps_to_its_end_with_few_rows_in_the_page(tool: Any) -> None:
    run_sql(tool, "select g, 'row ' || g as label from generate_series(1, 100000) g")
    assert "more than 1000" in tool.inner_text("#results .grid-count")
    tool.click("#results .grid-jump")
    tool.wait_for_function("() => document.querySelector('#results table').dataset.loadedRows === '100000'",
                           timeout=30_000)
    last = tool.locator("#results tbody tr td.rownum").last
    wait_until(lambda: last.inner_text() == "100000", "the last row number in view")
    assert last.is_visible()
    assert tool.locator("#results tbody tr").count() < 500
    assert tool.inner_text("#results .grid-count") == "100000 rows"
    tool.locator(".grid-scroll").evaluate("el => { el.scrollTop = el.scrollHeight / 2; }")
    wait_until(lambda: "50000" in tool.locator("#results tbody td.rownum").all_inner_texts(), "the middle in view")
    assert tool.locator("#results tbody tr").count() < 500


def test_a_range_copies_as_tsv_and_through_the_copy_menu(tool: Any, live_server: LiveServer) -> None:
    tool.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    run_sql(tool, "select g as a, g * 10 as b, 'x ' || g as c, case when g > 0 then null end as d, 'q\"t' as e"
                  " from generate_series(1, 5) g")
    cell(tool, 1, 1).click()
    cell(tool, 3, 2).click(modifiers=["Shift"])  # rows 2-4, columns b and c: 3 by 2
    tool.keyboard.press("ControlOrMeta+c")
    clipboard = "navigator.clipboard.readText()"
    wait_until(lambda: tool.evaluate(clipboard) == "20\tx 2\n30\tx 3\n40\tx 4", "the TSV of the range")
    tool.keyboard.press("Shift+ArrowRight")  # NULL copies as an empty field
    tool.keyboard.press("ControlOrMeta+c")
    wait_until(lambda: tool.evaluate(clipboard) == "20\tx 2\t\n30\tx 3\t\n40\tx 4\t", "the range widened")
    tool.click("#results .grid-copy")
    tool.click(".ctx-item:has-text('with headers')")
    tool.click(".ctx-menu[data-depth='1'] .ctx-item:has-text('CSV')")
    wait_until(lambda: tool.evaluate(clipboard) == "b,c,d\n20,x 2,\n30,x 3,\n40,x 4,\n", "the CSV with headers")
    tool.click("#results tbody tr[data-row='0'] td.rownum")  # a whole row
    tool.keyboard.press("ControlOrMeta+c")
    wait_until(lambda: tool.evaluate(clipboard) == '1\t10\tx 1\t\t"q""t"', "the row, its quote doubled")
    tool.click("#results thead th[data-column='0'] .col-name")  # a whole column
    tool.keyboard.press("ControlOrMeta+c")
    wait_until(lambda: tool.evaluate(clipboard) == "1\n2\n3\n4\n5", "the column")


def test_postgresql_text_forms_and_whitespace_are_shown(tool: Any) -> None:
    run_sql(tool, "select array[1, 2] as arr, array[[1, null], [3, 4]] as nested, array['a b', 'c,d'] as texts,"
                  " int4range(1, 5) as r, '1 day 02:00'::interval as i, row(1, 'x y') as rec,"
                  " '  ->  Seq Scan' as plan_line, 42 as n")
    texts = [cell(tool, 0, c).inner_text() for c in range(8)]
    assert texts == ["{1,2}", "{{1,NULL},{3,4}}", '{"a b","c,d"}', "[1,5)", "1 day 02:00:00", '(1,"x y")',
                     "  ->  Seq Scan", "42"]
    align = "el => getComputedStyle(el).textAlign"
    assert cell(tool, 0, 7).evaluate(align) == "right" and cell(tool, 0, 0).evaluate(align) == "left"
    assert cell(tool, 0, 6).evaluate("el => getComputedStyle(el).whiteSpace") == "pre"


def test_sort_and_filter_apply_to_the_loaded_rows(tool: Any) -> None:
    run_sql(tool, "select g, (g * 7) % 10 as k, case when g % 4 = 0 then null else 'v' || g end as v"
                  " from generate_series(1, 30) g")
    tool.click("#results th[data-column='1'] .col-sort")
    ks = column_texts(tool, 1)
    assert ks[:3] == ["0", "0", "0"] and ks == sorted(ks, key=int)
    assert "loaded rows only" in tool.inner_text("#results .grid-view-note")
    tool.click("#results th[data-column='1'] .col-sort")
    assert column_texts(tool, 1)[:3] == ["9", "9", "9"]
    tool.click("#results th[data-column='2'] .col-sort")  # NULL sorts last, as PostgreSQL's ASC
    assert column_texts(tool, 2)[:4] == ["v1", "v2", "v3", "v5"]  # text in natural order (NULL sorts last)
    tool.fill("#results .grid-filter", "v2")
    wait_until(lambda: "of the 30 loaded rows match" in tool.inner_text("#results .grid-view-note"), "the filter")
    assert column_texts(tool, 2) == ["v2", "v21", "v22", "v23", "v25", "v26", "v27", "v29"]
    assert tool.locator("#results tbody td.rownum").all_inner_texts()[:2] == ["2", "21"]  # the rows' own numbers
    assert tool.get_attribute("#results .grid-filter", "placeholder") == "Filter loaded rows"


def test_the_value_viewer_folds_json_and_shows_xml_and_bytea(tool: Any) -> None:
    run_sql(tool, """select '{"a": [1, 2.50], "b": {"c": null}, "big": 12345678901234567890}'::jsonb as doc,"""
                  """ 'plain' as t, '\\xdeadbeef41'::bytea as b, '<a><b k="v">x</b></a>'::xml as x""")
    cell(tool, 0, 0).dblclick()
    viewer = tool.locator("dialog.value-viewer[data-kind='json']")
    viewer.wait_for()
    tree = viewer.locator(".json-tree")
    text = tree.inner_text()
    assert '"a": [' in text and "2.50" in text and "12345678901234567890" in text and "null" in text
    nested = tree.locator("details.json-node details.json-node").first
    assert nested.evaluate("el => el.open")
    nested.locator("summary").click()
    assert not nested.evaluate("el => el.open")
    tool.keyboard.press("Escape")
    viewer.wait_for(state="detached")
    tool.keyboard.press("ArrowRight")
    tool.keyboard.press("Enter")  # Enter opens the focused cell's value
    plain = tool.locator("dialog.value-viewer[data-kind='text']")
    plain.wait_for()
    assert plain.locator(".value-text").inner_text() == "plain"
    plain.locator(".value-close").click()
    plain.wait_for(state="detached")
    cell(tool, 0, 2).dblclick()
    dump = tool.inner_text("dialog.value-viewer[data-kind='bytea'] .value-text")
    assert dump == "00000000  de ad be ef 41" + " " * 35 + "....A"  # offset, hex, the printable characters
    tool.keyboard.press("Escape")
    cell(tool, 0, 3).dblclick()
    xml = tool.inner_text("dialog.value-viewer[data-kind='xml'] .value-text")
    assert xml == '<a>\n  <b k="v">\n    x\n  </b>\n</a>'
    tool.keyboard.press("Escape")
    tool.locator("dialog.value-viewer").wait_for(state="detached")
