"""HTTP/1.1 over a bare socket, for attacks a client library would not send (huge announced bodies, keep-alive
reuse after an error, an upload cut off half-way) and for reading exactly what the server framed."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from tests.plugins.http_session import HttpClient

CHUNK = b"\0" * (1024 * 1024)


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes = field(repr=False)

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def says_close(self) -> bool:
        return self.headers.get("connection", "").lower() == "close"


def connect(base_url: str, timeout: float = 30.0) -> socket.socket:
    parts = urlsplit(base_url)
    return socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=timeout)


def request_head(method: str, path: str, headers: dict[str, str], client: HttpClient | None = None) -> bytes:
    """The request line and headers (with the client's session cookie and CSRF token when given)."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    if client is not None:
        cookies = "; ".join(f"{c.name}={c.value}" for c in client.http.cookies)
        lines += [f"Cookie: {cookies}", f"X-CSRFToken: {client.csrf_token}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def read_response(sock: socket.socket) -> RawResponse:
    """One response, framed by Content-Length (or read to the end when the server closes)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"connection closed before a whole response head: {data!r}")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, value in (line.split(":", 1) for line in header_lines)}
    length = int(headers.get("content-length", "-1"))
    while length < 0 or len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return RawResponse(int(status_line.split()[1]), headers, body)


def push_zeros(sock: socket.socket, size: int) -> int:
    """Send up to size bytes of body; returns how many the server took before it stopped reading and closed."""
    sent = 0
    try:
        while sent < size:
            sent += sock.send(CHUNK[: min(len(CHUNK), size - sent)])
    except OSError:  # EPIPE, ECONNRESET or a send timeout: the server closed or stopped reading
        pass
    return sent


def is_closed(sock: socket.socket, timeout: float = 10.0) -> bool:
    """True when the server ends the connection (EOF or reset) within timeout."""
    sock.settimeout(timeout)
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        return False
    except OSError:
        return True
    return True
