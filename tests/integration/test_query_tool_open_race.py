"""A server unshared or deleted while a query tool is opening on it: no tab is left bound to a server its user can
no longer use (the signal that ends tabs ran before the new tab was counted).

Deterministic: the connection goes through a TCP relay this test holds at the start of the connection, so the
server is unshared exactly while the query tool connects; no sleeps.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from flask import Flask

from pgadmin_lite.connections.opening import APPLICATION_NAME
from tests.plugins.app_fixtures import ADMIN_EMAIL, ADMIN_PASSWORD, USER_EMAIL, USER_PASSWORD, api_client
from tests.plugins.waiting import wait_until


class HeldRelay:
    """Accepts a connection and relays it to PostgreSQL only once let_through() is called."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted, self.go = threading.Event(), threading.Event()
        self.sockets: list[socket.socket] = [self.listener]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        client, _ = self.listener.accept()
        self.accepted.set()
        self.go.wait(30)
        upstream = socket.create_connection(self.target)
        self.sockets += [client, upstream]
        for source, sink in ((client, upstream), (upstream, client)):
            threading.Thread(target=_pump, args=(source, sink), daemon=True).start()

    def let_through(self) -> None:
        self.go.set()

    def close(self) -> None:
        self.go.set()
        for sock in self.sockets:
            sock.close()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):  # the relay closed under it
        while data := source.recv(65536):
            sink.sendall(data)
        sink.shutdown(socket.SHUT_WR)


@pytest.fixture
def relay(pg_server: Any) -> Iterator[HeldRelay]:
    held = HeldRelay((pg_server.host, pg_server.port))
    yield held
    held.close()


@pytest.mark.parametrize("loss", ["unshare", "delete"])
def test_a_server_lost_while_its_query_tool_opens_leaves_no_tab(app: Flask, relay: HeldRelay, pg_server: Any,
                                                                pg_database: str, loss: str) -> None:
    owner, user = api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD), api_client(app, USER_EMAIL, USER_PASSWORD)
    created = owner.post("/api/v1/servers", json={
        "name": "shared via relay", "host": "127.0.0.1", "port": relay.port, "username": pg_server.user,
        "maintenance_db": pg_database, "is_shared": True})
    assert created.status_code == 201, created.get_json()
    server_id = created.get_json()["id"]
    opened: dict[str, Any] = {}

    def open_tool() -> None:
        response = user.post("/api/v1/query-tool", json={"server_id": server_id, "database": pg_database})
        opened.update(status=response.status_code, body=response.get_json())
    opening = threading.Thread(target=open_tool)
    opening.start()
    assert relay.accepted.wait(30), "the query tool never connected"  # its access was checked; it is connecting
    if loss == "unshare":
        assert owner.patch(f"/api/v1/servers/{server_id}", json={"is_shared": False}).status_code == 200
    else:
        assert owner.delete(f"/api/v1/servers/{server_id}").status_code == 204
    relay.let_through()
    opening.join(30)
    assert opened["status"] == 410, opened
    assert opened["body"]["error"]["code"] == "server_access_lost"
    user_id = user.get("/api/v1/session").get_json()["user"]["id"]
    assert app.extensions["connection_manager"].count(user_id) == 0
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as outside:
        def tabs_left() -> int:
            return outside.execute("select count(*) from pg_stat_activity where application_name = %s and "
                                   "datname = %s", (APPLICATION_NAME, pg_database)).fetchone()[0]
        wait_until(lambda: tabs_left() == 0, lambda: f"{tabs_left()} query-tool backends are still connected")
