"""Look and feel in a real browser: layouts hold at 1024 and 1920 px, the theme and font size follow Preferences."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.plugins.browser import answer_dialog, http_session, login, module_server, open_query_tool, run_sql
from tests.plugins.live_server import LiveServer

server_id = module_server()
WIDTHS = (1024, 1920)

# Every button, link-button and field that is shown must sit inside the viewport and inside any ancestor that
# clips (overflow hidden/clip; a scrolling ancestor lets the user reach it); its own text must not be cut off
# (unless it ellipsizes on purpose); every shown table cell has a width; the page never scrolls sideways.
LAYOUT_PROBLEMS = """() => {
  const problems = [];
  const viewport = document.documentElement.clientWidth;
  const name = (el) => `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}` +
    `${el.className && typeof el.className === "string" ? "." + el.className.trim().replace(/\\s+/g, ".") : ""}` +
    ` "${(el.textContent || el.value || "").trim().slice(0, 30)}"`;
  if (document.documentElement.scrollWidth > viewport + 1) {
    problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${viewport}`);
  }
  for (const el of document.querySelectorAll("button, a.button, select, input:not([type=hidden]), textarea")) {
    if (!el.checkVisibility({ visibilityProperty: true })) continue;
    const box = el.getBoundingClientRect();
    if (box.width < 1 || box.height < 1) { problems.push(`${name(el)} has no size`); continue; }
    if (box.left < -0.5 || box.right > viewport + 0.5) {
      problems.push(`${name(el)} is outside the viewport (${box.left}..${box.right} of ${viewport})`);
    }
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const style = getComputedStyle(up);
      const clipsX = ["hidden", "clip"].includes(style.overflowX);
      const clipsY = ["hidden", "clip"].includes(style.overflowY);
      if (!clipsX && !clipsY) continue;
      const outer = up.getBoundingClientRect();
      if ((clipsX && (box.left < outer.left - 0.5 || box.right > outer.right + 0.5))
          || (clipsY && (box.top < outer.top - 0.5 || box.bottom > outer.bottom + 0.5))) {
        problems.push(`${name(el)} is clipped by ${name(up)}`);
      }
      break;
    }
    const isText = el.tagName === "BUTTON" || el.tagName === "A";
    if (isText && getComputedStyle(el).textOverflow !== "ellipsis" && el.scrollWidth > el.clientWidth + 1) {
      problems.push(`${name(el)} cuts its own text (${el.scrollWidth} > ${el.clientWidth})`);
    }
  }
  for (const cell of document.querySelectorAll("th, td")) {
    if (cell.checkVisibility() && cell.getBoundingClientRect().width < 1) problems.push(`${name(cell)} has zero width`);
  }
  return problems;
}"""


@pytest.fixture(scope="module")
def seeded(live_server: LiveServer, server_id: int) -> int:
    """Something on every page: a file in the storage area (its row has buttons)."""
    http = http_session(live_server.url)
    response = http.post(f"{live_server.url}/api/v1/storage/upload", data={"path": "/"},
                         files={"file": ("layout-check.sql", b"select 1;\n")}, timeout=10)
    assert response.status_code in (200, 201), response.text
    return server_id


def main_pages(server: int, database: str) -> list[tuple[str, str]]:
    """(path, the selector that says the page has rendered its data) of every page of the console."""
    return [
        ("/", "html[data-ready=true] #ws-tree li"),
        ("/servers", ".server-row"),
        (f"/servers/{server}/browser", 'li.tree-node[data-kind="databases"]'),
        (f"/servers/{server}/dashboard", "tr.session-row, #sessions p"),
        ("/storage", "#storage-table tbody tr"),
        ("/jobs", "#job-server option"),
        ("/users", "#users-table tbody tr"),
        ("/account", "#nav-account"),
        ("/preferences", "html[data-page-ready=preferences]"),
        (f"/query-tool?server_id={server}&database={database}", "#tx-badge[data-status=idle]"),
    ]


@pytest.fixture
def wide_page(page: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    page.set_viewport_size({"width": request.param, "height": 900 if request.param < 1920 else 1080})
    yield page


@pytest.mark.parametrize("wide_page", WIDTHS, indirect=True, ids=lambda w: f"{w}px")
def test_no_clipped_button_and_no_zero_width_column(wide_page: Any, live_server: LiveServer, seeded: int,
                                                    pg_database: str) -> None:
    page = wide_page
    login(page, live_server.url)
    found: dict[str, list[str]] = {}
    for path, ready in main_pages(seeded, pg_database):
        page.goto(live_server.url + path)
        page.locator(ready).first.wait_for(state="attached")
        if path.startswith("/query-tool"):
            run_sql(page, "select g as id, 'row ' || g as label, now() as at from generate_series(1, 30) g")
        problems = page.evaluate(LAYOUT_PROBLEMS)
        if problems:
            found[path] = problems
    assert not found, "\n".join(f"{path}:\n  " + "\n  ".join(items) for path, items in found.items())


def test_the_theme_and_font_size_follow_preferences_without_a_flash(page: Any, live_server: LiveServer,
                                                                     server_id: int, pg_database: str) -> None:
    page.emulate_media(color_scheme="dark")
    login(page, live_server.url)
    background = "() => getComputedStyle(document.body).backgroundColor"
    dark = page.evaluate(background)
    page.select_option("#theme-toggle", "light")  # the topbar switch wins over the system's dark
    page.wait_for_function(f"() => ({background})() !== {dark!r}")
    light = page.evaluate(background)
    page.goto(f"{live_server.url}/preferences")
    page.wait_for_selector("html[data-page-ready=preferences]")
    assert page.locator("select[name=theme]").input_value() == "light"  # saved for the user
    assert page.evaluate(background) == light
    page.select_option("select[name=theme]", "dark")
    page.fill("input[name=editor_font_size]", "19")
    page.select_option("select[name=autocommit]", "off")
    page.click("#preferences-save")
    page.locator("#preferences-status", has_text="Saved.").wait_for()
    assert page.evaluate(background) == dark

    page.emulate_media(color_scheme="light")  # the user's choice, not the system's, decides from now on
    open_query_tool(page, live_server.url, server_id, pg_database)
    assert page.get_attribute("html", "data-theme") == "dark"  # rendered by the server: no flash of light
    assert page.evaluate(background) == dark
    editor = page.locator(".qt-editor .cm-editor")
    assert editor.evaluate("el => getComputedStyle(el).fontSize") == "19px"
    assert editor.evaluate("el => getComputedStyle(el).backgroundColor") != "rgb(255, 255, 255)"
    assert page.is_checked("#mode-autocommit") is False  # the preferred default mode
    run_sql(page, "create temporary table look_t (a int)")
    page.wait_for_selector("#tx-badge[data-status=in_transaction]")
    page.click("#close-tool")
    assert "roll it back" in answer_dialog(page, accept=False)  # a real dialog; cancelled, nothing closes
    assert "/query-tool" in page.url
    page.click("#rollback")
    page.wait_for_selector("#tx-badge[data-status=idle]")
