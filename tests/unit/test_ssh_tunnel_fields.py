"""The SSH tunnel's pure parts: field validation, the policy on a bastion and a tunnelled server, fingerprints,
and a spec whose text (digested by the short-lived pool) never carries a secret."""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import struct
from pathlib import Path

import pytest

from pgadmin_lite.connections.ssh_forward import is_own_socket
from pgadmin_lite.connections.ssh_keys import fingerprint
from pgadmin_lite.connections.tunnels import TunnelSpec
from pgadmin_lite.errors import BadRequest, ServerNotAllowed
from pgadmin_lite.servers.fields import clean_ssh_tunnel
from pgadmin_lite.servers.policy import HostRules, ServerPolicy, check_bastion, check_tunnel_target

POLICY = ServerPolicy(denied=HostRules.parse("SERVER_DENIED_HOSTS", ["169.254.0.0/16", "metadata"]),
                      allowed=HostRules("SERVER_ALLOWED_HOSTS"), ports=(range(1024, 65536),))


def test_a_tunnel_gets_its_defaults_and_none_is_empty() -> None:
    assert clean_ssh_tunnel(None) == clean_ssh_tunnel({}) == {}
    assert clean_ssh_tunnel({"host": "bastion.example.com", "username": "me", "auth": "key"}) == {
        "host": "bastion.example.com", "port": 22, "username": "me", "auth": "key", "keepalive_s": 30}


@pytest.mark.parametrize(("value", "field"), [
    ({"host": "b", "username": "u"}, "ssh_tunnel.auth"),
    ({"host": "b", "auth": "key"}, "ssh_tunnel.username"),
    ({"host": "/run/sshd", "username": "u", "auth": "key"}, "ssh_tunnel.host"),
    ({"host": "a,b", "username": "u", "auth": "key"}, "ssh_tunnel.host"),
    ({"host": "b", "username": "u", "auth": "agent"}, "ssh_tunnel.auth"),
    ({"host": "b", "username": "u", "auth": "key", "port": 0}, "ssh_tunnel.port"),
    ({"host": "b", "username": "u", "auth": "key", "keepalive_s": -1}, "ssh_tunnel.keepalive_s"),
    ({"host": "b", "username": "u", "auth": "key", "proxy_jump": "x"}, "ssh_tunnel"),
])
def test_bad_tunnels_name_the_field(value: dict[str, object], field: str) -> None:
    with pytest.raises(BadRequest) as caught:
        clean_ssh_tunnel(value)
    assert caught.value.extra["field"] == field


def test_the_bastion_port_faces_its_own_setting() -> None:
    check_bastion(POLICY, "127.0.0.1", 22, {})
    with pytest.raises(ServerNotAllowed) as caught:
        check_bastion(POLICY, "127.0.0.1", 21, {"port": "ssh_tunnel.port"})
    assert caught.value.extra == {"field": "ssh_tunnel.port", "setting": "SERVER_ALLOWED_SSH_PORTS"}
    with pytest.raises(ServerNotAllowed):
        check_bastion(POLICY, "169.254.169.254", 22, {"host": "ssh_tunnel.host"})


def test_a_tunnelled_server_is_judged_by_name_port_and_literal_address_without_resolving() -> None:
    check_tunnel_target(POLICY, "db.internal.invalid", 5432, {})  # only the bastion resolves it
    for host, port in (("metadata", 5432), ("169.254.169.254", 5432), ("db.internal.invalid", 22)):
        with pytest.raises(ServerNotAllowed):
            check_tunnel_target(POLICY, host, port, {})
    with pytest.raises(BadRequest):
        check_tunnel_target(POLICY, "a,b", 5432, {})


def test_fingerprint_is_openssh_sha256() -> None:
    blob = b"\x00\x00\x00\x0bssh-ed25519" + bytes(36)
    expected = "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    assert fingerprint(f"ssh-ed25519 {base64.b64encode(blob).decode()}") == expected
    assert fingerprint("garbage") == "SHA256:(unreadable key)"


def test_a_specs_text_is_stable_and_secret_free() -> None:
    def spec(password: str, host_key: str | None) -> TunnelSpec:
        return TunnelSpec(1, 2, "b", ("127.0.0.1",), 22, "u", "db", 5432, password=password, host_key=host_key,
                          on_new_host_key=lambda key: key)
    first, trusted = spec("hunter2", None), spec("hunter2", "ssh-ed25519 AAAA")
    assert "hunter2" not in repr(first) and repr(first) == repr(trusted) and first == trusted  # one tunnel
    assert repr(spec("other", None)) != repr(first) and spec("other", None) != first


def test_the_socket_table_names_the_connecting_sockets_owner(tmp_path: Path) -> None:
    """/proc/net/tcp lists 127.0.0.1:40000 -> :5000 as ours and 127.0.0.1:40001 -> :5000 as uid 12345's."""
    local = f"{struct.unpack('=I', socket.inet_aton('127.0.0.1'))[0]:08X}"
    table = tmp_path / "tcp"
    table.write_text(
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
        f"   0: {local}:9C40 {local}:1388 01 00000000:00000000 00:00000000 00000000 {os.geteuid():5d} 0 1 1\n"
        f"   1: {local}:9C41 {local}:1388 01 00000000:00000000 00:00000000 00000000 12345 0 2 1\n")
    assert is_own_socket(("127.0.0.1", 40000), 5000, str(table))
    assert not is_own_socket(("127.0.0.1", 40001), 5000, str(table))
    assert not is_own_socket(("127.0.0.1", 40002), 5000, str(table))  # gone already: refused
    assert is_own_socket(("127.0.0.1", 40002), 5000, str(tmp_path / "absent"))  # no table (not Linux): allowed
