"""Every route of the app, enumerated from its URL map: login is required by default, admin routes are admin-only.

Routes added later are covered automatically. The only routes reachable without a login are the ones the
issue names: /login (and OpenID Connect's /oidc/<name>/login and callback), /health and static files.
Admin-only routes are the users and audit blueprints ("users.*", "audit.*").
"""

from __future__ import annotations

import re
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from pgadmin_lite import create_app
from pgadmin_lite.extensions import db
from tests.plugins.app_fixtures import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    USER_EMAIL,
    USER_PASSWORD,
    ApiClient,
    api_client,
    form_csrf,
    login,
    prepare_data_dir,
)

# The OpenID Connect login's start and callback are part of signing in (404 unless a provider is configured).
PUBLIC = frozenset({"auth.login_form", "auth.login", "health.health", "static", "oidc.start", "oidc.callback"})
# The second login step: reached between the password and the code, by a half-login that is no login (test below).
SECOND_STEP = frozenset({"mfa.step_form", "mfa.step_verify", "mfa.enrol_form", "mfa.enrol_confirm",
                         "mfa.enrol_restart", "mfa.step_cancel"})
ADMIN_BLUEPRINTS = ("users.", "audit.")
ADMIN_ENDPOINTS = frozenset({"mfa.admin_reset"})  # administrators' routes outside those blueprints
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
# Bodies that would do harm if a refused request got through (a new admin, a hijacked password).
CREATE_BODY = {"email": "intruder@example.com", "password": "intruder-pass-1", "is_admin": True}
CHANGE_BODY = {"password": "hijacked-pass-1", "is_admin": True, "is_active": True}


def harmless(converter: str | None) -> Any:
    """A value of the right type for a URL argument."""
    return {"int": 1, "float": 1.0, "uuid": uuid.UUID(int=1)}.get(converter or "", "harmless")


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    rule: str
    path: str

    def __str__(self) -> str:
        return f"{self.method} {self.rule}"

    @property
    def is_api(self) -> bool:
        return self.rule.startswith("/api/")

    @property
    def is_admin_only(self) -> bool:
        return self.endpoint.startswith(ADMIN_BLUEPRINTS) or self.endpoint in ADMIN_ENDPOINTS

    @property
    def changes_state(self) -> bool:
        return self.method in STATE_CHANGING


def collect_routes() -> list[Route]:
    """Enumerate (endpoint, method) pairs from a real app's URL map, with harmless argument values."""
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATA_DIR": tmp, "SECRET_KEY": "route-enumeration-" + "x" * 32}, require_schema=False)
        adapter = app.url_map.bind("localhost")
        routes = []
        for rule in app.url_map.iter_rules():
            values = {m["name"]: harmless(m["converter"]) for m in ARGUMENT.finditer(rule.rule)}
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                path = adapter.build(rule.endpoint, values, method=method)
                routes.append(Route(rule.endpoint, method, rule.rule, path))
    return routes


ROUTES = collect_routes()
LOGIN_REQUIRED = [r for r in ROUTES if r.endpoint not in PUBLIC | SECOND_STEP]
SECOND_STEP_ROUTES = [r for r in ROUTES if r.endpoint in SECOND_STEP]
ADMIN_ONLY = [r for r in ROUTES if r.is_admin_only]
LOGGED_IN_GETS = [r for r in LOGIN_REQUIRED if r.method == "GET"]


@dataclass
class Env:
    app: Flask
    admin: ApiClient
    user: ApiClient

    def snapshot(self) -> tuple[Any, ...]:
        """Every row of every config-DB table, plus the login sessions: what a request could change."""
        with self.app.app_context():
            tables = tuple(sorted(map(repr, db.session.execute(table.select()).all()))
                           for table in db.metadata.sorted_tables)
        with self.app.extensions["session_store"]._conn() as conn:
            sessions = conn.execute("SELECT key, user_id FROM sessions ORDER BY key").fetchall()
        return tables, tuple(sessions)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    """One app for the module: these requests must change nothing, which each test checks."""
    app = create_app(prepare_data_dir(tmp_path_factory.mktemp("routes") / "data"))
    yield Env(app, api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD), api_client(app, USER_EMAIL, USER_PASSWORD))


def send(client: FlaskClient, route: Route, csrf_token: str | None = None) -> TestResponse:
    headers = {"X-CSRFToken": csrf_token} if csrf_token else {}
    body = None
    if route.method in {"POST", "PUT"}:
        body = CREATE_BODY
    elif route.method == "PATCH":
        body = CHANGE_BODY
    return client.open(route.path, method=route.method, headers=headers, json=body)


def assert_login_required(route: Route, response: TestResponse) -> None:
    if route.is_api:
        assert response.status_code == 401, (str(route), response.status_code)
        assert response.get_json()["error"]["code"] == "not_authenticated"
        return
    assert response.status_code == 302, (str(route), response.status_code)
    target = urlsplit(response.headers["Location"])
    assert target.path == "/login"
    if route.method == "GET":
        assert parse_qs(target.query)["next"] == [route.path]


def test_the_route_table_is_enumerated() -> None:
    endpoints = {r.endpoint for r in ROUTES}
    assert endpoints >= PUBLIC
    assert endpoints >= {"users.users_page", "users.list_users", "users.create_user", "users.update_user",
                         "users.delete_user", "auth.logout", "auth.session_info", "home.index"}
    assert len(ADMIN_ONLY) >= 5
    assert any(r.changes_state for r in LOGIN_REQUIRED)


def test_public_routes_work_anonymously(env: Env) -> None:
    anon = env.app.test_client()
    assert anon.get("/login").status_code == 200
    health = anon.get("/health")
    assert health.status_code == 200 and health.get_json()["status"] == "ok"
    assert anon.get("/static/css/app.css").status_code == 200
    response = login(anon, USER_EMAIL, USER_PASSWORD)  # POST /login
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/"


@pytest.mark.parametrize("route", LOGIN_REQUIRED, ids=str)
def test_logged_out_is_refused(env: Env, route: Route) -> None:
    before = env.snapshot()
    response = send(env.app.test_client(), route)
    if route.changes_state:
        # No CSRF token (a logged-out client has none): CSRF may answer first; either way it is refused.
        assert response.status_code in ({400, 401} if route.is_api else {400, 302}), response.status_code
        if response.status_code != 400:
            assert_login_required(route, response)
        # An anonymous visitor holding a valid token (from the login form) still needs a login.
        client = env.app.test_client()
        response = send(client, route, form_csrf(client))
    assert_login_required(route, response)
    assert response.headers.getlist("Set-Cookie") == [] or route.changes_state
    assert env.snapshot() == before


@pytest.mark.parametrize("route", SECOND_STEP_ROUTES, ids=str)
def test_second_step_routes_without_a_half_login_send_to_login(env: Env, route: Route) -> None:
    before = env.snapshot()
    client = env.app.test_client()
    response = send(client, route, form_csrf(client))
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login", str(route)
    assert env.snapshot() == before


@pytest.mark.parametrize("route", ADMIN_ONLY, ids=str)
def test_non_admin_gets_403(env: Env, route: Route) -> None:
    before = env.snapshot()
    response = send(env.user.client, route, env.user.csrf_token)
    assert response.status_code == 403, (str(route), response.status_code)
    if route.is_api:
        assert response.get_json()["error"]["code"] == "forbidden"
    assert env.snapshot() == before


@pytest.mark.parametrize("route", LOGGED_IN_GETS, ids=str)
def test_logged_in_users_are_let_in(env: Env, route: Route) -> None:
    """Control: the refusals above come from the access rules, not from broken routes."""
    for who in (env.admin, env.user):
        response = who.get(route.path)
        assert response.status_code != 401, str(route)
        if response.status_code == 302:
            assert urlsplit(response.headers["Location"]).path != "/login"
    assert env.admin.get(route.path).status_code != 403
    if not route.is_admin_only:
        assert env.user.get(route.path).status_code != 403


def test_data_dir_is_private_to_this_module(env: Env) -> None:
    assert Path(env.app.config["DATA_DIR"]).parent.name.startswith("routes")
