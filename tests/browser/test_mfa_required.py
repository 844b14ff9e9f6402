"""Two-factor authentication required by role, in Chromium: right after the password the administrator must enrol,
and reaches nothing else until the code from the app is in."""

from __future__ import annotations

from typing import Any

import pyotp

from tests.plugins.app_fixtures import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.plugins.browser import PageErrors
from tests.plugins.live_server import LiveServer

LIVE_SERVER_SETTINGS = {"MFA_REQUIRED_FOR": '["Administrator"]'}  # as PGADMIN_LITE_MFA_REQUIRED_FOR (JSON)


def test_a_required_administrator_enrols_before_anything_else(live_server: LiveServer, page: Any,
                                                              page_errors: PageErrors) -> None:
    base = live_server.url
    page_errors.allow(r"status of 400 .*/login/mfa/enrol\)")  # the wrong code below
    page.goto(f"{base}/login?next=%2Fservers")
    page.fill("input[name=email]", ADMIN_EMAIL)
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_url(f"{base}/login/mfa/enrol")
    page.wait_for_selector("#mfa-qr svg path")
    secret = page.inner_text("#mfa-secret").strip()
    assert page.locator("header.topbar").count() == 0

    page.goto(f"{base}/users")  # nothing else is reachable
    page.wait_for_url(lambda url: url.startswith(f"{base}/login?next="))
    page.goto(f"{base}/login/mfa")
    page.wait_for_url(f"{base}/login/mfa/enrol")
    assert page.inner_text("#mfa-secret").strip() == secret  # the same set-up, not a new one

    page.fill("#mfa-confirm-code", "000000")
    page.click("#mfa-confirm-form button[type=submit]")
    assert "not right" in page.inner_text("#mfa-error")
    page.fill("#mfa-confirm-code", pyotp.TOTP(secret).now())
    page.click("#mfa-confirm-form button[type=submit]")
    assert len(page.inner_text("#recovery-codes").split()) == 10
    page.click("#mfa-continue")
    page.wait_for_url(f"{base}/servers")
    page.wait_for_selector("header.topbar")
