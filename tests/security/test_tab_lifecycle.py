"""Issue 13, items 7 and 8: a query tool ends with its user's right to the server, and with its own login only.

User B keeps a tab in an open transaction on a server the administrator A shares. When A stops sharing
or deletes the server, B's tab must end at once (rolled back, its backend gone) and B's next request must
say why with a 410. A logout in one browser must end the tabs of that login, never those of the same
user's other browsers (and their transactions); a password change ends those of the other logins (issue 14).
The same holds when setup_db.py, in a process of its own, deletes or deactivates the user or replaces their
servers: the web process notices within QUERY_TOOL_ACCESS_CHECK_SECONDS. Everything is driven over HTTP
against a live Gunicorn.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
import requests
from psycopg import sql

from tests.plugins.app_fixtures import USER_EMAIL, USER_PASSWORD
from tests.plugins.http_session import HttpClient
from tests.plugins.live_server import ROOT, LiveServer
from tests.plugins.postgres_fixture import PgServer
from tests.plugins.waiting import wait_until

LIVE_SERVER_SETTINGS = {"QUERY_TOOL_ACCESS_CHECK_SECONDS": 0.5}  # the CLI cases below wait at most a few of these


@dataclass
class Tab:
    """One query tool of one logged-in client, driven through the public API."""

    client: HttpClient
    tx_id: str

    def execute(self, statement: str) -> requests.Response:
        response = self.client.post(f"/api/v1/query-tool/{self.tx_id}/execute",
                                    json={"sql": statement, "wait_ms": 5000})
        while response.status_code == 202:
            response = self.client.get(f"/api/v1/query-tool/{self.tx_id}/result?wait_ms=5000")
        return response

    def run(self, statement: str) -> dict[str, Any]:
        response = self.execute(statement)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert body["error"] is None, body["error"]
        return body

    def begin_writing(self, table: str) -> int:
        """Open a transaction that creates `table`; the backend pid that holds it."""
        self.run("BEGIN")
        self.run(f"CREATE TABLE {table} (n int)")
        body = self.run("SELECT pg_backend_pid()")
        assert body["transaction_status"] == "in_transaction"
        return int(body["rows"][0][0])


@pytest.fixture
def outside(pg_server: PgServer, pg_database: str) -> Iterator[psycopg.Connection[Any]]:
    """A superuser connection that watches the test database from outside the console."""
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
        yield conn


@pytest.fixture
def shared_server(admin_http: HttpClient, pg_server: PgServer, pg_database: str) -> int:
    """The test database registered by the administrator and shared with every user."""
    response = admin_http.post("/api/v1/servers", json={
        "name": f"shared {uuid.uuid4().hex[:8]}", "host": pg_server.host, "port": pg_server.port,
        "username": pg_server.user, "maintenance_db": pg_database, "is_shared": True})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


@pytest.fixture
def open_tab(pg_database: str) -> Callable[[HttpClient, int], Tab]:
    def open_one(client: HttpClient, server_id: int) -> Tab:
        response = client.post("/api/v1/query-tool", json={"server_id": server_id, "database": pg_database})
        assert response.status_code == 201, response.text
        return Tab(client, response.json()["tx_id"])
    return open_one


def backend_is_gone(outside: psycopg.Connection[Any], pid: int, timeout: float = 10.0) -> bool:
    """Wait until PostgreSQL no longer lists the backend (closing the socket ends it a moment later)."""
    try:
        return wait_until(lambda: not outside.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s",
                                                      (pid,)).fetchall(), "", timeout)
    except AssertionError:
        return False


def table_exists(outside: psycopg.Connection[Any], table: str) -> bool:
    return outside.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone()[0]  # type: ignore[index]


def assert_ended(tab: Tab, code: str, words: str) -> None:
    response = tab.execute("SELECT 1")
    assert response.status_code == 410, response.text
    error = response.json()["error"]
    assert error["code"] == code and words in error["message"], error


def test_unsharing_ends_other_users_tabs_and_rolls_them_back(
        admin_http: HttpClient, user_http: HttpClient, shared_server: int, open_tab: Callable[[HttpClient, int], Tab],
        outside: psycopg.Connection[Any]) -> None:
    theirs, mine = open_tab(user_http, shared_server), open_tab(admin_http, shared_server)
    their_pid, my_pid = theirs.begin_writing("written_by_b"), mine.begin_writing("written_by_a")

    response = admin_http.send("PATCH", f"/api/v1/servers/{shared_server}", json={"is_shared": False})
    assert response.status_code == 200, response.text

    assert backend_is_gone(outside, their_pid)
    assert_ended(theirs, "server_access_lost", "is no longer shared with you")
    assert not table_exists(outside, "written_by_b")  # rolled back, not committed by the close
    # The owner keeps access, so the owner's tab and transaction go on.
    assert mine.run("SELECT count(*) FROM written_by_a")["transaction_status"] == "in_transaction"
    assert mine.run("COMMIT")["transaction_status"] == "idle"
    assert table_exists(outside, "written_by_a") and not backend_is_gone(outside, my_pid, timeout=0)


def test_deleting_a_server_ends_every_tab_on_it(
        admin_http: HttpClient, user_http: HttpClient, shared_server: int, open_tab: Callable[[HttpClient, int], Tab],
        outside: psycopg.Connection[Any]) -> None:
    theirs, mine = open_tab(user_http, shared_server), open_tab(admin_http, shared_server)
    pids = [theirs.begin_writing("deleted_b"), mine.begin_writing("deleted_a")]

    assert admin_http.send("DELETE", f"/api/v1/servers/{shared_server}").status_code == 204

    assert all(backend_is_gone(outside, pid) for pid in pids)
    for tab in (theirs, mine):
        assert_ended(tab, "server_access_lost", "was deleted")
    assert not table_exists(outside, "deleted_b") and not table_exists(outside, "deleted_a")


def test_a_tab_on_another_server_survives(
        admin_http: HttpClient, user_http: HttpClient, shared_server: int, open_tab: Callable[[HttpClient, int], Tab],
        pg_server: PgServer, pg_database: str, outside: psycopg.Connection[Any]) -> None:
    """Only the tabs on the server that went away end: the user's own registration of the same database stays."""
    response = user_http.post("/api/v1/servers", json={
        "name": f"own {uuid.uuid4().hex[:8]}", "host": pg_server.host, "port": pg_server.port,
        "username": pg_server.user, "maintenance_db": pg_database})
    assert response.status_code == 201, response.text
    own = open_tab(user_http, int(response.json()["id"]))
    own.begin_writing("kept_by_b")

    assert admin_http.send("DELETE", f"/api/v1/servers/{shared_server}").status_code == 204

    assert own.run("COMMIT")["transaction_status"] == "idle"
    assert table_exists(outside, "kept_by_b")


def test_logout_ends_only_that_logins_tabs(
        login: Callable[[str, str], HttpClient], shared_server: int, open_tab: Callable[[HttpClient, int], Tab],
        outside: psycopg.Connection[Any]) -> None:
    laptop, phone = login(USER_EMAIL, USER_PASSWORD), login(USER_EMAIL, USER_PASSWORD)
    on_laptop, on_phone = open_tab(laptop, shared_server), open_tab(phone, shared_server)
    laptop_pid, phone_pid = on_laptop.begin_writing("from_laptop"), on_phone.begin_writing("from_phone")

    assert phone.post("/logout", allow_redirects=False).status_code == 302

    assert backend_is_gone(outside, phone_pid)
    assert not table_exists(outside, "from_phone")
    # The other browser's tab still has its connection and its transaction.
    body = on_laptop.run("INSERT INTO from_laptop VALUES (1) RETURNING pg_backend_pid()")
    assert body["rows"] == [[laptop_pid]] and body["transaction_status"] == "in_transaction"
    assert on_laptop.run("COMMIT")["transaction_status"] == "idle"
    assert outside.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier("from_laptop"))).fetchone() == (1,)
    # Back on the phone, the old tab says why it is gone.
    phone.login(USER_EMAIL, USER_PASSWORD)
    assert_ended(on_phone, "gone", "logged out")


def test_a_password_change_ends_the_other_logins_tabs(
        login: Callable[[str, str], HttpClient], make_user: Callable[[], tuple[str, str]], shared_server: int,
        open_tab: Callable[[HttpClient, int], Tab], outside: psycopg.Connection[Any]) -> None:
    email, password = make_user()
    laptop, phone = login(email, password), login(email, password)
    on_laptop, on_phone = open_tab(laptop, shared_server), open_tab(phone, shared_server)
    laptop_pid, phone_pid = on_laptop.begin_writing("pw_laptop"), on_phone.begin_writing("pw_phone")

    new_password = password + "-changed"
    response = laptop.post("/api/v1/account/password", json={"current_password": password,
                                                              "new_password": new_password})
    assert response.status_code == 200, response.text

    assert backend_is_gone(outside, phone_pid)
    assert not table_exists(outside, "pw_phone")
    # The login that changed the password keeps its tab and its transaction.
    body = on_laptop.run("INSERT INTO pw_laptop VALUES (1) RETURNING pg_backend_pid()")
    assert body["rows"] == [[laptop_pid]] and body["transaction_status"] == "in_transaction"
    assert on_laptop.run("COMMIT")["transaction_status"] == "idle"
    phone.login(email, new_password)
    assert_ended(on_phone, "gone", "password was changed in another login")


def setup_db(live_server: LiveServer, *args: str, stdin: str | None = None) -> None:
    """setup_db.py on the live server's DATA_DIR, in a process of its own (as an operator runs it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PGADMIN_LITE_")}
    env["PGADMIN_LITE_DATA_DIR"] = str(live_server.data_dir)
    result = subprocess.run([sys.executable, str(ROOT / "setup_db.py"), *args], env=env, cwd=ROOT, input=stdin,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr


def test_a_cli_deactivation_ends_the_users_tabs(
        live_server: LiveServer, login: Callable[[str, str], HttpClient], make_user: Callable[[], tuple[str, str]],
        shared_server: int, open_tab: Callable[[HttpClient, int], Tab], outside: psycopg.Connection[Any]) -> None:
    email, password = make_user()
    client = login(email, password)
    tab = open_tab(client, shared_server)
    pid = tab.begin_writing("cli_inactive")

    setup_db(live_server, "update-user", email, "--inactive")

    assert backend_is_gone(outside, pid)
    assert not table_exists(outside, "cli_inactive")
    setup_db(live_server, "update-user", email, "--active")
    client.login(email, password)
    assert_ended(tab, "gone", "deleted or deactivated")


def test_a_cli_password_reset_ends_the_users_tabs(
        live_server: LiveServer, login: Callable[[str, str], HttpClient], make_user: Callable[[], tuple[str, str]],
        shared_server: int, open_tab: Callable[[HttpClient, int], Tab], outside: psycopg.Connection[Any]) -> None:
    """The user stays active: only their logins end, which the web process learns from the session store."""
    email, password = make_user()
    client = login(email, password)
    tab = open_tab(client, shared_server)
    pid = tab.begin_writing("cli_reset")

    setup_db(live_server, "update-user", email, "--password-stdin", stdin=password + "-reset\n")

    assert backend_is_gone(outside, pid)
    assert not table_exists(outside, "cli_reset")
    client.login(email, password + "-reset")
    assert_ended(tab, "gone", "The login that opened this query tool ended")


def test_a_cli_delete_user_ends_the_users_tabs(
        live_server: LiveServer, login: Callable[[str, str], HttpClient], make_user: Callable[[], tuple[str, str]],
        shared_server: int, open_tab: Callable[[HttpClient, int], Tab], outside: psycopg.Connection[Any]) -> None:
    email, password = make_user()
    tab = open_tab(login(email, password), shared_server)
    pid = tab.begin_writing("cli_deleted")

    setup_db(live_server, "delete-user", email, "--yes")

    assert backend_is_gone(outside, pid)
    assert not table_exists(outside, "cli_deleted")
    assert tab.execute("SELECT 1").status_code == 401  # the user and their sessions are gone


def test_cli_load_servers_replace_ends_the_tabs_on_the_replaced_servers(
        live_server: LiveServer, login: Callable[[str, str], HttpClient], make_user: Callable[[], tuple[str, str]],
        shared_server: int, open_tab: Callable[[HttpClient, int], Tab], pg_server: PgServer, pg_database: str,
        outside: psycopg.Connection[Any], tmp_path: Any) -> None:
    email, password = make_user()
    client = login(email, password)
    response = client.post("/api/v1/servers", json={
        "name": f"own {uuid.uuid4().hex[:8]}", "host": pg_server.host, "port": pg_server.port,
        "username": pg_server.user, "maintenance_db": pg_database})
    assert response.status_code == 201, response.text
    own, on_shared = open_tab(client, int(response.json()["id"])), open_tab(client, shared_server)
    own_pid, shared_pid = own.begin_writing("cli_replaced"), on_shared.begin_writing("cli_shared_kept")
    servers_file = tmp_path / "servers.json"
    servers_file.write_text(json.dumps({"Servers": {}}))

    setup_db(live_server, "load-servers", str(servers_file), "--user", email, "--replace")

    assert backend_is_gone(outside, own_pid)
    assert not table_exists(outside, "cli_replaced")
    assert_ended(own, "server_access_lost", "registration was deleted")
    # The shared server was not the user's to replace: that tab and its transaction go on.
    assert on_shared.run("COMMIT")["transaction_status"] == "idle"
    assert table_exists(outside, "cli_shared_kept") and not backend_is_gone(outside, shared_pid, timeout=0)
