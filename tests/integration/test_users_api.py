"""The users API (admin only), the session API, the users page and /health."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

import pgadmin_lite
from pgadmin_lite import create_app
from tests.plugins.app_fixtures import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    USER_EMAIL,
    USER_PASSWORD,
    ApiClient,
    AppFactory,
    api_client,
    login,
    prepare_data_dir,
)

USERS = "/api/v1/users"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DATA_DIR set up once (keys, schema, admin and user); each test works on its own copy."""
    data_dir = tmp_path_factory.mktemp("users-api") / "data"
    prepare_data_dir(data_dir)
    return data_dir


@dataclass
class Shared:
    """One app for the tests whose requests must be refused: each checks that nothing changed."""

    app: Flask
    admin: ApiClient


@pytest.fixture(scope="module")
def shared(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Shared:
    data_dir = tmp_path_factory.mktemp("users-shared") / "data"
    shutil.copytree(template, data_dir)
    app = create_app({"DATA_DIR": str(data_dir)})
    return Shared(app, api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD))


@pytest.fixture
def make_app(template: Path, tmp_path: Path) -> AppFactory:
    """Overrides the plugin's make_app: the same set-up, copied instead of re-hashed for every test."""
    shutil.copytree(template, tmp_path / "data")
    return AppFactory({"DATA_DIR": str(tmp_path / "data")})


def users_by_email(admin: ApiClient) -> dict[str, dict[str, Any]]:
    response = admin.get(USERS)
    assert response.status_code == 200
    return {u["email"]: u for u in response.get_json()}


def uid(admin: ApiClient, email: str) -> int:
    return users_by_email(admin)[email]["id"]


def can_log_in(app: Flask, email: str, password: str) -> bool:
    return login(app.test_client(), email, password).status_code == 302


def create(admin: ApiClient, email: str, password: str | None = None, **extra: Any) -> dict[str, Any]:
    body = {"email": email, "password": password or "created-pass-1", **extra}
    response = admin.post(USERS, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# --- create / list / get ------------------------------------------------------------------------

def test_create_returns_201_and_the_object(admin_client: ApiClient, app: Flask) -> None:
    response = admin_client.post(USERS, json={"email": "New.Person@Example.com", "password": "new-person-pw1"})
    assert response.status_code == 201
    body = response.get_json()
    assert isinstance(body["id"], int)
    assert body["email"] == "new.person@example.com"
    assert (body["is_admin"], body["is_active"], body["must_change_password"]) == (False, True, False)
    assert "password" not in body and "password_hash" not in body
    assert admin_client.get(f"{USERS}/{body['id']}").get_json() == body
    assert can_log_in(app, "new.person@example.com", "new-person-pw1")
    admin = create(admin_client, "second.admin@example.com", is_admin=True)
    assert admin["is_admin"] is True


def test_list_is_an_array_of_users(admin_client: ApiClient) -> None:
    response = admin_client.get(USERS)
    assert response.status_code == 200
    body = response.get_json()
    assert isinstance(body, list)
    assert {u["email"] for u in body} == {ADMIN_EMAIL, USER_EMAIL}
    for user in body:
        assert set(user) >= {"id", "email", "is_admin", "is_active", "locked_until"}
        assert "password_hash" not in user


def test_get_unknown_user_is_404(admin_client: ApiClient) -> None:
    response = admin_client.get(f"{USERS}/9999")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


# --- patch ----------------------------------------------------------------------------------------

def test_patch_role(admin_client: ApiClient, app: Flask) -> None:
    user_id = uid(admin_client, USER_EMAIL)
    user = api_client(app, USER_EMAIL, USER_PASSWORD)
    assert user.get(USERS).status_code == 403
    response = admin_client.patch(f"{USERS}/{user_id}", json={"is_admin": True})
    assert response.status_code == 200 and response.get_json()["is_admin"] is True
    assert user.get(USERS).status_code == 200  # the new role applies at once
    assert admin_client.patch(f"{USERS}/{user_id}", json={"is_admin": False}).get_json()["is_admin"] is False
    assert user.get(USERS).status_code == 403


def test_patch_active(admin_client: ApiClient, app: Flask) -> None:
    user_id = uid(admin_client, USER_EMAIL)
    response = admin_client.patch(f"{USERS}/{user_id}", json={"is_active": False})
    assert response.status_code == 200 and response.get_json()["is_active"] is False
    assert not can_log_in(app, USER_EMAIL, USER_PASSWORD)
    assert admin_client.patch(f"{USERS}/{user_id}", json={"is_active": True}).get_json()["is_active"] is True
    assert can_log_in(app, USER_EMAIL, USER_PASSWORD)


def test_patch_password(admin_client: ApiClient, app: Flask) -> None:
    user_id = uid(admin_client, USER_EMAIL)
    response = admin_client.patch(f"{USERS}/{user_id}", json={"password": "reset-by-admin-1"})
    assert response.status_code == 200
    assert response.get_json()["must_change_password"] is True
    assert not can_log_in(app, USER_EMAIL, USER_PASSWORD)
    assert can_log_in(app, USER_EMAIL, "reset-by-admin-1")


def test_patch_unlock(make_app: AppFactory) -> None:
    app = make_app(MAX_LOGIN_ATTEMPTS=2)
    admin = api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD)
    for _ in range(2):
        login(app.test_client(), USER_EMAIL, "wrong-password-x")
    assert not can_log_in(app, USER_EMAIL, USER_PASSWORD)
    user_id = uid(admin, USER_EMAIL)
    assert users_by_email(admin)[USER_EMAIL]["locked_until"]
    response = admin.patch(f"{USERS}/{user_id}", json={"unlock": True})
    assert response.status_code == 200 and response.get_json()["locked_until"] is None
    assert can_log_in(app, USER_EMAIL, USER_PASSWORD)


# --- delete ------------------------------------------------------------------------------------------

def test_delete(admin_client: ApiClient, app: Flask) -> None:
    user_id = uid(admin_client, USER_EMAIL)
    response = admin_client.delete(f"{USERS}/{user_id}")
    assert response.status_code == 204
    assert response.get_data() == b""
    assert admin_client.get(f"{USERS}/{user_id}").status_code == 404
    assert USER_EMAIL not in users_by_email(admin_client)
    assert not can_log_in(app, USER_EMAIL, USER_PASSWORD)
    assert admin_client.delete(f"{USERS}/{user_id}").status_code == 404


# --- validation -------------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    {"email": "not-an-email", "password": "valid-password-1"},
    {"email": "a@b", "password": "valid-password-1"},
    {"email": "", "password": "valid-password-1"},
    {"password": "valid-password-1"},
    {"email": "short@example.com", "password": "short"},
    {"email": "nopass@example.com"},
    {"email": "num@example.com", "password": 123456789},
    {"email": ["x@example.com"], "password": "valid-password-1"},
    {"email": "flag@example.com", "password": "valid-password-1", "is_admin": "yes"},
    {"email": "flag@example.com", "password": "valid-password-1", "is_admin": 1},
    {"email": "extra@example.com", "password": "valid-password-1", "role": "admin"},
])
def test_create_validation_errors(shared: Shared, body: dict[str, Any]) -> None:
    before = users_by_email(shared.admin)
    response = shared.admin.post(USERS, json=body)
    assert response.status_code == 400, (body, response.get_json())
    error = response.get_json()["error"]
    assert error["code"] == "bad_request" and error["message"]
    assert users_by_email(shared.admin) == before


@pytest.mark.parametrize("body", [
    {"is_admin": "true"},
    {"is_active": 0},
    {"unlock": "yes"},
    {"password": "short"},
    {"password": 12345678},
    {"email": "renamed@example.com"},
    {"role": "admin"},
])
def test_patch_validation_errors(shared: Shared, body: dict[str, Any]) -> None:
    before = users_by_email(shared.admin)
    response = shared.admin.patch(f"{USERS}/{uid(shared.admin, USER_EMAIL)}", json=body)
    assert response.status_code == 400, (body, response.get_json())
    assert response.get_json()["error"]["code"] == "bad_request"
    assert users_by_email(shared.admin) == before
    assert can_log_in(shared.app, USER_EMAIL, USER_PASSWORD)


@pytest.mark.parametrize("data", ["{not json", "[1, 2]", '"a string"', ""])
def test_malformed_json_body(shared: Shared, data: str) -> None:
    before = users_by_email(shared.admin)
    for method in ("post", "patch"):
        path = USERS if method == "post" else f"{USERS}/{uid(shared.admin, USER_EMAIL)}"
        response = getattr(shared.admin, method)(path, data=data, content_type="application/json")
        assert response.status_code == 400, (method, data)
        assert response.get_json()["error"]["code"] == "bad_request"
    assert users_by_email(shared.admin) == before


@pytest.mark.parametrize("email", [USER_EMAIL, "USER@Example.COM", f"  {USER_EMAIL}  "])
def test_duplicate_email_is_409(shared: Shared, email: str) -> None:
    before = users_by_email(shared.admin)
    response = shared.admin.post(USERS, json={"email": email, "password": "another-pass-1"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"
    assert users_by_email(shared.admin) == before


# --- last administrator --------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "body"), [("delete", None), ("patch", {"is_admin": False}),
                                              ("patch", {"is_active": False})])
def test_last_admin_cannot_be_removed(shared: Shared, method: str, body: dict[str, Any] | None) -> None:
    admin_id = uid(shared.admin, ADMIN_EMAIL)
    before = users_by_email(shared.admin)
    kwargs = {"json": body} if body else {}
    response = getattr(shared.admin, method)(f"{USERS}/{admin_id}", **kwargs)
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "last_admin"
    assert "last" in error["message"]
    assert users_by_email(shared.admin) == before


def test_a_second_admin_can_be_removed(admin_client: ApiClient) -> None:
    second = create(admin_client, "second@example.com", is_admin=True)
    third = create(admin_client, "third@example.com", is_admin=True)
    assert admin_client.patch(f"{USERS}/{second['id']}", json={"is_admin": False}).status_code == 200
    assert admin_client.patch(f"{USERS}/{third['id']}", json={"is_active": False}).status_code == 200
    # third is an inactive admin: it does not count, so the first admin is now the last active one.
    response = admin_client.patch(f"{USERS}/{uid(admin_client, ADMIN_EMAIL)}", json={"is_admin": False})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "last_admin"
    assert admin_client.patch(f"{USERS}/{third['id']}", json={"is_active": True}).status_code == 200
    assert admin_client.delete(f"{USERS}/{third['id']}").status_code == 204
    assert set(users_by_email(admin_client)) == {ADMIN_EMAIL, USER_EMAIL, "second@example.com"}


def test_an_admin_may_step_down_when_another_remains(admin_client: ApiClient, app: Flask) -> None:
    create(admin_client, "heir@example.com", "heir-password-1", is_admin=True)
    admin_id = uid(admin_client, ADMIN_EMAIL)
    response = admin_client.patch(f"{USERS}/{admin_id}", json={"is_admin": False})
    assert response.status_code == 200
    assert admin_client.get(USERS).status_code == 403  # the change applies to the caller at once
    heir = api_client(app, "heir@example.com", "heir-password-1")
    assert heir.delete(f"{USERS}/{uid(heir, 'heir@example.com')}").get_json()["error"]["code"] == "last_admin"


# --- non-admins ---------------------------------------------------------------------------------------

def test_non_admin_gets_403_everywhere(user_client: ApiClient, admin_client: ApiClient) -> None:
    before = users_by_email(admin_client)
    admin_id = before[ADMIN_EMAIL]["id"]
    own_id = before[USER_EMAIL]["id"]
    attempts = [
        user_client.get(USERS),
        user_client.post(USERS, json={"email": "sneaky@example.com", "password": "sneaky-pass-1", "is_admin": True}),
        user_client.get(f"{USERS}/{admin_id}"),
        user_client.patch(f"{USERS}/{own_id}", json={"is_admin": True}),
        user_client.patch(f"{USERS}/{admin_id}", json={"password": "hijacked-pass-1"}),
        user_client.delete(f"{USERS}/{admin_id}"),
    ]
    for response in attempts:
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "forbidden"
    page = user_client.get("/users")
    assert page.status_code == 403
    assert users_by_email(admin_client) == before
    home = user_client.get("/").get_data(as_text=True)
    assert 'id="nav-users"' not in home  # the console does not even offer the link


# --- pages, session and health ---------------------------------------------------------------------

def test_users_page_renders_for_admins(admin_client: ApiClient) -> None:
    page = admin_client.get("/users")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'id="users-table"' in text
    assert "/static/js/users." in text
    assert 'id="nav-users"' in admin_client.get("/").get_data(as_text=True)


def test_session_api(user_client: ApiClient, app: Flask) -> None:
    body = user_client.get("/api/v1/session").get_json()
    assert body["user"]["email"] == USER_EMAIL
    assert body["user"]["is_admin"] is False
    assert isinstance(body["user"]["id"], int)
    assert body["csrf_token"]
    # The returned token really is the one state-changing requests need.
    response = user_client.client.post("/api/v1/account/password", headers={"X-CSRFToken": body["csrf_token"]},
                                       json={"current_password": USER_PASSWORD, "new_password": "via-token-pw1"})
    assert response.status_code == 200
    anon = app.test_client().get("/api/v1/session")
    assert anon.status_code == 401
    assert anon.get_json()["error"]["code"] == "not_authenticated"


def test_health(app: Flask) -> None:
    client = app.test_client()
    response = client.get("/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["version"] == pgadmin_lite.__version__
    assert body["pid"] == os.getpid()
    assert set(body) >= {"status", "version", "pid"}
