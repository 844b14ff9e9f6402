"""The security tier: attacks driven from outside against a real Gunicorn (and the session PostgreSQL).

Every test here talks HTTP to a live server started once per module (``live_server``), as an attacker
would; nothing is mocked and CSRF stays on (``HttpClient`` fetches the token like a browser).
"""

from __future__ import annotations

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
