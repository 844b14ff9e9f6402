"""Sessions end with their tab: leases, the page's goodbye beacon, My sessions (list, close), logout's choice."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.plugins.app_fixtures import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    USER_EMAIL,
    USER_PASSWORD,
    ApiClient,
    AppFactory,
    api_client,
)
from tests.plugins.query_tool_helpers import QueryTool, open_tool, register_server
from tests.plugins.waiting import wait_until

SHORT_LEASE = {"QUERY_TOOL_LEASE_SECONDS": 3, "QUERY_TOOL_CLOSE_GRACE_SECONDS": 0.5}


@pytest.fixture
def outside(pg_server: Any, pg_database: str) -> Any:
    """A connection of the test's own, to see pg_stat_activity as the server does."""
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
        yield conn


@pytest.fixture
def short_app(make_app: AppFactory) -> Flask:
    return make_app(**SHORT_LEASE)


@pytest.fixture
def admin(short_app: Flask) -> ApiClient:
    return api_client(short_app, ADMIN_EMAIL, ADMIN_PASSWORD)


@pytest.fixture
def server_id(admin: ApiClient, pg_server: Any, pg_database: str) -> int:
    return register_server(admin, pg_server, pg_database, is_shared=True)


def backend_pid(tool: QueryTool) -> int:
    return int(tool.run("SELECT pg_backend_pid()")["rows"][0][0])


def is_gone(conn: psycopg.Connection[Any], pid: int) -> bool:
    return not conn.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchall()


def listing(client: ApiClient, **params: str) -> list[dict[str, Any]]:
    response = client.get("/api/v1/sessions", query_string=params)
    assert response.status_code == 200, response.get_json()
    return list(response.get_json())


def test_a_lapsed_lease_closes_a_session_without_a_transaction(admin: ApiClient, server_id: int, pg_database: str,
                                                                outside: Any) -> None:
    tool = open_tool(admin, server_id, pg_database)
    pid = backend_pid(tool)
    assert tool.client.get(tool.base).get_json()["lease"]["seconds"] == 3
    wait_until(lambda: is_gone(outside, pid), "the backend of a tab whose lease lapsed is still connected")
    gone = tool.execute("SELECT 1")
    assert gone.status_code == 410
    assert "QUERY_TOOL_LEASE_SECONDS" in gone.get_json()["error"]["message"]


def test_renewing_the_lease_keeps_the_session_and_is_no_activity(admin: ApiClient, server_id: int,
                                                                  pg_database: str, short_app: Flask) -> None:
    tool = open_tool(admin, server_id, pg_database)
    session = short_app.extensions["connection_manager"].peek(tool.tx_id)
    used = session.last_used
    for _ in range(3):  # each renewal well inside the 3 s lease, for longer than the lease
        renewed = admin.post(f"{tool.base}/lease")
        assert renewed.status_code == 200 and renewed.get_json()["lease"]["state"] == "alive"
        wait_until(lambda: session.lease.remaining_s() < 1.5, "the lease never ran down")
    assert tool.run("SELECT 1")["error"] is None
    assert session.last_used > used  # the statement counted as activity; the renewals above did not
    assert admin.post("/api/v1/query-tool/nope/lease").status_code == 409  # not minted here: affinity


def test_a_session_with_an_open_transaction_is_kept_and_shown_as_kept(admin: ApiClient, server_id: int,
                                                                       pg_database: str, outside: Any,
                                                                       short_app: Flask) -> None:
    tool = open_tool(admin, server_id, pg_database)
    tool.run("CREATE TABLE t (id int)")
    tool.run("BEGIN")
    tool.run("INSERT INTO t VALUES (1)")
    pid = backend_pid(tool)
    manager = short_app.extensions["connection_manager"]
    wait_until(lambda: manager.peek(tool.tx_id).lease.has_lapsed(), "the lease never lapsed")
    manager.reap()  # what the reaper thread does: nothing happens to a tab holding a transaction
    assert not is_gone(outside, pid)
    item, = listing(admin)
    assert item["kept"] == "open transaction" and item["state"] == "in_transaction"
    assert item["lease"]["state"] == "lapsed" and item["transaction_age_s"] >= 0
    assert item["last_statement"] == "SELECT pg_backend_pid()"
    assert tool.run("COMMIT")["transaction_status"] == "idle"  # the page came back: renewed, still its own
    assert outside.execute("SELECT count(*) FROM t").fetchone()[0] == 1


def beacon(client: FlaskClient, tx_id: str, token: str | None) -> Any:
    """What navigator.sendBeacon sends: a form-encoded POST with no custom header, the token as a field."""
    data = {"csrf_token": token} if token is not None else {}
    return client.post(f"/api/v1/query-tool/{tx_id}/release", data=data,
                       content_type="application/x-www-form-urlencoded")


def test_the_goodbye_beacon_closes_the_tab_within_the_grace(admin: ApiClient, server_id: int, pg_database: str,
                                                            outside: Any) -> None:
    tool = open_tool(admin, server_id, pg_database)
    pid = backend_pid(tool)
    assert beacon(admin.client, tool.tx_id, None).status_code == 400  # no token: refused, nothing happens
    assert beacon(admin.client, tool.tx_id, "forged").status_code == 400
    assert listing(admin)[0]["lease"]["state"] == "alive"
    assert beacon(admin.client, tool.tx_id, admin.csrf_token).status_code == 204
    wait_until(lambda: is_gone(outside, pid), "the backend of a closed page is still connected", timeout=3)
    assert "page was closed" in tool.execute("SELECT 1").get_json()["error"]["message"]


def test_a_reload_within_the_grace_keeps_the_tab(make_app: AppFactory, pg_server: Any, pg_database: str) -> None:
    app = make_app(QUERY_TOOL_LEASE_SECONDS=60, QUERY_TOOL_CLOSE_GRACE_SECONDS=30.0)
    client = api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD)
    tool = open_tool(client, register_server(client, pg_server, pg_database), pg_database)
    assert beacon(client.client, tool.tx_id, client.csrf_token).status_code == 204
    assert listing(client)[0]["lease"]["state"] == "released"
    assert client.get(tool.base).status_code == 200  # the reloaded page re-attaches
    app.extensions["connection_manager"].reap()
    assert listing(client)[0]["lease"]["state"] == "alive"


def test_listing_authorization_and_admin_close_with_a_reason(short_app: Flask, admin: ApiClient, server_id: int,
                                                             pg_database: str, outside: Any) -> None:
    user = api_client(short_app, USER_EMAIL, USER_PASSWORD)
    mine = open_tool(user, server_id, pg_database)
    theirs = open_tool(admin, server_id, pg_database)
    item, = listing(user)
    assert item["tx_id"] == mine.tx_id and item["user"]["email"] == USER_EMAIL
    assert item["server_name"] == f"test {pg_database}" and item["database"] == pg_database
    assert item["state"] == "idle" and item["browser"]["is_this_browser"] is True
    assert user.get("/api/v1/sessions?all=1").status_code == 403
    assert {i["tx_id"] for i in listing(admin, all="1")} == {mine.tx_id, theirs.tx_id}
    assert [i["tx_id"] for i in listing(admin)] == [theirs.tx_id]
    # Another user's tx_id is no business of a non-admin: the same 404 as one that never existed.
    refused = user.delete(f"/api/v1/sessions/{theirs.tx_id}")
    assert refused.status_code == 404 and refused.get_json()["error"]["code"] == "not_found"
    assert user.delete(f"/api/v1/query-tool/{theirs.tx_id}").status_code == 404
    assert user.post(f"/api/v1/query-tool/{theirs.tx_id}/release", data={"csrf_token": user.csrf_token},
                     content_type="application/x-www-form-urlencoded").status_code == 404
    assert theirs.run("SELECT 1")["error"] is None
    mine.run("BEGIN")
    pid = backend_pid(mine)
    assert admin.delete(f"/api/v1/sessions/{mine.tx_id}", json={"reason": 42}).status_code == 400
    assert admin.delete(f"/api/v1/sessions/{mine.tx_id}", json={"reason": "holds locks on orders"}).status_code == 204
    wait_until(lambda: is_gone(outside, pid), "the closed session's backend is still connected")
    told = mine.execute("SELECT 1")
    assert told.status_code == 410
    assert told.get_json()["error"]["code"] == "closed_by_admin"
    assert told.get_json()["error"]["message"] == "Closed by an administrator: holds locks on orders"
    assert listing(user) == []


def test_the_owner_closes_from_my_sessions(admin: ApiClient, server_id: int, pg_database: str) -> None:
    tool = open_tool(admin, server_id, pg_database)
    assert admin.delete(f"/api/v1/sessions/{tool.tx_id}").status_code == 204
    assert listing(admin) == []
    assert "My sessions" in tool.execute("SELECT 1").get_json()["error"]["message"]


def test_secrets_are_masked_in_the_last_statement(admin: ApiClient, server_id: int, pg_database: str) -> None:
    tool = open_tool(admin, server_id, pg_database)
    tool.run("CREATE ROLE tmp_masked LOGIN PASSWORD 'hunter2-secret'; DROP ROLE tmp_masked")
    shown = listing(admin)[0]["last_statement"]
    assert "hunter2" not in shown and "PASSWORD '********'" in shown


def test_the_per_user_cap_links_to_my_sessions_and_reclaims_closed_pages(make_app: AppFactory, pg_server: Any,
                                                                         pg_database: str) -> None:
    app = make_app(MAX_CONNECTIONS_PER_USER=2, QUERY_TOOL_LEASE_SECONDS=600, QUERY_TOOL_CLOSE_GRACE_SECONDS=600.0)
    client = api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD)
    server_id = register_server(client, pg_server, pg_database)
    first, second = open_tool(client, server_id, pg_database), open_tool(client, server_id, pg_database)
    second.run("BEGIN")
    refused = client.post("/api/v1/query-tool", json={"server_id": server_id, "database": pg_database})
    assert refused.status_code == 429
    error = refused.get_json()["error"]
    assert error["sessions_url"] == "/sessions" and "My sessions (/sessions)" in error["hint"]
    for tool in (first, second):  # both pages went away; only the one holding nothing may be reclaimed
        assert beacon(client.client, tool.tx_id, client.csrf_token).status_code == 204
    third = open_tool(client, server_id, pg_database)
    assert {i["tx_id"] for i in listing(client)} == {second.tx_id, third.tx_id}
    assert client.post("/api/v1/query-tool", json={"server_id": server_id, "database": pg_database}
                       ).status_code == 429


def test_logout_rolls_back_only_the_chosen_transactions_of_other_browsers(short_app: Flask, admin: ApiClient,
                                                                          server_id: int, pg_database: str) -> None:
    other_browser = api_client(short_app, ADMIN_EMAIL, ADMIN_PASSWORD)
    here = open_tool(admin, server_id, pg_database)
    chosen, unchosen = open_tool(other_browser, server_id, pg_database), open_tool(other_browser, server_id,
                                                                                  pg_database)
    for tool in (chosen, unchosen):
        tool.run("BEGIN")
    seen = {i["tx_id"]: i["browser"]["is_this_browser"] for i in listing(admin)}
    assert seen == {here.tx_id: True, chosen.tx_id: False, unchosen.tx_id: False}
    response = admin.client.post("/logout", data={"csrf_token": admin.csrf_token, "roll_back": [chosen.tx_id]})
    assert response.status_code == 302
    assert {i["tx_id"] for i in listing(other_browser)} == {unchosen.tx_id}
    assert "chose to roll back" in chosen.execute("SELECT 1").get_json()["error"]["message"]
    assert unchosen.run("SELECT 1")["transaction_status"] == "in_transaction"


def test_a_plain_logout_keeps_other_browsers_transactions(short_app: Flask, admin: ApiClient, server_id: int,
                                                          pg_database: str) -> None:
    other_browser = api_client(short_app, ADMIN_EMAIL, ADMIN_PASSWORD)
    kept = open_tool(other_browser, server_id, pg_database)
    kept.run("BEGIN")
    open_tool(admin, server_id, pg_database)
    assert admin.client.post("/logout", data={"csrf_token": admin.csrf_token}).status_code == 302
    assert [i["tx_id"] for i in listing(other_browser)] == [kept.tx_id]


def test_lease_renewals_are_not_activity_for_the_login(short_app: Flask, admin: ApiClient, server_id: int,
                                                       pg_database: str) -> None:
    """A page left open renews its lease for ever; that must not hold the login open past USER_INACTIVITY_TIMEOUT."""
    tool = open_tool(admin, server_id, pg_database)
    store = short_app.extensions["session_store"]

    def last_seen_after(**headers: str) -> float:
        store._execute("UPDATE sessions SET last_seen = last_seen - 60")  # long enough ago to be touched again
        before = store._execute("SELECT last_seen FROM sessions")[0][0][0]
        assert admin.post(f"{tool.base}/lease", headers=headers).status_code == 200
        return float(store._execute("SELECT last_seen FROM sessions")[0][0][0]) - before

    assert last_seen_after(**{"X-Background-Request": "1"}) == 0  # what the page's renewals send
    assert last_seen_after() > 0  # any other request is the user's activity
