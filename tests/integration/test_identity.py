"""Who is logged in is read with the session row, and every change to a user reaches their open sessions at once."""

from __future__ import annotations

import sqlite3
from functools import partial
from typing import Any

from flask import Flask
from sqlalchemy import event

from pgadmin_lite.auth.revocation import revoke_user_access
from pgadmin_lite.extensions import db
from pgadmin_lite.users import service as users_service
from tests.plugins.app_fixtures import ADMIN_EMAIL, ADMIN_PASSWORD, USER_EMAIL, USER_PASSWORD, AppFactory, api_client


def change_elsewhere(app: Flask, email: str, **changes: Any) -> None:
    """What `setup_db.py update-user` does: its own app (another process) on the same DATA_DIR."""
    with app.app_context():
        user = users_service.find_by_email(email)
        users_service.update_user(user, revoke=partial(revoke_user_access, app), **changes)


def test_a_role_change_from_another_process_applies_to_open_sessions(make_app: AppFactory) -> None:
    serving, cli = make_app(), make_app()
    user = api_client(serving, USER_EMAIL, USER_PASSWORD)
    assert user.get("/api/v1/users").status_code == 403
    change_elsewhere(cli, USER_EMAIL, is_admin=True)
    assert user.get("/api/v1/users").status_code == 200  # no new login needed
    assert user.get("/api/v1/session").get_json()["user"]["is_admin"] is True
    change_elsewhere(cli, USER_EMAIL, is_admin=False)
    assert user.get("/api/v1/users").status_code == 403  # a demotion takes effect at the next request


def test_changing_a_forced_password_ends_the_other_sessions_and_lifts_the_gate(make_app: AppFactory) -> None:
    app = make_app()
    change_elsewhere(app, USER_EMAIL, password="temporary-pass-1")
    first, second = api_client(app, USER_EMAIL, "temporary-pass-1"), api_client(app, USER_EMAIL, "temporary-pass-1")
    assert second.get("/api/v1/servers").get_json()["error"]["code"] == "password_change_required"
    changed = first.post("/api/v1/account/password",
                         json={"current_password": "temporary-pass-1", "new_password": "chosen-password-1"})
    assert changed.status_code == 200
    assert first.get("/api/v1/servers").status_code == 200  # the changing session goes on, gate lifted
    assert second.get("/api/v1/servers").status_code == 401  # a change ends every other login (issue 13.3)
    again = api_client(app, USER_EMAIL, "chosen-password-1")
    assert again.get("/api/v1/session").get_json()["user"]["must_change_password"] is False


def test_an_authenticated_request_reads_no_users_row(make_app: AppFactory) -> None:
    app = make_app()
    admin = api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD)
    statements: list[str] = []
    with app.app_context():
        engine = db.engine
    listener = partial(lambda seen, _conn, _cursor, statement, *_: seen.append(statement), statements)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert admin.get("/api/v1/session").status_code == 200
        assert admin.get("/api/v1/users").status_code == 200  # admin check without reading the caller's row
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert statements and not [s for s in statements if "WHERE users.id" in s], statements


def test_a_session_from_before_identities_were_kept_still_works(make_app: AppFactory) -> None:
    app = make_app()
    user = api_client(app, USER_EMAIL, USER_PASSWORD)
    with sqlite3.connect(app.config["SESSION_DB_PATH"]) as conn:
        conn.execute("DELETE FROM identities")
    body = user.get("/api/v1/session").get_json()
    assert body["user"]["email"] == USER_EMAIL and body["user"]["is_admin"] is False
    with sqlite3.connect(app.config["SESSION_DB_PATH"]) as conn:
        assert conn.execute("SELECT email FROM identities").fetchall() == [(USER_EMAIL,)]


def test_deleting_a_user_forgets_their_identity(make_app: AppFactory) -> None:
    app = make_app()
    api_client(app, USER_EMAIL, USER_PASSWORD)
    with app.app_context():
        users_service.delete_user(users_service.find_by_email(USER_EMAIL), revoke=partial(revoke_user_access, app))
    with sqlite3.connect(app.config["SESSION_DB_PATH"]) as conn:
        assert conn.execute("SELECT count(*) FROM identities").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM sessions").fetchone() == (0,)
