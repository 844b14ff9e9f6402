"""Fixtures for a real app on a throw-away DATA_DIR, and clients that log in like a browser."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from pgadmin_lite import create_app
from pgadmin_lite.configdb import upgrade_schema
from pgadmin_lite.keyfiles import create_key_file
from pgadmin_lite.settings import load_settings
from pgadmin_lite.users import service as users_service

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "admin-password-1"
USER_EMAIL = "user@example.com"
USER_PASSWORD = "user-password-1"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def prepare_data_dir(data_dir: Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Do what `setup_db.py setup-db` does: keys, schema, an admin and a plain user."""
    settings = {"DATA_DIR": str(data_dir), **(overrides or {})}
    config = load_settings(overrides=settings)
    data_dir.mkdir(parents=True, exist_ok=True)
    create_key_file(config["SECRET_KEY_FILE"])
    create_key_file(config["CREDENTIALS_KEY_FILE"])
    app = create_app(settings, require_schema=False)
    with app.app_context():
        upgrade_schema(app)
        if not users_service.list_users():
            users_service.create_user(ADMIN_EMAIL, ADMIN_PASSWORD, is_admin=True, min_length=8)
            users_service.create_user(USER_EMAIL, USER_PASSWORD, is_admin=False, min_length=8)
    return settings


class ApiClient:
    """A Flask test client that logged in through /login and sends the CSRF token like our JS."""

    def __init__(self, client: FlaskClient, csrf_token: str) -> None:
        self.client = client
        self.csrf_token = csrf_token

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, **kw)

    def _send(self, method: str, path: str, **kw: Any) -> Any:
        headers = {"X-CSRFToken": self.csrf_token, **kw.pop("headers", {})}
        return self.client.open(path, method=method, headers=headers, **kw)

    def post(self, path: str, **kw: Any) -> Any:
        return self._send("POST", path, **kw)

    def patch(self, path: str, **kw: Any) -> Any:
        return self._send("PATCH", path, **kw)

    def put(self, path: str, **kw: Any) -> Any:
        return self._send("PUT", path, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self._send("DELETE", path, **kw)


def form_csrf(client: FlaskClient, path: str = "/login") -> str:
    """Read the csrf_token hidden input from a page, as a browser would submit it."""
    page = client.get(path)
    match = CSRF_INPUT.search(page.get_data(as_text=True))
    assert match, f"no csrf_token input on {path}"
    return match.group(1)


def login(client: FlaskClient, email: str, password: str) -> Any:
    """POST the login form with its CSRF token; returns the response."""
    return client.post("/login", data={"email": email, "password": password, "csrf_token": form_csrf(client)})


def api_client(app: Flask, email: str, password: str) -> ApiClient:
    client = app.test_client()
    response = login(client, email, password)
    assert response.status_code == 302, response.get_data(as_text=True)
    token = client.get("/api/v1/session").get_json()["csrf_token"]
    return ApiClient(client, token)


@dataclass
class AppFactory:
    """Builds apps on one prepared DATA_DIR, with extra setting overrides per app."""

    settings: dict[str, Any]

    def __call__(self, **overrides: Any) -> Flask:
        return create_app({**self.settings, **overrides})


@pytest.fixture
def make_app(tmp_path: Path) -> AppFactory:
    """A factory of apps sharing one freshly set-up DATA_DIR (SQLite config DB)."""
    return AppFactory(prepare_data_dir(tmp_path / "data"))


@pytest.fixture
def app(make_app: AppFactory) -> Flask:
    return make_app()


@pytest.fixture
def admin_client(app: Flask) -> ApiClient:
    return api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD)


def module_scoped_app() -> tuple[Any, Any]:
    """`app, admin_client = module_scoped_app()` in a test module: one app for all its tests, as setting one
    up costs seconds (its tests then use their own names and databases)."""

    @pytest.fixture(scope="module", name="app")
    def module_app(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Flask:
        data_dir = tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1]) / "data"
        return create_app(prepare_data_dir(data_dir))

    @pytest.fixture(scope="module", name="admin_client")
    def module_admin_client(app: Flask) -> ApiClient:
        return api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD)

    return module_app, module_admin_client


@pytest.fixture
def user_client(app: Flask) -> ApiClient:
    return api_client(app, USER_EMAIL, USER_PASSWORD)


@pytest.fixture
def client_for(app: Flask) -> Callable[[str, str], ApiClient]:
    """Log in any user: client_for(email, password)."""
    return lambda email, password: api_client(app, email, password)


@pytest.fixture
def anon_client(app: Flask) -> Iterator[FlaskClient]:
    yield app.test_client()
