"""A light keep-alive HTTP client that logs in like a browser, so the runner costs little CPU per request."""

from __future__ import annotations

import http.client
import json
import re
import time
import urllib.parse
import uuid
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
IDLE_RECONNECT_S = 3.0  # Gunicorn closes idle keep-alive connections after `keepalive` (5 s)


class HttpError(Exception):
    """An unexpected status from the server."""


@dataclass
class Reply:
    """Status, headers and body of one response."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    """One browser: a cookie jar, the CSRF token and one keep-alive connection; counts its requests."""

    def __init__(self, base_url: str, timeout: float = 60.0) -> None:
        parsed = urllib.parse.urlsplit(base_url)
        self.host, self.port = parsed.hostname or "127.0.0.1", parsed.port or 80
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.csrf_token = ""
        self.requests = 0
        self._conn: http.client.HTTPConnection | None = None
        self._last_used = 0.0

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is not None and time.monotonic() - self._last_used > IDLE_RECONNECT_S:
            self.close()
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self._conn

    def close(self) -> None:
        """Drop the connection (the cookie jar stays)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def send(self, method: str, path: str, *, body: bytes | None = None, json_body: Any = None,
             headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
        """Send a request and return the unread response (the caller reads or streams it)."""
        all_headers = {"Accept": "application/json", **(headers or {})}
        if json_body is not None:
            body = json.dumps(json_body).encode()
            all_headers["Content-Type"] = "application/json"
        if method not in ("GET", "HEAD") and self.csrf_token:
            all_headers["X-CSRFToken"] = self.csrf_token
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn = self._connection()
        self.requests += 1
        try:
            conn.request(method, path, body=body, headers=all_headers)
            response = conn.getresponse()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        for header in response.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        return response

    def call(self, method: str, path: str, *, expect: tuple[int, ...] = (200,), **kw: Any) -> Reply:
        """One full request/response; raises HttpError unless the status is expected."""
        response = self.send(method, path, **kw)
        reply = Reply(response.status, response.headers, response.read())
        self._last_used = time.monotonic()
        if response.will_close:
            self.close()
        if expect and reply.status not in expect:
            raise HttpError(f"{method} {path} -> {reply.status}: {reply.body[:300]!r}")
        return reply

    def stream(self, path: str, chunk: int = 1 << 16, method: str = "GET") -> tuple[int, int]:
        """Request path and read the answer to the end in chunks; returns (bytes, newlines)."""
        response = self.send(method, path)
        if response.status != 200:
            body = response.read()
            self.close()
            raise HttpError(f"{method} {path} -> {response.status}: {body[:300]!r}")
        size = lines = 0
        while data := response.read(chunk):
            size += len(data)
            lines += data.count(b"\n")
        self._last_used = time.monotonic()
        if response.will_close:
            self.close()
        return size, lines

    def get(self, path: str, **kw: Any) -> Reply:
        return self.call("GET", path, **kw)

    def post(self, path: str, json_body: Any = None, **kw: Any) -> Reply:
        return self.call("POST", path, json_body={} if json_body is None else json_body, **kw)

    def delete(self, path: str, **kw: Any) -> Reply:
        return self.call("DELETE", path, expect=kw.pop("expect", (204,)), **kw)

    def login(self, email: str, password: str) -> None:
        """GET the form, POST it with its CSRF token (302), then read the API's CSRF token."""
        self.submit_login(email, password, self.login_form())
        self.fetch_csrf()

    def login_form(self) -> str:
        """GET /login and return the form's csrf_token."""
        match = CSRF_INPUT.search(self.get("/login").body.decode())
        if not match:
            raise HttpError("no csrf_token on /login")
        return match.group(1)

    def submit_login(self, email: str, password: str, token: str) -> None:
        form = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token})
        self.call("POST", "/login", body=form.encode(), expect=(302,),
                  headers={"Content-Type": "application/x-www-form-urlencoded"})

    def fetch_csrf(self) -> None:
        self.csrf_token = self.get("/api/v1/session").json()["csrf_token"]

    def logout(self) -> None:
        self.call("POST", "/logout", body=b"", expect=(302,))
        self.csrf_token = ""

    def upload(self, directory: str, name: str, data: bytes) -> Reply:
        """multipart/form-data with a `path` field and one `file` part, as the file manager sends it."""
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="path"\r\n\r\n{directory}\r\n'.encode(),
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode(), data, f"\r\n--{boundary}--\r\n".encode(),
        ]
        return self.call("POST", "/api/v1/storage/upload", body=b"".join(parts), expect=(201,),
                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})


class QueryTool:
    """One open query tool driven through the public API."""

    def __init__(self, client: Client, server_id: int, database: str) -> None:
        self.client = client
        self.tx_id = client.post("/api/v1/query-tool", {"server_id": server_id, "database": database},
                                 expect=(201,)).json()["tx_id"]
        self.base = f"/api/v1/query-tool/{self.tx_id}"

    def run(self, sql: str, wait_ms: int = 5000) -> dict[str, Any]:
        """Execute and long-poll until done; the result must carry no error."""
        reply = self.client.post(f"{self.base}/execute", {"sql": sql, "wait_ms": wait_ms}, expect=(200, 202))
        polls = 0
        while reply.status == 202 and polls < 100:
            reply = self.client.get(f"{self.base}/result?wait_ms={wait_ms}", expect=(200, 202))
            polls += 1
        body = reply.json()
        if reply.status != 200 or body.get("error"):
            raise HttpError(f"{sql[:60]!r} failed: {body.get('error') or body}")
        return body  # type: ignore[no-any-return]

    def fetch(self, limit: int) -> dict[str, Any]:
        return self.client.post(f"{self.base}/fetch", {"limit": limit}).json()  # type: ignore[no-any-return]

    def close(self) -> None:
        self.client.delete(self.base)
