"""Changing one's own password through a live Gunicorn: it ends one's other sessions, and guesses at the
current password meet the login's lockout (the same counter, not a second one)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest

from tests.plugins.http_session import HttpClient

MAX_ATTEMPTS = 5
LIVE_SERVER_SETTINGS = {"MAX_LOGIN_ATTEMPTS": MAX_ATTEMPTS, "TRUSTED_PROXIES": json.dumps(["127.0.0.1", "::1"])}
API = "/api/v1/account/password"
ClientFrom = Callable[[str], HttpClient]


def change_by_form(client: HttpClient, current: str, new: str) -> int:
    """The account page's form, with the page's CSRF token, as a browser submits it."""
    page = client.get("/account")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.http.post(f"{client.base_url}/account/password", allow_redirects=False, timeout=30, data={
        "csrf_token": token, "current_password": current, "new_password": new, "confirm_password": new}).status_code


def change_by_api(client: HttpClient, current: str, new: str) -> int:
    return client.post(API, json={"current_password": current, "new_password": new}).status_code


@pytest.mark.parametrize(("change", "changed"), [(change_by_api, 200), (change_by_form, 302)], ids=["api", "form"])
def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(
        make_user: Callable[[], tuple[str, str]], client_from: ClientFrom,
        change: Callable[[HttpClient, str, str], int], changed: int) -> None:
    email, password = make_user()
    current, other = client_from("192.0.2.60"), client_from("192.0.2.61")  # e.g. another browser, or a thief's
    current.login(email, password)
    other.login(email, password)
    assert other.get("/api/v1/session").status_code == 200
    assert change(current, password, "chosen-password-1") == changed
    assert other.get("/api/v1/session").status_code == 401
    assert other.get("/api/v1/servers").status_code == 401
    assert current.get("/api/v1/session").status_code == 200
    # The current session goes on working, state changes (its CSRF token) included.
    assert change_by_api(current, "chosen-password-1", "chosen-password-2") == 200
    assert current.get("/api/v1/session").status_code == 200
    assert client_from("192.0.2.62").post_login(email, password).status_code == 401
    assert client_from("192.0.2.62").post_login(email, "chosen-password-2").status_code == 302


def test_guesses_at_the_current_password_are_locked_out(make_user: Callable[[], tuple[str, str]],
                                                         client_from: ClientFrom) -> None:
    email, password = make_user()
    thief = client_from("192.0.2.70")  # holds a logged-in session, not the password
    thief.login(email, password)
    answers = [thief.post(API, json={"current_password": f"guess-{i}-password", "new_password": "taken-over-1"})
               for i in range(MAX_ATTEMPTS + 2)]
    assert [a.status_code for a in answers[:MAX_ATTEMPTS - 1]] == [400] * (MAX_ATTEMPTS - 1)
    assert all(a.json()["error"]["message"] == "The current password is not correct."
               for a in answers[:MAX_ATTEMPTS - 1])
    assert [a.status_code for a in answers[MAX_ATTEMPTS - 1:]] == [429] * 3
    assert {a.json()["error"]["code"] for a in answers[MAX_ATTEMPTS - 1:]} == {"login_locked"}
    # Once locked, even the right current password is not checked, and nothing changes.
    right = thief.post(API, json={"current_password": password, "new_password": "taken-over-1"})
    assert (right.status_code, right.json()["error"]["code"]) == (429, "login_locked")
    # One counter: a login from that address is locked too; the owner elsewhere logs in with the old password.
    refused = client_from("192.0.2.70").post_login(email, password)
    assert refused.status_code == 401 and "Too many failed logins" in refused.text
    assert client_from("192.0.2.71").post_login(email, password).status_code == 302
