"""The server dialog's SSH tunnel section in a real browser, against a real sshd: a key pasted (its passphrase
typed), the connection tested through the tunnel, then the trusted host key shown and forgotten."""

from __future__ import annotations

from typing import Any

from tests.plugins.browser import http_session, login
from tests.plugins.live_server import LiveServer
from tests.plugins.postgres_fixture import PgServer
from tests.plugins.sshd_fixture import KEY_PASSPHRASE, SshServer


def test_tunnel_with_a_key_then_forget_the_host_key(live_server: LiveServer, pg_server: PgServer, sshd: SshServer,
                                                    page: Any) -> None:
    login(page, live_server.url)
    page.goto(f"{live_server.url}/servers")
    page.click("#add-server")
    form = page.locator("#server-form")
    assert not form.locator("#ssh-tunnel-fields").is_visible()
    form.locator("input[name=name]").fill("Behind a bastion")
    form.locator("input[name=host]").fill(pg_server.host)
    form.locator("input[name=port]").fill(str(pg_server.port))
    form.locator("input[name=username]").fill(pg_server.user)
    form.locator("#ssh-enabled").check()
    form.locator("input[name=ssh_host]").fill(sshd.host)
    form.locator("input[name=ssh_port]").fill(str(sshd.port))
    form.locator("input[name=ssh_username]").fill(sshd.user)
    assert form.locator("select[name=ssh_auth]").input_value() == "key"
    assert not form.locator("input[name=ssh_password]").is_visible()
    form.locator("textarea[name=ssh_key]").fill(sshd.key_path.read_text())
    form.locator("input[name=ssh_passphrase]").fill(KEY_PASSPHRASE)
    page.click("#server-save")

    row = page.locator(".server-row", has_text="Behind a bastion")
    assert row.locator(".ssh-badge").get_attribute("title") == f"Through the SSH bastion {sshd.host}"
    row.locator(".test-button").click()
    result = page.locator(".test-result.ok")
    result.wait_for()
    assert sshd.host_key_fingerprint in result.inner_text()  # trusted on first use, and shown

    page.reload()
    row.locator(".edit-button").click()
    assert form.locator("#ssh-enabled").is_checked()
    assert form.locator("textarea[name=ssh_key]").input_value() == ""  # secrets are never shown back
    assert "private key" in form.locator("#ssh-saved").inner_text()
    fingerprint = form.locator("#ssh-host-key-fingerprint")
    assert fingerprint.inner_text() == sshd.host_key_fingerprint
    form.locator("#ssh-forget-host-key").click()
    form.locator("#ssh-host-key").wait_for(state="hidden")
    page.click("#server-cancel")
    page.reload()
    row.locator(".edit-button").click()
    assert not form.locator("#ssh-host-key").is_visible()


def test_key_picked_from_my_files_and_password_auth_hides_the_key(live_server: LiveServer, pg_server: PgServer,
                                                                  sshd: SshServer, page: Any) -> None:
    http = http_session(live_server.url)
    written = http.put(f"{live_server.url}/api/v1/storage/text", json={"path": "/bastion_key",
                                                                       "text": sshd.key_path.read_text()}, timeout=10)
    assert written.ok, written.text
    login(page, live_server.url)
    page.goto(f"{live_server.url}/servers")
    page.click("#add-server")
    form = page.locator("#server-form")
    for name, value in (("name", "Picked key"), ("host", pg_server.host), ("port", str(pg_server.port)),
                        ("username", pg_server.user), ("ssh_host", sshd.host), ("ssh_port", str(sshd.port)),
                        ("ssh_username", sshd.user)):
        if name.startswith("ssh_") and not form.locator("#ssh-tunnel-fields").is_visible():
            form.locator("#ssh-enabled").check()
        form.locator(f"input[name={name}]").fill(value)
    form.locator("select[name=ssh_auth]").select_option("password")
    assert form.locator("input[name=ssh_password]").is_visible()
    assert not form.locator("textarea[name=ssh_key]").is_visible()
    form.locator("select[name=ssh_auth]").select_option("key")
    form.locator("#ssh-key-choose").click()
    dialog = page.locator("#file-dialog")
    dialog.locator("#file-dialog-list li[data-name='bastion_key'] button").click()
    dialog.locator("#file-dialog-ok").click()
    form.locator("#ssh-key-file", has_text="/bastion_key").wait_for()
    form.locator("input[name=ssh_passphrase]").fill(KEY_PASSPHRASE)
    page.click("#server-save")
    row = page.locator(".server-row", has_text="Picked key")
    row.locator(".test-button").click()
    page.locator(".test-result.ok").wait_for()
