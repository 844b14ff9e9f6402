"""The server dialog's TLS section: a root certificate picked from the user's files, a client certificate and key
uploaded, saved and used to reach a PostgreSQL that demands clientcert=verify-full."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.plugins.browser import login
from tests.plugins.live_server import LiveServer
from tests.plugins.tls_fixture import TlsPgServer

SERVICE_FILE = Path(tempfile.gettempdir()) / f"pgadmin_lite-test-services-{uuid.uuid4().hex}.conf"
LIVE_SERVER_SETTINGS = {"PG_SERVICE_FILE": str(SERVICE_FILE)}  # read at each use: written by the fixture below


@pytest.fixture(scope="module", autouse=True)
def service_file(tls_pg_server: TlsPgServer) -> Iterator[Path]:
    SERVICE_FILE.write_text(f"[tlsdb]\nhost=127.0.0.1\nport={tls_pg_server.server.port}\n")
    try:
        yield SERVICE_FILE
    finally:
        SERVICE_FILE.unlink(missing_ok=True)


PUT_TEXT = """async ([base, path, text]) => {
  const session = await (await fetch(`${base}/api/v1/session`)).json();
  const headers = {"Content-Type": "application/json", "X-CSRFToken": session.csrf_token};
  const listed = await fetch(`${base}/api/v1/storage?path=/`);
  if (!(await listed.json()).entries.some((entry) => entry.name === "tls")) {
    await fetch(`${base}/api/v1/storage/mkdir`, {method: "POST", headers, body: JSON.stringify({path: "/tls"})});
  }
  const response = await fetch(`${base}/api/v1/storage/text`, {method: "PUT", headers,
    body: JSON.stringify({path, text, overwrite: true})});
  return response.status;
}"""


def test_tls_files_picked_and_uploaded_in_the_dialog(live_server: LiveServer, tls_pg_server: TlsPgServer,
                                                     page: Any, tmp_path: Path) -> None:
    tls = tls_pg_server.tls
    login(page, live_server.url)
    page.goto(f"{live_server.url}/servers")
    assert page.evaluate(PUT_TEXT, [live_server.url, "/tls/ca.pem", tls.ca.cert]) in (200, 201)
    (tmp_path / "client.crt").write_text(tls.client.cert)
    (tmp_path / "client.key").write_text(tls.client.key)

    page.click("#add-server")
    form = page.locator("#server-form")
    form.locator("input[name=name]").fill("TLS PG")
    form.locator("input[name=host]").fill("127.0.0.1")
    form.locator("input[name=port]").fill(str(tls_pg_server.server.port))
    form.locator("input[name=username]").fill(tls_pg_server.server.user)
    form.locator("select[name=sslmode]").select_option("verify-full")

    page.click("#tls-sslrootcert-pick")
    page.fill("#file-dialog-name", "/tls/ca.pem")
    page.click("#file-dialog-ok")
    page.wait_for_selector("#tls-sslrootcert-status:has-text('ca.pem (not saved yet)')")
    page.set_input_files("#tls-sslcert-upload", str(tmp_path / "client.crt"))
    page.set_input_files("#tls-sslkey-upload", str(tmp_path / "client.key"))
    page.wait_for_selector("#tls-sslkey-status:has-text('client.key (not saved yet)')")
    page.click("#server-save")

    row = page.locator(".server-row", has_text="TLS PG")
    row.wait_for()
    row.locator(".test-button").click()
    page.locator(".test-result.ok").wait_for()

    row.locator(".edit-button").click()
    page.wait_for_selector("#tls-sslrootcert-status:has-text('ca.pem')")
    assert page.inner_text("#tls-sslcert-status") == "saved"
    assert page.inner_text("#tls-sslkey-status") == "saved"
    assert page.inner_text("#tls-sslcrl-status") == "none"


def test_a_service_and_a_passfile_chosen_in_the_dialog(live_server: LiveServer, tls_pg_server: TlsPgServer,
                                                       page: Any) -> None:
    tls = tls_pg_server.tls
    login(page, live_server.url)
    page.goto(f"{live_server.url}/servers")
    for path, text in (("/tls/ca.pem", tls.ca.cert), ("/tls/client.crt", tls.client.cert),
                       ("/tls/client.key", tls.client.key), ("/tls/pgpass.txt", "*:*:*:*:unused\n")):
        assert page.evaluate(PUT_TEXT, [live_server.url, path, text]) in (200, 201)
    page.click("#add-server")
    form = page.locator("#server-form")
    page.wait_for_selector("#server-service option[value=tlsdb]", state="attached")
    form.locator("input[name=name]").fill("By service")
    form.locator("input[name=username]").fill(tls_pg_server.server.user)
    form.locator("select[name=service]").select_option("tlsdb")
    form.locator("select[name=sslmode]").select_option("verify-full")
    for name, path in (("sslrootcert", "/tls/ca.pem"), ("sslcert", "/tls/client.crt"), ("sslkey", "/tls/client.key")):
        page.click(f"#tls-{name}-pick")
        page.fill("#file-dialog-name", path)
        page.click("#file-dialog-ok")
        page.wait_for_selector(f"#tls-{name}-status:has-text('not saved yet')")
    page.click("#server-passfile-pick")
    page.fill("#file-dialog-name", "/tls/pgpass.txt")
    page.click("#file-dialog-ok")
    page.wait_for_function("() => document.querySelector('#server-passfile').value === '/tls/pgpass.txt'")
    page.click("#server-save")

    page.wait_for_selector("#server-dialog", state="hidden")
    assert page.locator("#server-form-error").is_hidden()
    row = page.locator(".server-row", has_text="By service")
    row.wait_for()
    row.locator(".test-button").click()
    page.locator(".test-result.ok").wait_for()
    row.locator(".edit-button").click()
    page.wait_for_selector("#tls-sslrootcert-status:has-text('ca.pem')")
    page.wait_for_function("() => document.querySelector('#server-service').value === 'tlsdb'")
