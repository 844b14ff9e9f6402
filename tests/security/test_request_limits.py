"""Issue 13, items 5 and 7: request bodies are bounded, an unread body ends the connection, and no input is a 500.

The pen test found: one anonymous 100 MB form POST /login grew the worker by 300 MiB, four 100 MB JSON bodies
from a user by 702 MiB; a 413 said keep-alive and then dropped the next request on that socket; integer ids
past 2^63, JSON nested 5,000 deep and a lone surrogate were answered 500; load-servers printed a traceback.
Everything here is driven from outside against the live Gunicorn; memory is the worker's own, from /proc.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from pgadmin_lite import create_app
from tests.plugins.app_fixtures import ADMIN_EMAIL
from tests.plugins.http_session import HttpClient
from tests.plugins.live_server import ROOT, LiveServer
from tests.plugins.raw_http import RawResponse, connect, is_closed, push_zeros, read_response, request_head

MIB = 1024 * 1024
LIMIT = 10 * MIB  # config.py's MAX_REQUEST_BODY_SIZE
HUGE = 100 * MIB
FLAT = 32 * MIB  # what the worker's peak may grow by while refusing huge bodies (it was 300-700 MiB)
BEYOND_INT64 = 2**63
DEEP = "[" * 5000 + "]" * 5000


def worker_memory(live_server: LiveServer) -> dict[str, int]:
    """VmRSS and VmHWM (peak resident size, so memory freed again still shows) of the worker serving requests."""
    pid = HttpClient(live_server.url).get("/health").json()["pid"]
    status = Path(f"/proc/{pid}/status").read_text()
    return {name: int(re.search(rf"^{name}:\s+(\d+) kB", status, re.M).group(1)) * 1024  # type: ignore[union-attr]
            for name in ("VmRSS", "VmHWM")}


def send_oversized(live_server: LiveServer, path: str, content_type: str, size: int,
                   client: HttpClient | None = None) -> tuple[RawResponse, bool, int]:
    """Announce a body of `size` bytes: (the answer, whether it came before any body byte was sent, bytes taken)."""
    sock = connect(live_server.url)
    with sock:
        sock.sendall(request_head("POST", path, {"Content-Type": content_type, "Content-Length": str(size),
                                                 "Accept": "application/json"}, client))
        sock.settimeout(5)
        try:
            early: RawResponse | None = read_response(sock)
        except TimeoutError:  # the server waits for the body: it is going to read it
            early = None
        sock.settimeout(60)
        sent = push_zeros(sock, size)
        return early or read_response(sock), early is not None, sent


def assert_too_large(response: RawResponse) -> None:
    assert response.status == 413, response.body[:300]
    error = response.json()["error"]
    assert error["code"] == "too_large" and error["max_request_bytes"] == LIMIT, error
    assert "MAX_REQUEST_BODY_SIZE" in error["hint"]
    assert response.says_close, response.headers


def test_anonymous_huge_login_form_is_refused_before_it_is_read(live_server: LiveServer) -> None:
    before = worker_memory(live_server)
    response, is_early, sent = send_oversized(live_server, "/login", "application/x-www-form-urlencoded", HUGE)
    after = worker_memory(live_server)
    assert_too_large(response)
    assert is_early, "the 413 must come before the body is sent, not after reading it"
    assert sent < HUGE
    assert after["VmHWM"] - before["VmHWM"] < FLAT, (before, after)
    assert after["VmRSS"] - before["VmRSS"] < FLAT, (before, after)


def test_four_huge_json_bodies_from_a_user_leave_memory_flat(live_server: LiveServer, user_http: HttpClient) -> None:
    before = worker_memory(live_server)
    for _ in range(4):
        response, is_early, _ = send_oversized(live_server, "/api/v1/servers", "application/json", HUGE, user_http)
        assert_too_large(response)
        assert is_early
    after = worker_memory(live_server)
    assert after["VmHWM"] - before["VmHWM"] < FLAT, (before, after)
    assert user_http.get("/api/v1/servers").json() == []  # and nothing was created


@pytest.mark.parametrize(("path", "content_type", "filler"), [
    ("/api/v1/servers", "application/json", b" "), ("/login", "application/x-www-form-urlencoded", b"a")])
def test_chunked_body_is_cut_off_at_the_limit(live_server: LiveServer, user_http: HttpClient, path: str,
                                              content_type: str, filler: bytes) -> None:
    """No Content-Length to refuse up front: reading stops at MAX_REQUEST_BODY_SIZE with the same 413."""
    sock = connect(live_server.url)
    with sock:
        sock.sendall(request_head("POST", path, {"Content-Type": content_type, "Transfer-Encoding": "chunked",
                                                 "Accept": "application/json"}, user_http))
        chunk = b"%x\r\n%s\r\n" % (MIB, filler * MIB)
        try:
            for _ in range(2 * LIMIT // MIB):
                sock.sendall(chunk)
        except OSError:  # the server answered and closed before taking it all
            pass
        assert_too_large(read_response(sock))


@pytest.mark.parametrize("case", ["oversized", "unread_by_401"])
def test_an_answer_leaving_the_body_unread_closes_the_connection(
        live_server: LiveServer, login: Callable[..., HttpClient], case: str) -> None:
    """Two requests on one socket: after an answer that left body bytes unread, the server must say close
    (it did say keep-alive, then dropped the second request, because Gunicorn drains at most 64 KiB)."""
    client, size = (login(), LIMIT + MIB) if case == "oversized" else (None, MIB)
    sock = connect(live_server.url)
    with sock:
        sock.sendall(request_head("POST", "/api/v1/servers",
                                  {"Content-Type": "application/json", "Content-Length": str(size)}, client))
        push_zeros(sock, size)
        first = read_response(sock)
        assert first.status == (413 if case == "oversized" else 401), first.body[:300]
        if not first.says_close:  # what a keep-alive client does next: reuse the socket
            sock.sendall(request_head("GET", "/health", {}))
            second = read_response(sock)
            pytest.fail(f"{first.status} said keep-alive; the next request got {second.status}")
        assert is_closed(sock)


def test_keep_alive_still_serves_requests_whose_body_was_read(live_server: LiveServer, user_http: HttpClient) -> None:
    body = json.dumps({"name": "keep-alive", "host": "127.0.0.1", "port": 5432, "username": "u"}).encode()
    sock = connect(live_server.url)
    with sock:
        sock.sendall(request_head("POST", "/api/v1/servers", {"Content-Type": "application/json",
                                                               "Content-Length": str(len(body))}, user_http) + body)
        first = read_response(sock)
        assert first.status == 201, first.body
        assert not first.says_close
        sock.sendall(request_head("GET", "/health", {}))
        assert read_response(sock).status == 200
    created = first.json()["id"]
    assert user_http.send("DELETE", f"/api/v1/servers/{created}").status_code == 204


INT_ARG = re.compile(r"<int(?:\([^)]*\))?:(\w+)>")
ANY_ARG = re.compile(r"<(?:[^:>]+:)?(\w+)>")


def _int_routes(live_server: LiveServer) -> list[tuple[str, str]]:
    """(method, path) of every route with an integer in its URL, the integers set past 2^63, other parts "x"."""
    app = create_app({"DATA_DIR": str(live_server.data_dir)})
    routes = []
    for rule in app.url_map.iter_rules():
        ints = set(INT_ARG.findall(rule.rule))
        if ints:
            path = ANY_ARG.sub(lambda m, ints=ints: str(BEYOND_INT64) if m.group(1) in ints else "x", rule.rule)
            routes += [(method, path) for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})]
    return routes


def test_every_integer_url_beyond_int64_is_refused_not_a_500(live_server: LiveServer, admin_http: HttpClient) -> None:
    """404 (Werkzeug says 405 for a route's other methods once a converter refused a value); SQLite raised before."""
    routes = _int_routes(live_server)
    paths = {path for _, path in routes}
    assert {f"/api/v1/servers/{BEYOND_INT64}", f"/api/v1/jobs/{BEYOND_INT64}", f"/api/v1/users/{BEYOND_INT64}"} <= paths
    answers = {(method, path): admin_http.send(method, path, json={}) for method, path in routes}
    failed = {key: (r.status_code, r.text[:120]) for key, r in answers.items() if r.status_code not in (404, 405)}
    assert not failed, "\n".join(f"{key}: {value}" for key, value in failed.items())
    assert all(r.json()["error"]["code"] in ("not_found", "method_not_allowed")
               for (_, path), r in answers.items() if path.startswith("/api/"))
    assert admin_http.get(f"/api/v1/servers/{10**30}").status_code == 404


@pytest.mark.parametrize("body", [
    pytest.param(DEEP, id="nested-5000"),
    pytest.param(f'{{"server_id": {BEYOND_INT64}, "database": "postgres"}}', id="server_id-past-int64"),
    pytest.param('{"server_id": SERVER, "database": "\\ud800"}', id="lone-surrogate"),
    pytest.param('{"server_id": SERVER, "database": "post\\u0000gres"}', id="nul"),
    pytest.param('{"server_id": SERVER, "database": "postgres", "x": NaN}', id="nan"),
])
def test_hostile_json_opening_a_query_tool_is_a_400(live_server: LiveServer, user_http: HttpClient, body: str) -> None:
    registered = user_http.post("/api/v1/servers", json={"name": "target", "host": "127.0.0.1", "port": 5432,
                                                         "username": "u"})
    assert registered.status_code == 201, registered.text
    server_id = registered.json()["id"]
    try:
        response = user_http.post("/api/v1/query-tool", data=body.replace("SERVER", str(server_id)),
                                  headers={"Content-Type": "application/json"})
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] == "bad_request"
    finally:
        user_http.send("DELETE", f"/api/v1/servers/{server_id}")


@pytest.mark.parametrize("field", ["name", "host", "username"])
@pytest.mark.parametrize("text", ["\\ud800", "a\\u0000b"])
def test_unstorable_text_registers_no_server(user_http: HttpClient, field: str, text: str) -> None:
    fields = {"name": "n", "host": "127.0.0.1", "port": 5432, "username": "u"}
    body = json.dumps(fields).replace(f'"{fields[field]}"', f'"{text}"', 1)
    response = user_http.post("/api/v1/servers", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert user_http.get("/api/v1/servers").json() == []


def test_nul_in_a_form_or_query_string_is_a_400_before_login_counts_it(live_server: LiveServer) -> None:
    client = HttpClient(live_server.url)
    refused = client.post_login("user\x00@example.com", "whatever")
    assert refused.status_code == 400, refused.text
    assert "NUL" in refused.text
    assert client.get("/login?next=/%00").status_code == 400


def test_load_servers_of_deeply_nested_json_prints_one_line(live_server: LiveServer, tmp_path: Path) -> None:
    servers_file = tmp_path / "servers.json"
    servers_file.write_text(f'{{"Servers": {DEEP}}}')
    result = subprocess.run([sys.executable, "setup_db.py", "load-servers", str(servers_file), "--user", ADMIN_EMAIL],
                            cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env=live_server.env)
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "nested deeper than" in lines[0] and "nothing was imported" in lines[0], lines
