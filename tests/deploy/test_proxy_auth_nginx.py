"""Proxy authentication behind the real NGINX from deploy/ (auth_basic): NGINX signs people in, the app follows,
a client's forged header never wins, and the same header straight from an untrusted peer is refused."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.deploy.shipped import ROOT, Site, open_scratch_dir
from tests.deploy.stacks import Deployment, start_nginx
from tests.plugins.app_fixtures import ADMIN_EMAIL, prepare_data_dir
from tests.plugins.live_server import start_gunicorn
from tests.plugins.postgres_fixture import free_port
from tests.plugins.waiting import wait_until

pytestmark = pytest.mark.deploy

PEOPLE = {"alice": "alice-secret-1", "bob@example.com": "bob-secret-1"}
SETTINGS = {"AUTHENTICATION_SOURCES": ["internal", "proxy"], "PROXY_AUTH_HEADER": "X-Remote-User",
            "PROXY_AUTH_AUTO_CREATE": True, "PROXY_AUTH_EMAIL_DOMAIN": "example.org", "TRUSTED_PROXIES": ["unix"]}


@dataclass
class ProxyAuthSite:
    """NGINX (auth_basic) in front, and the app server's own TCP port for a peer that is not the proxy."""

    deployment: Deployment
    direct_url: str


def htpasswd_line(user: str, password: str) -> str:
    """An NGINX {SSHA} entry (what `htpasswd -s` style tools write)."""
    salt = os.urandom(8)
    digest = hashlib.sha1(password.encode() + salt).digest()  # noqa: S324 (NGINX's own scheme)
    return f"{user}:{{SSHA}}{base64.b64encode(digest + salt).decode()}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProxyAuthSite]:
    logs = tmp_path_factory.mktemp("logs-proxy-auth")
    with open_scratch_dir("pgadmin_lite-proxy-auth-") as scratch:
        data_dir = scratch / "data"
        prepare_data_dir(data_dir)
        shipped = Site(ROOT, Path(sys.prefix), scratch / "run", data_dir, app_port=free_port(),
                       public_port=free_port())
        shipped.run_dir.mkdir()
        (shipped.run_dir / "htpasswd").write_text("\n".join(htpasswd_line(u, p) for u, p in PEOPLE.items()) + "\n")
        dep = Deployment("nginx-auth-basic", "", "", data_dir)
        try:
            nginx = start_nginx("pgadmin_lite-gunicorn-auth-basic.conf", shipped, scratch, logs)
            dep.servers.append(nginx)
            direct = free_port()
            settings = {name: json.dumps(value) if isinstance(value, list) else value
                        for name, value in SETTINGS.items()}
            dep.servers.append(start_gunicorn(
                data_dir, logs, settings=settings, url=nginx.url, watch=[nginx],
                bind=f"unix:{shipped.run_dir}/gunicorn.sock",
                extra_args=["-b", f"unix:{shipped.run_dir}/gunicorn.sock", "-b", f"127.0.0.1:{direct}"]))
            dep.base_url = nginx.url
            yield ProxyAuthSite(dep, f"http://127.0.0.1:{direct}")
        finally:
            dep.stop()


def signed_in(site: ProxyAuthSite, user: str, **headers: str) -> requests.Session:
    client = requests.Session()
    client.auth = (user, PEOPLE[user])
    client.headers.update(headers)
    return client


def test_nginx_asks_for_a_password_and_the_app_never_sees_a_wrong_one(site: ProxyAuthSite) -> None:
    url = site.deployment.url
    assert requests.get(f"{url}/", timeout=10).status_code == 401
    assert requests.get(f"{url}/", auth=("alice", "wrong"), timeout=10).status_code == 401
    assert requests.get(f"{url}/health", timeout=10).json()["status"] == "ok"  # monitoring needs no password


def test_the_person_nginx_signed_in_is_the_console_user(site: ProxyAuthSite) -> None:
    client = signed_in(site, "alice")
    page = client.get(f"{site.deployment.url}/", timeout=10)
    assert page.status_code == 200 and "alice@example.org" in page.text
    info = client.get(f"{site.deployment.url}/api/v1/session", timeout=10).json()
    assert info["user"]["email"] == "alice@example.org" and info["user"]["is_admin"] is False
    other = signed_in(site, "bob@example.com").get(f"{site.deployment.url}/api/v1/session", timeout=10)
    assert other.json()["user"]["email"] == "bob@example.com"


def test_a_clients_own_header_through_nginx_is_overwritten(site: ProxyAuthSite) -> None:
    client = signed_in(site, "alice", **{"X-Remote-User": ADMIN_EMAIL})
    info = client.get(f"{site.deployment.url}/api/v1/session", timeout=10).json()
    assert info["user"]["email"] == "alice@example.org"


def test_the_same_header_from_an_untrusted_peer_is_refused_and_logged(site: ProxyAuthSite) -> None:
    forged = requests.get(f"{site.direct_url}/api/v1/session", headers={"X-Remote-User": ADMIN_EMAIL}, timeout=10)
    assert forged.status_code == 403
    assert "only honoured from the console's proxy" in forged.json()["error"]["message"]
    assert "set-cookie" not in {name.lower() for name in forged.headers}  # no session was made for anyone
    assert requests.get(f"{site.direct_url}/api/v1/session", timeout=10).status_code == 401  # no header: no one
    gunicorn = site.deployment.servers[1]
    wait_until(lambda: "not one of TRUSTED_PROXIES" in gunicorn.log(), "the refusal in the app server's log")
