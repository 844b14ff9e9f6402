"""Issue 18.4: a server shared with chosen users, roles (built-in or custom) and groups is visible and usable by
them, and by no one else; the shares API validates every entry before writing anything and is audited."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from pgadmin_lite.extensions import db
from pgadmin_lite.models import AuditEvent, Role, ServerShare, User
from tests.plugins.app_fixtures import ApiClient
from tests.plugins.sharing_fixtures import Member


def shares_url(server_id: int) -> str:
    return f"/api/v1/servers/{server_id}/shares"


def put_shares(client: ApiClient, server_id: int, **body: Any) -> Any:
    return client.put(shares_url(server_id), json=body)


def visible_ids(client: ApiClient) -> list[int]:
    return [server["id"] for server in client.get("/api/v1/servers").get_json()]


def make_role(app: Flask, *members: int, name: str | None = None) -> int:
    """A custom role (rows only: the roles API is another part of issue 18) with these users in it."""
    with app.app_context():
        role = Role(name=name or f"role-{uuid.uuid4().hex[:8]}", permissions=["query_tool.use"])
        db.session.add(role)
        db.session.flush()
        for user_id in members:
            db.session.get(User, user_id).role_id = role.id
        db.session.commit()
        return role.id


def assert_can_use(member: Member, server_id: int) -> None:
    assert server_id in visible_ids(member.client)
    assert member.client.get(f"/api/v1/servers/{server_id}").status_code == 200
    tested = member.client.post(f"/api/v1/servers/{server_id}/test")
    assert tested.status_code == 200 and tested.get_json()["ok"] is True, tested.get_json()


def assert_cannot_see(member: Member, server_id: int) -> None:
    assert server_id not in visible_ids(member.client)
    assert member.client.get(f"/api/v1/servers/{server_id}").status_code == 404
    assert member.client.post(f"/api/v1/servers/{server_id}/test").status_code == 404
    assert member.client.post("/api/v1/query-tool", json={"server_id": server_id, "database": "postgres"}
                              ).status_code == 404


@pytest.mark.parametrize("kind", ["user", "builtin_role", "custom_role", "admin_role", "group"])
def test_each_kind_of_share_reaches_its_people_and_no_one_else(
        kind: str, app: Flask, admin_client: ApiClient, admin_server: int, make_member: Callable[..., Member],
        make_group: Callable[..., int]) -> None:
    chosen, other = make_member(is_admin=kind == "admin_role"), make_member()
    body: dict[str, Any] = {
        "user": lambda: {"users": [chosen.id]},
        "builtin_role": lambda: {"roles": ["User"]},
        "custom_role": lambda: {"roles": [make_role(app, chosen.id)]},
        "admin_role": lambda: {"roles": ["Administrator"]},
        "group": lambda: {"groups": [make_group(chosen.id)]},
    }[kind]()
    assert_cannot_see(chosen, admin_server)
    response = put_shares(admin_client, admin_server, **body)
    assert response.status_code == 200, response.get_json()
    assert_can_use(chosen, admin_server)
    if kind == "builtin_role":  # every plain user has the built-in User role
        assert_can_use(other, admin_server)
    else:
        assert_cannot_see(other, admin_server)
    # Shared is not owned: the shares and the registration stay the owner's.
    assert chosen.client.get(shares_url(admin_server)).status_code == 403
    assert put_shares(chosen.client, admin_server, everyone=True).status_code == 403
    assert chosen.client.patch(f"/api/v1/servers/{admin_server}", json={"name": "x"}).status_code == 403


def test_get_names_every_share_and_put_replaces_the_whole_set(
        app: Flask, admin_client: ApiClient, admin_server: int, make_member: Callable[..., Member],
        make_group: Callable[..., int]) -> None:
    first, second = make_member(), make_member()
    group = make_group(first.id)
    role = make_role(app, name="Auditors")
    assert put_shares(admin_client, admin_server, everyone=True, users=[first.id, first.id], roles=["User", role],
                      groups=[group]).status_code == 200
    shares = admin_client.get(shares_url(admin_server)).get_json()
    assert shares["everyone"] is True
    assert [u["email"] for u in shares["users"]] == [first.email]
    assert shares["roles"] == [{"id": 0, "name": "User"}, {"id": role, "name": "Auditors"}]
    assert [g["id"] for g in shares["groups"]] == [group]

    response = put_shares(admin_client, admin_server, users=[second.id])
    assert response.status_code == 200
    assert response.get_json() == {"everyone": False, "roles": [], "groups": [],
                                   "users": [{"id": second.id, "email": second.email, "display_name": None}]}
    server = admin_client.get(f"/api/v1/servers/{admin_server}").get_json()
    assert server["shares"] == {"everyone": False, "users": [second.id], "roles": [], "groups": []}
    assert server["is_shared"] is False
    listed = next(s for s in admin_client.get("/api/v1/servers").get_json() if s["id"] == admin_server)
    assert listed["shares"] == server["shares"]
    assert "shares" not in second.client.get(f"/api/v1/servers/{admin_server}").get_json()  # the owner's only
    assert_cannot_see(first, admin_server)


@pytest.mark.parametrize(("body", "words"), [
    ({"users": [999999]}, "No user with id 999999"),
    ({"groups": [999999]}, "No group with id 999999"),
    ({"roles": ["No Such Role"]}, "No role 'No Such Role'"),
    ({"roles": [424242]}, "No role 424242"),
    ({"users": ["1"]}, "users must list ids"),
    ({"users": [True]}, "users must list ids"),
    ({"users": [2**70]}, "outside the 64-bit integer range"),
    ({"groups": [-2**70]}, "outside the 64-bit integer range"),
    ({"users": 1}, "users must be a list"),
    ({"everyone": "yes"}, "everyone must be true or false"),
    ({"people": []}, "Unknown field(s): people"),
])
def test_a_bad_entry_is_400_naming_it_and_changes_nothing(
        app: Flask, admin_client: ApiClient, admin_server: int, make_member: Callable[..., Member],
        body: dict[str, Any], words: str) -> None:
    member = make_member()
    assert put_shares(admin_client, admin_server, users=[member.id], everyone=True).status_code == 200
    before = admin_client.get(shares_url(admin_server)).get_json()
    # The valid entries come first: nothing of them may be written either.
    response = put_shares(admin_client, admin_server, **{"users": [], "roles": ["User"], **body})
    assert response.status_code == 400, response.get_json()
    assert words in response.get_json()["error"]["message"]
    assert admin_client.get(shares_url(admin_server)).get_json() == before


def test_the_owner_is_not_a_share_and_only_an_administrator_owner_shares(
        admin_client: ApiClient, user_client: ApiClient, admin_server: int, pg_server: Any,
        make_member: Callable[..., Member]) -> None:
    me = admin_client.get("/api/v1/session").get_json()["user"]["id"]
    response = put_shares(admin_client, admin_server, users=[me])
    assert response.status_code == 400 and "owns this server" in response.get_json()["error"]["message"]
    mine = user_client.post("/api/v1/servers", json={"name": "mine", "host": pg_server.host,
                                                     "port": pg_server.port, "username": "x"}).get_json()["id"]
    assert put_shares(user_client, mine, users=[me]).status_code == 403  # a plain user shares nothing
    assert user_client.get(shares_url(mine)).status_code == 200  # but sees that it is shared with no one
    assert put_shares(admin_client, mine, users=[me]).status_code == 404  # another's server stays invisible
    assert admin_client.get(shares_url(mine)).status_code == 404
    assert user_client.get("/api/v1/servers/share-targets").status_code == 403


def test_without_the_csrf_token_nothing_is_shared(admin_client: ApiClient, admin_server: int) -> None:
    response = admin_client.client.put(shares_url(admin_server), json={"everyone": True})
    assert response.status_code in (400, 403)
    assert admin_client.get(shares_url(admin_server)).get_json()["everyone"] is False


def test_a_share_change_is_audited(app: Flask, admin_client: ApiClient, admin_server: int,
                                   make_member: Callable[..., Member]) -> None:
    member = make_member()
    put_shares(admin_client, admin_server, users=[member.id])
    put_shares(admin_client, admin_server, roles=["Administrator"])
    with app.app_context():
        events = list(db.session.execute(db.select(AuditEvent).filter_by(
            action="server.share", target=f"server:{admin_server}").order_by(AuditEvent.id)).scalars())
    assert [e.details["after"] for e in events] == [
        {"everyone": False, "users": [member.id], "roles": [], "groups": []},
        {"everyone": False, "users": [], "roles": [-1], "groups": []}]
    assert events[1].details["before"]["users"] == [member.id] and events[1].actor_email == "admin@example.com"


def test_share_targets_list_users_roles_and_groups(app: Flask, admin_client: ApiClient,
                                                   make_member: Callable[..., Member],
                                                   make_group: Callable[..., int]) -> None:
    member = make_member()
    group = make_group(member.id)
    role = make_role(app)
    targets = admin_client.get("/api/v1/servers/share-targets").get_json()
    assert member.email in {u["email"] for u in targets["users"]}
    assert [r["id"] for r in targets["roles"]][:2] == [0, -1] and role in {r["id"] for r in targets["roles"]}
    assert group in {g["id"] for g in targets["groups"]}


def test_a_deleted_user_or_group_takes_its_shares_along(app: Flask, admin_client: ApiClient, admin_server: int,
                                                        make_member: Callable[..., Member],
                                                        make_group: Callable[..., int]) -> None:
    """An id reused later (SQLite may reuse the highest) must not inherit a share."""
    member = make_member()
    group = make_group(member.id)
    assert put_shares(admin_client, admin_server, users=[member.id], groups=[group]).status_code == 200
    assert admin_client.delete(f"/api/v1/groups/{group}").status_code == 204
    assert admin_client.delete(f"/api/v1/users/{member.id}").status_code == 204
    with app.app_context():
        assert db.session.execute(db.select(ServerShare).filter_by(server_id=admin_server)).first() is None


def test_load_servers_replace_keeps_a_server_shared_with_a_group(app: Flask, admin_client: ApiClient,
                                                                 admin_server: int, make_group: Callable[..., int],
                                                                 tmp_path: Any) -> None:
    """--replace deletes the owner's servers shared with no one; one shared with chosen people stays theirs."""
    import json

    from click.testing import CliRunner

    from pgadmin_lite.cli import cli

    private = {"name": "private", "host": "h", "username": "u"}
    assert admin_client.post("/api/v1/servers", json=private).status_code == 201
    assert put_shares(admin_client, admin_server, groups=[make_group()]).status_code == 200
    path = tmp_path / "servers.json"
    path.write_text(json.dumps({"Servers": {"1": {"Name": "new", "Group": "Servers", "Host": "h2", "Port": 5432,
                                                  "MaintenanceDB": "postgres", "Username": "u"}}}))
    result = CliRunner().invoke(cli, ["load-servers", str(path), "--user", "admin@example.com", "--replace"],
                                env={"PGADMIN_LITE_DATA_DIR": app.config["DATA_DIR"]})
    assert result.exit_code == 0, result.output
    names = {s["id"]: s["name"] for s in admin_client.get("/api/v1/servers").get_json()}
    assert admin_server in names and sorted(names.values()) == sorted([names[admin_server], "new"])


def test_on_a_postgresql_config_db(tmp_path: Any, pg_server: Any, pg_database: str) -> None:
    """Groups, shares and losing them hold on a PostgreSQL config DB too (its FKs and types are strict)."""
    from pgadmin_lite import create_app
    from tests.plugins.app_fixtures import ADMIN_EMAIL, ADMIN_PASSWORD, USER_EMAIL, USER_PASSWORD, prepare_data_dir
    from tests.plugins.app_fixtures import api_client as login_client

    uri = f"postgresql://{pg_server.user}@{pg_server.host}:{pg_server.port}/{pg_database}"
    app = create_app(prepare_data_dir(tmp_path / "data", {"CONFIG_DATABASE_URI": uri}))
    admin, user = login_client(app, ADMIN_EMAIL, ADMIN_PASSWORD), login_client(app, USER_EMAIL, USER_PASSWORD)
    user_id = user.get("/api/v1/session").get_json()["user"]["id"]
    server_id = admin.post("/api/v1/servers", json={"name": "pg", "host": pg_server.host, "port": pg_server.port,
                                                    "username": pg_server.user}).get_json()["id"]
    group = admin.post("/api/v1/groups", json={"name": "DBAs", "user_ids": [user_id]}).get_json()["id"]
    assert put_shares(admin, server_id, groups=[group], roles=["Administrator"]).status_code == 200
    assert user.put(f"/api/v1/servers/{server_id}/credentials", json={"username": "me"}).status_code == 200
    assert user.get(f"/api/v1/servers/{server_id}").status_code == 200
    assert admin.put(f"/api/v1/groups/{group}/members", json={"user_ids": []}).status_code == 200
    assert user.get(f"/api/v1/servers/{server_id}").status_code == 404
    for wide in ({"users": [10**12]}, {"groups": [-(10**12)]}):
        refused = put_shares(admin, server_id, **wide)
        assert refused.status_code == 400 and "No " in refused.get_json()["error"]["message"]
    for path in (f"/api/v1/groups/{2**40}", f"/api/v1/servers/{2**40}/shares",  # ids wider than the columns
                 f"/api/v1/servers/{2**31}", f"/api/v1/users/{2**31}", f"/api/v1/jobs/{2**31}"):
        assert admin.get(path).status_code == 404, path
    refused = admin.post("/api/v1/groups", json={"name": "wide", "user_ids": [2**40]})
    assert refused.status_code == 400 and "No user with id" in refused.get_json()["error"]["message"]
    assert admin.delete(f"/api/v1/groups/{group}").status_code == 204
    assert admin.get(shares_url(server_id)).get_json()["roles"] == [{"id": -1, "name": "Administrator"}]
