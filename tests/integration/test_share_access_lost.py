"""Issue 18.4: removing someone's access to a server ends their open query tools on it at once (rolled back, and
the next request says why with a 410) and forgets their saved credentials for it, whatever removed it: a share,
a group membership (edited here, or synced at an LDAP/OIDC login), a role, everyone-sharing turned off, or a
change made by another process (found by the periodic recheck). Whoever keeps access through another share keeps
their tab, its transaction and their credentials."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from flask import Flask

from pgadmin_lite.auth.provisioning import ExternalIdentity, provision
from pgadmin_lite.extensions import db
from pgadmin_lite.models import AuditEvent, GroupMember, ServerShare, User
from tests.plugins.app_fixtures import ApiClient
from tests.plugins.postgres_fixture import PgServer
from tests.plugins.query_tool_helpers import QueryTool, open_tool
from tests.plugins.sharing_fixtures import Member
from tests.plugins.waiting import wait_until


@pytest.fixture
def outside(pg_server: PgServer, pg_database: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
        yield conn


@pytest.fixture
def tab_with_credentials(pg_database: str, has_credentials: Callable[[int, int], bool]
                         ) -> Callable[[Member, int], QueryTool]:
    """The member saves their own credentials for the server and opens a tab that creates a table, uncommitted."""
    def open_one(member: Member, server_id: int) -> QueryTool:
        saved = member.client.put(f"/api/v1/servers/{server_id}/credentials",
                                  json={"username": "postgres", "password": "their-own", "save_password": True})
        assert saved.status_code == 200, saved.get_json()
        assert has_credentials(member.id, server_id)
        tool = open_tool(member.client, server_id, pg_database)
        tool.run("BEGIN")
        tool.run(f"CREATE TABLE t_{member.id} (n int)")
        return tool
    return open_one


def put_shares(admin: ApiClient, server_id: int, **body: Any) -> None:
    response = admin.put(f"/api/v1/servers/{server_id}/shares", json=body)
    assert response.status_code == 200, response.get_json()


def assert_ended(tool: QueryTool, words: str) -> None:
    response = tool.execute("SELECT 1")
    assert response.status_code == 410, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "server_access_lost" and words in error["message"], error


def assert_kept(tool: QueryTool, member: Member) -> None:
    assert tool.run(f"SELECT count(*) FROM t_{member.id}")["transaction_status"] == "in_transaction"


def table_exists(outside: psycopg.Connection[Any], member: Member) -> bool:
    return bool(outside.execute("SELECT to_regclass(%s) IS NOT NULL", (f"t_{member.id}",)).fetchone()[0])  # type: ignore[index]


def test_a_removed_user_share_ends_the_tab_rolls_back_and_forgets_credentials(
        admin_client: ApiClient, admin_server: int, make_member: Callable[..., Member], make_group: Callable[..., int],
        tab_with_credentials: Callable[[Member, int], QueryTool], has_credentials: Callable[[int, int], bool],
        outside: psycopg.Connection[Any]) -> None:
    leaving, staying = make_member(), make_member()
    group = make_group(staying.id)
    put_shares(admin_client, admin_server, users=[leaving.id, staying.id], groups=[group])
    gone, kept = tab_with_credentials(leaving, admin_server), tab_with_credentials(staying, admin_server)

    put_shares(admin_client, admin_server, groups=[group])  # both user shares removed; the group still has staying

    assert_ended(gone, "is no longer shared with you")
    assert not has_credentials(leaving.id, admin_server)
    assert wait_until(lambda: not table_exists(outside, leaving), "the tab's transaction was not rolled back")
    assert_kept(kept, staying)
    assert has_credentials(staying.id, admin_server)
    assert admin_client.get(f"/api/v1/servers/{admin_server}").status_code == 200  # the owner is untouched


def test_a_member_removed_from_a_local_group_loses_the_server(
        admin_client: ApiClient, admin_server: int, make_member: Callable[..., Member], make_group: Callable[..., int],
        tab_with_credentials: Callable[[Member, int], QueryTool], has_credentials: Callable[[int, int], bool]) -> None:
    leaving, staying = make_member(), make_member()
    group = make_group(leaving.id, staying.id)
    put_shares(admin_client, admin_server, groups=[group])
    gone, kept = tab_with_credentials(leaving, admin_server), tab_with_credentials(staying, admin_server)

    response = admin_client.put(f"/api/v1/groups/{group}/members", json={"user_ids": [staying.id]})
    assert response.status_code == 200, response.get_json()

    assert_ended(gone, "you were removed from the group")
    assert not has_credentials(leaving.id, admin_server)
    assert_kept(kept, staying)
    assert has_credentials(staying.id, admin_server)
    assert leaving.client.get(f"/api/v1/servers/{admin_server}").status_code == 404


def test_a_deleted_group_takes_its_members_access(
        admin_client: ApiClient, admin_server: int, make_member: Callable[..., Member], make_group: Callable[..., int],
        tab_with_credentials: Callable[[Member, int], QueryTool], has_credentials: Callable[[int, int], bool]) -> None:
    member = make_member()
    group = make_group(member.id)
    put_shares(admin_client, admin_server, groups=[group])
    tool = tab_with_credentials(member, admin_server)
    assert admin_client.delete(f"/api/v1/groups/{group}").status_code == 204
    assert_ended(tool, "was deleted")
    assert not has_credentials(member.id, admin_server)


def test_a_group_left_at_an_ldap_login_ends_the_tab(
        app: Flask, admin_client: ApiClient, admin_server: int, make_member: Callable[..., Member],
        tab_with_credentials: Callable[[Member, int], QueryTool], has_credentials: Callable[[int, int], bool]) -> None:
    """provision() is what the LDAP and OIDC logins call: its sync_groups dropping a group must end the tab."""
    member = make_member()
    dn = f"uid={uuid.uuid4().hex[:8]},ou=people,dc=example,dc=org"
    with app.app_context():
        user = db.session.get(User, member.id)
        user.auth_source, user.external_id = "ldap", dn
        db.session.commit()
        provision(ExternalIdentity("ldap", dn, member.email, groups=frozenset({"dba", "ops"})), auto_create=False)
        groups = {g["name"]: g["id"] for g in admin_client.get("/api/v1/groups").get_json() if g["source"] == "ldap"}
    put_shares(admin_client, admin_server, groups=[groups["dba"]])
    tool = tab_with_credentials(member, admin_server)
    with app.app_context():
        provision(ExternalIdentity("ldap", dn, member.email, groups=frozenset({"dba", "ops"})), auto_create=False)
    assert_kept(tool, member)  # the same groups: nothing lost
    with app.app_context():
        provision(ExternalIdentity("ldap", dn, member.email, groups=frozenset({"ops"})), auto_create=False)
    assert_ended(tool, "your groups changed")
    assert not has_credentials(member.id, admin_server)


def test_a_changed_role_ends_the_tab(
        admin_client: ApiClient, admin_server: int, make_member: Callable[..., Member],
        tab_with_credentials: Callable[[Member, int], QueryTool], has_credentials: Callable[[int, int], bool]) -> None:
    member = make_member(is_admin=True)
    put_shares(admin_client, admin_server, roles=["Administrator"])
    tool = tab_with_credentials(member, admin_server)
    response = admin_client.patch(f"/api/v1/users/{member.id}", json={"is_admin": False})
    assert response.status_code == 200, response.get_json()
    assert_ended(tool, "your role")
    assert not has_credentials(member.id, admin_server)


def test_everyone_sharing_turned_off_spares_those_shared_by_name(
        app: Flask, admin_client: ApiClient, admin_server: int, make_member: Callable[..., Member],
        tab_with_credentials: Callable[[Member, int], QueryTool], has_credentials: Callable[[int, int], bool]) -> None:
    named, anyone = make_member(), make_member()
    put_shares(admin_client, admin_server, everyone=True, users=[named.id])
    kept, gone = tab_with_credentials(named, admin_server), tab_with_credentials(anyone, admin_server)
    response = admin_client.patch(f"/api/v1/servers/{admin_server}", json={"is_shared": False})  # the old switch
    assert response.status_code == 200, response.get_json()
    assert_ended(gone, "is no longer shared with you")
    assert not has_credentials(anyone.id, admin_server)
    assert_kept(kept, named)
    assert has_credentials(named.id, admin_server)
    with app.app_context():
        event = db.session.execute(db.select(AuditEvent).filter_by(target=f"server:{admin_server}",
                                                                   action="server.share")
                                   .order_by(AuditEvent.id.desc())).scalars().first()
        assert (event.action, event.details["everyone"]) == ("server.share", {"from": True, "to": False})


def test_a_share_removed_by_another_process_is_found_by_the_recheck(
        make_app: Any, pg_database: str, pg_server: PgServer, make_member: Callable[..., Member]) -> None:
    """Another process (setup_db.py, a second worker) removed the share: the periodic recheck ends the tab."""
    from tests.plugins.app_fixtures import ADMIN_EMAIL, ADMIN_PASSWORD, api_client

    app = make_app(QUERY_TOOL_ACCESS_CHECK_SECONDS=0.3)
    admin = api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD)
    email = f"r-{uuid.uuid4().hex[:8]}@example.com"
    member_id = admin.post("/api/v1/users", json={"email": email, "password": "member-password-1"}).get_json()["id"]
    member = api_client(app, email, "member-password-1")
    server_id = admin.post("/api/v1/servers", json={"name": "r", "host": pg_server.host, "port": pg_server.port,
                                                    "username": pg_server.user,
                                                    "maintenance_db": pg_database}).get_json()["id"]
    group = admin.post("/api/v1/groups", json={"name": "recheck", "user_ids": [member_id]}).get_json()["id"]
    put_shares(admin, server_id, groups=[group])
    tool = open_tool(member, server_id, pg_database)
    tool.run("BEGIN")
    with app.app_context():  # as another process would: straight in the config DB, no signal here
        db.session.execute(db.delete(GroupMember).filter_by(group_id=group, user_id=member_id))
        db.session.commit()
        assert db.session.execute(db.select(ServerShare).filter_by(server_id=server_id)).first() is not None
    wait_until(lambda: tool.execute("SELECT 1").status_code == 410, "the recheck never ended the tab", timeout=10)
    assert "no longer shared with you" in tool.execute("SELECT 1").get_json()["error"]["message"]
