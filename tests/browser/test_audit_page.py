"""The audit log page in Chromium against the real server: reached from the topbar, filtered by action (the filter
kept in the address), paged, exported as a JSON-lines download; a bad filter says which; hidden from plain users."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from tests.plugins.app_fixtures import USER_EMAIL, USER_PASSWORD
from tests.plugins.browser import PageErrors, http_session, login, wait_ready
from tests.plugins.live_server import LiveServer

ROWS = "#audit-table tbody tr"


def test_filter_by_action_see_the_rows_and_export_them(page: Any, live_server: LiveServer) -> None:
    admin = http_session(live_server.url)
    tag = uuid.uuid4().hex[:8]
    emails = [f"audit-{tag}-{index}@example.com" for index in range(3)]
    for email in emails:
        response = admin.post(f"{live_server.url}/api/v1/users", json={"email": email, "password": "audit-pass-1"},
                              timeout=10)
        assert response.status_code == 201, response.text
    login(page, live_server.url)
    page.click("#nav-audit")
    wait_ready(page)
    assert page.locator(f"{ROWS}[data-action=login]").count() >= 1  # everything, newest first, before a filter

    page.fill("#audit-filters input[name=action]", "user.create")
    page.fill("#audit-filters input[name=q]", tag)
    page.click("#audit-apply")
    page.wait_for_function("n => document.querySelectorAll('#audit-table tbody tr').length === n"
                           " && [...document.querySelectorAll('#audit-table tbody tr')]"
                           ".every(tr => tr.dataset.action === 'user.create')", arg=len(emails))
    details = page.locator(f"{ROWS} .audit-details").all_inner_texts()
    assert [next(e for e in emails if e in text) for text in details] == list(reversed(emails))
    assert "action=user.create" in page.url and f"q={tag}" in page.url
    assert page.locator("#audit-more").is_hidden()

    with page.expect_download() as info:
        page.click("#audit-export")
    download = info.value
    assert download.suggested_filename.startswith("audit-") and download.suggested_filename.endswith(".jsonl")
    lines = Path(download.path()).read_text(encoding="utf-8").splitlines()
    exported = [json.loads(line) for line in lines]
    assert [event["details"]["email"] for event in exported] == list(reversed(emails))
    shown = [int(row) for row in page.locator(ROWS).evaluate_all("rows => rows.map(r => r.dataset.id)")]
    assert [event["id"] for event in exported] == shown

    page.reload()  # the filters came back from the address
    wait_ready(page)
    assert page.input_value("#audit-filters input[name=action]") == "user.create"
    assert page.locator(ROWS).count() == len(emails)


def test_older_events_page_in_and_a_bad_filter_names_itself(page: Any, live_server: LiveServer,
                                                            page_errors: PageErrors) -> None:
    page_errors.allow(r"status of 400 \(BAD REQUEST\).*/api/v1/audit\?action=DROP")  # the refused filter
    admin = http_session(live_server.url)
    tag = uuid.uuid4().hex[:8]
    for index in range(4):
        response = admin.post(f"{live_server.url}/api/v1/users", timeout=10,
                              json={"email": f"p-{tag}-{index}@example.com", "password": "audit-pass-1"})
        assert response.status_code == 201, response.text
    login(page, live_server.url)
    page.goto(f"{live_server.url}/audit?action=user.create&q={tag}&limit=3")
    wait_ready(page)
    assert page.locator(ROWS).count() == 3
    page.click("#audit-more")
    page.wait_for_function("() => document.querySelectorAll('#audit-table tbody tr').length === 4")
    page.locator("#audit-more").wait_for(state="hidden")
    emails = [next(part for part in text.split("; ") if part.startswith("email:"))
              for text in page.locator(f"{ROWS} .audit-details").all_inner_texts()]
    assert emails == [f"email: p-{tag}-{index}@example.com" for index in (3, 2, 1, 0)]

    page.fill("#audit-filters input[name=action]", "DROP TABLE")
    page.click("#audit-apply")
    error = page.locator("#audit-error")
    error.wait_for()
    assert "action must be" in error.inner_text()
    assert page.locator(ROWS).count() == 4 and "DROP" not in page.url  # what was shown stays


def test_a_plain_user_has_no_audit_link_and_no_page(page: Any, live_server: LiveServer,
                                                    page_errors: PageErrors) -> None:
    page_errors.allow(r"status of 403 \(FORBIDDEN\)")  # the page asked for below
    login(page, live_server.url, USER_EMAIL, USER_PASSWORD)
    assert page.locator("#nav-users").count() == 0 and page.locator("#nav-audit").count() == 0
    response = page.goto(f"{live_server.url}/audit")
    assert response.status == 403
