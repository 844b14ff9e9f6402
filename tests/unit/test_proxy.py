"""URL prefix (X-Script-Name) and trusted-proxy handling, at the WSGI level through the real app."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.plugins.app_fixtures import ADMIN_EMAIL, ADMIN_PASSWORD, CSRF_INPUT, AppFactory, prepare_data_dir

PREFIX = "/pgadmin4"
MOUNT = {"X-Script-Name": PREFIX}
UNTRUSTED = "203.0.113.9"


@pytest.fixture(scope="module")
def factory(tmp_path_factory: pytest.TempPathFactory) -> AppFactory:
    return AppFactory(prepare_data_dir(tmp_path_factory.mktemp("proxy") / "data"))


@pytest.fixture(scope="module")
def proxy_app(factory: AppFactory) -> Flask:
    return factory()


def client_from(app: Flask, remote_addr: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = remote_addr
    return client


def set_cookies(response: TestResponse) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def session_cookie(response: TestResponse) -> str:
    cookies = [c for c in set_cookies(response) if c.startswith("pgadmin_lite_session=")]
    assert len(cookies) == 1, set_cookies(response)
    return cookies[0]


def cookie_attrs(header: str) -> dict[str, str]:
    attrs = {}
    for part in header.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        attrs[name.lower()] = value
    return attrs


def location(response: TestResponse) -> tuple[str, dict[str, list[str]]]:
    parts = urlsplit(response.headers["Location"])
    return parts.path, parse_qs(parts.query)


def login_through_prefix(client: FlaskClient, headers: dict[str, str], next_target: str = "") -> TestResponse:
    page = client.get(f"{PREFIX}/login", headers=headers)
    token = CSRF_INPUT.search(page.get_data(as_text=True))
    assert token, page.get_data(as_text=True)
    data = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "csrf_token": token.group(1), "next": next_target}
    return client.post(f"{PREFIX}/login", headers=headers, data=data)


# --- trusted proxy on the same host ------------------------------------------------------------

@pytest.mark.parametrize("path", ["/users", f"{PREFIX}/users"])
def test_login_redirect_carries_the_prefix(proxy_app: Flask, path: str) -> None:
    """Both proxy styles (prefix stripped by the proxy, or passed on) give the same prefixed redirect."""
    response = client_from(proxy_app, "127.0.0.1").get(path, headers=MOUNT)
    assert response.status_code == 302
    target, query = location(response)
    assert target == f"{PREFIX}/login"
    assert query["next"] == [f"{PREFIX}/users"]


def test_page_urls_and_cookie_path_carry_the_prefix(proxy_app: Flask) -> None:
    client = client_from(proxy_app, "127.0.0.1")
    response = client.get(f"{PREFIX}/login", headers=MOUNT)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'action="{PREFIX}/login"' in html
    sheet = re.search(rf'href="({PREFIX}/static/css/app\.[0-9a-f]{{12}}\.css)"', html)  # fingerprinted
    assert sheet, html
    assert f'content="{PREFIX}"' in html  # the prefix meta tag our JS builds URLs from
    assert 'href="/static/' not in html
    assert cookie_attrs(session_cookie(response))["path"].rstrip("/") == PREFIX
    asset = client.get(sheet.group(1), headers=MOUNT)
    assert asset.status_code == 200
    assert set_cookies(asset) == []


def test_login_round_trip_under_the_prefix(proxy_app: Flask) -> None:
    client = client_from(proxy_app, "127.0.0.1")
    first = client.get(f"{PREFIX}/users", headers=MOUNT)
    (next_target,) = location(first)[1]["next"]
    response = login_through_prefix(client, MOUNT, next_target)
    assert response.status_code == 302
    assert location(response)[0] == f"{PREFIX}/users"
    assert cookie_attrs(session_cookie(response))["path"].rstrip("/") == PREFIX
    home = client.get(f"{PREFIX}/", headers=MOUNT)
    assert home.status_code == 200
    html = home.get_data(as_text=True)
    assert f'href="{PREFIX}/users"' in html
    assert f'action="{PREFIX}/logout"' in html
    users_page = client.get(f"{PREFIX}/users", headers=MOUNT)
    assert users_page.status_code == 200
    token = CSRF_INPUT.search(html).group(1)  # type: ignore[union-attr]
    logout = client.post(f"{PREFIX}/logout", headers=MOUNT, data={"csrf_token": token})
    assert logout.status_code == 302
    assert location(logout)[0] == f"{PREFIX}/login"


def test_forwarded_proto_https_makes_the_cookie_secure(proxy_app: Flask) -> None:
    client = client_from(proxy_app, "127.0.0.1")
    plain = client.get(f"{PREFIX}/login", headers=MOUNT)
    assert "secure" not in cookie_attrs(session_cookie(plain))
    # The request itself is plain http: only the trusted proxy's header says https. The test client
    # keeps Secure cookies for https URLs, so this client sends the cookie by hand, as the browser would.
    https = {**MOUNT, "X-Forwarded-Proto": "https"}
    secure_client = proxy_app.test_client(use_cookies=False)
    page = secure_client.get(f"{PREFIX}/login", headers=https)
    anon_cookie = session_cookie(page)
    assert "secure" in cookie_attrs(anon_cookie)
    token = CSRF_INPUT.search(page.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    # On https Flask-WTF also wants a same-origin Referer, which a browser sends with the form.
    browser = {"Cookie": anon_cookie.split(";")[0], "Referer": f"https://localhost{PREFIX}/login"}
    response = secure_client.post(f"{PREFIX}/login", headers={**https, **browser},
                                  data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    attrs = cookie_attrs(session_cookie(response))
    assert "secure" in attrs
    assert "httponly" in attrs
    assert attrs["samesite"].lower() == "lax"


@pytest.mark.parametrize(("path", "status"), [
    ("/health", 200),
    (f"{PREFIX}/health", 200),
    (f"{PREFIX}/pgadmin4/health", 404),  # stripped once, not twice
    (f"{PREFIX}x/health", 404),  # not a path segment of the prefix
])
def test_prefix_is_stripped_once(proxy_app: Flask, path: str, status: int) -> None:
    assert client_from(proxy_app, "127.0.0.1").get(path, headers=MOUNT).status_code == status


def test_x_forwarded_prefix_is_accepted_too(proxy_app: Flask) -> None:
    response = client_from(proxy_app, "127.0.0.1").get("/users", headers={"X-Forwarded-Prefix": PREFIX})
    assert location(response)[0] == f"{PREFIX}/login"


@pytest.mark.parametrize("remote", ["", "::1"])
def test_unix_socket_and_ipv6_loopback_peers_are_trusted_by_default(proxy_app: Flask, remote: str) -> None:
    response = client_from(proxy_app, remote).get("/users", headers=MOUNT)
    assert location(response)[0] == f"{PREFIX}/login"


@pytest.mark.parametrize("prefix", ["/a/../b", "javascript:", "/x y", "//evil.com", "pgadmin4", "/a/./b",
                                    "/%2e%2e", "/p\\q"])
def test_malformed_prefix_is_refused(proxy_app: Flask, prefix: str) -> None:
    response = client_from(proxy_app, "127.0.0.1").get("/health", headers={"X-Script-Name": prefix})
    assert response.status_code == 400
    assert "X-Script-Name" in response.get_data(as_text=True)
    assert set_cookies(response) == []


@pytest.mark.parametrize(("header", "value"), [("X-Forwarded-Proto", "gopher"),
                                               ("X-Forwarded-Host", "evil.com/path")])
def test_malformed_forwarded_headers_are_refused(proxy_app: Flask, header: str, value: str) -> None:
    response = client_from(proxy_app, "127.0.0.1").get("/health", headers={header: value})
    assert response.status_code == 400


def test_forwarded_for_from_a_trusted_proxy_is_the_client(proxy_app: Flask,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="pgadmin_lite")
    trusted = client_from(proxy_app, "127.0.0.1")
    untrusted = client_from(proxy_app, UNTRUSTED)
    for client, peer in ((trusted, "198.51.100.7"), (untrusted, UNTRUSTED)):
        page = client.get("/login")
        token = CSRF_INPUT.search(page.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
        caplog.clear()
        client.post("/login", headers={"X-Forwarded-For": "198.51.100.7"},
                    data={"email": "nobody@example.com", "password": "wrong-password", "csrf_token": token})
        refused = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
        assert refused and f"from {peer} (" in refused[-1], refused


# --- an untrusted peer ------------------------------------------------------------------------------

def test_untrusted_peer_headers_are_ignored(proxy_app: Flask) -> None:
    client = client_from(proxy_app, UNTRUSTED)
    page = client.get("/login", headers={**MOUNT, "X-Forwarded-Proto": "https"})
    attrs = cookie_attrs(session_cookie(page))
    assert "secure" not in attrs
    assert attrs["path"] == "/"
    assert 'action="/login"' in page.get_data(as_text=True)
    response = client.get("/users", headers=MOUNT)
    target, query = location(response)
    assert (target, query["next"]) == ("/login", ["/users"])
    assert client.get(f"{PREFIX}/health", headers=MOUNT).status_code == 404
    # A malformed prefix from someone we do not trust is ignored, not acted on.
    assert client.get("/health", headers={"X-Script-Name": "/a/../b"}).status_code == 200


# --- TRUSTED_PROXIES is configurable -------------------------------------------------------------

def test_trusted_proxies_setting(factory: AppFactory) -> None:
    app = factory(TRUSTED_PROXIES=["203.0.113.0/24"])
    assert location(client_from(app, UNTRUSTED).get("/users", headers=MOUNT))[0] == f"{PREFIX}/login"
    # Loopback and Unix-socket peers are no longer trusted once the list leaves them out.
    for peer in ("127.0.0.1", ""):
        assert location(client_from(app, peer).get("/users", headers=MOUNT))[0] == "/login"


def test_trusted_proxies_from_environment(factory: AppFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGADMIN_LITE_TRUSTED_PROXIES", f'["127.0.0.1", "{UNTRUSTED}"]')
    app = factory()
    assert location(client_from(app, UNTRUSTED).get("/users", headers=MOUNT))[0] == f"{PREFIX}/login"


def test_data_dir_is_the_prepared_one(factory: AppFactory) -> None:
    """Guard: these apps run on the prepared DATA_DIR, not on a developer's ./data."""
    assert Path(factory.settings["DATA_DIR"]).name == "data"
    assert "proxy" in factory.settings["DATA_DIR"]
