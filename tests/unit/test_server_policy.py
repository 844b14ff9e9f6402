"""The server policy as a pure function: networks (IPv4, IPv6, mapped), names, ports, sockets, TLS paths, pinning."""

from __future__ import annotations

import re
import socket
from typing import Any

import pytest

from pgadmin_lite.errors import BadRequest, ConfigError, ServerNotAllowed, ServerUnreachable
from pgadmin_lite.servers.policy import ServerPolicy, check_registration, pin_connect_params
from pgadmin_lite.settings import load_settings

DEFAULTS = load_settings(environ={})


def policy(**settings: Any) -> ServerPolicy:
    return ServerPolicy.from_settings({**DEFAULTS, **{f"SERVER_{k.upper()}": v for k, v in settings.items()}})


def refusal(params: dict[str, Any], rules: ServerPolicy | None = None) -> ServerNotAllowed:
    with pytest.raises(ServerNotAllowed) as caught:
        pin_connect_params({"port": 5432, **params}, rules or policy())
    return caught.value


def localhost_addresses() -> list[str]:
    return list(dict.fromkeys(str(info[4][0]) for info in socket.getaddrinfo("localhost", 5432,
                                                                              type=socket.SOCK_STREAM)))


# --- Addresses and networks -----------------------------------------------------------------------------------

@pytest.mark.parametrize("host", [
    "169.254.169.254", "169.254.0.1", "169.254.255.255", "169.254.170.2",  # metadata, ECS, all of link-local
    "2852039166", "0xa9.0xfe.0xa9.0xfe", "169.254.43518",  # other spellings libc resolves to 169.254.169.254
    "::ffff:169.254.169.254",  # IPv4-mapped IPv6 reaches the IPv4 address
    "fe80::1", "fe80::1%1", "febf:ffff::1",  # IPv6 link-local, with a zone too
    "fd00:ec2::254", "fd00:ec2::23", "fd20:ce::254", "100.100.100.200", "168.63.129.16",
])
def test_default_denies_link_local_and_metadata_addresses(host: str) -> None:
    error = refusal({"host": host})
    assert error.extra == {"field": "host", "setting": "SERVER_DENIED_HOSTS"}
    assert "SERVER_DENIED_HOSTS" in error.message and "config_local.py" in (error.hint or "")


@pytest.mark.parametrize("host", ["169.253.255.255", "169.255.0.0", "fec0::1", "10.0.0.7", "192.168.1.10",
                                  "2001:db8::1"])
def test_default_allows_neighbours_of_the_denied_networks(host: str) -> None:
    assert pin_connect_params({"host": host, "port": 5432}, policy())["hostaddr"] == host


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1.2.3", "::1"])
def test_loopback_is_allowed_by_default_and_pinned(host: str) -> None:
    pinned = pin_connect_params({"host": host, "port": 5432, "sslmode": "prefer"}, policy())
    assert pinned == {"host": host, "port": 5432, "sslmode": "prefer", "hostaddr": host}


def test_an_administrator_can_deny_loopback() -> None:
    rules = policy(denied_hosts=[*DEFAULTS["SERVER_DENIED_HOSTS"], "127.0.0.0/8", "::1"])
    assert refusal({"host": "127.0.0.1"}, rules).message == \
        "host 127.0.0.1 is refused (server policy: SERVER_DENIED_HOSTS)."
    assert refusal({"host": "::1"}, rules).extra["setting"] == "SERVER_DENIED_HOSTS"


@pytest.mark.parametrize("host", ["0.0.0.0", "0", "0.1.2.3", "::"])  # noqa: S104 (addresses, not binds)
def test_this_host_is_refused_whatever_the_lists_say(host: str) -> None:
    rules = policy(denied_hosts=[], allowed_hosts=["0.0.0.0/0", "::/0"])
    assert "this web server itself" in refusal({"host": host}, rules).message


# --- Names ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("host", ["metadata.google.internal", "METADATA.google.internal.", "metadata",
                                  "instance-data.ec2.internal"])
def test_metadata_names_are_refused_before_any_look_up(host: str) -> None:
    assert refusal({"host": host}).message == f"host {host} is refused (server policy: SERVER_DENIED_HOSTS)."


def test_a_name_is_judged_by_every_address_it_resolves_to_and_pinned_to_them() -> None:
    addresses = localhost_addresses()
    pinned = pin_connect_params({"host": "localhost", "port": 5432}, policy())
    assert pinned["host"] == ",".join(["localhost"] * len(addresses)) and pinned["hostaddr"] == ",".join(addresses)
    rules = policy(denied_hosts=["127.0.0.0/8", "::1"])
    error = refusal({"host": "localhost"}, rules)
    assert error.message == ("host localhost resolves to an address that is refused "
                             "(server policy: SERVER_DENIED_HOSTS).")
    assert not any(address in error.message for address in addresses)  # what a name resolves to is not told


def test_suffix_entries_match_names_under_them() -> None:
    rules = policy(denied_hosts=[".internal"])
    assert refusal({"host": "db.corp.internal"}, rules).extra["setting"] == "SERVER_DENIED_HOSTS"
    with pytest.raises(ServerUnreachable):  # not denied by name: it is resolved (and does not resolve here)
        pin_connect_params({"host": "internal-db.invalid", "port": 5432}, rules)


def test_a_name_that_does_not_resolve_passes_registration_but_is_never_connected_unpinned() -> None:
    check_registration(policy(), "db.invalid", 5432, {})
    with pytest.raises(ServerUnreachable) as caught:
        pin_connect_params({"host": "db.invalid", "port": 5432}, policy())
    assert 'could not translate host name "db.invalid"' in caught.value.message


# --- The allow list -------------------------------------------------------------------------------------------

def test_an_allow_list_allows_only_what_it_names_even_if_denied() -> None:
    rules = policy(allowed_hosts=["169.254.169.254", "10.0.0.0/8", "localhost"])
    assert pin_connect_params({"host": "169.254.169.254", "port": 5432}, rules)["hostaddr"] == "169.254.169.254"
    assert pin_connect_params({"host": "10.1.2.3", "port": 5432}, rules)["hostaddr"] == "10.1.2.3"
    assert pin_connect_params({"host": "localhost", "port": 5432}, rules)["host"].startswith("localhost")
    for host in ("169.254.169.253", "192.168.0.1", "::1"):
        assert refusal({"host": host}, rules).extra["setting"] == "SERVER_ALLOWED_HOSTS"
    assert refusal({"host": "metadata.google.internal"}, rules).extra["setting"] == "SERVER_DENIED_HOSTS"


def test_an_allowed_name_does_not_cover_a_hostaddr_the_user_gives() -> None:
    rules = policy(allowed_hosts=["db.example.com", "10.0.0.0/8"])
    params = {"host": "db.example.com", "port": 5432}
    assert pin_connect_params({**params, "hostaddr": "10.0.0.5"}, rules)["hostaddr"] == "10.0.0.5"
    assert refusal({**params, "hostaddr": "192.168.0.5"}, rules).extra["field"] == "connect_params.hostaddr"


# --- hostaddr, host lists and sockets -------------------------------------------------------------------------

def test_a_given_hostaddr_is_what_is_checked_and_kept() -> None:
    error = refusal({"host": "db.example.com", "hostaddr": "169.254.169.254"})
    assert error.extra["field"] == "connect_params.hostaddr"
    with pytest.raises(BadRequest, match="one address per host"):
        pin_connect_params({"host": "a,b", "hostaddr": "10.0.0.1", "port": 5432}, policy())


def test_every_entry_of_a_host_list_is_checked() -> None:
    assert pin_connect_params({"host": "10.0.0.1,127.0.0.1", "port": 5432}, policy())["hostaddr"] == \
        "10.0.0.1,127.0.0.1"
    assert refusal({"host": "10.0.0.1,169.254.169.254"}).extra["setting"] == "SERVER_DENIED_HOSTS"


@pytest.mark.parametrize("host", ["/var/run/postgresql", "@abstract", "", "127.0.0.1,", "/tmp,127.0.0.1"])
def test_socket_hosts_are_refused_unless_switched_on(host: str) -> None:
    assert refusal({"host": host}).extra == {"field": "host", "setting": "SERVER_ALLOW_SOCKET_HOSTS"}


def test_switched_on_sockets_keep_an_empty_hostaddr() -> None:
    rules = policy(allow_socket_hosts=True)
    assert pin_connect_params({"host": "/run/postgresql", "port": 5432, "hostaddr": "1.2.3.4"}, rules) == {
        "host": "/run/postgresql", "port": 5432, "hostaddr": "1.2.3.4"}  # libpq then uses TCP to that address
    assert "hostaddr" not in pin_connect_params({"host": "/run/postgresql", "port": 5432}, rules)
    assert pin_connect_params({"host": "/run/postgresql,127.0.0.1", "port": 5432}, rules)["hostaddr"] == ",127.0.0.1"


# --- Ports ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("port", "is_allowed"), [(22, False), (1023, False), (1024, True), (5432, True),
                                                  (65535, True)])
def test_default_ports(port: int, is_allowed: bool) -> None:
    params = {"host": "127.0.0.1", "port": port}
    if is_allowed:
        assert pin_connect_params(params, policy())["port"] == port
    else:
        assert refusal(params).extra == {"field": "port", "setting": "SERVER_ALLOWED_PORTS"}


def test_port_ranges_and_single_ports() -> None:
    rules = policy(allowed_ports=[5432, "6432", "7000-7002"])
    for port in (5432, 6432, 7000, 7002):
        pin_connect_params({"host": "127.0.0.1", "port": port}, rules)
    for port in (5433, 6999, 7003):
        assert refusal({"host": "127.0.0.1", "port": port}, rules).extra["setting"] == "SERVER_ALLOWED_PORTS"


# --- TLS file paths -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["sslrootcert", "sslcert", "sslkey", "sslcrl", "sslcrldir"])
def test_tls_paths_are_refused_unless_trusted(name: str) -> None:
    error = refusal({"host": "127.0.0.1", name: "/etc/hostname"})
    assert error.extra == {"field": f"connect_params.{name}", "setting": "SERVER_TRUSTED_TLS_PATHS"}
    rules = policy(trusted_tls_paths=["/etc/hostname"])
    assert pin_connect_params({"host": "127.0.0.1", "port": 5432, name: "/etc/hostname"}, rules)[name] == \
        "/etc/hostname"


def test_a_trusted_directory_covers_plain_paths_under_it_only() -> None:
    rules = policy(trusted_tls_paths=["/etc/pgadmin/tls/"])
    pin_connect_params({"host": "127.0.0.1", "port": 5432, "sslrootcert": "/etc/pgadmin/tls/ca.pem"}, rules)
    for path in ("/etc/pgadmin/tls/../../shadow", "/etc/pgadmin/tls//ca.pem", "/etc/pgadmin/tls/./ca.pem",
                 "/etc/pgadmin/tlsx/ca.pem", "/etc/pgadmin/tls", "relative/ca.pem"):
        refusal({"host": "127.0.0.1", "sslrootcert": path}, rules)


def test_the_system_ca_keyword_is_no_path() -> None:
    assert pin_connect_params({"host": "127.0.0.1", "port": 5432, "sslrootcert": "system"}, policy())


def test_registration_labels_follow_the_caller() -> None:
    labels = {"host": "Host", "port": "Port", "connect_params": "ConnectionParameters"}
    with pytest.raises(ServerNotAllowed) as caught:
        check_registration(policy(), "127.0.0.1", 5432, {"sslcert": "/x"}, labels)
    assert caught.value.message.startswith("ConnectionParameters.sslcert names a file on the web server")


# --- Settings -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("setting", "value", "message"), [
    ("denied_hosts", ["not a host"], "SERVER_DENIED_HOSTS: 'not a host' is neither"),
    ("allowed_hosts", [5], "SERVER_ALLOWED_HOSTS: 5 is neither"),
    ("allowed_ports", ["0-10"], "SERVER_ALLOWED_PORTS: '0-10' is not a port"),
    ("allowed_ports", ["6000-5000"], "SERVER_ALLOWED_PORTS: '6000-5000'"),
    ("allowed_ports", [], "SERVER_ALLOWED_PORTS is empty"),
    ("trusted_tls_paths", ["certs/ca.pem"], "SERVER_TRUSTED_TLS_PATHS: 'certs/ca.pem' must be an absolute path"),
    ("trusted_tls_paths", ["/etc/../root/"], "SERVER_TRUSTED_TLS_PATHS: '/etc/../root/'"),
])
def test_malformed_settings_are_config_errors_naming_the_entry(setting: str, value: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        policy(**{setting: value})
