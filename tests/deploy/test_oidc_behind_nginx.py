"""Chromium completes the OpenID Connect code flow with the console behind the shipped NGINX site at /pgadmin4."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.test_oidc_login import oidc_settings, sign_in_with_provider
from tests.deploy.stacks import Deployment, running
from tests.plugins.browser import PageErrors
from tests.plugins.oidc_fixture import OidcProvider

SHAPE = "nginx-gunicorn-pgadmin4"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory, oidc_provider: OidcProvider) -> Iterator[Deployment]:
    """The shipped NGINX + Gunicorn shape at /pgadmin4, its app given OIDC settings as PGADMIN_LITE_* variables."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in oidc_settings(oidc_provider).items():
            patch.setenv(f"PGADMIN_LITE_{name}", value)  # start_gunicorn passes the environment on
        with running(SHAPE, tmp_path_factory.mktemp("logs-oidc")) as dep:
            patch.undo()
            yield dep


def test_code_flow_under_the_prefix(page: Any, page_errors: PageErrors, deployment: Deployment) -> None:
    authorize = sign_in_with_provider(page, page_errors, deployment.url, "bob")
    page.wait_for_selector("header.topbar")
    assert urlsplit(page.url).path == "/pgadmin4/"
    query = parse_qs(urlsplit(authorize[0]).query)
    assert query["redirect_uri"] == [f"{deployment.url}/oidc/test/callback"]  # built under the prefix
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["pgadmin_lite_session"]["path"] == "/pgadmin4/"
    session = page.evaluate("u => fetch(u).then(r => r.json())", f"{deployment.url}/api/v1/session")
    assert session["user"]["email"] == "bob@example.org"


def test_next_under_the_prefix_is_followed(page: Any, page_errors: PageErrors, deployment: Deployment) -> None:
    page_errors.allow(r"/favicon\.ico")
    page.goto(f"{deployment.url}/account")  # anonymous: to the login page with next=/pgadmin4/account
    assert "next=" in page.url
    page.click("text=Log in with Test IdP (test)")
    page.fill("input[name=login]", "alice")
    page.fill("input[name=password]", "alice-password")
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"{deployment.url}/account")  # the callback followed next, under the prefix
