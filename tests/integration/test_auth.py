"""Login, lockout, sessions, CSRF, next= and security headers, on both config-DB backends.

Every test runs twice: on the embedded SQLite config DB and on a PostgreSQL one (CONFIG_DATABASE_URI as a
plain postgresql:// URL to a fresh database of the session server). Login sessions always live in the
SQLite session store (SESSION_DB_PATH), whose rows the tests read and edit to simulate time.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from psycopg import sql
from werkzeug.test import TestResponse

from pgadmin_lite.auth.passwords import hash_password
from pgadmin_lite.extensions import db
from pgadmin_lite.models import LoginAttempt, User
from pgadmin_lite.users.permissions import PERMISSIONS
from tests.plugins.app_fixtures import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    USER_EMAIL,
    USER_PASSWORD,
    ApiClient,
    AppFactory,
    api_client,
    form_csrf,
    prepare_data_dir,
)
from tests.plugins.postgres_fixture import PgServer

ROOT = Path(__file__).resolve().parents[2]
COOKIE = "pgadmin_lite_session"
GENERIC = "Incorrect email or password."
UNTIL = re.compile(r"until (\d{4}-\d{2}-\d{2} \d{2}:\d{2}) UTC")


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DATA_DIR prepared once (keys, schema, admin and user), copied for each test."""
    data_dir = tmp_path_factory.mktemp("auth-sqlite") / "data"
    prepare_data_dir(data_dir)
    return data_dir


@pytest.fixture(scope="module")
def pg_template(pg_server: PgServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A DATA_DIR plus a PostgreSQL config DB prepared once; each test clones the DB as a template."""
    name = f"tmpl_auth_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    data_dir = tmp_path_factory.mktemp("auth-pg") / "data"
    try:
        prepare_data_dir(data_dir, {"CONFIG_DATABASE_URI": pg_url(pg_server, name)})
        with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:  # a template must be idle
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        yield data_dir, name
    finally:
        with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def pg_url(server: PgServer, database: str) -> str:
    """The plain postgresql:// URL an administrator would write in CONFIG_DATABASE_URI."""
    return f"postgresql://{server.user}@{server.host}:{server.port}/{database}"


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """Settings of a fresh, set-up DATA_DIR on the parametrized config-DB backend."""
    data_dir = tmp_path / "data"
    if request.param == "sqlite":
        shutil.copytree(request.getfixturevalue("sqlite_template"), data_dir)
        yield {"DATA_DIR": str(data_dir)}
        return
    server: PgServer = request.getfixturevalue("pg_server")
    template, template_db = request.getfixturevalue("pg_template")
    shutil.copytree(template, data_dir)
    name = f"t_auth_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name),
                                                                       sql.Identifier(template_db)))
    try:
        yield {"DATA_DIR": str(data_dir), "CONFIG_DATABASE_URI": pg_url(server, name)}
    finally:
        with psycopg.connect(server.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def make_app(backend: dict[str, str]) -> AppFactory:
    """Overrides the plugin's make_app, so app/admin_client/user_client use the parametrized backend."""
    factory = AppFactory(backend)
    if "CONFIG_DATABASE_URI" in backend:
        assert factory().config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    return factory


# --- helpers ------------------------------------------------------------------------------------

def post_login(client: FlaskClient, email: str, password: str, next_target: str | None = None) -> TestResponse:
    data = {"email": email, "password": password, "csrf_token": form_csrf(client)}
    if next_target is not None:
        data["next"] = next_target
    return client.post("/login", data=data)


def attempt(app: Flask, email: str, password: str) -> TestResponse:
    return post_login(app.test_client(), email, password)


def login_error(response: TestResponse) -> str:
    match = re.search(r'id="login-error">([^<]*)<', response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:500]
    return html.unescape(match.group(1))


def cookie_value(client: FlaskClient) -> str | None:
    cookie = client.get_cookie(COOKIE)
    return cookie.value if cookie else None


def with_cookie(app: Flask, value: str) -> FlaskClient:
    client = app.test_client()
    client.set_cookie(COOKIE, value)
    return client


def session_db(app: Flask) -> sqlite3.Connection:
    return sqlite3.connect(app.config["SESSION_DB_PATH"], isolation_level=None)


def session_rows(app: Flask, user_id: int | None = None) -> int:
    with closing(session_db(app)) as conn:
        if user_id is None:
            return conn.execute("SELECT count(*) FROM sessions").fetchone()[0]
        return conn.execute("SELECT count(*) FROM sessions WHERE user_id = ?", (user_id,)).fetchone()[0]


def edit_sessions(app: Flask, user_id: int, **values: float) -> None:
    """Simulate time by moving a user's session timestamps."""
    assignments = ", ".join(f"{column} = ?" for column in values)
    with closing(session_db(app)) as conn:
        changed = conn.execute(f"UPDATE sessions SET {assignments} WHERE user_id = ?",
                               (*values.values(), user_id)).rowcount
    assert changed == 1


def user_id(app: Flask, email: str) -> int:
    with app.app_context():
        return db.session.execute(db.select(User.id).filter_by(email=email)).scalar_one()


def user_count(app: Flask) -> int:
    with app.app_context():
        return len(db.session.execute(db.select(User)).scalars().all())


def location(response: TestResponse) -> str:
    assert response.status_code == 302, (response.status_code, response.get_data(as_text=True)[:300])
    return response.headers["Location"]


def is_logged_in(client: FlaskClient | ApiClient) -> bool:
    status = client.get("/api/v1/session").status_code
    assert status in (200, 401)
    return status == 200


# --- login ----------------------------------------------------------------------------------------

def test_login_success(app: Flask) -> None:
    client = app.test_client()
    response = post_login(client, "  Admin@Example.com ", ADMIN_PASSWORD)
    assert location(response) == "/"
    assert cookie_value(client).startswith("s.")
    info = client.get("/api/v1/session").get_json()
    assert info["user"] == {"id": user_id(app, ADMIN_EMAIL), "email": ADMIN_EMAIL, "is_admin": True,
                            "role": "Administrator", "permissions": sorted(PERMISSIONS),
                            "must_change_password": False}
    assert info["csrf_token"]
    assert client.get("/").status_code == 200


def test_unknown_email_and_wrong_password_look_the_same(make_app: AppFactory) -> None:
    app = make_app(MAX_LOGIN_ATTEMPTS=100)  # measure failures, not the lockout
    def kdf_sample() -> float:
        begin = time.perf_counter()
        hash_password("timing-reference")
        return time.perf_counter() - begin

    kdf_time = min(kdf_sample() for _ in range(3))  # the least disturbed sample is the real cost

    def timed(email: str, password: str) -> tuple[float, TestResponse]:
        client = app.test_client()
        data = {"email": email, "password": password, "csrf_token": form_csrf(client)}
        begin = time.perf_counter()
        response = client.post("/login", data=data)
        return time.perf_counter() - begin, response

    wrong, unknown = [], []
    for i in range(4):  # interleaved, so a burst of load on the machine hits both kinds alike
        wrong.append(timed(USER_EMAIL, f"wrong-password-{i}"))
        unknown.append(timed(f"ghost{i}@example.com", f"wrong-password-{i}"))
    for _, response in wrong + unknown:
        assert response.status_code == 401
        assert login_error(response) == GENERIC
        assert response.headers.getlist("Set-Cookie") == [] or "s." not in response.headers["Set-Cookie"]
    wrong_time = statistics.median(t for t, _ in wrong)
    unknown_time = statistics.median(t for t, _ in unknown)
    assert min(wrong_time, unknown_time) >= kdf_time / 2, (wrong_time, unknown_time, kdf_time)
    assert max(wrong_time, unknown_time) < 4 * min(wrong_time, unknown_time), (wrong_time, unknown_time)


def test_inactive_user_gets_the_generic_message(admin_client: ApiClient, app: Flask) -> None:
    uid = user_id(app, USER_EMAIL)
    assert admin_client.patch(f"/api/v1/users/{uid}", json={"is_active": False}).status_code == 200
    response = attempt(app, USER_EMAIL, USER_PASSWORD)
    assert response.status_code == 401
    assert login_error(response) == GENERIC


# --- lockout ------------------------------------------------------------------------------------

def test_lockout_after_max_attempts_says_until_when(make_app: AppFactory) -> None:
    app = make_app(MAX_LOGIN_ATTEMPTS=3, LOGIN_LOCKOUT_MINUTES=7)
    for i in range(2):
        response = attempt(app, USER_EMAIL, f"wrong-{i}-password")
        assert (response.status_code, login_error(response)) == (401, GENERIC)
    before = datetime.now(UTC).replace(second=0, microsecond=0)
    third = attempt(app, USER_EMAIL, "wrong-2-password")
    assert third.status_code == 401
    match = UNTIL.search(login_error(third))
    assert match, login_error(third)
    until = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
    assert before + timedelta(minutes=6) <= until <= before + timedelta(minutes=8)
    # While locked, even the right password is refused, in any letter case, and no session is made.
    for email in (USER_EMAIL, USER_EMAIL.upper()):
        client = app.test_client()
        response = post_login(client, email, USER_PASSWORD)
        assert response.status_code == 401
        assert "until" in login_error(response)
        assert not is_logged_in(client)
    assert session_rows(app) == 0
    # An unknown email locks the same way, so a lockout reveals nothing about who has an account.
    ghost = [attempt(app, "ghost@example.com", f"wrong-{i}-password") for i in range(3)]
    assert [login_error(r) for r in ghost[:2]] == [GENERIC, GENERIC]
    assert UNTIL.sub("T", login_error(ghost[2])) == UNTIL.sub("T", login_error(third))
    assert ghost[2].status_code == third.status_code
    # Other accounts are not affected.
    assert location(attempt(app, ADMIN_EMAIL, ADMIN_PASSWORD)) == "/"


def lock_user(app: Flask) -> None:
    for i in range(app.config["MAX_LOGIN_ATTEMPTS"]):
        attempt(app, USER_EMAIL, f"wrong-{i}-password")
    assert "until" in login_error(attempt(app, USER_EMAIL, USER_PASSWORD))


def test_admin_unlocks_through_the_api(make_app: AppFactory) -> None:
    app = make_app(MAX_LOGIN_ATTEMPTS=2)
    admin = api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD)
    lock_user(app)
    uid = user_id(app, USER_EMAIL)
    listed = {u["id"]: u for u in admin.get("/api/v1/users").get_json()}
    assert listed[uid]["locked_until"] is not None
    response = admin.patch(f"/api/v1/users/{uid}", json={"unlock": True})
    assert response.status_code == 200
    assert response.get_json()["locked_until"] is None
    assert location(attempt(app, USER_EMAIL, USER_PASSWORD)) == "/"


def test_admin_unlocks_through_the_cli(make_app: AppFactory) -> None:
    app = make_app(MAX_LOGIN_ATTEMPTS=2)
    lock_user(app)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PGADMIN_LITE_")}
    env["PGADMIN_LITE_DATA_DIR"] = app.config["DATA_DIR"]
    env["PGADMIN_LITE_CONFIG_DATABASE_URI"] = app.config["CONFIG_DATABASE_URI"]
    result = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), str(ROOT / "setup_db.py"), "update-user",
                             USER_EMAIL, "--unlock"], env=env, capture_output=True, text=True, timeout=60,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    assert location(attempt(app, USER_EMAIL, USER_PASSWORD)) == "/"


def test_lock_expires_with_time(make_app: AppFactory) -> None:
    app = make_app(MAX_LOGIN_ATTEMPTS=2, LOGIN_LOCKOUT_MINUTES=5)
    lock_user(app)
    with app.app_context():  # five minutes pass
        rows = db.session.execute(db.select(LoginAttempt).filter_by(email=USER_EMAIL)).scalars().all()
        assert {row.source for row in rows} == {"127.0.0.1", "*"}  # the address's count and the account's
        for row in rows:
            row.window_ends = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
    # The count starts afresh: one wrong password is not a new lockout.
    response = attempt(app, USER_EMAIL, "wrong-again-password")
    assert login_error(response) == GENERIC
    assert location(attempt(app, USER_EMAIL, USER_PASSWORD)) == "/"


# --- sessions -----------------------------------------------------------------------------------

def test_session_id_rotates_at_login(app: Flask) -> None:
    client = app.test_client()
    client.set_cookie(COOKIE, "s.attacker-chosen-session-id")  # session fixation attempt
    response = post_login(client, USER_EMAIL, USER_PASSWORD)
    first = cookie_value(client)
    assert location(response) == "/"
    assert first.startswith("s.") and first != "s.attacker-chosen-session-id"
    # Logging in again from a logged-in session mints a new id and retires the old one.
    token = client.get("/api/v1/session").get_json()["csrf_token"]
    again = client.post("/login", data={"email": USER_EMAIL, "password": USER_PASSWORD, "csrf_token": token})
    assert location(again) == "/"
    second = cookie_value(client)
    assert second.startswith("s.") and second != first
    assert not is_logged_in(with_cookie(app, first))
    assert is_logged_in(with_cookie(app, second))
    assert session_rows(app, user_id(app, USER_EMAIL)) == 1


def test_logout_revokes_the_session(user_client: ApiClient, app: Flask) -> None:
    old = cookie_value(user_client.client)
    assert session_rows(app, user_id(app, USER_EMAIL)) == 1
    response = user_client.post("/logout")
    assert location(response) == "/login"
    assert not is_logged_in(user_client)
    assert not is_logged_in(with_cookie(app, old))  # replaying the old cookie does not work
    assert session_rows(app, user_id(app, USER_EMAIL)) == 0


def test_deactivation_revokes_sessions_at_once(admin_client: ApiClient, user_client: ApiClient,
                                               app: Flask) -> None:
    uid = user_id(app, USER_EMAIL)
    old = cookie_value(user_client.client)
    assert is_logged_in(user_client)
    assert admin_client.patch(f"/api/v1/users/{uid}", json={"is_active": False}).status_code == 200
    response = user_client.get("/api/v1/users")
    assert response.status_code == 401
    assert session_rows(app, uid) == 0
    # Reactivating does not bring the old session back: it was revoked, not just refused.
    assert admin_client.patch(f"/api/v1/users/{uid}", json={"is_active": True}).status_code == 200
    assert not is_logged_in(with_cookie(app, old))
    assert is_logged_in(admin_client)  # the admin's own session is untouched


def test_deletion_revokes_sessions_at_once(admin_client: ApiClient, user_client: ApiClient, app: Flask) -> None:
    uid = user_id(app, USER_EMAIL)
    assert is_logged_in(user_client)
    assert admin_client.delete(f"/api/v1/users/{uid}").status_code == 204
    assert user_client.get("/api/v1/session").status_code == 401
    assert session_rows(app, uid) == 0


def test_password_reset_by_admin_forces_a_change(admin_client: ApiClient, app: Flask) -> None:
    created = admin_client.post("/api/v1/users", json={"email": "second@example.com",
                                                       "password": "second-password-1", "is_admin": True})
    assert created.status_code == 201
    second_id = created.get_json()["id"]
    second = api_client(app, "second@example.com", "second-password-1")
    assert second.get("/api/v1/users").status_code == 200
    reset = admin_client.patch(f"/api/v1/users/{second_id}", json={"password": "temporary-pass-1"})
    assert reset.status_code == 200
    assert reset.get_json()["must_change_password"] is True
    assert not is_logged_in(second)  # the reset revoked the running session
    client = app.test_client()
    assert urlsplit(location(post_login(client, "second@example.com", "temporary-pass-1"))).path == "/account"
    blocked = client.get("/api/v1/users")
    assert blocked.status_code == 403
    assert blocked.get_json()["error"]["code"] == "password_change_required"
    assert urlsplit(location(client.get("/"))).path == "/account"
    assert urlsplit(location(client.get("/users"))).path == "/account"
    info = client.get("/api/v1/session").get_json()
    assert info["user"]["must_change_password"] is True
    page = client.get("/account")
    assert page.status_code == 200 and 'id="must-change"' in page.get_data(as_text=True)
    headers = {"X-CSRFToken": info["csrf_token"]}
    wrong = client.post("/api/v1/account/password", headers=headers,
                        json={"current_password": "not-it-at-all", "new_password": "chosen-password-1"})
    assert wrong.status_code == 400
    changed = client.post("/api/v1/account/password", headers=headers,
                          json={"current_password": "temporary-pass-1", "new_password": "chosen-password-1"})
    assert changed.status_code == 200
    assert client.get("/api/v1/users").status_code == 200
    assert client.get("/").status_code == 200
    assert location(attempt(app, "second@example.com", "chosen-password-1")) == "/"


def test_own_password_change_needs_the_current_password(user_client: ApiClient, app: Flask) -> None:
    url = "/api/v1/account/password"
    for body in ({"new_password": "brand-new-pass-1"},
                 {"current_password": "wrong-current-1", "new_password": "brand-new-pass-1"},
                 {"current_password": USER_PASSWORD, "new_password": "short"},
                 {"current_password": USER_PASSWORD, "new_password": 123456789}):  # a number is no password
        response = user_client.post(url, json=body)
        assert response.status_code == 400, body
        assert response.get_json()["error"]["message"]
    assert login_error(attempt(app, USER_EMAIL, "brand-new-pass-1")) == GENERIC
    assert login_error(attempt(app, USER_EMAIL, "123456789")) == GENERIC
    # The form path: the two new passwords must match.
    token = user_client.csrf_token
    mismatch = user_client.client.post("/account/password", data={
        "csrf_token": token, "current_password": USER_PASSWORD, "new_password": "brand-new-pass-1",
        "confirm_password": "brand-new-pass-2"})
    assert mismatch.status_code == 400
    ok = user_client.client.post("/account/password", data={
        "csrf_token": token, "current_password": USER_PASSWORD, "new_password": "brand-new-pass-1",
        "confirm_password": "brand-new-pass-1"})
    assert location(ok) == "/"
    assert login_error(attempt(app, USER_EMAIL, USER_PASSWORD)) == GENERIC
    assert location(attempt(app, USER_EMAIL, "brand-new-pass-1")) == "/"


def test_session_expiration_time(make_app: AppFactory) -> None:
    app = make_app(SESSION_EXPIRATION_TIME=2)
    client = api_client(app, USER_EMAIL, USER_PASSWORD)
    uid = user_id(app, USER_EMAIL)
    with closing(session_db(app)) as conn:
        created, expires = conn.execute("SELECT created, expires FROM sessions WHERE user_id = ?",
                                        (uid,)).fetchone()
    assert expires - created == pytest.approx(2 * 86400, abs=5)
    edit_sessions(app, uid, expires=time.time() - 1)  # two days pass
    response = client.get("/api/v1/session")
    assert response.status_code == 401
    assert "expired" in response.get_json()["error"]["message"]
    assert session_rows(app, uid) == 0
    assert urlsplit(location(client.get("/"))).path == "/login"


def test_user_inactivity_timeout(make_app: AppFactory) -> None:
    app = make_app(USER_INACTIVITY_TIMEOUT=600)
    client = api_client(app, USER_EMAIL, USER_PASSWORD)
    uid = user_id(app, USER_EMAIL)
    edit_sessions(app, uid, last_seen=time.time() - 500)  # idle, but less than the timeout
    assert is_logged_in(client)
    with closing(session_db(app)) as conn:  # the request counted as activity
        (last_seen,) = conn.execute("SELECT last_seen FROM sessions WHERE user_id = ?", (uid,)).fetchone()
    assert time.time() - last_seen < 60
    edit_sessions(app, uid, last_seen=time.time() - 700)
    assert not is_logged_in(client)
    assert session_rows(app, uid) == 0


def test_inactivity_timeout_zero_means_never(make_app: AppFactory) -> None:
    app = make_app(USER_INACTIVITY_TIMEOUT=0)
    client = api_client(app, USER_EMAIL, USER_PASSWORD)
    edit_sessions(app, user_id(app, USER_EMAIL), last_seen=time.time() - 30 * 86400)
    assert is_logged_in(client)


def test_no_session_for_health_or_anonymous_requests(app: Flask) -> None:
    anon = app.test_client()
    for path, status in (("/health", 200), ("/", 302), ("/users", 302), ("/api/v1/users", 401),
                         ("/api/v1/session", 401)):
        response = anon.get(path)
        assert response.status_code == status, path
        assert response.headers.getlist("Set-Cookie") == [], path
    login_page = anon.get("/login")  # the form's CSRF token lives in a signed cookie, not a stored session
    assert login_page.status_code == 200
    assert not cookie_value(anon).startswith("s.")
    assert session_rows(app) == 0
    logged_in = api_client(app, USER_EMAIL, USER_PASSWORD)
    assert session_rows(app) == 1
    health = logged_in.get("/health")
    assert health.status_code == 200
    assert health.headers.getlist("Set-Cookie") == []
    assert session_rows(app) == 1


def test_sessions_are_stored_as_json(user_client: ApiClient, app: Flask) -> None:
    uid = user_id(app, USER_EMAIL)
    with closing(session_db(app)) as conn:
        rows = conn.execute("SELECT data, typeof(data) FROM sessions WHERE user_id = ?", (uid,)).fetchall()
    assert len(rows) == 1
    raw, kind = rows[0]
    assert kind == "text"
    data = json.loads(raw)
    assert isinstance(data, dict)
    assert str(data["_user_id"]) == str(uid)
    # The cookie holds only a random id, never the data (and the store keys rows by its hash).
    token = cookie_value(user_client.client).removeprefix("s.")
    assert len(token) >= 32
    with closing(session_db(app)) as conn:
        assert conn.execute("SELECT count(*) FROM sessions WHERE key = ?", (token,)).fetchone()[0] == 0


# --- CSRF -------------------------------------------------------------------------------------------

def test_login_without_csrf_token_is_refused(app: Flask) -> None:
    client = app.test_client()
    client.get("/login")
    response = client.post("/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert response.status_code == 400
    assert not is_logged_in(client)
    assert session_rows(app) == 0
    forged = client.post("/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD,
                                         "csrf_token": "forged-token"})
    assert forged.status_code == 400
    assert not is_logged_in(client)


def test_logout_without_csrf_token_is_refused(user_client: ApiClient) -> None:
    response = user_client.client.post("/logout")
    assert response.status_code == 400
    assert is_logged_in(user_client)


def test_api_post_without_csrf_token_changes_nothing(admin_client: ApiClient, app: Flask) -> None:
    before = user_count(app)
    body = {"email": "new@example.com", "password": "new-password-1"}
    for headers in ({}, {"X-CSRFToken": "forged-token"}):
        response = admin_client.client.post("/api/v1/users", json=body, headers=headers)
        assert response.status_code == 400
        assert response.get_json()["error"]["code"] == "csrf_failed"
    uid = user_id(app, USER_EMAIL)
    response = admin_client.client.patch(f"/api/v1/users/{uid}", json={"is_active": False})
    assert response.status_code == 400
    response = admin_client.client.delete(f"/api/v1/users/{uid}")
    assert response.status_code == 400
    assert user_count(app) == before
    assert is_logged_in(api_client(app, USER_EMAIL, USER_PASSWORD))
    # A token from another session is no good either.
    other = api_client(app, USER_EMAIL, USER_PASSWORD)
    response = admin_client.client.post("/api/v1/users", json=body, headers={"X-CSRFToken": other.csrf_token})
    assert response.status_code == 400
    assert user_count(app) == before


# --- next= ------------------------------------------------------------------------------------------

NEXT_TARGETS = [
    ("/users", "/users"),
    ("/account?tab=password", "/account?tab=password"),
    ("//evil.com", "/"),
    ("https://evil.com", "/"),
    ("/\\evil.com", "/"),
    ("http:/evil.com", "/"),
    ("javascript:alert(1)", "/"),
    ("evil.com", "/"),
    ("/users/../../etc", "/"),
]


def test_next_only_goes_to_local_paths(app: Flask) -> None:
    for target, expected in NEXT_TARGETS:
        client = app.test_client()
        assert location(post_login(client, ADMIN_EMAIL, ADMIN_PASSWORD, target)) == expected, target
        # A logged-in visit to /login?next= follows the same rule.
        assert location(client.get("/login", query_string={"next": target})) == expected, target


PREFIXED_NEXT_TARGETS = [
    ("/pgadmin4/users", "/pgadmin4/users"),
    ("/users", "/pgadmin4/"),  # outside the prefix
    ("/pgadmin4/../users", "/pgadmin4/"),
    ("//evil.com/pgadmin4/", "/pgadmin4/"),
]


def test_next_stays_under_the_prefix(app: Flask) -> None:
    mount = {"X-Script-Name": "/pgadmin4"}
    for target, expected in PREFIXED_NEXT_TARGETS:
        client = app.test_client()
        page = client.get("/pgadmin4/login", headers=mount)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
        response = client.post("/pgadmin4/login", headers=mount, data={
            "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "csrf_token": token, "next": target})
        assert location(response) == expected, target


# --- headers and cookies --------------------------------------------------------------------------

def assert_security_headers(response: TestResponse) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {d.strip().split(" ")[0]: d.strip() for d in csp.split(";") if d.strip()}
    script_src = directives.get("script-src") or directives.get("default-src")
    assert script_src, csp
    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in script_src
    assert response.headers.get("X-Frame-Options", "").upper() in {"DENY", "SAMEORIGIN"}
    assert response.headers.get("X-Content-Type-Options", "").lower() == "nosniff"
    assert response.headers.get("Referrer-Policy")


def test_security_headers_and_cookie_flags(app: Flask) -> None:
    client = app.test_client()
    login_page = client.get("/login")
    for response in (login_page, client.get("/health"), client.get("/api/v1/users"), client.get("/nowhere")):
        assert_security_headers(response)
    assert "<script>" not in login_page.get_data(as_text=True)  # no inline script to allow
    response = post_login(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{COOKIE}=")]
    flags = [part.strip().lower() for part in cookie.split(";")[1:]]
    assert "httponly" in flags
    assert "samesite=lax" in flags
    assert "secure" not in flags  # plain http here; https is covered in tests/unit/test_proxy.py
    for page in ("/", "/users", "/account"):
        assert_security_headers(client.get(page))

