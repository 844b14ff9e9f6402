"""servers.json in the browser: upload pgAdmin's documented file, see the preview (replace / add / not supported),
apply it, export; an administrator imports for another user from the users page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.plugins.app_fixtures import USER_EMAIL, USER_PASSWORD
from tests.plugins.browser import goto_ready, http_session, login
from tests.plugins.live_server import LiveServer

DOC_EXAMPLE = (Path(__file__).resolve().parent.parent / "data" / "pgadmin4_servers_example.json").read_bytes()


def upload(page: Any, selector: str = "#servers-import-file") -> None:
    page.set_input_files(selector, files=[{"name": "servers.json", "mimeType": "application/json",
                                           "buffer": DOC_EXAMPLE}])


def test_import_preview_then_apply_then_export(live_server: LiveServer, page: Any) -> None:
    http = http_session(live_server.url)
    old = http.post(f"{live_server.url}/api/v1/servers", json={
        "name": "Minimally Defined Server", "group": "Server Group 1", "host": "old.example.com", "username": "u"},
        timeout=10).json()
    login(page, live_server.url)
    goto_ready(page, f"{live_server.url}/servers")
    page.click("#import-servers")
    upload(page)

    replaced = page.locator(".import-row[data-name='Minimally Defined Server']")
    added = page.locator(".import-row[data-name='Fully Defined Server']")
    replaced.wait_for()
    assert replaced.get_attribute("data-action") == "replace" and added.get_attribute("data-action") == "add"
    assert added.locator(".import-unsupported").inner_text() == (
        "KerberosAuthentication, PasswordExecCommand, PasswordExecExpiration, Tags")
    assert "TunnelIdentityFile" in added.locator(".import-notes").inner_text()  # not in this user's file area
    assert "1 added, 1 replaced" in page.inner_text("#servers-import-status")
    assert len(http.get(f"{live_server.url}/api/v1/servers", timeout=10).json()) == 1  # the preview wrote nothing

    page.click("#servers-import-apply")
    page.wait_for_selector("#servers-import-status:has-text('Imported for')")
    page.click("#servers-import-cancel")
    page.locator(".server-row[data-name='Fully Defined Server']").wait_for()
    servers = {s["name"]: s for s in http.get(f"{live_server.url}/api/v1/servers", timeout=10).json()}
    assert servers["Minimally Defined Server"]["id"] == old["id"]
    assert servers["Minimally Defined Server"]["host"] == "localhost"
    assert page.locator(".server-group h2", has_text="Server Group 2").is_visible()

    exported = page.request.get(page.evaluate("document.querySelector('#export-servers').href"))
    assert exported.ok and 'filename="servers.json"' in exported.headers["content-disposition"]
    document = json.loads(exported.text())
    assert {entry["Name"] for entry in document["Servers"].values()} == set(servers)
    for server in servers.values():
        http.delete(f"{live_server.url}/api/v1/servers/{server['id']}", timeout=10)


def test_an_administrator_imports_for_a_user_from_the_users_page(live_server: LiveServer, page: Any) -> None:
    login(page, live_server.url)
    goto_ready(page, f"{live_server.url}/users")
    page.locator(f"tr[data-email='{USER_EMAIL}'] .import-servers-button").click()
    assert USER_EMAIL in page.inner_text("#servers-import-dialog h2")
    upload(page)
    page.locator(".import-row[data-action=add]").first.wait_for()
    page.click("#servers-import-apply")
    page.wait_for_selector(f"#servers-import-status:has-text('Imported for {USER_EMAIL}')")
    as_user = http_session(live_server.url, USER_EMAIL, USER_PASSWORD)
    names = sorted(s["name"] for s in as_user.get(f"{live_server.url}/api/v1/servers", timeout=10).json()
                   if s["is_owner"])
    assert names == ["Fully Defined Server", "Minimally Defined Server"]


def test_the_file_can_be_picked_from_the_file_area(live_server: LiveServer, page: Any) -> None:
    http = http_session(live_server.url)
    uploaded = http.post(f"{live_server.url}/api/v1/storage/upload", data={"path": "/"},
                         files={"file": ("picked-servers.json", DOC_EXAMPLE, "application/json")}, timeout=10)
    assert uploaded.status_code == 201, uploaded.text
    login(page, live_server.url)
    goto_ready(page, f"{live_server.url}/servers")
    page.click("#import-servers")
    page.click("#servers-import-pick")
    page.locator("#file-dialog-list li[data-name='picked-servers.json'] button").dblclick()
    page.locator(".import-row[data-name='Fully Defined Server']").wait_for()
    assert page.inner_text("#servers-import-source") == "/picked-servers.json"
    page.click("#servers-import-cancel")
    page.wait_for_selector("#servers-import-dialog", state="detached")
