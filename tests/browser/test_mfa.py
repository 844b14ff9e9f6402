"""Two-factor authentication in Chromium: enrol on the Account page with the key the page shows, log in with the
password then a TOTP code, then with a recovery code (refused the second time), and an administrator's reset."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pyotp

from tests.plugins.app_fixtures import ADMIN_EMAIL, ADMIN_PASSWORD, USER_EMAIL, USER_PASSWORD
from tests.plugins.browser import PageErrors, answer_dialog, goto_ready, login
from tests.plugins.live_server import LiveServer


def log_out(page: Any, base_url: str) -> None:
    page.wait_for_selector("form[data-guarded=true]", state="attached")
    page.click("#logout")
    page.wait_for_url(f"{base_url}/login")


def password_step(page: Any, base_url: str, email: str = USER_EMAIL, password: str = USER_PASSWORD) -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("form.login button[type=submit]")
    page.wait_for_url(f"{base_url}/login/mfa")


def second_step(page: Any, code: str) -> None:
    page.fill("#mfa-code", code)
    page.click("#mfa-step-form button[type=submit]")


def test_enrol_then_log_in_with_totp_and_with_a_recovery_code_once(live_server: LiveServer, page: Any,
                                                                   page_errors: PageErrors, browser: Any,
                                                                   tmp_path: Path) -> None:
    base = live_server.url
    page_errors.allow(r"status of 401 .*/login/mfa\)")  # the spent recovery code
    login(page, base, USER_EMAIL, USER_PASSWORD)
    goto_ready(page, f"{base}/account")
    page.click("#mfa-enrol")
    page.wait_for_selector("#mfa-qr svg path")
    page.screenshot(path=str(tmp_path / "enrol.png"))
    totp = pyotp.TOTP(page.inner_text("#mfa-secret").strip())
    page.fill("#mfa-confirm-code", totp.now())
    page.click("#mfa-confirm-form button[type=submit]")
    codes = page.inner_text("#recovery-codes").split()
    assert len(codes) == 10
    with page.expect_download() as download:
        page.click("#download-recovery-codes")
    saved = Path(download.value.path()).read_text()
    assert all(code in saved for code in codes)
    assert page.get_attribute("#mfa-status", "data-enabled") == "true"
    goto_ready(page, f"{base}/account")
    assert page.locator("#recovery-codes").count() == 0  # shown once
    log_out(page, base)

    # The password alone leads to the second step, which no other page can be reached from.
    password_step(page, base)
    page.goto(f"{base}/servers")
    page.wait_for_url(lambda url: url.startswith(f"{base}/login?next="))
    page.goto(f"{base}/login/mfa")
    second_step(page, totp.at(time.time() + 30))  # the step after the one the enrolment used
    page.wait_for_selector("header.topbar")
    log_out(page, base)

    password_step(page, base)
    second_step(page, codes[0])
    page.wait_for_selector("header.topbar")
    log_out(page, base)

    password_step(page, base)
    second_step(page, codes[0])  # spent
    assert "not right, or it was used already" in page.inner_text("#mfa-error")
    assert page.locator("header.topbar").count() == 0
    second_step(page, codes[1])
    page.wait_for_selector("header.topbar")

    # An administrator resets it (a lost phone): the user's session ends, and the password alone logs in again.
    admin_context = browser.new_context()
    try:
        admin = admin_context.new_page()
        login(admin, base, ADMIN_EMAIL, ADMIN_PASSWORD)
        goto_ready(admin, f"{base}/users")
        row = admin.locator(f"tr[data-email='{USER_EMAIL}']")
        assert "2FA on" in row.inner_text()
        row.locator(".mfa-reset-button").click()
        assert "Reset two-factor authentication" in answer_dialog(admin)
        row.locator(".mfa-reset-button").wait_for(state="detached")
        assert "2FA on" not in row.inner_text()
    finally:
        admin_context.close()
    page.goto(f"{base}/account")
    page.wait_for_url(lambda url: url.startswith(f"{base}/login?next="))
    login(page, base, USER_EMAIL, USER_PASSWORD)
    goto_ready(page, f"{base}/account")
    assert page.get_attribute("#mfa-status", "data-enabled") == "false"
