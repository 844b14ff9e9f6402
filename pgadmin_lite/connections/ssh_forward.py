"""One SSH tunnel (paramiko): an SSH session with the bastion and a listener on 127.0.0.1 forwarding to the server.

Imported only when a tunnel opens (paramiko takes a quarter of a second to load, which idle processes never pay).
"""

from __future__ import annotations

import logging
import os
import queue
import selectors
import socket
import struct
import threading

import paramiko

from pgadmin_lite.connections.ssh_keys import fingerprint, load_private_key
from pgadmin_lite.connections.tunnels import LOCAL_HOST, TunnelSpec, listener_address
from pgadmin_lite.errors import SshAuthRefused, SshBastionUnreachable, SshForwardRefused, SshHostKeyChanged

log = logging.getLogger(__name__)

_BUFFER = 65536
PROC_NET_TCP = "/proc/net/tcp"  # the IPv4 sockets and their owners' uids (the listener is on 127.0.0.1)
# Host-key algorithms that can present a stored key of each type (an RSA key signs with SHA-2 these days).
_ALGORITHMS = {"ssh-rsa": ("rsa-sha2-512", "rsa-sha2-256")}


class Tunnel:
    """One SSH session and its local listener; forwarded sockets are pumped by a thread each."""

    def __init__(self, spec: TunnelSpec) -> None:
        self.spec = spec
        self.leases = 0
        self._lock = threading.Lock()
        self._transport: paramiko.Transport | None = None
        self._ready: queue.SimpleQueue[paramiko.Channel] = queue.SimpleQueue()  # checked channels, used first
        self._listener = _listen()
        self.address: str = self._listener.getsockname()[0]
        self.port: int = self._listener.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept_loop, name=f"ssh-tunnel-{self.port}", daemon=True).start()

    def prepare(self) -> None:
        """Make sure the SSH session is up, and queue a channel to the server (the refusal, if any, is raised).

        A session that died unnoticed (the bastion restarted) is replaced once, so the caller does not see it.
        """
        transport, is_fresh = self._session(None)
        try:
            channel = self._open_channel(transport)
        except SshBastionUnreachable:
            if is_fresh:
                raise
            transport, _ = self._session(transport)
            channel = self._open_channel(transport)
        self._ready.put(channel)

    def _session(self, dead: paramiko.Transport | None) -> tuple[paramiko.Transport, bool]:
        """The live SSH session (replacing dead, or one that ended) and whether it was just opened."""
        with self._lock:
            current = self._transport
            if current is not None and current is not dead and current.is_active():
                return current, False
            if current is not None:
                current.close()
            self._drop_ready()  # channels of an SSH session that ended
            self._transport = self._connect()
            return self._transport, True

    def _connect(self) -> paramiko.Transport:
        spec = self.spec
        sock = self._dial()
        transport = paramiko.Transport(sock)
        transport.banner_timeout = transport.auth_timeout = spec.timeout_s
        try:
            if spec.host_key:
                self._prefer_key_type(transport, spec.host_key)
            transport.start_client(timeout=spec.timeout_s)
            self._check_host_key(transport)
            self._authenticate(transport)
        except paramiko.SSHException as exc:
            transport.close()
            raise SshBastionUnreachable(f"The SSH handshake with {spec.label} failed: {exc}",
                                        hint="Check that the bastion's port is an SSH server.") from None
        except BaseException:
            transport.close()
            raise
        if spec.keepalive_s:
            transport.set_keepalive(spec.keepalive_s)
        log.info("SSH tunnel %s opened on %s:%s", spec.label, self.address, self.port)
        return transport

    def _prefer_key_type(self, transport: paramiko.Transport, host_key: str) -> None:
        """Ask for the stored key's type (a bastion has several); an unknown type is left to the comparison."""
        kind = (host_key.split() or [""])[0]
        try:
            transport.get_security_options().key_types = _ALGORITHMS.get(kind, (kind,))
        except ValueError:
            log.info("SSH tunnel %s: the stored host key's type %r is unknown", self.spec.label, kind[:40])

    def _dial(self) -> socket.socket:
        spec = self.spec
        failure: OSError | None = None
        for address in spec.addresses:
            try:
                sock = socket.create_connection((address, spec.port), timeout=spec.timeout_s)
            except OSError as exc:
                failure = exc
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # small packets both ways: no Nagle delay
            return sock
        reason = (failure.strerror or str(failure)) if failure else "no address"
        raise SshBastionUnreachable(f"Could not reach the SSH bastion {spec.bastion}:{spec.port}: {reason}.",
                                    hint="Check the tunnel's host and port, and that the bastion accepts SSH "
                                         "connections from the web server.")

    def _check_host_key(self, transport: paramiko.Transport) -> None:
        key = transport.get_remote_server_key()
        presented = f"{key.get_name()} {key.get_base64()}"
        spec = self.spec
        trusted = spec.host_key
        if trusted is None:
            # The store answers with the key trusted now: another connection may have stored one meanwhile.
            trusted = spec.on_new_host_key(presented) if spec.on_new_host_key is not None else presented
            if trusted == presented:
                log.info("SSH host key of %s trusted on first use: %s", spec.label, fingerprint(presented))
        if presented.split()[:2] != trusted.split()[:2]:
            raise SshHostKeyChanged(
                f"The SSH bastion {spec.bastion}:{spec.port} presented the host key {fingerprint(presented)}, "
                f"not the trusted {fingerprint(trusted)}; nothing was sent to it.",
                hint="If the bastion's key was changed on purpose, the server's owner can forget the stored host key "
                     "(SSH tunnel settings) to trust the new one; otherwise someone may be intercepting the "
                     "connection.", presented=fingerprint(presented), trusted=fingerprint(trusted))

    def _authenticate(self, transport: paramiko.Transport) -> None:
        spec = self.spec
        try:
            if spec.private_key:
                transport.auth_publickey(spec.username, load_private_key(spec.private_key, spec.passphrase))
            else:
                transport.auth_password(spec.username, spec.password or "")
        except paramiko.AuthenticationException:
            how = "key" if spec.private_key else "password"
            raise SshAuthRefused(f"The SSH bastion {spec.bastion}:{spec.port} refused user {spec.username!r} with "
                                 f"the saved {how}.",
                                 hint=f"Check the tunnel's user name and save the right SSH {how}.") from None

    def _open_channel(self, transport: paramiko.Transport) -> paramiko.Channel:
        spec = self.spec
        try:
            return transport.open_channel("direct-tcpip", (spec.target_host, spec.target_port), (LOCAL_HOST, 0),
                                          timeout=spec.timeout_s)
        except paramiko.ChannelException as exc:
            raise SshForwardRefused(
                f"The SSH bastion {spec.bastion} refused to forward to {spec.target_host}:{spec.target_port}: "
                f"{exc.text or 'channel open failed'}.",
                hint="Check the server's host and port as the bastion sees them, and that the bastion permits "
                     "TCP forwarding.") from None
        except (paramiko.SSHException, OSError, EOFError) as exc:
            raise SshBastionUnreachable(f"The SSH session with {spec.label} ended: {exc or type(exc).__name__}.",
                                        hint="Try again; check the tunnel's keep-alive setting.") from None

    def _accept_loop(self) -> None:
        while True:
            try:
                sock, peer = self._listener.accept()
            except OSError:
                return  # closed
            if not is_own_socket(peer, self.port):
                log.warning("SSH tunnel %s: refused a connection from %s:%s of another OS user", self.spec.label,
                            *peer[:2])
                sock.close()
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                channel = self._ready.get_nowait()
            except queue.Empty:
                channel = self._channel_or_none()
            if channel is None:
                sock.close()
                continue
            threading.Thread(target=_pump, args=(sock, channel), name=f"ssh-forward-{self.port}", daemon=True).start()

    def _channel_or_none(self) -> paramiko.Channel | None:
        """A channel for a connection no lease prepared one for (libpq's cancel requests, SSL retries)."""
        with self._lock:
            transport = self._transport
        if transport is None or self._closed:
            return None
        try:
            return self._open_channel(transport)
        except (SshForwardRefused, SshBastionUnreachable) as exc:
            log.info("SSH tunnel %s: %s", self.spec.label, exc.message)
            return None

    def _drop_ready(self) -> None:
        while True:
            try:
                self._ready.get_nowait().close()
            except queue.Empty:
                return

    def close(self) -> None:
        self._closed = True
        self._listener.close()
        self._drop_ready()
        with self._lock:
            transport, self._transport = self._transport, None
        if transport is not None:
            transport.close()
            log.info("SSH tunnel %s on port %s closed", self.spec.label, self.port)


def _listen() -> socket.socket:
    """A listener on a random loopback address (127.0.0.1 where the host routes no other)."""
    try:
        return socket.create_server((listener_address(), 0))
    except OSError:
        return socket.create_server((LOCAL_HOST, 0))


def is_own_socket(peer: tuple[str, int], port: int, table: str = PROC_NET_TCP) -> bool:
    """Whether the socket connecting from peer to our port belongs to this process's OS user (Linux's socket
    table says); elsewhere, True. Another user of the web host may not ride our tunnel past the bastion."""
    try:
        with open(table) as lines:
            rows = [line.split() for line in lines][1:]
    except OSError:
        return True
    local = f"{struct.unpack('=I', socket.inet_aton(peer[0]))[0]:08X}:{peer[1]:04X}"
    for row in rows:
        if len(row) > 7 and row[1] == local and row[2].endswith(f":{port:04X}"):
            return int(row[7]) == os.geteuid()
    return False


def _pump(sock: socket.socket, channel: paramiko.Channel) -> None:
    """Copy bytes both ways until either side ends (the tunnel closing ends its channels); epoll, not select(),
    which fails past file descriptor 1024 in a busy process."""
    ends = {sock: channel, channel: sock}
    try:
        with selectors.DefaultSelector() as selector:
            for end in ends:
                selector.register(end, selectors.EVENT_READ)
            while True:
                for key, _ in selector.select():
                    data = key.fileobj.recv(_BUFFER)
                    if not data:
                        return
                    ends[key.fileobj].sendall(data)
    except (OSError, ValueError, KeyError, paramiko.SSHException, EOFError):  # a side closed under the selector
        pass
    finally:
        channel.close()
        sock.close()
