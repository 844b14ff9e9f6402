"""Editor drafts over the API: save and read back, per user, size limit, login and CSRF required."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from pgadmin_lite.drafts.service import MAX_TEXT_BYTES
from pgadmin_lite.extensions import db
from pgadmin_lite.models import EditorDraft, User
from tests.plugins.app_fixtures import ApiClient

KEY = "qt:1:my db/with slash"
URL = "/api/v1/drafts/qt%3A1%3Amy%20db%2Fwith%20slash"


def test_no_draft_yet_is_an_empty_one(admin_client: ApiClient) -> None:
    response = admin_client.get(URL)
    assert response.status_code == 200
    assert response.get_json() == {"key": KEY, "text": "", "updated_at": None}


def test_put_then_get_and_replace(admin_client: ApiClient) -> None:
    first = admin_client.put(URL, json={"text": "select 1;\n-- ünïcødé"})
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["key"] == KEY
    got = admin_client.get(URL).get_json()
    assert got["text"] == "select 1;\n-- ünïcødé" and got["updated_at"]
    assert admin_client.put(URL, json={"text": "select 2"}).status_code == 200
    assert admin_client.get(URL).get_json()["text"] == "select 2"


def test_drafts_are_per_user(app: Flask, admin_client: ApiClient, user_client: ApiClient) -> None:
    admin_client.put(URL, json={"text": "the admin's"})
    user_client.put(URL, json={"text": "the user's"})
    assert admin_client.get(URL).get_json()["text"] == "the admin's"
    assert user_client.get(URL).get_json()["text"] == "the user's"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EditorDraft)) == 2


def test_deleting_a_user_deletes_their_drafts(app: Flask, admin_client: ApiClient, user_client: ApiClient) -> None:
    user_client.put(URL, json={"text": "x"})
    with app.app_context():
        user_id = db.session.scalar(select(User.id).filter_by(email="user@example.com"))
    assert admin_client.delete(f"/api/v1/users/{user_id}").status_code == 204
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EditorDraft)) == 0


def test_too_large_is_413_and_keeps_the_old_text(admin_client: ApiClient) -> None:
    admin_client.put(URL, json={"text": "kept"})
    response = admin_client.put(URL, json={"text": "x" * (MAX_TEXT_BYTES + 1)})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    assert admin_client.put(URL, json={"text": "é" * (MAX_TEXT_BYTES // 2 + 1)}).status_code == 413  # bytes, not chars
    assert admin_client.put(URL, json={"text": "x" * MAX_TEXT_BYTES}).status_code == 200
    admin_client.put(URL, json={"text": "kept"})
    assert admin_client.get(URL).get_json()["text"] == "kept"


def test_invalid_bodies_and_keys(admin_client: ApiClient) -> None:
    assert admin_client.put(URL, json={"text": 5}).status_code == 400
    assert admin_client.put(URL, data="nope", content_type="text/plain").status_code == 400
    assert admin_client.put("/api/v1/drafts/" + "k" * 201, json={"text": ""}).status_code == 400
    assert admin_client.get("/api/v1/drafts/a%09b").status_code == 400


def test_login_and_csrf_are_required(app: Flask, anon_client: FlaskClient, admin_client: ApiClient) -> None:
    assert anon_client.get(URL).status_code == 401
    no_token = admin_client.client.put(URL, json={"text": "x"})
    assert no_token.status_code == 400
    assert no_token.get_json()["error"]["code"] == "csrf_failed"
