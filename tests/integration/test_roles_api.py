"""The roles API on a real app: validation (nothing changed on bad input), built-ins read-only, 409 for a role in
use, role assignment with last-administrator protection, audit lines, and sessions that see a change at once."""

from __future__ import annotations

from typing import Any

import psycopg
from flask import Flask

from pgadmin_lite.extensions import db
from pgadmin_lite.models import AuditEvent, Role, Server, ServerShare
from pgadmin_lite.users.permissions import BUILTIN_USER, PERMISSIONS
from tests.plugins.app_fixtures import ADMIN_EMAIL, USER_EMAIL, USER_PASSWORD, ApiClient, api_client
from tests.plugins.postgres_fixture import PgServer
from tests.plugins.query_tool_helpers import QueryTool, register_server
from tests.plugins.waiting import wait_until


def _roles(client: ApiClient) -> dict[str, Any]:
    response = client.get("/api/v1/roles")
    assert response.status_code == 200
    return {role["name"]: role for role in response.get_json()["items"]}


def _role_rows(app: Flask) -> list[tuple[Any, ...]]:
    with app.app_context():
        return [(r.id, r.name, r.description, r.permissions, r.require_mfa)
                for r in db.session.execute(db.select(Role).order_by(Role.id)).scalars()]


def _audit(app: Flask) -> list[tuple[str, str | None, str | None]]:
    with app.app_context():
        return [(e.action, e.target, e.actor_email) for e in db.session.execute(
            db.select(AuditEvent).where(AuditEvent.action.like("role.%") | (AuditEvent.action == "user.role"))
            .order_by(AuditEvent.id)).scalars()]


def _user_id(client: ApiClient, email: str) -> int:
    return next(u["id"] for u in client.get("/api/v1/users").get_json() if u["email"] == email)


def test_builtins_are_listed_read_only_with_the_catalogue(admin_client: ApiClient) -> None:
    body = admin_client.get("/api/v1/roles").get_json()
    assert [p["name"] for p in body["permissions"]] == list(PERMISSIONS)
    roles = {role["name"]: role for role in body["items"]}
    assert roles["Administrator"]["is_builtin"] and roles["Administrator"]["permissions"] == list(PERMISSIONS)
    assert roles["Administrator"]["user_count"] == 1 and roles["User"]["user_count"] == 1
    assert set(roles["User"]["permissions"]) == BUILTIN_USER and roles["User"]["id"] is None


def test_bad_input_is_refused_and_changes_nothing(app: Flask, admin_client: ApiClient) -> None:
    good = {"name": "Analysts", "permissions": ["query_tool.use"]}
    cases = [
        ({**good, "permissions": ["query_tool.use", "root.everything"]}, 400, "root.everything"),
        ({**good, "permissions": "query_tool.use"}, 400, "list"),
        ({**good, "permissions": [1]}, 400, "list"),
        ({**good, "name": ""}, 400, "name"),
        ({**good, "name": "x" * 65}, 400, "name"),
        ({**good, "name": "bad\u0000name"}, 400, "NUL"),
        ({**good, "name": "bad\u202ename"}, 400, "name"),
        ({**good, "name": "administrator"}, 409, "built-in"),
        ({**good, "name": "User"}, 409, "built-in"),
        ({**good, "require_mfa": "yes"}, 400, "require_mfa"),
        ({**good, "description": 5}, 400, "description"),
        ({**good, "is_admin": True}, 400, "Unknown field"),
        ({"name": "Analysts"}, 400, "permissions"),
        ([good], 400, ""),
    ]
    for body, status, words in cases:
        response = admin_client.post("/api/v1/roles", json=body)
        assert response.status_code == status, (body, response.get_json())
        assert words in response.get_json()["error"]["message"], (body, response.get_json())
    assert _role_rows(app) == []
    created = admin_client.post("/api/v1/roles", json={**good, "description": " reads ", "require_mfa": True})
    assert created.status_code == 201
    role = created.get_json()
    assert role["name"] == "Analysts" and role["permissions"] == ["query_tool.use"] and role["require_mfa"]
    assert role["description"] == "reads" and role["user_count"] == 0 and isinstance(role["id"], int)
    clash = admin_client.post("/api/v1/roles", json={**good, "name": "  ANALYSTS "})
    assert clash.status_code == 409 and "already exists" in clash.get_json()["error"]["message"]
    before = _role_rows(app)
    for body in ({"permissions": ["nope"]}, {"name": "User"}, {"require_mfa": 1}, {"id": 7}):
        assert admin_client.patch(f"/api/v1/roles/{role['id']}", json=body).status_code in (400, 409), body
    assert _role_rows(app) == before
    assert admin_client.patch("/api/v1/roles/999999", json={"name": "x"}).status_code == 404


def test_state_changes_need_the_csrf_token(app: Flask, admin_client: ApiClient) -> None:
    response = admin_client.client.post("/api/v1/roles", json={"name": "NoToken", "permissions": []})
    assert response.status_code == 400 and _role_rows(app) == []


def test_a_role_in_use_cannot_be_deleted(app: Flask, admin_client: ApiClient) -> None:
    role = admin_client.post("/api/v1/roles", json={"name": "Ops", "permissions": ["dashboard.cancel"]}).get_json()
    user_id = _user_id(admin_client, USER_EMAIL)
    assigned = admin_client.patch(f"/api/v1/users/{user_id}", json={"role": "Ops"})
    assert assigned.status_code == 200 and assigned.get_json()["role"] == "Ops"
    refused = admin_client.delete(f"/api/v1/roles/{role['id']}")
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert "1 user" in error["message"] and error["user_count"] == 1
    assert _roles(admin_client)["Ops"]["user_count"] == 1
    assert admin_client.patch(f"/api/v1/users/{user_id}", json={"role": "User"}).get_json()["role"] == "User"
    assert admin_client.delete(f"/api/v1/roles/{role['id']}").status_code == 204
    assert "Ops" not in _roles(admin_client)
    assert [a[0] for a in _audit(app)] == ["role.create", "user.role", "user.role", "role.delete"]
    assert all(actor == ADMIN_EMAIL for _, _, actor in _audit(app))


def test_assigning_roles_keeps_the_last_administrator(app: Flask, admin_client: ApiClient) -> None:
    admin_id = _user_id(admin_client, ADMIN_EMAIL)
    user_id = _user_id(admin_client, USER_EMAIL)
    demote = admin_client.patch(f"/api/v1/users/{admin_id}", json={"role": "User"})
    assert demote.status_code == 409 and demote.get_json()["error"]["code"] == "last_admin"
    for body in ({"role": "Nope"}, {"role": 3}, {"role": "Administrator", "is_admin": True}):
        response = admin_client.patch(f"/api/v1/users/{user_id}", json=body)
        assert response.status_code == 400, body
    promoted = admin_client.patch(f"/api/v1/users/{user_id}", json={"role": "Administrator"}).get_json()
    assert promoted["is_admin"] and promoted["role"] == "Administrator"
    assert admin_client.patch(f"/api/v1/users/{admin_id}", json={"role": "User"}).status_code == 200
    assert admin_client.patch(f"/api/v1/users/{admin_id}", json={"is_admin": True}).status_code == 403  # not any more


def test_a_change_reaches_open_sessions_without_a_new_login(app: Flask, admin_client: ApiClient) -> None:
    role = admin_client.post("/api/v1/roles", json={"name": "Readers", "permissions": ["query_tool.use"]}).get_json()
    user_id = _user_id(admin_client, USER_EMAIL)
    user = api_client(app, USER_EMAIL, USER_PASSWORD)
    assert user.get("/api/v1/storage").status_code == 200  # the built-in User may
    admin_client.patch(f"/api/v1/users/{user_id}", json={"role": "Readers"})
    refused = user.get("/api/v1/storage")
    assert refused.status_code == 403 and refused.get_json()["error"]["permission"] == "storage.use"
    session = user.get("/api/v1/session").get_json()["user"]
    assert session["role"] == "Readers" and session["permissions"] == ["query_tool.use"]
    granted = admin_client.patch(f"/api/v1/roles/{role['id']}", json={"permissions": ["query_tool.use", "storage.use"]})
    assert granted.status_code == 200 and granted.get_json()["user_count"] == 1
    assert user.get("/api/v1/storage").status_code == 200
    assert "storage.use" in user.get("/api/v1/session").get_json()["user"]["permissions"]
    admin_client.patch(f"/api/v1/roles/{role['id']}", json={"permissions": []})
    assert user.get("/api/v1/storage").status_code == 403
    assert user.get("/storage").status_code == 403
    assert ("role.update", f"role:{role['id']}", ADMIN_EMAIL) in _audit(app)


def test_a_user_manager_who_is_not_an_administrator_cannot_touch_administrators(
        app: Flask, admin_client: ApiClient) -> None:
    """users.manage alone must not be a way to become (or take over) an administrator."""
    admin_client.post("/api/v1/roles", json={"name": "Managers", "permissions": ["users.manage"]})
    user_id = _user_id(admin_client, USER_EMAIL)
    admin_id = _user_id(admin_client, ADMIN_EMAIL)
    admin_client.patch(f"/api/v1/users/{user_id}", json={"role": "Managers"})
    manager = api_client(app, USER_EMAIL, USER_PASSWORD)
    attempts = [("patch", f"/api/v1/users/{user_id}", {"role": "Administrator"}),
                ("patch", f"/api/v1/users/{user_id}", {"is_admin": True}),
                ("patch", f"/api/v1/users/{admin_id}", {"password": "taken-over-1"}),
                ("patch", f"/api/v1/users/{admin_id}", {"is_active": False}),
                ("delete", f"/api/v1/users/{admin_id}", None),
                ("post", "/api/v1/users", {"email": "new-admin@example.com", "password": "new-admin-1",
                                           "is_admin": True})]
    for method, path, body in attempts:
        response = getattr(manager, method)(path, json=body)
        assert response.status_code == 403, (method, path, body)
        assert "Only an administrator" in response.get_json()["error"]["message"]
    users = {u["email"]: u for u in admin_client.get("/api/v1/users").get_json()}
    assert set(users) == {ADMIN_EMAIL, USER_EMAIL} and users[ADMIN_EMAIL]["is_active"]
    assert users[USER_EMAIL]["role"] == "Managers"
    made = manager.post("/api/v1/users", json={"email": "plain@example.com", "password": "plain-pass-1"})
    assert made.status_code == 201  # plain users they may manage
    assert manager.patch(f"/api/v1/users/{made.get_json()['id']}", json={"role": "Managers"}).status_code == 200


def test_deleting_a_role_removes_its_server_shares(app: Flask, admin_client: ApiClient) -> None:
    role = admin_client.post("/api/v1/roles", json={"name": "Gone", "permissions": []}).get_json()
    with app.app_context():
        server = Server(user_id=1, name="shared", group_name="Servers", host="127.0.0.1", port=5432,
                        maintenance_db="postgres", username="postgres")
        db.session.add(server)
        db.session.flush()
        db.session.add(ServerShare(server_id=server.id, kind="role", target_id=role["id"]))
        db.session.commit()
    assert admin_client.delete(f"/api/v1/roles/{role['id']}").status_code == 204
    with app.app_context():
        assert db.session.execute(db.select(ServerShare)).all() == []


def test_losing_the_query_tool_ends_open_tabs(app: Flask, admin_client: ApiClient, pg_server: PgServer) -> None:
    """A role change that takes query_tool.use away rolls back and closes the user's open query tools at once."""
    user = api_client(app, USER_EMAIL, USER_PASSWORD)
    server_id = register_server(user, pg_server, "postgres")
    opened = user.post("/api/v1/query-tool", json={"server_id": server_id, "database": "postgres"})
    assert opened.status_code == 201, opened.get_json()
    tool = QueryTool(user, opened.get_json()["tx_id"])
    pid = tool.run("BEGIN; SELECT pg_backend_pid()")["rows"][0][0]
    admin_client.post("/api/v1/roles", json={"name": "Watchers", "permissions": ["storage.use"]})
    admin_client.patch(f"/api/v1/users/{_user_id(admin_client, USER_EMAIL)}", json={"role": "Watchers"})

    def is_gone() -> bool:
        with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
            return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone() == (0,)

    wait_until(is_gone, "the query tool's backend still runs after its role lost query_tool.use")
    refused = tool.execute("SELECT 1")
    assert refused.status_code == 403 and refused.get_json()["error"]["permission"] == "query_tool.use"
    admin_client.patch(f"/api/v1/users/{_user_id(admin_client, USER_EMAIL)}", json={"role": "User"})
    gone = tool.execute("SELECT 1")
    assert gone.status_code == 410 and "no longer allows the query tool" in gone.get_json()["error"]["message"]
