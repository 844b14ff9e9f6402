"""Which hosts, ports and TLS files a server may name: one pure check, at registration and at every connect.

Flask-free and database-free, so whoever opens a connection can call pin_connect_params with the policy built
from the settings: it checks every address a host resolves to and pins them with libpq's hostaddr, so libpq
connects to the very addresses that were checked and never resolves the name again (DNS rebinding).
Nothing here connects or touches the file system: a refusal reveals neither reachability nor file existence.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pgadmin_lite.connections import tunnels
from pgadmin_lite.connections.private_files import PrivateText
from pgadmin_lite.errors import BadRequest, ConfigError, ServerNotAllowed, ServerUnreachable

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# libpq parameters naming files on the web host (passfile and service are never accepted from users at all).
TLS_FILE_PARAMS = ("sslrootcert", "sslcert", "sslkey", "sslcrl", "sslcrldir")
SYSTEM_ROOT_CERT = "system"  # sslrootcert=system: the operating system's CAs, not a path
# "This host" (RFC 1122): connecting to 0.0.0.0 or :: reaches the web host itself, so no list can allow it.
THIS_HOST = (ipaddress.ip_network("0.0.0.0/8"), ipaddress.ip_network("::/128"))
DEFAULT_PORT = 5432
_NAME = re.compile(r"\.?[a-z0-9_-]+(\.[a-z0-9_-]+)*")
_PORTS = re.compile(r"(\d+)(?:-(\d+))?")


def _address(text: str) -> Address:
    """An address as the kernel routes it: an IPv4-mapped IPv6 address is its IPv4 address."""
    address = ipaddress.ip_address(text)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _host_name(host: str) -> str:
    return host.strip().lower().removesuffix(".")


@dataclass(frozen=True)
class HostRules:
    """One host list: networks, and names (an entry ".corp.example" also matches every name under it)."""

    setting: str
    networks: tuple[Network, ...] = ()
    names: tuple[str, ...] = ()

    @classmethod
    def parse(cls, setting: str, entries: Iterable[Any]) -> HostRules:
        networks: list[Network] = []
        names: list[str] = []
        for entry in entries:
            text = entry.strip() if isinstance(entry, str) else ""
            try:
                networks.append(ipaddress.ip_network(text, strict=False))
                continue
            except ValueError:
                pass
            if not _NAME.fullmatch(_host_name(text)):
                raise ConfigError(f"{setting}: {entry!r} is neither an IP address, a network such as 10.0.0.0/8, "
                                  "nor a host name (.example.com matches every name under it).")
            names.append(_host_name(text))
        return cls(setting, tuple(networks), tuple(names))

    def __bool__(self) -> bool:
        return bool(self.networks or self.names)

    def has_name(self, host: str) -> bool:
        name = _host_name(host)
        return any(name == entry or (entry.startswith(".") and name.endswith(entry)) for entry in self.names)

    def has_address(self, address: Address) -> bool:
        return any(address in network for network in self.networks)


def _parse_ports(entries: Iterable[Any], setting: str = "SERVER_ALLOWED_PORTS") -> tuple[range, ...]:
    """SERVER_ALLOWED_PORTS (or SERVER_ALLOWED_SSH_PORTS): ports and inclusive ranges such as 5432 or "6000-6010"."""
    ranges = []
    for entry in entries:
        match = _PORTS.fullmatch(str(entry).strip()) if isinstance(entry, int | str) else None
        low, high = (int(match.group(1)), int(match.group(2) or match.group(1))) if match else (0, 0)
        if not 1 <= low <= high <= 65535:
            raise ConfigError(f"{setting}: {entry!r} is not a port or a range such as \"5432-5439\" "
                              "within 1-65535.")
        ranges.append(range(low, high + 1))
    if not ranges:
        raise ConfigError(f'{setting} is empty, so no server could be used; "1-65535" allows every port.')
    return tuple(ranges)


def _parse_paths(entries: Iterable[Any]) -> tuple[str, ...]:
    paths = tuple(entries)
    for path in paths:
        if not isinstance(path, str) or not path.startswith("/") or "/../" in f"{path}/" or "/./" in f"{path}/":
            raise ConfigError(f"SERVER_TRUSTED_TLS_PATHS: {path!r} must be an absolute path without . or .. "
                              "(a trailing / trusts the files under that directory).")
    return paths


def _refusal(label: str, what: str, setting: str, change: str) -> ServerNotAllowed:
    return ServerNotAllowed(f"{label} {what} (server policy: {setting}).", field=label, setting=setting,
                            hint=f"An administrator can {change} in config_local.py.")


@dataclass(frozen=True)
class ServerPolicy:
    """The administrator's rules for the hosts, ports and TLS files a registered server may point at."""

    denied: HostRules
    allowed: HostRules
    ports: tuple[range, ...] = (range(1, 65536),)
    allow_socket_hosts: bool = False
    trusted_tls_paths: tuple[str, ...] = ()
    ssh_ports: tuple[range, ...] = (range(22, 23), range(1024, 65536))  # an SSH tunnel's bastion

    @classmethod
    def from_settings(cls, config: Mapping[str, Any]) -> ServerPolicy:
        """The policy the SERVER_* settings describe; a malformed entry is a ConfigError naming it."""
        return cls(denied=HostRules.parse("SERVER_DENIED_HOSTS", config["SERVER_DENIED_HOSTS"]),
                   allowed=HostRules.parse("SERVER_ALLOWED_HOSTS", config["SERVER_ALLOWED_HOSTS"]),
                   ports=_parse_ports(config["SERVER_ALLOWED_PORTS"]),
                   allow_socket_hosts=bool(config["SERVER_ALLOW_SOCKET_HOSTS"]),
                   trusted_tls_paths=_parse_paths(config["SERVER_TRUSTED_TLS_PATHS"]),
                   ssh_ports=_parse_ports(config.get("SERVER_ALLOWED_SSH_PORTS", [22, "1024-65535"]),
                                          "SERVER_ALLOWED_SSH_PORTS"))

    def check_port(self, port: int, label: str) -> None:
        if not any(port in allowed for allowed in self.ports):
            raise _refusal(label, f"{port} is not an allowed port", "SERVER_ALLOWED_PORTS",
                           "allow more ports with SERVER_ALLOWED_PORTS")

    def check_name(self, host: str, label: str) -> None:
        """A name the deny list names is refused before any look-up, unless the allow list names it."""
        if self.denied.has_name(host) and not self.allowed.has_name(host):
            raise _refusal(label, f"{host} is refused", "SERVER_DENIED_HOSTS",
                           "change SERVER_DENIED_HOSTS (or list the host in SERVER_ALLOWED_HOSTS)")

    def check_address(self, host: str, address: Address, label: str, *, is_literal: bool) -> None:
        """One address host resolved to (or is); the message never says which one, nor whether it answers."""
        if any(address in network for network in THIS_HOST):
            raise ServerNotAllowed(f"{label} {host} means this web server itself, not a database server.",
                                   field=label, hint="Use the database server's own address (127.0.0.1 for "
                                                     "a server on the same host).")
        subject = host if is_literal else f"{host} resolves to an address that"
        if self.allowed:
            if not (self.allowed.has_name(host) or self.allowed.has_address(address)):
                raise _refusal(label, f"{subject} is not allowed", "SERVER_ALLOWED_HOSTS",
                               "add it to SERVER_ALLOWED_HOSTS")
        elif self.denied.has_address(address):
            raise _refusal(label, f"{subject} is refused", "SERVER_DENIED_HOSTS",
                           "change SERVER_DENIED_HOSTS (or list the host in SERVER_ALLOWED_HOSTS)")

    def check_socket(self, host: str, label: str) -> None:
        if not self.allow_socket_hosts:
            what = f"{host!r} is a Unix socket" if host else "has an empty entry, which libpq takes as its Unix socket"
            raise _refusal(label, f"{what}; servers are reached over TCP",
                           "SERVER_ALLOW_SOCKET_HOSTS", "allow socket hosts with SERVER_ALLOW_SOCKET_HOSTS = True")

    def is_trusted_path(self, path: str) -> bool:
        """A string comparison only: the file system is never asked, so the answer reveals nothing about it."""
        if path in self.trusted_tls_paths:
            return True
        return any(entry.endswith("/") and path.startswith(entry)
                   and all(part not in ("", ".", "..") for part in path[len(entry):].split("/"))
                   for entry in self.trusted_tls_paths)

    def check_tls_paths(self, params: Mapping[str, Any], labels: Mapping[str, str]) -> None:
        for name in TLS_FILE_PARAMS:
            value = params.get(name)
            if value in (None, "") or isinstance(value, PrivateText) or (
                    name == "sslrootcert" and value == SYSTEM_ROOT_CERT):
                continue  # PrivateText: a file the user picked or uploaded, written privately at connect
            if not isinstance(value, str) or not self.is_trusted_path(value):
                label = _label(labels, name)
                raise ServerNotAllowed(
                    f"{label} names a file on the web server; TLS files are chosen from your file area, "
                    "not given as paths (server policy: SERVER_TRUSTED_TLS_PATHS).", field=label,
                    setting="SERVER_TRUSTED_TLS_PATHS",
                    hint="Leave it unset and pick or upload the file instead (the server dialog's TLS section; "
                         "tls_files and tls_client in the API); an administrator can list trusted system paths "
                         "in SERVER_TRUSTED_TLS_PATHS in config_local.py.")


def _label(labels: Mapping[str, str], name: str) -> str:
    """The name a message uses for host, port or a libpq parameter (the API's, or servers.json's keys)."""
    if name in ("host", "port"):
        return labels.get(name, name)
    return f"{labels.get('connect_params', 'connect_params')}.{name}"


def is_socket_host(host: str) -> bool:
    """As libpq decides: a path, an abstract socket (@name), or an empty entry (the default socket directory)."""
    return not host or host[0] in "/@"


def _host_entries(params: Mapping[str, Any], labels: Mapping[str, str]) -> list[tuple[str, str | None]]:
    """(host, its hostaddr or None) for each entry of libpq's comma-separated host list."""
    hosts = str(params.get("host") or "").split(",")
    hostaddr = str(params.get("hostaddr") or "")
    if not hostaddr:
        return [(host, None) for host in hosts]
    addresses = hostaddr.split(",")
    if len(addresses) != len(hosts):
        label = _label(labels, "hostaddr")
        raise BadRequest(f"{label} must list one address per host ({len(hosts)}).", field=label)
    return [(host, address.strip() or None) for host, address in zip(hosts, addresses, strict=True)]


def _resolve(host: str, port: int, *, is_strict: bool) -> list[str]:
    """Every address libpq would try for host, in its order; a name that does not resolve is [] unless strict."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        if not is_strict:
            return []
        raise ServerUnreachable(f'could not translate host name "{host}" to address: '
                                f"{getattr(exc, 'strerror', None) or exc}",
                                hint="Check the server's host name.") from None
    found = [f"{info[4][0]}%{info[4][3]}" if len(info[4]) > 3 and info[4][3] else str(info[4][0]) for info in infos]
    return list(dict.fromkeys(found))


def _port(params: Mapping[str, Any], labels: Mapping[str, str]) -> int:
    try:
        return int(params.get("port") or DEFAULT_PORT)
    except (TypeError, ValueError):
        raise BadRequest(f"{_label(labels, 'port')} must be one port number.", field=_label(labels, "port")) from None


def _checked_targets(params: Mapping[str, Any], policy: ServerPolicy, labels: Mapping[str, str], *,
                     is_strict: bool) -> tuple[list[str], list[str]]:
    """(host, hostaddr) lists of equal length, one pair per checked address ("" hostaddr for a socket host)."""
    port = _port(params, labels)
    policy.check_port(port, _label(labels, "port"))
    policy.check_tls_paths(params, labels)
    hosts: list[str] = []
    addresses: list[str] = []
    for host, given in _host_entries(params, labels):
        label = _label(labels, "host" if given is None else "hostaddr")
        if given is None and is_socket_host(host):
            policy.check_socket(host, label)
            hosts.append(host)
            addresses.append("")
            continue
        policy.check_name(host, _label(labels, "host"))
        found = [given] if given is not None else _resolve(host, port, is_strict=is_strict)
        for text in found:
            policy.check_address(given or host, _address(text), label, is_literal=given is not None or _is_ip(host))
            hosts.append(host)
            addresses.append(text)
    return hosts, addresses


def _is_ip(host: str) -> bool:
    """host is written as a standard IP address (not a name, nor a form such as 2852039166 that libc also reads)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def pin_connect_params(params: Mapping[str, Any], policy: ServerPolicy) -> dict[str, Any]:
    """Check params (host, port, hostaddr, TLS paths) and return a copy whose hostaddr pins every checked address.

    A name that resolves to several addresses becomes one host entry per address (libpq tries them in turn,
    as it would have); a socket host keeps an empty hostaddr. Raises ServerNotAllowed (400, naming the setting)
    or ServerUnreachable when a name does not resolve; never connects.
    """
    hosts, addresses = _checked_targets(params, policy, {}, is_strict=True)
    port = _port(params, {})
    if any(tunnels.registry.is_endpoint(address, port) for address in addresses):
        raise ServerNotAllowed(f"Port {port} on this host is an SSH tunnel of this console, not a server.",
                               field="port", hint="Register the server behind the tunnel with its own SSH tunnel.")
    pinned = {**params, "host": ",".join(hosts)}
    pinned.pop("hostaddr", None)
    if any(addresses):
        pinned["hostaddr"] = ",".join(addresses)
    return pinned


def check_registration(policy: ServerPolicy, host: str, port: int, connect_params: Mapping[str, Any],
                       labels: Mapping[str, str] | None = None) -> None:
    """Refuse a registration the policy forbids; a name that does not resolve yet passes (connecting checks it)."""
    _checked_targets({**connect_params, "host": host, "port": port}, policy, labels or {}, is_strict=False)


def check_tunnel_target(policy: ServerPolicy, host: str, port: int, connect_params: Mapping[str, Any]) -> None:
    """A server reached through an SSH tunnel: the bastion resolves its name, so the web host never does; its
    port, TLS paths, name and (when written as one) IP address face the same lists as a direct server's."""
    labels: dict[str, str] = {}
    policy.check_port(_port({"port": port}, labels), "port")
    policy.check_tls_paths(connect_params, labels)
    if is_socket_host(host) or "," in host:
        raise BadRequest("host must be one host name or IP address when the server is reached through an SSH "
                         "tunnel.", field="host")
    policy.check_name(host, "host")
    if _is_ip(host):
        policy.check_address(host, _address(host), "host", is_literal=True)


def _bastion_policy(policy: ServerPolicy, port: int, label: str) -> ServerPolicy:
    """The policy for an SSH bastion: its port faces SERVER_ALLOWED_SSH_PORTS, its host the same host lists."""
    if not any(port in allowed for allowed in policy.ssh_ports):
        raise _refusal(label, f"{port} is not an allowed SSH port", "SERVER_ALLOWED_SSH_PORTS",
                       "allow more SSH ports with SERVER_ALLOWED_SSH_PORTS")
    return dataclasses.replace(policy, ports=(range(1, 65536),), allow_socket_hosts=False)


def check_bastion(policy: ServerPolicy, host: str, port: int, labels: Mapping[str, str]) -> None:
    """Refuse a bastion the policy forbids; a name that does not resolve yet passes (connecting checks it)."""
    _checked_targets({"host": host, "port": port}, _bastion_policy(policy, port, _label(labels, "port")), labels,
                     is_strict=False)


def pin_bastion(policy: ServerPolicy, host: str, port: int) -> list[str]:
    """The bastion's addresses the policy allows, to connect to exactly those (as pin_connect_params does)."""
    labels = {"host": "ssh_tunnel.host", "port": "ssh_tunnel.port"}
    _, addresses = _checked_targets({"host": host, "port": port}, _bastion_policy(policy, port, labels["port"]),
                                    labels, is_strict=True)
    return addresses
