"""Issue 18.4: local groups, administered over the API (audited); groups from LDAP/OIDC are listed, read-only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from pgadmin_lite.extensions import db
from pgadmin_lite.models import AuditEvent, Group, GroupMember
from tests.plugins.app_fixtures import ApiClient
from tests.plugins.sharing_fixtures import Member


def audit(app: Flask, target: str) -> list[tuple[str, dict[str, Any]]]:
    with app.app_context():
        return [(e.action, e.details) for e in db.session.execute(
            db.select(AuditEvent).filter_by(target=target).order_by(AuditEvent.id)).scalars()]


def test_create_list_rename_members_delete_each_audited(app: Flask, admin_client: ApiClient,
                                                        make_member: Callable[..., Member]) -> None:
    first, second = make_member(), make_member()
    created = admin_client.post("/api/v1/groups", json={"name": "  DBAs ", "user_ids": [second.id, first.id]})
    assert created.status_code == 201, created.get_json()
    group = created.get_json()
    assert group["name"] == "DBAs" and group["source"] == "local" and group["is_local"] is True
    assert [m["email"] for m in group["members"]] == [first.email, second.email]
    assert group in admin_client.get("/api/v1/groups").get_json()
    url = f"/api/v1/groups/{group['id']}"
    assert admin_client.get(url).get_json() == group

    assert admin_client.patch(url, json={"name": "Ops"}).get_json()["name"] == "Ops"
    changed = admin_client.put(f"{url}/members", json={"user_ids": [second.id]})
    assert [m["id"] for m in changed.get_json()["members"]] == [second.id]
    assert admin_client.delete(url).status_code == 204
    assert admin_client.get(url).status_code == 404
    with app.app_context():
        assert db.session.execute(db.select(GroupMember).filter_by(group_id=group["id"])).first() is None
    assert audit(app, f"group:{group['id']}") == [
        ("group.create", {"name": "DBAs", "user_ids": sorted([first.id, second.id])}),
        ("group.update", {"name": {"from": "DBAs", "to": "Ops"}}),
        ("group.members", {"name": "Ops", "added": [], "removed": [first.id]}),
        ("group.delete", {"name": "Ops", "source": "local", "user_ids": [second.id]})]


@pytest.mark.parametrize(("body", "status", "words"), [
    ({"name": ""}, 400, "name must be a non-empty string"),
    ({"name": 5}, 400, "name must be a non-empty string"),
    ({"name": "x" * 256}, 400, "at most 255"),
    ({"name": "a\nb"}, 400, "control characters"),
    ({"name": "ok", "user_ids": [999999]}, 400, "No user with id 999999"),
    ({"name": "ok", "user_ids": [True]}, 400, "user_ids must list integers"),
    ({"name": "ok", "user_ids": [2**70]}, 400, "outside the 64-bit integer range"),
    ({"name": "ok", "user_ids": "1"}, 400, "user_ids must be a list"),
    ({"name": "ok", "colour": "red"}, 400, "Unknown field(s): colour"),
    ({"name": "Taken"}, 409, "already exists"),
])
def test_bad_input_is_refused_and_creates_nothing(app: Flask, admin_client: ApiClient, body: dict[str, Any],
                                                  status: int, words: str) -> None:
    assert admin_client.post("/api/v1/groups", json={"name": "Taken"}).status_code == 201
    response = admin_client.post("/api/v1/groups", json=body)
    assert response.status_code == status, response.get_json()
    assert words in response.get_json()["error"]["message"]
    assert [g["name"] for g in admin_client.get("/api/v1/groups").get_json()] == ["Taken"]


def test_bad_member_lists_and_renames_change_nothing(admin_client: ApiClient,
                                                     make_member: Callable[..., Member]) -> None:
    member = make_member()
    group = admin_client.post("/api/v1/groups", json={"name": "A", "user_ids": [member.id]}).get_json()
    admin_client.post("/api/v1/groups", json={"name": "B"})
    url = f"/api/v1/groups/{group['id']}"
    for body in ({"user_ids": [member.id, 999999]}, {}, {"user_ids": [member.id], "extra": 1}):
        assert admin_client.put(f"{url}/members", json=body).status_code == 400
    assert admin_client.patch(url, json={"name": "B"}).status_code == 409
    assert admin_client.patch(url, json={"name": " "}).status_code == 400
    assert admin_client.get(url).get_json() == group
    assert admin_client.put("/api/v1/groups/999999/members", json={"user_ids": []}).status_code == 404


def test_a_directory_group_is_listed_but_read_only(app: Flask, admin_client: ApiClient,
                                                   make_member: Callable[..., Member]) -> None:
    member = make_member()
    with app.app_context():
        group = Group(name="cn=dba,ou=groups", source="ldap")
        db.session.add(group)
        db.session.flush()
        db.session.add(GroupMember(group_id=group.id, user_id=member.id))
        db.session.commit()
        group_id = group.id
    listed = next(g for g in admin_client.get("/api/v1/groups").get_json() if g["id"] == group_id)
    assert listed["is_local"] is False and [m["id"] for m in listed["members"]] == [member.id]
    url = f"/api/v1/groups/{group_id}"
    response = admin_client.put(f"{url}/members", json={"user_ids": []})
    assert response.status_code == 409 and "comes from ldap" in response.get_json()["error"]["message"]
    assert admin_client.patch(url, json={"name": "x"}).status_code == 409
    assert admin_client.get(url).get_json() == listed
    # A local group of the same name is another group.
    assert admin_client.post("/api/v1/groups", json={"name": "cn=dba,ou=groups"}).status_code == 201


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/v1/groups"), ("POST", "/api/v1/groups"), ("GET", "/api/v1/groups/1"),
    ("PATCH", "/api/v1/groups/1"), ("DELETE", "/api/v1/groups/1"), ("PUT", "/api/v1/groups/1/members")])
def test_groups_are_for_user_managers_only(user_client: ApiClient, anon_client: Any, method: str, path: str) -> None:
    response = user_client._send(method, path, json={"name": "x", "user_ids": []} if method != "GET" else None)
    assert response.status_code == 403
    assert anon_client.open(path, method=method).status_code == 401


def test_without_the_csrf_token_no_group_is_made(admin_client: ApiClient) -> None:
    response = admin_client.client.post("/api/v1/groups", json={"name": "sneaky"})
    assert response.status_code in (400, 403)
    assert admin_client.get("/api/v1/groups").get_json() == []
