"""SSH tunnels: what one is (a spec) and the process's registry of open ones (ssh_forward.py runs them).

One tunnel per user, server and tunnel settings, shared by all of that user's connections to the server:
each connection holds a lease, and the tunnel (listener and SSH session) closes when its last lease is
released. Every lease checks afresh that the bastion forwards to the server, so a refusal is reported as
such and not as libpq's "server closed the connection". The bastion's host key is trusted on first use
(the caller stores it); a changed key is refused before any secret is sent. Secrets never reach a message.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # paramiko loads with the first tunnel (ssh_forward), not with the app
    from pgadmin_lite.connections.ssh_forward import Tunnel

LOCAL_HOST = "127.0.0.1"


def listener_address() -> str:
    """A random loopback address for a tunnel's listener (Linux routes all of 127.0.0.0/8 to lo): another console
    user cannot find a tunnel by scanning 127.0.0.1's ports, and the server policy refuses the ones it knows."""
    return "127." + ".".join(str(secrets.randbelow(254) + 1) for _ in range(3))


@dataclass(frozen=True)
class TunnelSpec:
    """Where and how to tunnel; equal specs share one tunnel (the stored host key and callback are not compared)."""

    user_id: int
    server_id: int
    bastion: str  # as registered, for messages
    addresses: tuple[str, ...]  # the bastion's addresses the server policy checked, tried in turn
    port: int
    username: str
    target_host: str  # resolved by the bastion
    target_port: int
    password: str | None = field(default=None, repr=False)
    private_key: str | None = field(default=None, repr=False)
    passphrase: str | None = field(default=None, repr=False)
    keepalive_s: int = 0
    timeout_s: float = field(default=10.0, compare=False)
    host_key: str | None = field(default=None, compare=False, repr=False)  # "<type> <base64>"; None: trust on first use
    on_new_host_key: Callable[[str], str] | None = field(default=None, compare=False, repr=False)

    def __repr__(self) -> str:
        """Stable and secret-free (the short-lived pool digests parameters through it)."""
        digest = hashlib.sha256(repr((self.password, self.private_key, self.passphrase)).encode()).hexdigest()[:16]
        return (f"TunnelSpec(ssh://{self.username}@{self.bastion}:{self.port} -> {self.target_host}:"
                f"{self.target_port}, user {self.user_id}, server {self.server_id}, secrets {digest})")

    @property
    def label(self) -> str:
        return f"{self.username}@{self.bastion}:{self.port}"


class Lease:
    """One connection's hold on a tunnel; release is idempotent and thread-safe."""

    def __init__(self, registry: TunnelRegistry, tunnel: Tunnel) -> None:
        self._registry = registry
        self._tunnel: Tunnel | None = tunnel
        self.address, self.port = tunnel.address, tunnel.port
        self._lock = threading.Lock()

    def release(self) -> None:
        with self._lock:
            tunnel, self._tunnel = self._tunnel, None
        if tunnel is not None:
            self._registry.release(tunnel)


class TunnelRegistry:
    """The process's tunnels by spec, each counting its leases."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tunnels: dict[TunnelSpec, Tunnel] = {}
        self._pid = os.getpid()

    def _after_fork(self) -> None:
        """A forked child inherits the parent's tunnels without their threads: they are not its to use."""
        if self._pid != os.getpid():
            self._pid, self._tunnels = os.getpid(), {}

    def acquire(self, spec: TunnelSpec) -> Lease:
        """A lease on the spec's tunnel (opened if needed) with a channel to the server checked for it."""
        with self._lock:
            self._after_fork()
            tunnel = self._tunnels.get(spec)
            if tunnel is None:
                from pgadmin_lite.connections.ssh_forward import Tunnel
                tunnel = self._tunnels[spec] = Tunnel(spec)
            tunnel.leases += 1
        lease = Lease(self, tunnel)
        try:
            tunnel.prepare()
        except BaseException:
            lease.release()
            raise
        return lease

    def release(self, tunnel: Tunnel) -> None:
        with self._lock:
            tunnel.leases -= 1
            if tunnel.leases > 0:
                return
            if self._tunnels.get(tunnel.spec) is tunnel:
                del self._tunnels[tunnel.spec]
        tunnel.close()

    def is_endpoint(self, address: str, port: int) -> bool:
        """Whether address:port is a loopback address on one of the open tunnels' ports: a registration naming
        it would ride another user's tunnel past the bastion."""
        try:
            is_loopback = ipaddress.ip_address(address).is_loopback
        except ValueError:
            return False
        with self._lock:
            return is_loopback and any(tunnel.port == port for tunnel in self._tunnels.values())

    def open_endpoints(self, user_id: int | None = None, server_id: int | None = None) -> list[tuple[str, int]]:
        """The local (address, port) of the open tunnels (for tests and diagnostics)."""
        with self._lock:
            return [(tunnel.address, tunnel.port) for spec, tunnel in self._tunnels.items()
                    if user_id in (None, spec.user_id) and server_id in (None, spec.server_id)]

    def open_ports(self, user_id: int | None = None, server_id: int | None = None) -> list[int]:
        """The local ports of the open tunnels."""
        return [port for _, port in self.open_endpoints(user_id, server_id)]

    def close_all(self) -> None:
        with self._lock:
            tunnels, self._tunnels = list(self._tunnels.values()), {}
        for tunnel in tunnels:
            tunnel.close()


registry = TunnelRegistry()  # one per process: connections share tunnels across requests and threads
