"""pytest plugin: one real OpenID provider per test session (``oidc_provider``): panva's certified oidc-provider.

It runs tests/oidc_provider/provider.mjs in its own directory and process group on a free port, is ready when its
discovery document answers, prints its log on a failed start, and is stopped by pid. Its packages are installed
from the committed lockfile (`npm ci`) on first use. Clients are "native" (RFC 8252): the provider accepts their
loopback redirect URIs on any port, so apps and NGINX stacks started later on free ports need no re-registration.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.plugins.live_server import LiveServer, start_process
from tests.plugins.postgres_fixture import free_port

PROVIDER_DIR = Path(__file__).resolve().parents[1] / "oidc_provider"
CLIENT_SECRET = "test-client-secret-of-the-console-0123456789"
# App provider name = client id; a tamper mode makes the provider re-sign that client's ID tokens wrongly.
CLIENTS = {"test": None, "nonce": "nonce", "aud": "aud", "iss": "iss", "key": "key", "userinfo": "userinfo"}
PREFIXES = ("", "/pgadmin4")
ACCOUNTS: dict[str, dict[str, Any]] = {
    "alice": {"email": "alice@example.org", "email_verified": True, "name": "Alice Operator",
              "groups": ["dba", "staff"], "roles": ["console-admin"]},
    "bob": {"email": "bob@example.org", "email_verified": True, "name": "Bob Builder", "groups": ["staff"],
            "roles": []},
    "carol": {"email": "carol@example.org", "email_verified": False, "name": "Carol Unverified"},
    "dave": {"email": "dave@example.org", "email_verified": True, "name": "Dave Disabled"},
    "erin": {"email": "erin@example.org", "email_verified": True, "name": "Erin Newcomer"},
}


def password_of(login: str) -> str:
    return f"{login}-password"


@dataclass
class OidcProvider:
    """The running provider: its issuer and the OIDC_PROVIDERS entry an app uses for one of its clients."""

    issuer: str
    server: LiveServer

    def settings(self, name: str = "test", **overrides: Any) -> dict[str, Any]:
        entry = {"name": name, "label": f"Test IdP ({name})", "issuer": self.issuer, "client_id": name,
                 "client_secret": CLIENT_SECRET, "scope": "openid email profile groups", "auto_create": True,
                 "role_map": {"console-admin": "Administrator"}, **overrides}
        return entry


def _npm_ci() -> None:
    """Install the provider's packages from package-lock.json once (a lock: parallel sessions share the tree)."""
    npm, node = shutil.which("npm"), shutil.which("node")
    if not node or not npm:
        pytest.skip("OpenID Connect tests need Node.js and npm: apt-get install nodejs npm")
    with open(Path(tempfile.gettempdir()) / "pgadmin_lite-oidc-npm.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp = PROVIDER_DIR / "node_modules" / ".package-lock.json"
        if stamp.exists() and stamp.stat().st_mtime >= (PROVIDER_DIR / "package-lock.json").stat().st_mtime:
            return
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=PROVIDER_DIR, capture_output=True,
                              text=True, check=False, timeout=300)
        assert done.returncode == 0, f"npm ci in {PROVIDER_DIR} failed:\n{done.stdout}\n{done.stderr}"


def _config(port: int) -> dict[str, Any]:
    redirect_uris = [f"http://{host}{prefix}/oidc/{name}/callback"
                     for name in CLIENTS for host in ("127.0.0.1", "localhost") for prefix in PREFIXES]
    clients = [{"client_id": name, "client_secret": CLIENT_SECRET, "application_type": "native",
                "redirect_uris": [uri for uri in redirect_uris if f"/oidc/{name}/" in uri],
                "grant_types": ["authorization_code"], "response_types": ["code"],
                "token_endpoint_auth_method": "client_secret_basic", "tamper": mode}
               for name, mode in CLIENTS.items()]
    accounts = {login: {"password": password_of(login), "claims": claims} for login, claims in ACCOUNTS.items()}
    return {"port": port, "issuer": f"http://127.0.0.1:{port}", "clients": clients, "accounts": accounts}


@pytest.fixture(scope="session")
def oidc_provider(request: pytest.FixtureRequest) -> Iterator[OidcProvider]:
    """The session's OpenID provider (skipped with the install command where Node.js is missing)."""
    _npm_ci()
    root = Path(tempfile.mkdtemp(prefix="pgadmin_lite-oidc-"))
    port = free_port()
    config = _config(port)
    (root / "config.json").write_text(json.dumps(config))
    server = start_process([shutil.which("node") or "node", str(PROVIDER_DIR / "provider.mjs"),
                            str(root / "config.json")], config["issuer"], root / "provider.log", root,
                           env={**os.environ, "NODE_ENV": "test"}, cwd=PROVIDER_DIR,
                           ready_path="/.well-known/openid-configuration", name="oidc-provider")
    try:
        yield OidcProvider(config["issuer"], server)
    finally:
        server.stop()
        if request.session.testsfailed:
            print(f"\n--- oidc-provider log ({root / 'provider.log'}) ---\n{server.log()[-4000:]}")
        shutil.rmtree(root, ignore_errors=True)


def provider_sign_in(session: requests.Session, authorize_url: str, login: str, password: str | None = None) -> str:
    """Follow the provider's pages as a browser would, up to the redirect back to the console; return that URL."""
    response = session.get(authorize_url, allow_redirects=True)
    assert response.status_code == 200 and 'name="login"' in response.text, response.text[:500]
    form_action = response.url.split("/interaction/")[0] + "/interaction/" + \
        response.url.split("/interaction/")[1].split("?")[0] + "/login"
    response = session.post(form_action, data={"login": login, "password": password or password_of(login)},
                            allow_redirects=False)
    for _ in range(10):  # login -> resume -> consent (granted) -> resume -> back to the console
        assert response.status_code in (302, 303), response.text[:500]
        location = requests.compat.urljoin(response.url, response.headers["Location"])
        if "/oidc/" in location and "/callback" in location:
            return location
        response = session.get(location, allow_redirects=False)
    raise AssertionError("the provider never redirected back to the console")
