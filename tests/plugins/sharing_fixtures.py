"""pytest plugin for sharing tests: extra users logged in over the API, and a server the administrator owns."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from pgadmin_lite.extensions import db
from pgadmin_lite.models import ServerCredential
from tests.plugins.app_fixtures import ApiClient, api_client

MEMBER_PASSWORD = "member-password-1"


@dataclass
class Member:
    """A user made by the administrator, logged in through /login."""

    id: int
    email: str
    client: ApiClient


@pytest.fixture
def make_member(app: Flask, admin_client: ApiClient) -> Callable[..., Member]:
    def make(is_admin: bool = False) -> Member:
        email = f"m-{uuid.uuid4().hex[:10]}@example.com"
        response = admin_client.post("/api/v1/users", json={"email": email, "password": MEMBER_PASSWORD,
                                                            "is_admin": is_admin})
        assert response.status_code == 201, response.get_json()
        return Member(response.get_json()["id"], email, api_client(app, email, MEMBER_PASSWORD))
    return make


@pytest.fixture
def admin_server(admin_client: ApiClient, pg_server: Any, pg_database: str) -> int:
    """The test database, registered by the administrator and shared with no one yet."""
    response = admin_client.post("/api/v1/servers", json={
        "name": f"team {uuid.uuid4().hex[:6]}", "host": pg_server.host, "port": pg_server.port,
        "username": pg_server.user, "maintenance_db": pg_database})
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])


@pytest.fixture
def make_group(admin_client: ApiClient) -> Callable[..., int]:
    def make(*user_ids: int) -> int:
        response = admin_client.post("/api/v1/groups", json={"name": f"g-{uuid.uuid4().hex[:8]}",
                                                             "user_ids": list(user_ids)})
        assert response.status_code == 201, response.get_json()
        return int(response.get_json()["id"])
    return make


@pytest.fixture
def has_credentials(app: Flask) -> Callable[[int, int], bool]:
    """Whether the user still has a saved credential record for the server (read from the config DB)."""
    def check(user_id: int, server_id: int) -> bool:
        with app.app_context():
            return db.session.execute(db.select(ServerCredential.id).filter_by(
                user_id=user_id, server_id=server_id)).first() is not None
    return check
