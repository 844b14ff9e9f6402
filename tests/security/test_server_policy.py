"""Issue 13, item 8: servers may point only where the administrator's policy allows, checked before any connect.

A user could port-scan the web host's network through "test connection", reach the cloud metadata service,
connect over a Unix socket as the web server's OS user, and learn which files exist on the web host from
TLS file paths. Three real Gunicorns run here: one with the default policy, one whose administrator also
denies loopback, and one whose operator allows socket hosts, one metadata address and a system CA file.
Rows "from before the policy" are written straight into a console's config DB, as an older version stored them;
listening sockets then prove that refusing them connects to nothing.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from pgadmin_lite import create_app
from pgadmin_lite.extensions import db
from pgadmin_lite.models import Server
from pgadmin_lite.settings import load_settings
from pgadmin_lite.users import service as users_service
from tests.plugins.app_fixtures import USER_EMAIL, USER_PASSWORD, prepare_data_dir
from tests.plugins.http_session import HttpClient
from tests.plugins.live_server import ROOT, LiveServer, start_gunicorn
from tests.plugins.postgres_fixture import PgServer, free_port

DEFAULT_DENIED = load_settings(environ={})["SERVER_DENIED_HOSTS"]
TIGHTENED = {"SERVER_DENIED_HOSTS": [*DEFAULT_DENIED, "127.0.0.0/8", "::1"]}
TRUSTED_CA = "/etc/ssl/certs/site-ca.pem"
OPERATOR = {"SERVER_ALLOW_SOCKET_HOSTS": True, "SERVER_ALLOWED_HOSTS": ["169.254.169.254", "127.0.0.1"],
            "SERVER_TRUSTED_TLS_PATHS": [TRUSTED_CA]}


@dataclass
class Console:
    """A live server and an app on its DATA_DIR, to store rows as a version without the policy did."""

    server: LiveServer
    app: Flask

    def client(self) -> HttpClient:
        client = HttpClient(self.server.url)
        client.login(USER_EMAIL, USER_PASSWORD)
        return client

    def legacy_row(self, host: str, port: int, **params: Any) -> int:
        with self.app.app_context():
            owner = users_service.find_by_email(USER_EMAIL)
            row = Server(user_id=owner.id, name=f"legacy {uuid.uuid4().hex[:8]}", host=host, port=port,
                         username="postgres", connect_params={"connect_timeout": 2, **params})
            db.session.add(row)
            db.session.commit()
            return row.id


class Listener:
    """A socket nothing may connect to; connected() tells whether anything did (the kernel queues it)."""

    def __init__(self, family: int, address: Any) -> None:
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.bind(address)
        self.sock.listen(8)
        self.sock.setblocking(False)

    def connected(self) -> bool:
        try:
            peer, _ = self.sock.accept()
        except BlockingIOError:
            return False
        peer.close()
        return True


@pytest.fixture
def tcp_listener() -> Iterator[Listener]:
    listener = Listener(socket.AF_INET, ("127.0.0.1", 0))
    yield listener
    listener.sock.close()


@pytest.fixture
def socket_listener() -> Iterator[tuple[str, int, Listener]]:
    """A PostgreSQL-style socket directory (DIR/.s.PGSQL.PORT) with a listener in it: (dir, port, listener)."""
    directory = tempfile.mkdtemp(prefix="pgl-sock-")  # short: a socket path has at most 107 bytes
    path = os.path.join(directory, ".s.PGSQL.5432")
    listener = Listener(socket.AF_UNIX, path)
    yield directory, 5432, listener
    listener.sock.close()
    os.unlink(path)
    os.rmdir(directory)


def _console(tmp_path_factory: pytest.TempPathFactory, settings: dict[str, Any]) -> Iterator[Console]:
    base = tmp_path_factory.mktemp("policy")
    config = prepare_data_dir(base / "data", settings)
    server = start_gunicorn(base / "data", base / "logs", settings={k: json.dumps(v) for k, v in settings.items()})
    try:
        yield Console(server, create_app(config))
    finally:
        server.stop()


@pytest.fixture(scope="module")
def default_console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    yield from _console(tmp_path_factory, {})


@pytest.fixture(scope="module")
def live_server(default_console: Console) -> LiveServer:
    """The conftest's clients (user_http, admin_http) talk to the console with the default policy."""
    return default_console.server


@pytest.fixture(scope="module")
def tightened(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    yield from _console(tmp_path_factory, TIGHTENED)


@pytest.fixture(scope="module")
def operator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    yield from _console(tmp_path_factory, OPERATOR)


def servers(client: HttpClient) -> list[dict[str, Any]]:
    response = client.get("/api/v1/servers")
    assert response.status_code == 200, response.text
    return response.json()


def refused(response: Any, field: str, setting: str | None) -> dict[str, Any]:
    """A 400 server_not_allowed naming the field and the setting an administrator can change."""
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "server_not_allowed" and error["field"] == field
    if setting is not None:
        assert error["setting"] == setting and setting in error["message"] and setting in error["hint"]
    return error


def body(**changes: Any) -> dict[str, Any]:
    return {"name": f"s-{uuid.uuid4().hex[:8]}", "host": "127.0.0.1", "port": 5432, "username": "postgres",
            **changes}


# --- Registration: create and change --------------------------------------------------------------------------

DENIED_BODIES = [
    (body(host="169.254.169.254"), "host", "SERVER_DENIED_HOSTS"),
    (body(host="2852039166"), "host", "SERVER_DENIED_HOSTS"),  # 169.254.169.254 as libc also reads it
    (body(host="::ffff:169.254.169.254"), "host", "SERVER_DENIED_HOSTS"),
    (body(host="fe80::1"), "host", "SERVER_DENIED_HOSTS"),
    (body(host="fd00:ec2::254"), "host", "SERVER_DENIED_HOSTS"),
    (body(host="Metadata.Google.Internal."), "host", "SERVER_DENIED_HOSTS"),
    (body(host="db.example.com", connect_params={"hostaddr": "169.254.169.254"}), "connect_params.hostaddr",
     "SERVER_DENIED_HOSTS"),
    (body(host="0.0.0.0"), "host", None),  # noqa: S104 (a server address, not a bind: it means this host)
    (body(port=22), "port", "SERVER_ALLOWED_PORTS"),
    (body(host="/var/run/postgresql"), "host", "SERVER_ALLOW_SOCKET_HOSTS"),
    (body(host="127.0.0.1,"), "host", "SERVER_ALLOW_SOCKET_HOSTS"),  # an empty entry is libpq's default socket
    (body(host="/tmp,127.0.0.1"), "host", "SERVER_ALLOW_SOCKET_HOSTS"),
    (body(connect_params={"sslrootcert": "/etc/passwd"}), "connect_params.sslrootcert", "SERVER_TRUSTED_TLS_PATHS"),
    (body(connect_params={"sslcert": "/root/.postgresql/postgresql.crt"}), "connect_params.sslcert",
     "SERVER_TRUSTED_TLS_PATHS"),
    (body(connect_params={"sslkey": "/etc/ssl/private/server.key"}), "connect_params.sslkey",
     "SERVER_TRUSTED_TLS_PATHS"),
    (body(connect_params={"sslcrl": "/nonexistent/crl.pem"}), "connect_params.sslcrl", "SERVER_TRUSTED_TLS_PATHS"),
    (body(connect_params={"sslcrldir": "/etc"}), "connect_params.sslcrldir", "SERVER_TRUSTED_TLS_PATHS"),
]


@pytest.mark.parametrize(("request_body", "field", "setting"), DENIED_BODIES)
def test_create_refuses_what_the_default_policy_denies(user_http: HttpClient, request_body: dict[str, Any],
                                                       field: str, setting: str | None) -> None:
    before = servers(user_http)
    refused(user_http.post("/api/v1/servers", json=request_body), field, setting)
    assert servers(user_http) == before


@pytest.mark.parametrize(("request_body", "field", "setting"), DENIED_BODIES)
def test_patch_refuses_what_the_default_policy_denies(user_http: HttpClient, request_body: dict[str, Any],
                                                      field: str, setting: str | None) -> None:
    created = user_http.post("/api/v1/servers", json=body())
    assert created.status_code == 201, created.text
    url = f"/api/v1/servers/{created.json()['id']}"
    change = {name: request_body[name] for name in ("host", "port", "connect_params") if name in request_body}
    refused(user_http.send("PATCH", url, json={**change, "name": "renamed"}), field, setting)
    assert user_http.get(url).json() == created.json()


def test_a_tls_file_refusal_is_the_same_whether_the_file_exists(user_http: HttpClient) -> None:
    """Validation compares strings only, so it cannot tell a user which files exist on the web host."""
    errors = [refused(user_http.post("/api/v1/servers", json=body(connect_params={"sslrootcert": path})),
                      "connect_params.sslrootcert", "SERVER_TRUSTED_TLS_PATHS") for path in ("/etc/hostname", "/nope")]
    assert errors[0] == errors[1]


def test_the_default_policy_keeps_loopback_and_the_system_ca_keyword(user_http: HttpClient, pg_server: PgServer
                                                                     ) -> None:
    created = user_http.post("/api/v1/servers", json=body(host="localhost", port=pg_server.port, sslmode="disable"))
    assert created.status_code == 201, created.text
    tested = user_http.post(f"/api/v1/servers/{created.json()['id']}/test")
    assert tested.status_code == 200 and tested.json()["ok"] is True
    system_ca = user_http.post("/api/v1/servers", json=body(sslmode="verify-full",
                                                            connect_params={"sslrootcert": "system"}))
    assert system_ca.status_code == 201, system_ca.text


# --- Test connection: refused before any connection attempt ----------------------------------------------------

def test_test_connection_to_a_socket_host_connects_to_nothing(
        default_console: Console, user_http: HttpClient, socket_listener: tuple[str, int, Listener]) -> None:
    directory, port, listener = socket_listener
    server_id = default_console.legacy_row(directory, port)
    refused(user_http.post(f"/api/v1/servers/{server_id}/test"), "host", "SERVER_ALLOW_SOCKET_HOSTS")
    assert not listener.connected()


def test_test_connection_to_the_metadata_address_is_refused(default_console: Console, user_http: HttpClient
                                                            ) -> None:
    server_id = default_console.legacy_row("169.254.169.254", 5432)
    refused(user_http.post(f"/api/v1/servers/{server_id}/test"), "host", None)


def test_test_connection_with_a_stored_tls_path_connects_to_nothing(default_console: Console, user_http: HttpClient,
                                                                    tcp_listener: Listener) -> None:
    port = tcp_listener.sock.getsockname()[1]
    server_id = default_console.legacy_row("127.0.0.1", port, sslmode="verify-ca", sslrootcert="/etc/hostname")
    refused(user_http.post(f"/api/v1/servers/{server_id}/test"), "connect_params.sslrootcert",
            "SERVER_TRUSTED_TLS_PATHS")
    assert not tcp_listener.connected()


def test_a_denied_host_looks_the_same_open_or_closed(tightened: Console, tcp_listener: Listener) -> None:
    """The port scan of the report: under a policy that denies loopback, an open and a closed port answer alike."""
    client = tightened.client()
    open_port, closed_port = tcp_listener.sock.getsockname()[1], free_port()
    answers = []
    for port in (open_port, closed_port):
        server_id = tightened.legacy_row("127.0.0.1", port)
        answers.append(refused(client.post(f"/api/v1/servers/{server_id}/test"), "host", "SERVER_DENIED_HOSTS"))
    assert not tcp_listener.connected()
    assert answers[0] == answers[1]


def test_a_name_that_resolves_to_a_denied_address_is_refused(tightened: Console, tcp_listener: Listener) -> None:
    client = tightened.client()
    before = servers(client)
    error = refused(client.post("/api/v1/servers", json=body(host="localhost")), "host", "SERVER_DENIED_HOSTS")
    assert "resolves to an address" in error["message"] and "127.0.0.1" not in json.dumps(error)
    assert servers(client) == before
    server_id = tightened.legacy_row("localhost", tcp_listener.sock.getsockname()[1])
    refused(client.post(f"/api/v1/servers/{server_id}/test"), "host", "SERVER_DENIED_HOSTS")
    assert not tcp_listener.connected()


CONNECTING_ROUTES = ["/tree?kind=server", "/databases", "/objects?kind=role&name=postgres", "/dashboard/stats",
                     "/dashboard/sessions", "/objects/drop-impact?kind=role&name=postgres"]


@pytest.mark.parametrize("path", CONNECTING_ROUTES)
def test_every_feature_that_connects_is_pinned_by_the_policy(tightened: Console, tcp_listener: Listener,
                                                             path: str) -> None:
    """Not only test-connection: the browser, the dashboard and the query tool check the policy at each connect."""
    client = tightened.client()
    server_id = tightened.legacy_row("127.0.0.1", tcp_listener.sock.getsockname()[1])
    refused(client.get(f"/api/v1/servers/{server_id}{path}"), "host", "SERVER_DENIED_HOSTS")
    refused(client.post("/api/v1/query-tool", json={"server_id": server_id}), "host", "SERVER_DENIED_HOSTS")
    assert not tcp_listener.connected()


def test_the_dialogs_test_of_an_unsaved_form_is_pinned_by_the_policy(tightened: Console,
                                                                     tcp_listener: Listener) -> None:
    """POST /servers/test: a form pointing at a denied host, or a saved row's denied host, connects nowhere."""
    client = tightened.client()
    port = tcp_listener.sock.getsockname()[1]
    server_id = tightened.legacy_row("127.0.0.1", port)
    before = servers(client)
    refused(client.post("/api/v1/servers/test", json=body(host="127.0.0.1", port=port)), "host",
            "SERVER_DENIED_HOSTS")
    refused(client.post("/api/v1/servers/test", json={"server_id": server_id}), "host", "SERVER_DENIED_HOSTS")
    assert not tcp_listener.connected() and servers(client) == before


# --- What an operator's settings enable ------------------------------------------------------------------------

def test_the_operators_settings_enable_exactly_what_they_name(operator: Console, pg_server: PgServer) -> None:
    client = operator.client()
    over_socket = client.post("/api/v1/servers", json=body(host=pg_server.socket_dir, port=pg_server.port))
    assert over_socket.status_code == 201, over_socket.text
    assert client.post(f"/api/v1/servers/{over_socket.json()['id']}/test").json()["ok"] is True
    for allowed in (body(host="169.254.169.254"), body(connect_params={"sslrootcert": TRUSTED_CA})):
        assert client.post("/api/v1/servers", json=allowed).status_code == 201
    refused(client.post("/api/v1/servers", json=body(host="10.0.0.7")), "host", "SERVER_ALLOWED_HOSTS")
    refused(client.post("/api/v1/servers", json=body(connect_params={"sslrootcert": "/etc/ssl/certs/other.pem"})),
            "connect_params.sslrootcert", "SERVER_TRUSTED_TLS_PATHS")


# --- setup_db.py load-servers ----------------------------------------------------------------------------------

def _load_servers(console: Console, path: Path, env_settings: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PGADMIN_LITE_")}
    env["PGADMIN_LITE_DATA_DIR"] = console.app.config["DATA_DIR"]
    env.update({f"PGADMIN_LITE_{name}": json.dumps(value) for name, value in env_settings.items()})
    return subprocess.run([sys.executable, str(ROOT / "setup_db.py"), "load-servers", str(path), "--user", USER_EMAIL],
                          env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def test_load_servers_refuses_the_same_and_imports_nothing(default_console: Console, user_http: HttpClient,
                                                           tmp_path: Path) -> None:
    entry = {"Port": 5432, "MaintenanceDB": "postgres", "Username": "u"}
    document = {"Servers": {
        "1": {**entry, "Name": "metadata", "Host": "169.254.169.254"},
        "2": {**entry, "Name": "socket", "Host": "/var/run/postgresql"},
        "3": {**entry, "Name": "ca", "Host": "127.0.0.1", "ConnectionParameters": {"sslrootcert": TRUSTED_CA}},
        "4": {**entry, "Name": "ssh", "Host": "127.0.0.1", "Port": 22},
    }}
    path = tmp_path / "servers.json"
    path.write_text(json.dumps(document))
    before = servers(user_http)
    result = _load_servers(default_console, path, {})
    assert result.returncode == 1, result.stdout + result.stderr
    for line in ('Servers/"1" ("metadata"): Host 169.254.169.254 is refused (server policy: SERVER_DENIED_HOSTS)',
                 'Servers/"2" ("socket"): Host \'/var/run/postgresql\' is a Unix socket',
                 'Servers/"4" ("ssh"): Port 22 is not an allowed port (server policy: SERVER_ALLOWED_PORTS)'):
        assert line in result.stderr
    assert "nothing was imported" in result.stderr and servers(user_http) == before
    # A path the operator does not trust names a file in the user's file area (as in pgAdmin's server mode), never
    # one of the web host: "3" is not refused, its CA is looked up in the user's files (tests/integration/
    # test_servers_json_api.py).
    assert 'Servers/"3"' not in result.stderr
    document["Servers"]["4"]["Port"] = 5432
    path.write_text(json.dumps(document))
    allowed = _load_servers(default_console, path, OPERATOR)
    assert allowed.returncode == 0, allowed.stderr
    assert len(servers(user_http)) == len(before) + 4
