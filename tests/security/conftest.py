"""The security tier: attacks driven from outside against a real Gunicorn (and the session PostgreSQL).

Every test here talks HTTP to a live server started once per module (``live_server``), as an attacker
would; nothing is mocked and CSRF stays on (``HttpClient`` fetches the token like a browser).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from tests.plugins.app_fixtures import ADMIN_EMAIL, ADMIN_PASSWORD, USER_EMAIL, USER_PASSWORD
from tests.plugins.http_session import HttpClient
from tests.plugins.live_server import LiveServer


@pytest.fixture
def login(live_server: LiveServer) -> Callable[[str, str], HttpClient]:
    """Log a fresh client in to the module's live server (a new cookie jar each call)."""
    def log_in(email: str = USER_EMAIL, password: str = USER_PASSWORD) -> HttpClient:
        client = HttpClient(live_server.url)
        client.login(email, password)
        return client
    return log_in


@pytest.fixture
def admin_http(login: Callable[[str, str], HttpClient]) -> HttpClient:
    return login(ADMIN_EMAIL, ADMIN_PASSWORD)


@pytest.fixture
def user_http(login: Callable[[str, str], HttpClient]) -> HttpClient:
    return login(USER_EMAIL, USER_PASSWORD)


@pytest.fixture
def client_from(live_server: LiveServer) -> Callable[[str], HttpClient]:
    """A fresh, logged-out client whose requests reach the app from `address`.

    The live server trusts its loopback peer as the proxy (TRUSTED_PROXIES), so X-Forwarded-For names the
    client, as NGINX in front would send it.
    """
    return lambda address: HttpClient(live_server.url, forwarded_for=address)


@pytest.fixture
def make_user(admin_http: HttpClient) -> Callable[[], tuple[str, str]]:
    """Create a console user of its own (email, password), so no test sees another's lockout."""
    def create() -> tuple[str, str]:
        email, password = f"u-{uuid.uuid4().hex[:10]}@example.com", f"pw-{uuid.uuid4().hex}"
        response = admin_http.post("/api/v1/users", json={"email": email, "password": password})
        assert response.status_code == 201, response.text
        return email, password
    return create
