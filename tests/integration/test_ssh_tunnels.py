"""SSH tunnels through a real OpenSSH sshd: password and key logins, trust on first use, a changed host key
refused, one shared tunnel per user and server closed with its last connection, and an error for each failure."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import update

from pgadmin_lite import create_app
from pgadmin_lite.connections import opening, tunnels
from pgadmin_lite.extensions import db
from pgadmin_lite.models import Server
from tests.integration.test_jobs_support import job_log, run_job
from tests.plugins.app_fixtures import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    USER_EMAIL,
    USER_PASSWORD,
    ApiClient,
    api_client,
    module_scoped_app,
)
from tests.plugins.postgres_fixture import PgServer, free_port
from tests.plugins.sshd_fixture import KEY_PASSPHRASE, SshServer
from tests.plugins.waiting import wait_until

app, admin_client = module_scoped_app()


@pytest.fixture
def client(admin_client: ApiClient) -> Iterator[ApiClient]:
    yield admin_client
    for server in admin_client.get("/api/v1/servers").get_json():
        admin_client.delete(f"/api/v1/servers/{server['id']}")
    assert tunnels.registry.open_ports() == []


def tunnel_body(pg: PgServer, sshd: SshServer, *, auth: str = "password", port: int | None = None,
                **extra: Any) -> dict[str, Any]:
    return {"name": f"via-ssh-{auth}", "host": pg.host, "port": port or pg.port, "username": pg.user,
            "ssh_tunnel": {"host": sshd.host, "port": sshd.port, "username": sshd.user, "auth": auth,
                           "keepalive_s": 15}, **extra}


def create(client: ApiClient, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/v1/servers", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def check(client: ApiClient, server_id: int) -> Any:
    return client.post(f"/api/v1/servers/{server_id}/test")


def is_listening(endpoint: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(endpoint, timeout=1):
            return True
    except OSError:
        return False


def test_password_tunnel_trusts_the_host_key_on_first_use(client: ApiClient, pg_server: PgServer,
                                                          sshd: SshServer) -> None:
    server = create(client, tunnel_body(pg_server, sshd, ssh_password=sshd.password))
    assert server["ssh_tunnel"] == {"host": sshd.host, "port": sshd.port, "username": sshd.user,
                                    "auth": "password", "keepalive_s": 15}
    assert server["ssh_secrets"] == ["ssh_password"] and server["ssh_host_key_fingerprint"] is None
    assert sshd.password not in json.dumps(server)
    response = check(client, server["id"])
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["ok"] is True
    assert response.get_json()["ssh_host_key_fingerprint"] == sshd.host_key_fingerprint  # shown on first use
    shown = client.get(f"/api/v1/servers/{server['id']}").get_json()
    assert shown["ssh_host_key_fingerprint"] == sshd.host_key_fingerprint
    assert tunnels.registry.open_ports() == []  # the test's connection closed, and its tunnel with it


def test_key_from_the_file_area_with_its_passphrase(client: ApiClient, pg_server: PgServer, sshd: SshServer) -> None:
    written = client.put("/api/v1/storage/text", json={"path": "/id_ed25519", "text": sshd.key_path.read_text()})
    assert written.status_code in (200, 201), written.get_json()
    server = create(client, tunnel_body(pg_server, sshd, auth="key", ssh_key_file="/id_ed25519",
                                        ssh_passphrase=KEY_PASSPHRASE))
    assert server["ssh_secrets"] == ["ssh_key", "ssh_passphrase"]
    assert check(client, server["id"]).status_code == 200
    # The key is a copy in the vault: the file can go.
    assert client.delete("/api/v1/storage?path=/id_ed25519").status_code == 204
    assert check(client, server["id"]).status_code == 200


def test_pasted_pem_key_and_wrong_passphrase_refused_at_save(client: ApiClient, pg_server: PgServer,
                                                             sshd: SshServer) -> None:
    server = create(client, tunnel_body(pg_server, sshd, auth="key", ssh_key=sshd.rsa_key_path.read_text()))
    assert check(client, server["id"]).status_code == 200
    wrong = client.post("/api/v1/servers", json=tunnel_body(pg_server, sshd, auth="key", name="x",
                                                            ssh_key=sshd.key_path.read_text(),
                                                            ssh_passphrase="not-it"))
    assert wrong.status_code == 400 and wrong.get_json()["error"]["field"] == "ssh_key"
    missing = client.post("/api/v1/servers", json=tunnel_body(pg_server, sshd, auth="key", name="y",
                                                              ssh_key=sshd.key_path.read_text()))
    assert missing.status_code == 400 and "encrypted" in missing.get_json()["error"]["message"]


def test_connections_share_one_tunnel_that_closes_with_the_last(client: ApiClient, pg_server: PgServer,
                                                                sshd: SshServer) -> None:
    server = create(client, tunnel_body(pg_server, sshd, ssh_password=sshd.password))
    tools = []
    for _ in range(2):
        opened = client.post("/api/v1/query-tool", json={"server_id": server["id"]})
        assert opened.status_code == 201, opened.get_json()
        tools.append(opened.get_json()["tx_id"])
    endpoints = tunnels.registry.open_endpoints(server_id=server["id"])
    ports = [port for _, port in endpoints]
    assert len(endpoints) == 1 and is_listening(endpoints[0])
    assert endpoints[0][0] != "127.0.0.1"  # a random loopback address: nothing to find by scanning 127.0.0.1
    result = client.post(f"/api/v1/query-tool/{tools[0]}/execute", json={"sql": "SELECT inet_client_addr()::text"})
    assert result.status_code == 200 and result.get_json()["error"] is None
    assert client.delete(f"/api/v1/query-tool/{tools[0]}").status_code == 204
    assert tunnels.registry.open_ports(server_id=server["id"]) == ports
    assert client.delete(f"/api/v1/query-tool/{tools[1]}").status_code == 204
    assert tunnels.registry.open_ports(server_id=server["id"]) == []
    wait_until(lambda: not is_listening(endpoints[0]), "the tunnel's port to stop listening")


def test_the_pool_janitor_closes_an_idle_tunnel(app: Any, client: ApiClient, pg_server: PgServer,
                                               sshd: SshServer) -> None:
    server = create(client, tunnel_body(pg_server, sshd, ssh_password=sshd.password))
    quick = api_client(create_app({"DATA_DIR": app.config["DATA_DIR"], "SHORT_LIVED_IDLE_SECONDS": 0.3}),
                       ADMIN_EMAIL, ADMIN_PASSWORD)
    assert quick.get(f"/api/v1/servers/{server['id']}/databases").status_code == 200
    wait_until(lambda: tunnels.registry.open_ports(server_id=server["id"]) == [],
               "the idle pooled connection's eviction to close its tunnel")


def test_cancel_reaches_the_server_through_the_tunnel(client: ApiClient, pg_server: PgServer,
                                                     sshd: SshServer) -> None:
    server = create(client, tunnel_body(pg_server, sshd, ssh_password=sshd.password))
    tx_id = client.post("/api/v1/query-tool", json={"server_id": server["id"]}).get_json()["tx_id"]
    base = f"/api/v1/query-tool/{tx_id}"
    running = client.post(f"{base}/execute", json={"sql": "SELECT pg_sleep(60)", "wait_ms": 100})
    assert running.status_code == 202
    assert client.post(f"{base}/cancel").get_json() == {"cancelled": True}  # libpq's cancel: a new forwarded socket
    result = client.get(f"{base}/result?wait_ms=5000")
    assert result.status_code == 200 and result.get_json()["error"]["sqlstate"] == "57014"
    assert client.delete(base).status_code == 204


def test_browsing_holds_the_tunnel_until_the_pool_lets_go(client: ApiClient, app: Any, pg_server: PgServer,
                                                          sshd: SshServer) -> None:
    server = create(client, tunnel_body(pg_server, sshd, ssh_password=sshd.password))
    listed = client.get(f"/api/v1/servers/{server['id']}/databases")
    assert listed.status_code == 200, listed.get_json()
    assert len(tunnels.registry.open_ports(server_id=server["id"])) == 1  # an idle pooled connection holds it
    from pgadmin_lite.connections import short_lived_connections
    short_lived_connections(app).close_server(server["id"])
    assert tunnels.registry.open_ports(server_id=server["id"]) == []


def test_changed_host_key_is_refused_naming_both_fingerprints(client: ApiClient, pg_server: PgServer,
                                                              sshd: SshServer) -> None:
    server = create(client, tunnel_body(pg_server, sshd, ssh_password=sshd.password))
    assert check(client, server["id"]).status_code == 200
    old = sshd.host_key_fingerprint
    sshd.new_host_key()
    new = sshd.host_key_fingerprint
    refused = check(client, server["id"])
    assert refused.status_code == 502
    error = refused.get_json()["error"]
    assert error["code"] == "ssh_host_key_changed"
    assert old in error["message"] and new in error["message"]
    assert (error["trusted"], error["presented"]) == (old, new)
    assert tunnels.registry.open_ports() == []
    forgot = client.delete(f"/api/v1/servers/{server['id']}/ssh-host-key")
    assert forgot.status_code == 204
    assert check(client, server["id"]).status_code == 200
    assert client.get(f"/api/v1/servers/{server['id']}").get_json()["ssh_host_key_fingerprint"] == new


def test_an_unreadable_stored_host_key_is_refused_not_a_crash(client: ApiClient, app: Any, pg_server: PgServer,
                                                               sshd: SshServer) -> None:
    server = create(client, tunnel_body(pg_server, sshd, ssh_password=sshd.password))
    with app.app_context():
        db.session.execute(update(Server).where(Server.id == server["id"]).values(ssh_host_key="ssh-dss AAAA"))
        db.session.commit()
    refused = check(client, server["id"])
    assert refused.status_code == 502 and refused.get_json()["error"]["code"] == "ssh_host_key_changed"
    assert refused.get_json()["error"]["presented"] == sshd.host_key_fingerprint


@pytest.mark.parametrize("failure", ["wrong_password", "unreachable", "forward_refused", "no_secret"])
def test_each_failure_has_its_own_error(client: ApiClient, pg_server: PgServer, sshd: SshServer,
                                        failure: str) -> None:
    body = tunnel_body(pg_server, sshd, ssh_password=sshd.password)
    expected = {"wrong_password": "ssh_auth_refused", "unreachable": "ssh_unreachable",
                "forward_refused": "ssh_forward_refused", "no_secret": "ssh_secret_required"}[failure]
    if failure == "wrong_password":
        body["ssh_password"] = "not-the-password"
    elif failure == "unreachable":
        body["ssh_tunnel"]["port"] = free_port()
    elif failure == "forward_refused":
        body["port"] = free_port()
    else:
        del body["ssh_password"]
    server = create(client, body)
    response = check(client, server["id"])
    assert response.status_code == (400 if failure == "no_secret" else 502), response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == expected, error
    assert sshd.password not in json.dumps(error)
    assert tunnels.registry.open_ports() == []


def test_the_policy_judges_the_bastion(client: ApiClient, pg_server: PgServer, sshd: SshServer) -> None:
    body = tunnel_body(pg_server, sshd, ssh_password=sshd.password)
    body["ssh_tunnel"]["port"] = 21
    refused = client.post("/api/v1/servers", json=body)
    assert refused.status_code == 400
    assert refused.get_json()["error"]["setting"] == "SERVER_ALLOWED_SSH_PORTS"
    body["ssh_tunnel"] = {"host": "169.254.169.254", "port": 22, "username": "u", "auth": "password"}
    refused = client.post("/api/v1/servers", json=body)
    assert refused.status_code == 400 and refused.get_json()["error"]["field"] == "ssh_tunnel.host"
    body["ssh_tunnel"] = {"host": sshd.host, "port": sshd.port, "auth": "password"}
    refused = client.post("/api/v1/servers", json=body)
    assert refused.status_code == 400 and refused.get_json()["error"]["field"] == "ssh_tunnel.username"


def test_a_backup_job_runs_through_the_tunnel_and_releases_it(client: ApiClient, pg_server: PgServer,
                                                              sshd: SshServer) -> None:
    server = create(client, tunnel_body(pg_server, sshd, ssh_password=sshd.password))
    job = run_job(client, server["id"], kind="backup", database="postgres", format="plain",
                  output_path="/via-ssh.sql")
    assert job["output"]["size"] > 0
    log = job_log(client, job["id"])
    assert "hostaddr=127." in log and f"port={pg_server.port} " not in log  # the tunnel's local end
    wait_until(lambda: tunnels.registry.open_ports() == [], "the job's tunnel to close once its worker was reaped")


def test_each_user_of_a_shared_server_brings_their_own_ssh_secret(client: ApiClient, app: Any, pg_server: PgServer,
                                                                  sshd: SshServer) -> None:
    server = create(client, tunnel_body(pg_server, sshd, ssh_password=sshd.password, is_shared=True))
    user = api_client(app, USER_EMAIL, USER_PASSWORD)
    assert user.get(f"/api/v1/servers/{server['id']}").get_json()["ssh_secrets"] == []
    assert check(user, server["id"]).get_json()["error"]["code"] == "ssh_secret_required"
    saved = user.put(f"/api/v1/servers/{server['id']}/credentials", json={"ssh_password": sshd.password})
    assert saved.status_code == 200 and saved.get_json()["ssh_secrets"] == ["ssh_password"]
    assert check(user, server["id"]).status_code == 200
    assert check(client, server["id"]).status_code == 200


def test_another_os_user_cannot_ride_the_tunnel(client: ApiClient, pg_server: PgServer, sshd: SshServer) -> None:
    server = create(client, tunnel_body(pg_server, sshd, ssh_password=sshd.password))
    tx_id = client.post("/api/v1/query-tool", json={"server_id": server["id"]}).get_json()["tx_id"]
    [(address, port)] = tunnels.registry.open_endpoints(server_id=server["id"])
    probe = ("import socket, sys; s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10); "
             "s.sendall(bytes([0, 0, 0, 8, 4, 210, 22, 47])); print(repr(s.recv(1)))")  # PostgreSQL's SSLRequest
    ours = subprocess.run([sys.executable, "-c", probe, address, str(port)], capture_output=True, text=True,
                          check=True)
    assert ours.stdout.strip() in ("b'N'", "b'S'")  # PostgreSQL answered through the tunnel
    theirs = subprocess.run(["/usr/bin/python3", "-c", probe, address, str(port)], capture_output=True, text=True,
                            check=False, user=sshd.user, cwd="/")  # the system Python: ours is under /root
    assert theirs.stdout.strip() == "b''" or "ConnectionResetError" in theirs.stderr, theirs  # closed unanswered
    assert client.delete(f"/api/v1/query-tool/{tx_id}").status_code == 204


def test_concurrent_connects_open_one_tunnel(pg_server: PgServer, sshd: SshServer) -> None:
    """Threads racing to connect through the same spec share one SSH session; it closes after the last one."""
    stored: list[str] = []
    spec = tunnels.TunnelSpec(0, 0, sshd.host, (sshd.host,), sshd.port, sshd.user, pg_server.host, pg_server.port,
                              password=sshd.password, on_new_host_key=lambda key: stored.append(key) or key)
    params = {"host": pg_server.host, "port": pg_server.port, "user": pg_server.user, "dbname": "postgres",
              opening.TUNNEL: spec}
    with ThreadPoolExecutor(8) as pool:
        conns = list(pool.map(lambda _: opening.connect(params, autocommit=True), range(8)))
    try:
        assert len(tunnels.registry.open_ports(user_id=0)) == 1 and len(stored) == 1
        assert all(conn.execute("SELECT 1").fetchone() == (1,) for conn in conns)
        assert len({conn.info.backend_pid for conn in conns}) == 8
    finally:
        for conn in conns[:-1]:
            conn.close()
        assert len(tunnels.registry.open_ports(user_id=0)) == 1
        conns[-1].close()
    assert tunnels.registry.open_ports(user_id=0) == []


def test_a_pgadmin_servers_json_tunnel_with_a_key_from_my_files_connects(client: ApiClient, pg_server: PgServer,
                                                                        sshd: SshServer) -> None:
    """Issue 17's parts meet: pgAdmin's Tunnel* keys and TunnelIdentityFile (read from my area into the vault)."""
    assert client.put("/api/v1/storage/text", json={"path": "/rsa_key", "text": sshd.rsa_key_path.read_text()}
                      ).status_code in (200, 201)
    document = {"Servers": {"1": {
        "Name": "imported-ssh", "Group": "Servers", "Host": pg_server.host, "Port": pg_server.port,
        "MaintenanceDB": "postgres", "Username": pg_server.user, "UseSSHTunnel": 1, "TunnelHost": sshd.host,
        "TunnelPort": sshd.port, "TunnelUsername": sshd.user, "TunnelAuthentication": 1,
        "TunnelIdentityFile": "/rsa_key", "TunnelKeepAlive": 20}}}
    imported = client.post("/api/v1/servers/import", json={"text": json.dumps(document)})
    assert imported.status_code in (200, 201), imported.get_json()
    [server] = [s for s in client.get("/api/v1/servers").get_json() if s["name"] == "imported-ssh"]
    assert server["ssh_tunnel"]["keepalive_s"] == 20 and server["ssh_secrets"] == ["ssh_key"]
    assert check(client, server["id"]).status_code == 200
    exported = client.get("/api/v1/servers/export").get_data(as_text=True)
    assert sshd.rsa_key_path.read_text().splitlines()[1] not in exported  # the key never leaves the vault


def test_a_wrong_database_through_the_tunnel_names_the_servers_own_port(client: ApiClient, pg_server: PgServer,
                                                                       sshd: SshServer) -> None:
    server = create(client, tunnel_body(pg_server, sshd, ssh_password=sshd.password, maintenance_db="no_such_db"))
    failed = check(client, server["id"])
    assert failed.status_code == 502
    assert f"{pg_server.host}:{pg_server.port}/no_such_db" in failed.get_json()["error"]["hint"]


def test_the_bastion_is_judged_again_at_every_connect(client: ApiClient, app: Any, pg_server: PgServer,
                                                      sshd: SshServer) -> None:
    body = tunnel_body(pg_server, sshd, ssh_password=sshd.password)
    body["ssh_tunnel"]["host"] = "localhost"
    server = create(client, body)
    assert check(client, server["id"]).status_code == 200
    stricter = create_app({"DATA_DIR": app.config["DATA_DIR"], "SERVER_DENIED_HOSTS": ["localhost"]})
    refused = check(api_client(stricter, ADMIN_EMAIL, ADMIN_PASSWORD), server["id"])
    assert refused.status_code == 400, refused.get_json()
    error = refused.get_json()["error"]
    assert (error["code"], error["field"], error["setting"]) == ("server_not_allowed", "ssh_tunnel.host",
                                                                 "SERVER_DENIED_HOSTS")


def test_a_dead_ssh_session_is_replaced_for_the_next_connection(client: ApiClient, pg_server: PgServer,
                                                                sshd: SshServer) -> None:
    server = create(client, tunnel_body(pg_server, sshd, ssh_password=sshd.password))
    tx_id = client.post("/api/v1/query-tool", json={"server_id": server["id"]}).get_json()["tx_id"]
    [port] = tunnels.registry.open_ports(server_id=server["id"])
    assert sshd.proc is not None
    sessions = subprocess.run(["pgrep", "-P", str(sshd.proc.pid)], capture_output=True, text=True).stdout.split()
    assert sessions, "no sshd session process to end"
    subprocess.run(["kill", "-TERM", *sessions], check=True)  # what a bastion's restart does to its sessions
    assert check(client, server["id"]).status_code == 200  # a new SSH session behind the same local port
    assert tunnels.registry.open_ports(server_id=server["id"]) == [port]
    client.delete(f"/api/v1/query-tool/{tx_id}")


def test_an_idle_tunnel_sends_keep_alives(client: ApiClient, pg_server: PgServer, sshd: SshServer,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import paramiko

    sent: list[str] = []
    original = paramiko.Transport.global_request

    def recording(transport: paramiko.Transport, kind: str, *args: Any, **kwargs: Any) -> Any:
        sent.append(kind)
        return original(transport, kind, *args, **kwargs)

    monkeypatch.setattr(paramiko.Transport, "global_request", recording)
    body = tunnel_body(pg_server, sshd, ssh_password=sshd.password)
    body["ssh_tunnel"]["keepalive_s"] = 1
    server = create(client, body)
    tx_id = client.post("/api/v1/query-tool", json={"server_id": server["id"]}).get_json()["tx_id"]
    wait_until(lambda: "keepalive@lag.net" in sent, "a keep-alive on the idle SSH session")
    assert client.delete(f"/api/v1/query-tool/{tx_id}").status_code == 204


def test_the_dialogs_test_of_an_unsaved_tunnel_uses_the_typed_secret_and_stores_nothing(
        client: ApiClient, pg_server: PgServer, sshd: SshServer) -> None:
    body = tunnel_body(pg_server, sshd, ssh_password=sshd.password)
    tested = client.post("/api/v1/servers/test", json=body)
    assert tested.status_code == 200, tested.get_json()
    assert tested.get_json()["ssh_host_key_fingerprint"] == sshd.host_key_fingerprint
    assert client.get("/api/v1/servers").get_json() == []
    server = create(client, {**body, "ssh_password": None})  # saved without its secret
    assert server["ssh_host_key_fingerprint"] is None and server["ssh_secrets"] == []
    retested = client.post("/api/v1/servers/test", json={"server_id": server["id"], "ssh_password": sshd.password})
    assert retested.status_code == 200, retested.get_json()
    assert client.get(f"/api/v1/servers/{server['id']}").get_json()["ssh_host_key_fingerprint"] is None


def test_a_read_only_server_behind_a_tunnel_keeps_its_rail(client: ApiClient, pg_server: PgServer,
                                                           sshd: SshServer) -> None:
    server = create(client, tunnel_body(pg_server, sshd, ssh_password=sshd.password, read_only=True))
    tx_id = client.post("/api/v1/query-tool", json={"server_id": server["id"]}).get_json()["tx_id"]
    result = client.post(f"/api/v1/query-tool/{tx_id}/execute", json={"sql": "CREATE TEMP TABLE t (x int)"})
    assert result.get_json()["error"]["sqlstate"] == "25006"  # the setup ran on the tunnelled connection
    assert client.delete(f"/api/v1/query-tool/{tx_id}").status_code == 204


@pytest.mark.parametrize("address", ["tunnel", "127.0.0.1"])
def test_another_console_user_cannot_register_a_tunnels_local_end(client: ApiClient, app: Any, pg_server: PgServer,
                                                                  sshd: SshServer, address: str) -> None:
    """Every console user is the web process's OS user: the policy, not the socket's owner, keeps user B from
    connecting to user A's open tunnel (and through A's SSH session to A's server)."""
    server = create(client, tunnel_body(pg_server, sshd, ssh_password=sshd.password))
    tx_id = client.post("/api/v1/query-tool", json={"server_id": server["id"]}).get_json()["tx_id"]
    [(tunnel_address, port)] = tunnels.registry.open_endpoints(server_id=server["id"])
    other = api_client(app, USER_EMAIL, USER_PASSWORD)
    body = {"host": tunnel_address if address == "tunnel" else address, "port": port, "username": pg_server.user}
    tested = other.post("/api/v1/servers/test", json={"name": "ride", **body})
    assert tested.status_code == 400, tested.get_json()
    assert tested.get_json()["error"]["code"] == "server_not_allowed"
    assert "SSH tunnel of this console" in tested.get_json()["error"]["message"]
    assert client.delete(f"/api/v1/query-tool/{tx_id}").status_code == 204
