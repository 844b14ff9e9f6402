"""Files in the query tool, in a real browser against Gunicorn and PostgreSQL: a file uploaded with the
file manager opened in the query tool and run; Save / Save As with overwrite confirmation; CSV exports
into storage that show up in the file manager."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.plugins.browser import (
    answer_dialog,
    editor_text,
    goto_ready,
    http_session,
    login,
    module_server,
    open_query_tool,
    run_sql,
    set_editor_text,
    wait_idle,
    wait_ready,
)
from tests.plugins.live_server import LiveServer

server_id = module_server()


@pytest.fixture(scope="module")
def home(live_server: LiveServer) -> Path:
    """The admin's (user 1) file area of the live server."""
    return live_server.data_dir / "storage" / "u1"


@pytest.fixture
def tool(live_server: LiveServer, server_id: int, pg_database: str, page: Any, home: Path) -> Iterator[Any]:
    """A logged-in page with a query tool open on this test's own database, and an empty file area."""
    for item in home.iterdir() if home.exists() else []:
        if item.is_file():
            item.unlink()
    login(page, live_server.url)
    open_query_tool(page, live_server.url, server_id, pg_database)
    yield page


def cells(page: Any, column: int) -> list[str]:
    return page.locator(f"table.results-grid tbody tr td:nth-child({column + 2})").all_inner_texts()


def pick_in_dialog(page: Any, *, folder: str | None = None, name: str | None = None, click: str | None = None) -> None:
    """Drive the open file dialog: into a folder, then type a name or click a file, then OK."""
    dialog = page.locator("#file-dialog")
    dialog.wait_for()
    if folder:
        dialog.locator(f"#file-dialog-list li[data-name='{folder}'] button").click()
        dialog.locator("#file-dialog-crumbs [aria-current=page]", has_text=folder).wait_for()
    if click:
        dialog.locator(f"#file-dialog-list li[data-name='{click}'] button").click()
        assert dialog.locator("#file-dialog-name").input_value() == click
    if name is not None:
        dialog.locator("#file-dialog-name").fill(name)
    dialog.locator("#file-dialog-ok").click()
    dialog.wait_for(state="detached")


def notice(page: Any, text: str) -> str:
    element = page.locator("#qt-file-notice", has_text=text)
    element.wait_for()
    return str(element.inner_text())


def test_upload_with_the_file_manager_then_open_and_run(tool: Any, live_server: LiveServer, page_errors: Any) -> None:
    page_errors.allow(r"status of 400 .*/api/v1/storage/text\?root=home&path=%2Fblob\.bin")  # the expected not_text
    page = tool
    script = "select 'from a file' as origin, 7 * 6 as answer;\n"
    goto_ready(page, f"{live_server.url}/storage")
    page.set_input_files("#storage-file-input", files=[
        {"name": "report.sql", "mimeType": "application/sql", "buffer": script.encode()},
        {"name": "blob.bin", "mimeType": "application/octet-stream", "buffer": b"\x00\x01binary\xff"}])
    page.locator("#storage-table tr[data-name='report.sql']").wait_for()
    page.go_back()
    page.wait_for_selector("#tx-badge[data-status=idle]")

    page.click("#file-open")
    pick_in_dialog(page, click="blob.bin")
    text = notice(page, "Open failed")
    assert "binary file, not text" in text and "Download it instead" in text
    assert page.locator("#qt-file-notice").get_attribute("role") == "alert"

    page.click("#file-open")
    pick_in_dialog(page, click="report.sql")
    assert "Opened /report.sql" in notice(page, "Opened")
    assert editor_text(page).strip() == script.strip()
    assert page.inner_text("#qt-file") == "report.sql"
    assert page.title().startswith("report.sql — ")
    page.click("#execute")
    wait_idle(page)
    assert page.locator("table.results-grid thead .col-name").all_inner_texts() == ["origin", "answer"]
    assert cells(page, 0) == ["from a file"] and cells(page, 1) == ["42"]


def test_save_as_save_and_overwrite_confirmation(tool: Any, live_server: LiveServer, home: Path,
                                                page_errors: Any) -> None:
    page_errors.allow(r"status of 409 .*/api/v1/storage/text")  # "exists": the question comes next
    page = tool
    set_editor_text(page, "select 1 as first_version")
    page.click("#file-save-as")
    pick_in_dialog(page, name="saved.sql")
    assert "Saved /saved.sql" in notice(page, "Saved")
    assert (home / "saved.sql").read_text() == "select 1 as first_version"
    assert page.inner_text("#qt-file") == "saved.sql"

    set_editor_text(page, "select 2 as second_version")
    assert page.inner_text("#qt-file") == "saved.sql •"  # changed since saved
    page.keyboard.press("ControlOrMeta+s")  # Save: the same file again, no dialog
    page.wait_for_function("() => document.querySelector('#qt-file').dataset.dirty === 'false'")
    assert (home / "saved.sql").read_text() == "select 2 as second_version"

    set_editor_text(page, "select 3 as third_version")
    page.click("#file-save-as")
    pick_in_dialog(page, name="saved.sql")
    question = answer_dialog(page, accept=False)
    assert "“saved.sql” already exists" in question and "Replace it?" in question
    assert (home / "saved.sql").read_text() == "select 2 as second_version"  # declined: untouched

    page.click("#file-save-as")
    pick_in_dialog(page, click="saved.sql")
    answer_dialog(page)
    page.wait_for_function("() => document.querySelector('#qt-file').dataset.dirty === 'false'")  # saved
    notice(page, "Saved /saved.sql")
    assert (home / "saved.sql").read_text() == "select 3 as third_version"
    api = http_session(live_server.url)
    saved = api.get(f"{live_server.url}/api/v1/storage/text", params={"path": "/saved.sql"}, timeout=10).json()
    assert saved["text"] == "select 3 as third_version"

    page.reload()  # the tab remembers its file
    wait_ready(page)
    page.wait_for_selector("#tx-badge[data-status=idle]")
    page.wait_for_function("() => document.querySelector('#qt-file').textContent === 'saved.sql'")
    run_sql(page, editor_text(page))
    assert cells(page, 0) == ["3"]


def test_export_csv_to_storage_shows_in_the_file_manager(tool: Any, live_server: LiveServer, home: Path,
                                                         page_errors: Any) -> None:
    page_errors.allow(r"status of 409 .*/api/v1/query-tool/[^/]+/export-to-storage")  # "exists", then the question
    page = tool
    api = http_session(live_server.url)
    api.post(f"{live_server.url}/api/v1/storage/mkdir", json={"path": "/exports"}, timeout=10)
    run_sql(page, "select g, case when g % 2 = 0 then null else 'row ' || g end as label "
                  "from generate_series(1, 3000) g")
    assert page.inner_text("#qt-status").startswith("1000 rows (more available)")
    page.click("#export-storage")
    pick_in_dialog(page, folder="exports", name="numbers.csv")
    assert "Exported 3000 rows to /exports/numbers.csv" in notice(page, "Exported")
    lines = (home / "exports" / "numbers.csv").read_text().splitlines()
    assert lines[:3] == ["g,label", "1,row 1", "2,"] and len(lines) == 3001
    wait_idle(page)
    assert page.locator("#tx-badge").get_attribute("data-status") == "idle"

    run_sql(page, "select 'replaced' as state")
    page.click("#export-storage")
    pick_in_dialog(page, folder="exports", click="numbers.csv")
    answer_dialog(page)
    notice(page, "Exported 1 rows")
    assert (home / "exports" / "numbers.csv").read_text() == "state\nreplaced\n"

    with page.context.expect_page() as opened:
        page.click("#qt-export-folder")
    files = opened.value
    files.locator("#storage-table tr[data-name='numbers.csv']").wait_for()
    assert files.locator("#storage-crumbs [aria-current=page]").inner_text() == "exports"
    files.close()
