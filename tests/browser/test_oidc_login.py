"""Chromium signs in through a real OpenID provider (oidc-provider on Node) with the login page's button."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest

from tests.plugins.app_fixtures import prepare_data_dir
from tests.plugins.browser import PageErrors
from tests.plugins.live_server import LiveServer, start_gunicorn
from tests.plugins.oidc_fixture import OidcProvider, password_of


def oidc_settings(provider: OidcProvider, *entries: dict[str, Any]) -> dict[str, str]:
    """The PGADMIN_LITE_* values (JSON) that turn OpenID Connect on for a server process."""
    return {"AUTHENTICATION_SOURCES": json.dumps(["internal", "oidc"]),
            "OIDC_PROVIDERS": json.dumps(list(entries) or [provider.settings()])}


def sign_in_with_provider(page: Any, page_errors: PageErrors, base_url: str, login: str,
                          label: str = "Test IdP (test)") -> list[str]:
    """Click the provider's button on the login page and sign in on the provider's page; the authorize URLs."""
    page_errors.allow(r"/favicon\.ico")  # the test provider's pages have none
    authorize: list[str] = []
    page.on("request", lambda r: authorize.append(r.url) if "/auth?" in r.url else None)
    page.goto(f"{base_url}/login")
    page.click(f"text=Log in with {label}")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password_of(login))
    page.click("button:has-text('Sign in')")
    return authorize


@pytest.fixture(scope="module")
def oidc_server(tmp_path_factory: pytest.TempPathFactory, oidc_provider: OidcProvider) -> Iterator[LiveServer]:
    base = tmp_path_factory.mktemp("oidc-live")
    prepare_data_dir(base / "data")
    server = start_gunicorn(base / "data", base / "logs", settings=oidc_settings(
        oidc_provider, oidc_provider.settings(), oidc_provider.settings("key", label="Rogue key"),
        oidc_provider.settings("nonce", label="Wrong nonce")))
    try:
        yield server
    finally:
        server.stop()


def test_code_flow_in_chromium(page: Any, page_errors: PageErrors, oidc_server: LiveServer) -> None:
    authorize = sign_in_with_provider(page, page_errors, oidc_server.url, "alice")
    page.wait_for_selector("header.topbar")
    assert urlsplit(page.url).path == "/"
    query = parse_qs(urlsplit(authorize[0]).query)
    assert query["redirect_uri"] == [f"{oidc_server.url}/oidc/test/callback"]
    assert query["code_challenge_method"] == ["S256"]
    session = page.evaluate("u => fetch(u).then(r => r.json())", f"{oidc_server.url}/api/v1/session")
    assert session["user"]["email"] == "alice@example.org" and session["user"]["is_admin"] is True


@pytest.mark.parametrize("label", ["Rogue key", "Wrong nonce"])
def test_bad_id_token_is_refused_in_chromium(page: Any, page_errors: PageErrors, oidc_server: LiveServer,
                                             label: str) -> None:
    """The provider signs with a key it does not publish, or puts another nonce in the ID token."""
    page_errors.allow(r"status of 401")  # the refusal page and the session probe answer 401, as they should
    sign_in_with_provider(page, page_errors, oidc_server.url, "bob", label=label)
    error = page.wait_for_selector("#login-error")
    assert "could not be verified" in error.inner_text()
    assert page.evaluate("u => fetch(u).then(r => r.status)", f"{oidc_server.url}/api/v1/session") == 401


def test_tampered_state_is_refused_in_chromium(page: Any, page_errors: PageErrors, oidc_server: LiveServer,
                                               oidc_provider: OidcProvider) -> None:
    """Chromium follows the provider's redirect back with its state changed (as an attacker's link would)."""
    page_errors.allow(r"status of 401")

    def tamper(route: Any) -> None:
        """Chromium hands redirects to no route handler: follow the provider's chain here, change the last hop."""
        http = page.context.request  # shares the context's cookies, both ways
        response = http.post(route.request.url, data=route.request.post_data, max_redirects=0,
                             headers={"content-type": "application/x-www-form-urlencoded"})
        for _ in range(10):
            assert "location" in response.headers, (response.status, response.url, response.text()[:300])
            location = urljoin(response.url, response.headers["location"])
            if "/oidc/test/callback?" in location:
                state = parse_qs(urlsplit(location).query)["state"][0]
                location = location.replace(f"state={state}", f"state={state[::-1]}")
                route.fulfill(status=303, headers={"location": location})
                return
            response = http.get(location, max_redirects=0)
        raise AssertionError("the provider never redirected back to the console")

    page.route(re.compile(re.escape(oidc_provider.issuer) + r"/interaction/[^/]+/login$"), tamper)
    sign_in_with_provider(page, page_errors, oidc_server.url, "bob")
    error = page.wait_for_selector("#login-error")
    assert "does not match the one started in this browser" in error.inner_text()
    assert page.evaluate("u => fetch(u).then(r => r.status)", f"{oidc_server.url}/api/v1/session") == 401
