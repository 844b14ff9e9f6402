"""Every route declares what it needs (public, any logged-in user, or permissions), and each permission holds.

The routes come from the app's URL map, so a route added later without a declaration fails
test_every_endpoint_is_classified. For every (endpoint, permission) a user whose custom role has every
permission but that one sends a real request (CSRF token included) and gets the permission check's own 403
(error.permission names it), with nothing changed. Permissions a view checks only for some requests (a job's
kind, another role's backend, everyone's sessions, a file picked from storage) are sent those requests.
"""

from __future__ import annotations

import re
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest
from flask import Flask
from psycopg import sql

from pgadmin_lite import create_app
from pgadmin_lite.auth import PUBLIC_ENDPOINTS
from pgadmin_lite.extensions import db
from pgadmin_lite.users.permissions import ANY_USER, PERMISSIONS, declared_access
from tests.integration.test_routes_access import CHANGE_BODY, CREATE_BODY, ROUTES, Route
from tests.plugins.app_fixtures import ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, api_client, prepare_data_dir
from tests.plugins.postgres_fixture import PgServer
from tests.plugins.query_tool_helpers import register_server

PASSWORD = "perm-test-pass-1"
NEW_SERVER = {"name": "picked", "host": "127.0.0.1", "port": 5432, "username": "postgres", "sslmode": "verify-full"}
CA_FILE = {"tls_files": {"sslrootcert": {"path": "/tls/ca.pem"}}}


@dataclass
class Env:
    app: Flask
    admin: ApiClient
    server_id: int
    other_pid: int
    clients: dict[str, ApiClient] = field(default_factory=dict)

    def snapshot(self) -> tuple[Any, ...]:
        """Every config-DB row but the audit log's (a refusal may be audited): what a request could change."""
        with self.app.app_context():
            return tuple(sorted(map(repr, db.session.execute(table.select()).all()))
                         for table in db.metadata.sorted_tables if table.name != "audit_log")


def _declared(app: Flask) -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """endpoint -> (declared access, the permissions its view checks only for some requests)."""
    return {endpoint: (declared_access(app, endpoint) or frozenset(),
                       getattr(app.view_functions[endpoint], "checked_in_view", frozenset()))
            for endpoint in app.view_functions}


def _enumeration_app() -> Flask:
    with tempfile.TemporaryDirectory(prefix="perm-enum-") as tmp:
        return create_app({"DATA_DIR": tmp, "SECRET_KEY": "p" * 40}, require_schema=False)


DECLARED = _declared(_enumeration_app())
# Requests that reach a check made in the view: (endpoint, permission) -> (method, path, body) from the env.
Request = tuple[str, str, Any]
CONDITIONAL: dict[tuple[str, str], Callable[[Env], Request]] = {
    **{("jobs.start_job", f"jobs.{kind}"): (lambda env, kind=kind: (
        "POST", "/api/v1/jobs", {"kind": kind, "server_id": env.server_id, "database": "postgres"}))
       for kind in ("backup", "backup_globals", "restore", "maintenance", "import", "export")},
    ("jobs.start_job", "storage.use"): lambda env: (
        "POST", "/api/v1/jobs", {"kind": "backup", "server_id": env.server_id, "database": "postgres",
                                 "output_path": "/dump.backup"}),
    ("dashboard.cancel_session", "dashboard.cancel"): lambda env: (
        "POST", f"/api/v1/servers/{env.server_id}/dashboard/sessions/{env.other_pid}/cancel", None),
    ("dashboard.terminate_session", "dashboard.terminate"): lambda env: (
        "POST", f"/api/v1/servers/{env.server_id}/dashboard/sessions/{env.other_pid}/terminate", None),
    ("tool_sessions.list_all", "sessions.see_others"): lambda env: ("GET", "/api/v1/sessions?all=1", None),
    ("servers_json.preview_import", "storage.use"): lambda env: (
        "POST", "/api/v1/servers/import/preview", {"path": "/servers.json"}),
    ("servers_json.apply_import", "storage.use"): lambda env: (
        "POST", "/api/v1/servers/import", {"path": "/servers.json"}),
    ("servers.create_server", "storage.use"): lambda env: ("POST", "/api/v1/servers", {**NEW_SERVER, **CA_FILE}),
    ("servers.check_draft", "storage.use"): lambda env: ("POST", "/api/v1/servers/test", {**NEW_SERVER, **CA_FILE}),
    ("servers.update_server", "storage.use"): lambda env: ("PATCH", f"/api/v1/servers/{env.server_id}", CA_FILE),
    ("servers.set_credentials", "storage.use"): lambda env: (
        "PUT", f"/api/v1/servers/{env.server_id}/credentials", {"passfile": "/pgpass"}),
}


def _routes_needing() -> list[tuple[Route, str]]:
    """(route, permission) for every permission a route always needs (the ones its view checks are below)."""
    pairs = []
    for route in ROUTES:
        access, in_view = DECLARED.get(route.endpoint, (frozenset(), frozenset()))
        pairs += [(route, p) for p in sorted(access - {ANY_USER} - in_view)]
    return pairs


ALWAYS = _routes_needing()
ANY_USER_GETS = [r for r in ROUTES if r.method == "GET" and DECLARED.get(r.endpoint, ((),))[0] == {ANY_USER}]


def test_every_endpoint_is_classified() -> None:
    """Public (auth.PUBLIC_ENDPOINTS), any logged-in user, or named permissions: nothing else passes."""
    unclassified = sorted(e for e, (access, _) in DECLARED.items() if e not in PUBLIC_ENDPOINTS and not access)
    assert unclassified == [], ("Declare what these need (users/permissions.py: blueprint_requires, requires, "
                                f"checks_in_view): {unclassified}")
    unknown = {p for access, _ in DECLARED.values() for p in access} - set(PERMISSIONS) - {ANY_USER}
    assert unknown == set()


def test_every_permission_checked_in_a_view_has_a_request_here() -> None:
    declared = {(e, p) for e, (_, in_view) in DECLARED.items() for p in in_view}
    assert declared == set(CONDITIONAL), "add (or drop) the request that reaches the view's own check"


def test_every_permission_guards_some_route() -> None:
    guarded = {p for _, p in ALWAYS} | {p for _, p in CONDITIONAL}
    assert guarded == set(PERMISSIONS)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, pg_server: PgServer) -> Iterator[Env]:
    """An app with a role "all but P" for each permission P, and a user in each who registered the server."""
    app = create_app(prepare_data_dir(tmp_path_factory.mktemp("perm-routes") / "data"))
    admin = api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD)
    everything = admin.post("/api/v1/roles", json={"name": "everything", "permissions": list(PERMISSIONS)})
    assert everything.status_code == 201, everything.get_json()
    other_role = f"perm other {uuid.uuid4().hex[:6]}"
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(other_role)))
    other = psycopg.connect(psycopg.conninfo.make_conninfo(pg_server.conninfo(), user=other_role), autocommit=True)
    try:
        result = Env(app, admin, register_server(admin, pg_server, "postgres"), other.info.backend_pid)
        for permission in PERMISSIONS:
            result.clients[permission] = _user_lacking(result, pg_server, permission)
        yield result
        other.execute("SELECT 1")  # no refused cancel or terminate reached it
    finally:
        other.close()
        with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(other_role)))


def _user_lacking(env: Env, pg_server: PgServer, permission: str) -> ApiClient:
    """A user who registered the test server with every permission, then was moved to "all but <permission>"."""
    role = env.admin.post("/api/v1/roles", json={"name": f"all but {permission}",
                                                 "permissions": [p for p in PERMISSIONS if p != permission]})
    assert role.status_code == 201, role.get_json()
    email = f"no-{permission.replace('.', '-').replace('_', '-')}@example.com"
    created = env.admin.post("/api/v1/users", json={"email": email, "password": PASSWORD})
    assert created.status_code == 201, created.get_json()
    user_id = created.get_json()["id"]
    assert env.admin.patch(f"/api/v1/users/{user_id}", json={"role": "everything"}).status_code == 200
    client = api_client(env.app, email, PASSWORD)
    register_server(client, pg_server, "postgres", name=f"own {permission}")
    moved = env.admin.patch(f"/api/v1/users/{user_id}", json={"role": f"all but {permission}"})
    assert moved.status_code == 200 and moved.get_json()["role"] == f"all but {permission}"
    return client


def _server_of(env: Env, client: ApiClient) -> int:
    return next(s["id"] for s in client.get("/api/v1/servers").get_json() if s["name"].startswith("own "))


def _body(method: str) -> Any:
    return {"POST": CREATE_BODY, "PUT": CREATE_BODY, "PATCH": CHANGE_BODY}.get(method)


def assert_refused_for(response: Any, permission: str, label: str) -> None:
    assert response.status_code == 403, (label, response.status_code, response.get_data(as_text=True)[:300])
    if response.is_json:
        error = response.get_json()["error"]
        assert error["code"] == "forbidden" and error["permission"] == permission, (label, error)
        assert PERMISSIONS[permission] in error["message"]
    else:  # a page: the error page names what is missing
        assert PERMISSIONS[permission] in response.get_data(as_text=True), label


@pytest.mark.parametrize(("route", "permission"), ALWAYS, ids=lambda v: str(v))
def test_a_role_without_the_permission_gets_403(env: Env, route: Route, permission: str) -> None:
    client = env.clients[permission]
    before = env.snapshot()
    response = client.client.open(route.path, method=route.method, headers={"X-CSRFToken": client.csrf_token},
                                  json=_body(route.method))
    assert_refused_for(response, permission, str(route))
    assert env.snapshot() == before


@pytest.mark.parametrize(("endpoint", "permission"), sorted(CONDITIONAL), ids=lambda v: str(v))
def test_a_view_checks_the_permission_the_request_needs(env: Env, endpoint: str, permission: str) -> None:
    client = env.clients[permission]
    method, path, body = CONDITIONAL[(endpoint, permission)](env)
    path = re.sub(rf"/servers/{env.server_id}(?=/|$)", f"/servers/{_server_of(env, client)}", path)  # their own
    before = env.snapshot()
    response = client.client.open(path, method=method, headers={"X-CSRFToken": client.csrf_token}, json=body)
    assert_refused_for(response, permission, f"{method} {path}")
    assert env.snapshot() == before


@pytest.mark.parametrize("route", ANY_USER_GETS, ids=str)
def test_a_role_with_no_permission_still_reaches_any_user_routes(env: Env, route: Route) -> None:
    """Control: "any logged-in user" routes are not refused by a permission check."""
    if "nobody" not in env.clients:
        role = env.admin.post("/api/v1/roles", json={"name": "nothing", "permissions": []})
        assert role.status_code == 201
        user = env.admin.post("/api/v1/users", json={"email": "nobody@example.com", "password": PASSWORD})
        env.admin.patch(f"/api/v1/users/{user.get_json()['id']}", json={"role": "nothing"})
        env.clients["nobody"] = api_client(env.app, "nobody@example.com", PASSWORD)
    response = env.clients["nobody"].get(route.path)
    if response.status_code == 403 and response.is_json:
        assert "permission" not in response.get_json()["error"], str(route)


def test_the_dashboard_acts_on_own_role_backends_without_the_permissions(env: Env, pg_server: PgServer) -> None:
    """Lacking dashboard.cancel: other roles' backends offer no Cancel, the dashboard role's own still do."""
    client = env.clients["dashboard.cancel"]
    server_id = _server_of(env, client)
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as own:
        listing = client.get(f"/api/v1/servers/{server_id}/dashboard/sessions").get_json()
        by_pid = {item["pid"]: item for item in listing["items"]}
        mine, theirs = by_pid[own.info.backend_pid], by_pid[env.other_pid]
        assert mine["can_cancel"] and mine["can_terminate"]
        assert theirs["can_signal"] and not theirs["can_cancel"] and theirs["can_terminate"]
        cancelled = client.post(f"/api/v1/servers/{server_id}/dashboard/sessions/{own.info.backend_pid}/cancel")
        assert cancelled.status_code == 200 and cancelled.get_json()["signalled"]
        own.execute("SELECT 1")  # a cancel of an idle backend leaves it usable


def test_a_custom_role_with_sessions_see_others_sees_everyone(env: Env) -> None:
    client = env.clients["users.manage"]  # every permission but users.manage
    assert client.get("/api/v1/sessions?all=1").status_code == 200
    assert client.get("/api/v1/users").status_code == 403
