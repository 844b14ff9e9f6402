"""Server registrations over the API: CRUD, validation, per-object authorization, sharing, saved passwords."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from sqlalchemy import func, select

from pgadmin_lite import create_app
from pgadmin_lite.connections import opening
from pgadmin_lite.extensions import db
from pgadmin_lite.models import Server, ServerCredential, User
from pgadmin_lite.servers import service, targets
from pgadmin_lite.servers.vault import SavedPasswordUnreadable, Vault
from pgadmin_lite.users import service as users_service
from tests.plugins.app_fixtures import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    USER_EMAIL,
    USER_PASSWORD,
    ApiClient,
    AppFactory,
    api_client,
    prepare_data_dir,
)
from tests.plugins.postgres_fixture import PgServer, free_port
from tests.plugins.servers_fixtures import PgRole

OTHER_EMAIL = "other@example.com"
OTHER_PASSWORD = "other-password-1"
SERVER_KEYS = {"id", "name", "group", "host", "port", "maintenance_db", "username", "sslmode", "connect_params",
               "query_modes", "has_saved_password", "is_shared", "is_owner", "comment", "role", "db_restriction",
               "colors", "read_only", "post_connection_sql", "query_defaults",
               "tls_files", "tls_client", "service", "passfile", "ssh_tunnel", "ssh_secrets",
               "ssh_host_key_fingerprint"}  # and "shares" for the owner


def body_for(pg: PgServer, **extra: Any) -> dict[str, Any]:
    return {"name": "local", "host": pg.host, "port": pg.port, "username": pg.user, **extra}


def create(client: ApiClient, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/v1/servers", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture
def other_client(app: Flask) -> ApiClient:
    with app.app_context():
        users_service.create_user(OTHER_EMAIL, OTHER_PASSWORD, is_admin=False, min_length=8)
    return api_client(app, OTHER_EMAIL, OTHER_PASSWORD)


# --- CRUD and validation --------------------------------------------------------------------------------------

def test_create_read_update_delete(user_client: ApiClient, pg_server: PgServer) -> None:
    created = create(user_client, body_for(pg_server, connect_params={"connect_timeout": 5}))
    assert set(created) == SERVER_KEYS | {"shares"}
    assert created | {"id": 0} == {
        "id": 0, "name": "local", "group": "Servers", "host": pg_server.host, "port": pg_server.port,
        "maintenance_db": "postgres", "username": "postgres", "sslmode": "prefer",
        "connect_params": {"connect_timeout": 5}, "query_modes": {}, "has_saved_password": False, "is_shared": False,
        "is_owner": True, "comment": None, "role": None, "db_restriction": [], "colors": {}, "read_only": False,
        "post_connection_sql": None, "query_defaults": {},
        "tls_files": {}, "tls_client": [], "service": None, "passfile": None, "ssh_tunnel": {}, "ssh_secrets": [],
        "ssh_host_key_fingerprint": None,
        "shares": {"everyone": False, "users": [], "roles": [], "groups": []}}
    url = f"/api/v1/servers/{created['id']}"
    assert user_client.get("/api/v1/servers").get_json() == [created]
    assert user_client.get(url).get_json() == created
    patched = user_client.patch(url, json={"group": "Prod", "sslmode": "disable", "host": "localhost"})
    assert patched.status_code == 200
    assert patched.get_json() | {"group": "Servers", "sslmode": "prefer", "host": pg_server.host} == created
    assert user_client.delete(url).status_code == 204
    assert user_client.get(url).status_code == 404
    assert user_client.get("/api/v1/servers").get_json() == []


def test_list_is_sorted_by_group_then_name(user_client: ApiClient, pg_server: PgServer) -> None:
    for group, name in (("B", "z"), ("A", "y"), ("B", "a")):
        create(user_client, body_for(pg_server, group=group, name=name))
    listed = [(s["group"], s["name"]) for s in user_client.get("/api/v1/servers").get_json()]
    assert listed == [("A", "y"), ("B", "a"), ("B", "z")]


@pytest.mark.parametrize(("change", "field"), [
    ({"name": ""}, "name"),
    ({"name": None}, "name"),
    ({"host": "bad host"}, "host"),
    ({"host": ""}, "host"),
    ({"port": 0}, "port"),
    ({"port": 65536}, "port"),
    ({"port": "5432"}, "port"),
    ({"port": True}, "port"),
    ({"username": "u" * 64}, "username"),
    ({"maintenance_db": 5}, "maintenance_db"),
    ({"sslmode": "sometimes"}, "sslmode"),
    ({"connect_params": []}, "connect_params"),
    ({"connect_params": {"passfile": "/root/.pgpass"}}, "connect_params"),
    ({"connect_params": {"connect_timeout": "10"}}, "connect_params.connect_timeout"),
    ({"connect_params": {"target_session_attrs": "whatever"}}, "connect_params.target_session_attrs"),
    ({"connect_params": {"hostaddr": "not-an-ip"}}, "connect_params.hostaddr"),
    ({"password": "pw"}, "password"),
    ({"save_password": True}, "password"),
    ({"save_password": "yes"}, "save_password"),
    ({"is_shared": "no"}, "is_shared"),
    ({"colour": "red"}, "colour"),
])
def test_invalid_fields_are_400_naming_the_field(user_client: ApiClient, pg_server: PgServer,
                                                change: dict[str, Any], field: str) -> None:
    response = user_client.post("/api/v1/servers", json=body_for(pg_server, **change))
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_request" and field in error["message"]
    assert user_client.get("/api/v1/servers").get_json() == []


def test_patch_validates_and_changes_nothing_on_error(user_client: ApiClient, pg_server: PgServer) -> None:
    created = create(user_client, body_for(pg_server))
    url = f"/api/v1/servers/{created['id']}"
    response = user_client.patch(url, json={"name": "renamed", "port": 99999})
    assert response.status_code == 400 and "port" in response.get_json()["error"]["message"]
    assert user_client.patch(url, data="[]", content_type="application/json").status_code == 400
    assert user_client.get(url).get_json() == created


def test_missing_csrf_token_is_refused_and_creates_nothing(user_client: ApiClient, pg_server: PgServer) -> None:
    response = user_client.client.post("/api/v1/servers", json=body_for(pg_server))
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "csrf_failed"
    assert user_client.get("/api/v1/servers").get_json() == []


ROUTES = [("GET", ""), ("POST", ""), ("POST", "/test"), ("GET", "/1"), ("PATCH", "/1"), ("DELETE", "/1"),
          ("POST", "/1/test"),
          ("PUT", "/1/credentials"), ("DELETE", "/1/credentials")]


@pytest.mark.parametrize(("method", "suffix"), ROUTES)
def test_every_route_needs_a_login(anon_client: Any, method: str, suffix: str) -> None:
    response = anon_client.open(f"/api/v1/servers{suffix}", method=method, json={})
    assert response.status_code in (400, 401)  # 400: the CSRF check comes first for state changes
    assert response.get_json()["error"]["code"] in ("not_authenticated", "csrf_failed")


# --- Authorization: someone else's server does not exist for you ----------------------------------------------

@pytest.mark.parametrize(("method", "suffix", "body"), [
    ("GET", "", None), ("PATCH", "", {"name": "mine now"}), ("DELETE", "", None), ("POST", "/test", None),
    ("PUT", "/credentials", {"username": "x"}), ("DELETE", "/credentials", None)])
def test_another_users_server_is_404(app: Flask, user_client: ApiClient, other_client: ApiClient,
                                     pg_server: PgServer, method: str, suffix: str, body: Any) -> None:
    theirs = create(user_client, body_for(pg_server, name="private", password="pw", save_password=True))
    url = f"/api/v1/servers/{theirs['id']}{suffix}"
    response = getattr(other_client, method.lower())(url, **({"json": body} if body is not None else {}))
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert other_client.get("/api/v1/servers").get_json() == []
    assert user_client.get(f"/api/v1/servers/{theirs['id']}").get_json() == theirs
    assert count(app, ServerCredential) == 1


def test_a_missing_id_is_404(user_client: ApiClient) -> None:
    assert user_client.get("/api/v1/servers/999").status_code == 404


# --- Sharing ---------------------------------------------------------------------------------------------------

def test_shared_server_is_visible_usable_but_not_editable(app: Flask, admin_client: ApiClient,
                                                          user_client: ApiClient, pg_server: PgServer) -> None:
    shared = create(admin_client, body_for(pg_server, name="team", is_shared=True))
    create(admin_client, body_for(pg_server, name="admin-only"))
    assert shared["is_shared"] and shared["is_owner"]
    seen = user_client.get("/api/v1/servers").get_json()
    assert [s["name"] for s in seen] == ["team"] and seen[0]["is_owner"] is False
    url = f"/api/v1/servers/{shared['id']}"
    for response in (user_client.patch(url, json={"name": "mine"}), user_client.delete(url)):
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    assert user_client.post(f"{url}/test").get_json()["ok"] is True
    assert user_client.put(f"{url}/credentials", json={"password": "mine", "save_password": True}).status_code == 200
    assert admin_client.patch(url, json={"is_shared": False}).get_json()["is_shared"] is False
    assert user_client.get(url).status_code == 404
    assert count(app, ServerCredential) == 0  # unsharing drops the other users' credentials


def test_only_administrators_share(user_client: ApiClient, admin_client: ApiClient, pg_server: PgServer) -> None:
    response = user_client.post("/api/v1/servers", json=body_for(pg_server, is_shared=True))
    assert response.status_code == 403
    assert user_client.get("/api/v1/servers").get_json() == []
    mine = create(user_client, body_for(pg_server, is_shared=False))
    assert user_client.patch(f"/api/v1/servers/{mine['id']}", json={"is_shared": True}).status_code == 403
    assert admin_client.patch(f"/api/v1/servers/{mine['id']}", json={"is_shared": True}).status_code == 404


# --- Connecting ------------------------------------------------------------------------------------------------

def test_test_connection_reports_the_version(user_client: ApiClient, pg_server: PgServer) -> None:
    server = create(user_client, body_for(pg_server, sslmode="disable"))
    started = user_client.post(f"/api/v1/servers/{server['id']}/test")
    assert started.status_code == 200
    result = started.get_json()
    with psycopg.connect(pg_server.conninfo()) as conn:
        expected = conn.execute("SHOW server_version").fetchone()[0].split(" ")[0]  # type: ignore[index]
    assert result["ok"] is True and result["server_version"] == expected
    assert result["username"] == "postgres" and result["latency_ms"] >= 0 and result["connect_ms"] > 0


def test_test_connection_over_the_unix_socket(make_app: AppFactory, pg_server: PgServer) -> None:
    client = api_client(make_app(SERVER_ALLOW_SOCKET_HOSTS=True), USER_EMAIL, USER_PASSWORD)  # off by default
    server = create(client, body_for(pg_server, host=pg_server.socket_dir))
    assert client.post(f"/api/v1/servers/{server['id']}/test").get_json()["ok"] is True


def test_unreachable_server_is_502_with_libpq_message(user_client: ApiClient) -> None:
    server = create(user_client, {"name": "nowhere", "host": "127.0.0.1", "port": free_port(), "username": "x"})
    response = user_client.post(f"/api/v1/servers/{server['id']}/test", json={"password": "not-in-the-error"})
    assert response.status_code == 502
    error = response.get_json()["error"]
    assert error["code"] == "server_unreachable"
    assert "Connection refused" in error["message"] and str(server["port"]) in error["message"]
    assert "not-in-the-error" not in response.get_data(as_text=True)


def test_password_required_then_given_then_saved(user_client: ApiClient, pw_pg_server: PgServer,
                                                 make_pw_role: Callable[[], PgRole]) -> None:
    role = make_pw_role()
    server = create(user_client, body_for(pw_pg_server, username=role.name))
    url = f"/api/v1/servers/{server['id']}"
    missing = user_client.post(f"{url}/test")
    assert missing.status_code == 400 and missing.get_json()["error"]["code"] == "password_required"
    wrong = user_client.post(f"{url}/test", json={"password": "wrong"})
    assert wrong.status_code == 502 and "password authentication failed" in wrong.get_json()["error"]["message"]
    assert user_client.post(f"{url}/test", json={"password": role.password}).get_json()["username"] == role.name
    saved = user_client.patch(url, json={"save_password": True, "password": role.password}).get_json()
    assert saved["has_saved_password"] is True and role.password not in str(saved)
    assert user_client.post(f"{url}/test").get_json()["ok"] is True
    assert user_client.patch(url, json={"save_password": False}).get_json()["has_saved_password"] is False
    assert user_client.post(f"{url}/test").get_json()["error"]["code"] == "password_required"


def test_shared_server_uses_each_users_own_credentials(admin_client: ApiClient, user_client: ApiClient,
                                                       pw_pg_server: PgServer,
                                                       make_pw_role: Callable[[], PgRole]) -> None:
    owner_role, user_role = make_pw_role(), make_pw_role()
    shared = create(admin_client, body_for(pw_pg_server, username=owner_role.name, is_shared=True,
                                           password=owner_role.password, save_password=True))
    url = f"/api/v1/servers/{shared['id']}"
    assert admin_client.post(f"{url}/test").get_json()["username"] == owner_role.name
    assert user_client.get(url).get_json()["has_saved_password"] is False
    refused = user_client.post(f"{url}/test")  # the owner's saved password is never lent out
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "password_required"
    mine = user_client.put(f"{url}/credentials", json={"username": user_role.name, "password": user_role.password,
                                                       "save_password": True})
    assert mine.status_code == 200
    assert mine.get_json()["username"] == user_role.name and mine.get_json()["has_saved_password"] is True
    assert user_client.post(f"{url}/test").get_json()["username"] == user_role.name
    assert admin_client.get(url).get_json()["username"] == owner_role.name
    assert admin_client.post(f"{url}/test").get_json()["username"] == owner_role.name
    assert user_client.delete(f"{url}/credentials").status_code == 204
    shared.pop("shares")  # the owner's view only
    assert user_client.get(url).get_json() | {"id": 0} == {**shared, "id": 0, "is_owner": False,
                                                           "has_saved_password": False}
    assert user_client.post(f"{url}/test").get_json()["error"]["code"] == "password_required"


@pytest.mark.parametrize(("body", "field"), [
    ({"password": "x"}, "password"), ({"save_password": True}, "password"), ({"username": ""}, "username"),
    ({"username": 7}, "username"), ({"colour": "red"}, "colour")])
def test_credentials_are_validated(app: Flask, admin_client: ApiClient, user_client: ApiClient,
                                   pg_server: PgServer, body: dict[str, Any], field: str) -> None:
    shared = create(admin_client, body_for(pg_server, is_shared=True))
    response = user_client.put(f"/api/v1/servers/{shared['id']}/credentials", json=body)
    assert response.status_code == 400 and field in response.get_json()["error"]["message"]
    assert count(app, ServerCredential) == 0


def test_changing_the_login_password_keeps_saved_passwords(app: Flask, user_client: ApiClient,
                                                           pw_pg_server: PgServer,
                                                           make_pw_role: Callable[[], PgRole]) -> None:
    role = make_pw_role()
    server = create(user_client, body_for(pw_pg_server, username=role.name, password=role.password,
                                          save_password=True))
    changed = user_client.post("/api/v1/account/password",
                               json={"current_password": USER_PASSWORD, "new_password": "a-new-login-pw-2"})
    assert changed.status_code == 200
    relogged = api_client(app, USER_EMAIL, "a-new-login-pw-2")
    result = relogged.post(f"/api/v1/servers/{server['id']}/test").get_json()
    assert result["ok"] is True and result["username"] == role.name


def test_the_config_db_alone_reveals_no_password(app: Flask, user_client: ApiClient, pg_server: PgServer) -> None:
    secret = "Plaintext-Never-Stored-7f3a"
    server = create(user_client, body_for(pg_server, password=secret, save_password=True))
    user_id = user_client.get("/api/v1/session").get_json()["user"]["id"]
    data_dir = Path(app.config["DATA_DIR"])
    for path in data_dir.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
    with app.app_context():
        envelope = db.session.execute(select(ServerCredential.password_enc)).scalar_one()
        with pytest.raises(SavedPasswordUnreadable):
            Vault("a-guessed-key-" * 4).decrypt(envelope, aad=f"server:{server['id']}:user:{user_id}")
    assert "v1:" not in user_client.get("/api/v1/servers").get_data(as_text=True)


def test_a_changed_key_asks_to_re_enter_the_password(make_app: AppFactory, pw_pg_server: PgServer,
                                                     make_pw_role: Callable[[], PgRole]) -> None:
    role = make_pw_role()
    client = api_client(make_app(), USER_EMAIL, USER_PASSWORD)
    server = create(client, body_for(pw_pg_server, username=role.name, password=role.password, save_password=True))
    rekeyed = api_client(make_app(CREDENTIALS_KEY="another-key-entirely-" * 3), USER_EMAIL, USER_PASSWORD)
    url = f"/api/v1/servers/{server['id']}/test"
    refused = rekeyed.post(url)
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "saved_password_unreadable"
    assert "cannot be decrypted" in refused.get_json()["error"]["message"]
    assert rekeyed.post(url, json={"password": role.password}).get_json()["ok"] is True


def test_deleting_a_user_deletes_their_servers_and_credentials(app: Flask, admin_client: ApiClient,
                                                               user_client: ApiClient, pg_server: PgServer) -> None:
    shared = create(admin_client, body_for(pg_server, is_shared=True))
    create(user_client, body_for(pg_server, password="pw", save_password=True))
    user_client.put(f"/api/v1/servers/{shared['id']}/credentials", json={"password": "x", "save_password": True})
    assert (count(app, Server), count(app, ServerCredential)) == (2, 2)
    user_id = user_client.get("/api/v1/session").get_json()["user"]["id"]
    assert admin_client.delete(f"/api/v1/users/{user_id}").status_code == 204
    assert (count(app, Server), count(app, ServerCredential)) == (1, 0)
    assert [s["id"] for s in admin_client.get("/api/v1/servers").get_json()] == [shared["id"]]


# --- The functions the query tool calls ------------------------------------------------------------------------

def test_connect_params_for_the_query_tool(app: Flask, admin_client: ApiClient, user_client: ApiClient,
                                           pg_server: PgServer) -> None:
    shared = create(admin_client, body_for(pg_server, is_shared=True, password="owner-pw", save_password=True,
                                           connect_params={"application_name": "ops", "connect_timeout": 3}))
    with app.app_context():
        admin = users_service.find_by_email(ADMIN_EMAIL)
        user = users_service.find_by_email(USER_EMAIL)
        server = service.get_server_for_user(user, shared["id"])
        assert targets.connect_params(server, admin) == {
            "host": pg_server.host, "hostaddr": pg_server.host, "port": pg_server.port, "dbname": "postgres",
            "user": "postgres", "sslmode": "prefer", "connect_timeout": 3, "application_name": "ops",
            "password": "owner-pw"}  # hostaddr: pinned to the address the server policy checked
        as_user = targets.connect_params(server, user, dbname="other", connect_timeout=7)
        assert as_user["password"] == "" and as_user["dbname"] == "other" and as_user["connect_timeout"] == 3
        assert targets.connect_params(server, admin, password="explicit")["password"] == "explicit"
        assert opening.libpq_params(as_user)["passfile"] == opening.NO_PASSFILE
        with opening.connect(targets.connect_params(server, user), autocommit=True) as conn:
            assert conn.execute("SELECT current_setting('application_name')").fetchone() == ("ops",)


def test_get_server_for_user_hides_other_users_servers(app: Flask, user_client: ApiClient,
                                                       pg_server: PgServer) -> None:
    mine = create(user_client, body_for(pg_server))
    with app.app_context():
        admin = db.session.execute(select(User).filter_by(email=ADMIN_EMAIL)).scalar_one()
        with pytest.raises(service.NotFound):
            service.get_server_for_user(admin, mine["id"])
        with pytest.raises(service.NotFound):
            targets.connect_params(db.session.get(Server, mine["id"]), admin)  # type: ignore[arg-type]


def test_the_web_servers_pgpass_and_pgpassword_are_never_used(
        user_client: ApiClient, pw_pg_server: PgServer, make_pw_role: Callable[[], PgRole],
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    role = make_pw_role()
    server = create(user_client, body_for(pw_pg_server, username=role.name))
    pgpass = tmp_path / ".pgpass"
    pgpass.write_text(f"*:*:*:{role.name}:{role.password}\n")
    pgpass.chmod(0o600)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    monkeypatch.setenv("PGPASSWORD", role.password)
    response = user_client.post(f"/api/v1/servers/{server['id']}/test")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "password_required"
    assert "password file" not in capfd.readouterr().err  # libpq warns about an unusable passfile


def test_on_a_postgresql_config_db(tmp_path: Path, pg_server: PgServer, pg_database: str) -> None:
    """The same rules hold when CONFIG_DATABASE_URI points the config DB at PostgreSQL (FK cascades included)."""
    uri = f"postgresql://{pg_server.user}@{pg_server.host}:{pg_server.port}/{pg_database}"
    app = create_app(prepare_data_dir(tmp_path / "data", {"CONFIG_DATABASE_URI": uri}))
    admin, user = api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD), api_client(app, USER_EMAIL, USER_PASSWORD)
    shared = create(admin, body_for(pg_server, is_shared=True, connect_params={"connect_timeout": 4}))
    mine = create(user, body_for(pg_server, password="pw", save_password=True))
    assert mine["has_saved_password"] and shared["connect_params"] == {"connect_timeout": 4}
    assert user.post(f"/api/v1/servers/{shared['id']}/test").get_json()["ok"] is True
    user_id = user.get("/api/v1/session").get_json()["user"]["id"]
    assert admin.delete(f"/api/v1/users/{user_id}").status_code == 204
    assert (count(app, Server), count(app, ServerCredential)) == (1, 0)
