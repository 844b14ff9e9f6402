"""The query tool as the browser feels it: completion latency on 5,000 tables, the grid's memory and frame time.

Debian's Chromium driven by Playwright against the bench's Gunicorn. Completion is timed inside the page,
from the key's keydown to the popup's first option in the DOM. The grid loads 100,000 rows (jump to end),
then its JS heap (after a forced collection) and the rows in the DOM are read, and it is scrolled a screen
per animation frame while the frames' intervals are recorded.
"""

from __future__ import annotations

import shutil
import statistics
from pathlib import Path
from typing import Any

from bench.stats import Metric, metric
from tests.plugins.browser import ARM_POPUP_TIMER, login

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
GRID_ROWS = 100_000
GRID_SQL = ("SELECT g, 'row ' || g || ' ' || md5(g::text) AS label, g * 1.5 AS amount "
            "FROM generate_series(1, 100000) g")  # GRID_ROWS
SCROLL_FRAMES = 240
# Scrolls the grid down a screen per frame and resolves to the intervals between frames (ms).
SCROLL_AND_TIME = """async (frames) => {
  const el = document.querySelector('#results .grid-scroll');
  const gaps = [];
  let last = await new Promise(requestAnimationFrame);
  el.scrollTop = 0;
  for (let i = 0; i < frames; i++) {
    el.scrollTop += el.clientHeight * (i % 40 < 20 ? 1 : -1) + 37;
    const now = await new Promise(requestAnimationFrame);
    gaps.push(now - last);
    last = now;
  }
  return gaps;
}"""


def available() -> str | None:
    """Why the browser figures cannot be measured here, or None."""
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        return "no Chromium at /usr/bin/chromium (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "no Playwright for Python (pip install playwright)"
    return None


def _type_fresh(page: Any, text: str) -> None:
    """Empty the editor and type text (no popup left open)."""
    page.click("#editor .cm-content")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.press("Delete")
    page.keyboard.type(text)
    page.keyboard.press("Escape")


def _popup_ms(page: Any, before: str, key: str) -> float:
    """Type `before`, then time the popup that `key` brings up."""
    _type_fresh(page, before)
    page.wait_for_function("() => !document.querySelector('#editor').shadowRoot"
                           ".querySelector('.cm-tooltip-autocomplete')")
    page.evaluate(ARM_POPUP_TIMER)
    page.keyboard.type(key)
    return float(page.wait_for_function("() => window.popupMs", timeout=10_000).json_value())


def _heap_mib(cdp: Any) -> float:
    cdp.send("HeapProfiler.collectGarbage")
    used = next(m["value"] for m in cdp.send("Performance.getMetrics")["metrics"] if m["name"] == "JSHeapUsedSize")
    return float(used) / 2**20


def measure(url: str, server_id: int, database: str, email: str, password: str, runs: int) -> dict[str, Metric]:
    """Completion latency (table names in a 5,000-table schema, and an alias's columns), grid heap and frames."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
            page.set_default_timeout(30_000)
            login(page, url, email, password)
            page.goto(f"{url}/query-tool?server_id={server_id}&database={database}")
            page.wait_for_selector("#tx-badge[data-status=idle]")
            page.wait_for_selector("#editor[data-catalog=ready]", timeout=60_000)
            tables = [_popup_ms(page, "select * from s5000.t0", str(n % 10)) for n in range(runs)]
            columns = [_alias_popup_ms(page) for _ in range(runs)]
            cdp = page.context.new_cdp_session(page)
            cdp.send("Performance.enable")
            heap_before = _heap_mib(cdp)
            _type_fresh(page, GRID_SQL)
            page.click("#execute")
            page.wait_for_selector("#execute:not([disabled])")
            page.click("#results .grid-jump")
            page.wait_for_function(f"() => document.querySelector('#results table').dataset.loadedRows === "
                                   f"'{GRID_ROWS}'", timeout=120_000)
            heap_after = _heap_mib(cdp)
            dom_rows = int(page.locator("#results tbody tr").count())
            gaps = [float(g) for g in page.evaluate(SCROLL_AND_TIME, SCROLL_FRAMES)]
            page.click("#close-tool")
        finally:
            browser.close()
    long_frames = sum(1 for g in gaps if g > 50)
    return {
        "completion_tables": metric("completion_tables", "completion popup, 5,000-table schema", "ms", tables),
        "completion_alias": metric("completion_alias", "completion popup, an alias's columns", "ms", columns),
        "grid_heap": metric("grid_heap", f"grid: JS heap growth with {GRID_ROWS:,} rows loaded", "MiB",
                            [heap_after - heap_before], note=f"{dom_rows} rows in the DOM"),
        "grid_dom_rows": metric("grid_dom_rows", f"grid: rows in the DOM with {GRID_ROWS:,} loaded", "rows",
                                [float(dom_rows)]),
        "grid_frame": metric("grid_frame", "grid: frame interval while scrolling a screen per frame", "ms", gaps,
                             note=f"{long_frames} of {len(gaps)} frames over 50 ms; "
                                  f"mean {statistics.fmean(gaps):.1f} ms"),
    }


def _alias_popup_ms(page: Any) -> float:
    """`select t| from s5000.t04999 t`, then time the popup of the alias's columns that the dot brings up."""
    _type_fresh(page, "select  from s5000.t04999 t")
    page.keyboard.press("Home")
    for _ in range(len("select ")):
        page.keyboard.press("ArrowRight")
    page.keyboard.type("t")
    page.keyboard.press("Escape")
    page.evaluate(ARM_POPUP_TIMER)
    page.keyboard.type(".")
    return float(page.wait_for_function("() => window.popupMs", timeout=10_000).json_value())
