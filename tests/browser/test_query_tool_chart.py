"""The query tool's Chart tab in a real browser (real Gunicorn and PostgreSQL): uPlot draws the loaded rows,
the PNG download is a real PNG, a timestamptz x is a time axis in the values' own offset, no number says so."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import pytest

from tests.plugins.browser import module_server, run_sql

server_id = module_server()
PLOT = "#chart-plot"


@pytest.fixture
def tool(query_tool_page: Any) -> Any:
    return query_tool_page


def open_chart(page: Any) -> None:
    page.click("#chart-tab")
    page.wait_for_selector("#chart-panel:not([hidden])")


def choose_y(page: Any, *names: str) -> None:
    for box in page.locator("#chart-y input").all():
        box.set_checked(box.get_attribute("value") in names)


def drawn(page: Any, kind: str, series: int) -> Any:
    """Wait until the canvas holds `series` series of a `kind` chart; the plot's box."""
    page.wait_for_selector(f"{PLOT}[data-kind={kind}][data-series='{series}']")
    return page.locator(PLOT)


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk, after checking its signature."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_a_line_chart_of_two_columns_downloads_as_png(tool: Any, tmp_path: Path) -> None:
    run_sql(tool, "select g as x, g*2 as y, g*3 as z from generate_series(1,50) g")
    open_chart(tool)
    tool.select_option("#chart-kind", "line")
    assert tool.input_value("#chart-x") == "0"  # x: the first column when every column is a number
    choose_y(tool, "y", "z")
    plot = drawn(tool, "line", 2)
    assert plot.get_attribute("data-points") == "50" and plot.get_attribute("data-x-axis") == "number"
    assert tool.locator(f"{PLOT} .u-legend .u-series").all_inner_texts()[1:] == ["y", "z"]
    canvas = tool.locator(f"{PLOT} canvas").evaluate("c => [c.width, c.height]")
    with tool.expect_download() as info:
        tool.click("#chart-png")
    assert info.value.suggested_filename == "chart.png"
    saved = tmp_path / "chart.png"
    info.value.save_as(saved)
    data = saved.read_bytes()
    width, height = png_size(data)
    assert width == canvas[0] and height > canvas[1]  # the canvas, and the legend drawn under it
    assert width >= 400 and len(data) > 5_000


STAMPS = ["2026-12-04", "2026-12-04 06:30:00.25", "2026-12-04 09:00:00+05:30", "2026-12-03 22:30:00-08",
          "1901-12-13 20:45:52+00:09:21", "0099-01-01 00:00:00", "infinity", "0044-03-15 BC", "04/12/2026"]


def test_the_chart_reads_numbers_stamps_and_stacks(tool: Any) -> None:
    got = tool.evaluate("""async (stamps) => {
        const prefix = document.querySelector('meta[name=app-prefix]').content;
        const { columnKind, parseStamp, stack, toNumber } = await import(`${prefix}/static/js/lib/chart_data.js`);
        return {
          kinds: ["int4", "int8", "numeric(10,2)", "float8", "timestamptz(3)", "timestamp", "date", "text", "int4[]",
                  "money"].map(columnKind),
          numbers: [1, "12345678901234567890", "1.5", "NaN", "Infinity", null].map(toNumber),
          stamps: stamps.map(parseStamp),
          stack: stack([[1, -2, null, 4], [3, -1, 5, -4], [2, 2, 1, null]]),
        };
    }""", STAMPS)
    assert got["kinds"] == ["number"] * 4 + ["time"] * 3 + ["other"] * 3
    numbers = [None if n is None else float(n) for n in got["numbers"]]
    assert numbers == [1, float(12345678901234567890), 1.5, None, None, None]  # a float, for the chart only
    day = 1_796_342_400  # 2026-12-04 00:00 UTC
    assert got["stamps"] == [{"at": day, "offset": 0}, {"at": day + 23_400.25, "offset": 0},
                             {"at": day + 12_600, "offset": 19_800}, {"at": day + 23_400, "offset": -28_800},
                             {"at": -2_147_484_209, "offset": 561},
                             {"at": -59_042_995_200, "offset": 0}, None, None, None]
    assert got["stack"] == [[[0, 0, None, 0], [1, -2, None, 4]],
                            [[1, -2, 0, 0], [4, -3, 5, -4]],
                            [[4, 0, 5, None], [6, 2, 6, None]]]


def test_stacked_bars_of_numerics(tool: Any) -> None:
    run_sql(tool, "select g, g::numeric(20,2) as a, case when g % 2 = 0 then null else -g end as b,"
                  " 12345678901234567890::numeric + g as big from generate_series(1,5) g")
    open_chart(tool)
    tool.select_option("#chart-kind", "stacked")
    choose_y(tool, "a", "b")
    drawn(tool, "stacked", 2)
    choose_y(tool, "big")  # numerics past 2**53 arrive as strings: parsed for the chart only
    assert drawn(tool, "stacked", 1).get_attribute("data-points") == "5"


def test_a_timestamptz_x_is_a_time_axis_in_the_values_offset(tool: Any) -> None:
    run_sql(tool, "set time zone 'Asia/Kolkata';"
                  " select t, extract(hour from t)::int as h"
                  " from generate_series(timestamptz '2026-12-04 09:00+05:30', '2026-12-04 15:00+05:30', '15 min') t")
    open_chart(tool)
    assert tool.input_value("#chart-x") == "0" and tool.locator("#chart-y input").count() == 1
    plot = drawn(tool, "line", 1)
    assert plot.get_attribute("data-x-axis") == "time" and plot.get_attribute("data-points") == "25"
    hours = [label.split(":")[0] for label in plot.get_attribute("data-x-ticks").split("|")]
    assert hours and all("09" <= hour <= "15" for hour in hours), hours  # 09:00-15:00 +05:30, not UTC's 03:30-09:30


def test_a_result_without_numbers_says_so(tool: Any) -> None:
    run_sql(tool, "select 'a'::text as name, now() as at")
    open_chart(tool)
    message = tool.locator("#chart-message")
    message.wait_for()
    assert "no numeric column" in message.inner_text()
    assert tool.locator(f"{PLOT} canvas").count() == 0 and tool.is_disabled("#chart-png")


def test_the_chart_follows_the_theme(tool: Any) -> None:
    run_sql(tool, "select g, g*g as sq from generate_series(1,10) g")
    open_chart(tool)
    tool.select_option("#chart-kind", "area")
    drawn(tool, "area", 1)
    light = tool.evaluate(f"() => document.querySelector('{PLOT} canvas').toDataURL()")
    tool.evaluate("() => { document.documentElement.dataset.theme = 'dark'; }")
    # the axes' and grid's colours are in the canvas: it is drawn again
    tool.wait_for_function(f"prev => document.querySelector('{PLOT} canvas').toDataURL() !== prev", arg=light)


def test_the_chart_draws_the_result_set_in_view(tool: Any) -> None:
    run_sql(tool, "select g, g*2 as a from generate_series(1,3) g; select g, g*2 as b from generate_series(1,7) g")
    open_chart(tool)
    assert drawn(tool, "line", 1).get_attribute("data-points") == "7"
    tool.click(".qt-tabs .tab[data-tab=data]")
    tool.click("#result-sets [data-statement='0']")  # the first statement's preview
    open_chart(tool)
    tool.wait_for_selector(f"{PLOT}[data-points='3']")
    assert tool.locator("#chart-y input").get_attribute("value") == "a"
