"""The audit log on both config-DB backends: logins, logouts and administrative changes are recorded with actor,
target, source and outcome (never a secret); the API filters and pages; the export is JSON lines; only
"users.manage" reads it; rows are append-only; the retention purge removes old rows at most once a day."""

from __future__ import annotations

import json
import re
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from psycopg import sql
from sqlalchemy import delete, update

from pgadmin_lite import create_app
from pgadmin_lite.audit.log import AuditLogIsAppendOnly
from pgadmin_lite.audit.retention import PURGE_EVERY_S, retention
from pgadmin_lite.auth.passwords import hash_password
from pgadmin_lite.errors import ConfigError
from pgadmin_lite.extensions import db
from pgadmin_lite.models import AuditEvent, Role, User
from pgadmin_lite.models.columns import utcnow
from pgadmin_lite.users.permissions import PERMISSIONS
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
from tests.plugins.postgres_fixture import PgServer

AUDIT = "/api/v1/audit"
SECRET = "s3cret-Value-never-logged"


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("audit-sqlite") / "data"
    prepare_data_dir(data_dir)
    return data_dir


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """A fresh, set-up DATA_DIR on SQLite, or on a PostgreSQL config DB (a new database of the session server)."""
    data_dir = tmp_path / "data"
    if request.param == "sqlite":
        shutil.copytree(request.getfixturevalue("sqlite_template"), data_dir)
        yield {"DATA_DIR": str(data_dir)}
        return
    server: PgServer = request.getfixturevalue("pg_server")
    name = f"t_audit_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    uri = f"postgresql://{server.user}@{server.host}:{server.port}/{name}"
    try:
        yield prepare_data_dir(data_dir, {"CONFIG_DATABASE_URI": uri})
    finally:
        with psycopg.connect(server.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def make_app(backend: dict[str, str]) -> AppFactory:
    return AppFactory(backend)


def events(client: ApiClient, **filters: Any) -> list[dict[str, Any]]:
    response = client.get(AUDIT, query_string={"limit": 500, **filters})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]  # type: ignore[no-any-return]


def only(client: ApiClient, action: str) -> dict[str, Any]:
    found = [event for event in events(client, action=action) if event["action"] == action]
    assert len(found) == 1, found
    return found[0]


def add_user(admin: ApiClient, email: str, **fields: Any) -> dict[str, Any]:
    response = admin.post("/api/v1/users", json={"email": email, "password": SECRET, **fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def suggested_actions(page: str) -> list[str]:
    return re.findall(r'<option value="([^"]+)">', page.split('id="audit-actions"')[1].split("</datalist>")[0])


# --- Logins and logouts --------------------------------------------------------------------------

def test_logins_are_recorded_with_method_source_and_outcome(app: Flask, admin_client: ApiClient) -> None:
    forwarded = app.test_client()  # the test client's peer is 127.0.0.1, a trusted proxy by default
    forwarded.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.9"
    assert login(forwarded, USER_EMAIL, "wrong-password").status_code == 401
    assert login(app.test_client(), "nobody@example.com", "whatever-1").status_code == 401
    assert login(forwarded, USER_EMAIL, USER_PASSWORD).status_code == 302
    logins = events(admin_client, action="login")
    ok = [e for e in logins if e["outcome"] == "ok" and e["actor_email"] == USER_EMAIL]
    assert len(ok) == 1 and ok[0]["source"] == "203.0.113.9" and ok[0]["details"] == {"method": "internal"}
    assert ok[0]["target"] == f"user:{ok[0]['actor_id']}"
    refused = [e for e in logins if e["outcome"] == "refused"]
    assert {e["actor_email"] for e in refused} == {USER_EMAIL, "nobody@example.com"}
    assert all(e["details"]["method"] == "internal" and e["details"]["reason"] for e in refused)
    assert {e["source"] for e in refused} == {"203.0.113.9", "127.0.0.1"}
    assert "wrong-password" not in json.dumps(logins) and USER_PASSWORD not in json.dumps(logins)
    admin_login = next(e for e in logins if e["actor_email"] == ADMIN_EMAIL)
    assert admin_login["outcome"] == "ok" and admin_login["source"] == "127.0.0.1"


def test_a_password_typed_into_the_name_field_reaches_neither_the_audit_log_nor_the_log(
        app: Flask, admin_client: ApiClient, caplog: Any) -> None:
    assert login(app.test_client(), "Summer2024!secret", "whatever-1").status_code == 401
    refused = [e for e in events(admin_client, action="login") if e["outcome"] == "refused"]
    assert len(refused) == 1 and refused[0]["actor_email"].startswith("(not an email: sha256 ")
    assert "Summer2024" not in json.dumps(refused) and "Summer2024" not in caplog.text


def test_a_forwarded_address_counts_only_from_a_trusted_proxy(make_app: AppFactory) -> None:
    app = make_app(TRUSTED_PROXIES=[])
    client = app.test_client()
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.9"
    assert login(client, USER_EMAIL, "wrong-password").status_code == 401
    admin = api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert {e["source"] for e in events(admin, action="login")} == {"127.0.0.1"}


def test_a_locked_out_attempt_is_recorded_as_locked(make_app: AppFactory) -> None:
    app = make_app(MAX_LOGIN_ATTEMPTS=2)
    for _ in range(2):
        assert login(app.test_client(), USER_EMAIL, "wrong-password").status_code == 401
    assert login(app.test_client(), USER_EMAIL, USER_PASSWORD).status_code == 401  # locked: not even checked
    admin = api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD)
    outcomes = [e["outcome"] for e in reversed(events(admin, action="login", actor=USER_EMAIL))]
    assert outcomes == ["refused", "locked", "locked"]  # the failure that reaches the limit starts the lockout
    assert events(admin, outcome="locked")[0]["details"]["method"] == "internal"


def test_logout_and_an_own_password_change_are_recorded(admin_client: ApiClient, user_client: ApiClient) -> None:
    changed = user_client.post("/api/v1/account/password",
                               json={"current_password": USER_PASSWORD, "new_password": SECRET})
    assert changed.status_code == 200, changed.get_json()
    assert user_client.post("/logout").status_code == 302
    for action in ("account.password", "logout"):
        event = only(admin_client, action)
        assert event["actor_email"] == USER_EMAIL and event["target"] == f"user:{event['actor_id']}"
        assert event["source"] == "127.0.0.1" and event["outcome"] == "ok"
    assert SECRET not in json.dumps(events(admin_client))


# --- Administrative changes ----------------------------------------------------------------------

def test_user_changes_are_recorded_without_passwords(admin_client: ApiClient) -> None:
    created = add_user(admin_client, "carol@example.com", is_admin=False)
    target = f"user:{created['id']}"
    for body in ({"is_admin": True}, {"is_active": False}, {"password": SECRET + "-2"}, {"unlock": True}):
        assert admin_client.patch(f"/api/v1/users/{created['id']}", json=body).status_code == 200
    assert admin_client.delete(f"/api/v1/users/{created['id']}").status_code == 204
    mine = list(reversed(events(admin_client, action="user", q=target)))
    assert [e["action"] for e in mine] == ["user.create"] + ["user.update"] * 4 + ["user.delete"]
    assert all(e["actor_email"] == ADMIN_EMAIL and e["target"] == target and e["source"] == "127.0.0.1"
               and e["outcome"] == "ok" for e in mine)
    assert mine[0]["details"] == {"email": "carol@example.com", "is_admin": False}
    assert mine[1]["details"] == {"email": "carol@example.com", "is_admin": True, "password_reset": False}
    assert mine[2]["details"]["is_active"] is False
    assert mine[3]["details"] == {"email": "carol@example.com", "password_reset": True}
    assert mine[4]["details"]["unlock"] is True
    assert mine[5]["details"] == {"email": "carol@example.com"}
    assert SECRET not in json.dumps(mine)


def test_a_refused_change_records_nothing(admin_client: ApiClient) -> None:
    before = events(admin_client)
    assert admin_client.post("/api/v1/users", json={"email": "x@example.com", "password": "short"}).status_code == 400
    assert admin_client.patch("/api/v1/users/999999", json={"is_admin": True}).status_code == 404
    assert events(admin_client) == before


def test_server_settings_are_recorded_by_field_name_never_value(admin_client: ApiClient) -> None:
    created = admin_client.post("/api/v1/servers", json={
        "name": "audited", "host": "db.example.com", "port": 5433, "username": "app", "password": SECRET,
        "save_password": True})
    assert created.status_code == 201, created.get_json()
    server_id = created.get_json()["id"]
    changed = admin_client.patch(f"/api/v1/servers/{server_id}", json={
        "host": "db2.example.com", "port": 5433, "comment": "moved", "password": SECRET + "-new",
        "save_password": True})
    assert changed.status_code == 200, changed.get_json()
    assert admin_client.delete(f"/api/v1/servers/{server_id}").status_code == 204
    create, change, remove = (only(admin_client, f"server.{verb}") for verb in ("create", "update", "delete"))
    assert all(e["target"] == f"server:{server_id}" and e["actor_email"] == ADMIN_EMAIL
               for e in (create, change, remove))
    assert create["details"]["name"] == "audited" and create["details"]["host"] == "db.example.com"
    assert "password" in create["details"]["fields"]
    assert change["details"] == {"name": "audited",  # port: sent, but unchanged
                                 "fields": ["comment", "host", "password", "save_password"]}
    assert remove["details"] == {"name": "audited"}
    assert SECRET not in json.dumps(events(admin_client))


def test_a_servers_json_import_is_recorded(admin_client: ApiClient) -> None:
    user_id = admin_client.get("/api/v1/session").get_json()["user"]["id"]
    text = json.dumps({"Servers": {"1": {"Name": "imported", "Group": "Team", "Host": "db.example.com",
                                         "Port": 5432, "MaintenanceDB": "postgres", "Username": "app"}}})
    response = admin_client.post("/api/v1/servers/import", json={"text": text})
    assert response.status_code == 200, response.get_json()
    event = only(admin_client, "servers.import")
    assert event["target"] == f"user:{user_id}" and event["actor_email"] == ADMIN_EMAIL
    assert event["details"] == {"owner": ADMIN_EMAIL, "added": 1, "replaced": 0, "servers": ["Team/imported"]}


# --- Reading: filters, pages, export, permission -------------------------------------------------

def test_filters_narrow_and_pages_walk_newest_first(admin_client: ApiClient) -> None:
    ids = [add_user(admin_client, f"page{index}@example.com")["id"] for index in range(9)]
    assert max(ids) >= 10  # so that a target user:1 differs from user:1x
    admin_client.patch("/api/v1/users/1", json={"is_active": True})
    created = events(admin_client, action="user.create")
    assert [e["details"]["email"] for e in created] == [f"page{i}@example.com" for i in reversed(range(9))]
    assert {e["action"] for e in events(admin_client, action="user")} == {"user.create", "user.update"}
    assert events(admin_client, action="user.cre") == []  # a prefix stops at a dot: no partial words
    assert [e["details"]["email"] for e in events(admin_client, q="page3@")] == ["page3@example.com"]
    assert {e["target"] for e in events(admin_client, target="user:1")} == {"user:1"}  # exact
    assert {"user:1", "user:10"} <= {e["target"] for e in events(admin_client, q="user:1")}  # text: a substring
    assert {e["actor_email"] for e in events(admin_client, actor="ADMIN@")} == {ADMIN_EMAIL}
    assert events(admin_client, actor="nobody") == []
    assert events(admin_client, q="100%_\\") == []  # LIKE wildcards are literal text
    assert all(e["outcome"] == "ok" for e in events(admin_client, outcome="ok"))
    today = utcnow().date()
    assert len(events(admin_client, action="user.create", **{"from": today.isoformat(), "to": today.isoformat()})) == 9
    assert events(admin_client, **{"to": (today - timedelta(days=1)).isoformat()}) == []
    assert events(admin_client, **{"from": (today + timedelta(days=1)).isoformat()}) == []
    moment = created[5]["at"]  # page3: from is inclusive, to is inclusive of that moment too
    assert [e["details"]["email"] for e in events(admin_client, action="user.create", **{"from": moment})] == [
        f"page{i}@example.com" for i in reversed(range(3, 9))]
    assert [e["details"]["email"] for e in events(admin_client, action="user.create", to=moment)] == [
        f"page{i}@example.com" for i in reversed(range(4))]

    seen, cursor = [], None
    while True:
        page = admin_client.get(AUDIT, query_string={"action": "user.create", "limit": 3,
                                                     **({"before": cursor} if cursor else {})}).get_json()
        assert len(page["items"]) <= 3
        seen += page["items"]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == created


BAD_FILTERS = [
    ({"from": "yesterday"}, "from"), ({"to": "2026-02-30"}, "to"), ({"from": "2026-12-02", "to": "2026-12-01"}, "to"),
    ({"action": "DROP TABLE"}, "action"), ({"outcome": "o'k"}, "outcome"), ({"actor": "a" * 300}, "actor"),
    ({"q": "line\nbreak"}, "q"), ({"target": "user:\t1"}, "target"), ({"limit": "0"}, "limit"),
    ({"limit": "501"}, "limit"), ({"limit": "ten"}, "limit"),
    ({"limit": "\u0662"}, "limit"), ({"before": "20261204T213056123456Z"}, "before"),
    ({"before": "20261399T000000000000Z-4"}, "before"), ({"actions": "login"}, "actions")]


def test_a_bad_filter_is_a_400_naming_the_field(admin_client: ApiClient) -> None:
    for query, field in BAD_FILTERS:
        for path in (AUDIT, f"{AUDIT}/export"):  # the export takes no page parameters: a 400 naming them too
            response = admin_client.get(path, query_string=query)
            assert response.status_code == 400, (path, query, response.get_data(as_text=True))
            assert response.get_json()["error"]["field"] == field, (path, query)
    assert events(admin_client, action="audit.export") == []  # a refused export is not an export


def test_the_export_streams_json_lines_with_the_same_filters(admin_client: ApiClient, app: Flask,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pgadmin_lite.audit.service.EXPORT_BATCH", 2)  # several batches: the keyset walk is used
    for index in range(5):
        add_user(admin_client, f"export{index}@example.com")
    response = admin_client.get(f"{AUDIT}/export", query_string={"action": "user.create"}, buffered=False)
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "application/x-ndjson"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="audit-')
    lines = response.get_data(as_text=True).splitlines()
    assert [json.loads(line) for line in lines] == events(admin_client, action="user.create")
    assert len(lines) == 5
    everything = [json.loads(line) for line in admin_client.get(f"{AUDIT}/export").get_data(as_text=True).splitlines()]
    assert everything == events(admin_client)  # its own line first: an export of the audit log is audited
    exports = events(admin_client, action="audit.export")
    assert [e["details"]["filters"] for e in exports] == [{}, {"action": "user.create"}]


def test_only_users_manage_reads_the_audit_log(user_client: ApiClient, admin_client: ApiClient) -> None:
    for path in ("/audit", AUDIT, f"{AUDIT}/export"):
        response = user_client.get(path)
        assert response.status_code == 403, path
    assert 'id="nav-audit"' not in user_client.get("/").get_data(as_text=True)
    page = admin_client.get("/audit")
    assert page.status_code == 200 and 'id="audit-table"' in page.get_data(as_text=True)
    assert suggested_actions(page.get_data(as_text=True)) == ["login"]  # what the log holds
    add_user(admin_client, "suggested@example.com")
    assert suggested_actions(admin_client.get("/audit").get_data(as_text=True)) == ["login", "user", "user.create"]
    assert 'id="nav-audit"' in admin_client.get("/").get_data(as_text=True)
    assert events(admin_client, action="audit.export") == []


def test_a_custom_role_with_users_manage_reads_the_log(app: Flask, admin_client: ApiClient) -> None:
    with app.app_context():
        auditor = Role(name="Auditor", permissions=["users.manage"])
        other = Role(name="Operator", permissions=[p for p in PERMISSIONS if p != "users.manage"])
        db.session.add_all([auditor, other])
        db.session.flush()
        for email, role in (("auditor@example.com", auditor), ("operator@example.com", other)):
            db.session.add(User(email=email, password_hash=hash_password(SECRET), is_admin=False, role_id=role.id))
        db.session.commit()
    auditor_client, operator_client = (api_client(app, email, SECRET)
                                       for email in ("auditor@example.com", "operator@example.com"))
    assert auditor_client.get(AUDIT).status_code == 200
    assert 'id="nav-audit"' in auditor_client.get("/").get_data(as_text=True)
    assert auditor_client.get(f"{AUDIT}/export").status_code == 200
    assert operator_client.get(AUDIT).status_code == 403
    assert 'id="nav-audit"' not in operator_client.get("/").get_data(as_text=True)


# --- Append-only and retention -------------------------------------------------------------------

def test_events_cannot_be_changed_or_deleted(app: Flask, admin_client: ApiClient) -> None:
    created = add_user(admin_client, "gone@example.com")
    assert admin_client.delete(f"/api/v1/users/{created['id']}").status_code == 204
    before = events(admin_client)
    with app.app_context():
        event = db.session.execute(db.select(AuditEvent).limit(1)).scalar_one()
        event.action = "tampered"
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.execute(db.select(AuditEvent).limit(1)).scalar_one())
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        for statement in (update(AuditEvent).values(action="tampered"), delete(AuditEvent),
                          delete(AuditEvent.__table__)):
            with pytest.raises(AuditLogIsAppendOnly):
                db.session.execute(statement)
            db.session.rollback()
    assert events(admin_client) == before  # the deleted user's events outlive them too
    assert {"user.create", "user.delete"} <= {e["action"] for e in before if e["target"] == f"user:{created['id']}"}


def _insert(app: Flask, *ages_days: int) -> None:
    """Real rows of the given ages, inserted as record() would have long ago."""
    with app.app_context():
        for age in ages_days:
            db.session.add(AuditEvent(at=utcnow() - timedelta(days=age), action="old.event", details={"age": age}))
        db.session.commit()


def _ages(app: Flask) -> list[int]:
    with app.app_context():
        rows = db.session.execute(db.select(AuditEvent.details).where(AuditEvent.action == "old.event"))
        return sorted(details["age"] for details in rows.scalars())


def test_retention_purges_old_rows_at_most_once_a_day(make_app: AppFactory) -> None:
    app = make_app(AUDIT_RETENTION_DAYS=30)
    _insert(app, 400, 31, 29, 1)
    admin = api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD)  # the login's record() runs the day's purge
    assert _ages(app) == [1, 29]
    _insert(app, 90)
    add_user(admin, "later@example.com")
    assert admin.get(AUDIT).status_code == 200
    assert _ages(app) == [1, 29, 90]  # purged once today already
    retention(app).last_run -= PURGE_EVERY_S  # a day later
    assert 90 not in [e["details"].get("age") for e in events(admin)]  # reading the log purges first
    assert _ages(app) == [1, 29]
    assert only(admin, "user.create")["details"]["email"] == "later@example.com"


def test_retention_zero_keeps_events_for_ever(make_app: AppFactory) -> None:
    app = make_app(AUDIT_RETENTION_DAYS=0)
    _insert(app, 10_000, 400)
    admin = api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD)
    retention(app).last_run = None
    add_user(admin, "keep@example.com")
    assert _ages(app) == [400, 10_000]
    assert "kept for ever" in admin.get("/audit").get_data(as_text=True)


def test_a_bad_retention_setting_stops_the_app(backend: dict[str, str]) -> None:
    for days in (-1, "30", 1.5, True):
        with pytest.raises(ConfigError, match="AUDIT_RETENTION_DAYS"):
            create_app({**backend, "AUDIT_RETENTION_DAYS": days})


def test_times_are_utc_and_the_newest_is_first(admin_client: ApiClient) -> None:
    add_user(admin_client, "first@example.com")
    add_user(admin_client, "second@example.com")
    newest, older = events(admin_client, action="user.create")
    assert newest["details"]["email"] == "second@example.com" and older["details"]["email"] == "first@example.com"
    at = datetime.fromisoformat(newest["at"])
    assert at.utcoffset() == timedelta(0) and abs(datetime.now(UTC) - at) < timedelta(minutes=5)
