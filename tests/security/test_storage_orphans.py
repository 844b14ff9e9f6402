"""Issue 13, item 7: a worker killed mid-upload left `.pgl-tmp-*` files that were never swept.

Temp files are never listed, their bytes count in the quota (so parallel uploads cannot together pass it),
each is locked by its writer, and a starting worker removes those whose lock is free (their process died).
A real Gunicorn is killed with SIGKILL in the middle of an upload, and reloaded (SIGHUP: a new worker starts
beside the old one) in the middle of another.
"""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.plugins.app_fixtures import USER_EMAIL, USER_PASSWORD, prepare_data_dir
from tests.plugins.http_session import HttpClient
from tests.plugins.live_server import LiveServer, start_gunicorn
from tests.plugins.raw_http import connect, push_zeros, read_response, request_head
from tests.plugins.waiting import wait_until

MIB = 1024 * 1024
BOUNDARY = "pgl-orphan-test"


@pytest.fixture
def console(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    """A Gunicorn of its own (these tests kill and reload its worker); an indirect parameter is STORAGE_QUOTA_MB."""
    quota_mb = getattr(request, "param", None)
    prepare_data_dir(tmp_path / "data")
    server = start_gunicorn(tmp_path / "data", tmp_path / "logs",
                            settings={"STORAGE_QUOTA_MB": quota_mb} if quota_mb else None)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def user(console: LiveServer) -> HttpClient:
    client = HttpClient(console.url)
    client.login(USER_EMAIL, USER_PASSWORD)
    return client


def user_area(console: LiveServer, client: HttpClient) -> Path:
    return console.data_dir / "storage" / f"u{client.get('/api/v1/session').json()['user']['id']}"


def temp_files(area: Path) -> list[Path]:
    return sorted(area.rglob(".pgl-tmp-*"))


def worker_pid(console: LiveServer) -> int:
    return int(HttpClient(console.url).get("/health").json()["pid"])


def wait_for(condition: Callable[[], object], what: str, timeout: float = 30.0) -> None:
    wait_until(condition, f"timed out waiting for {what}", timeout)


def new_worker(console: LiveServer, old_pid: int) -> int:
    """Wait until a worker other than old_pid serves /health (it swept before it served anything)."""
    pids: list[int] = []

    def answered_by_another() -> bool:
        try:
            pids.append(worker_pid(console))
        except (OSError, ValueError):
            return False
        return pids[-1] != old_pid
    wait_for(answered_by_another, "a new worker")
    return pids[-1]


class Upload:
    """A multipart upload sent in pieces over its own socket, so it can be left half-way."""

    def __init__(self, console: LiveServer, client: HttpClient, name: str, size: int) -> None:
        self.size = size
        preamble = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="path"\r\n\r\n/\r\n'
                    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                    "Content-Type: application/octet-stream\r\n\r\n").encode()
        self.epilogue = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.sock: socket.socket = connect(console.url)
        self.sock.sendall(request_head("POST", "/api/v1/storage/upload", {
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}", "Accept": "application/json",
            "Content-Length": str(len(preamble) + size + len(self.epilogue))}, client) + preamble)
        self.sent = 0

    def send(self, size: int) -> None:
        self.sent += push_zeros(self.sock, size)

    def finish(self) -> int:
        self.send(self.size - self.sent)
        self.sock.sendall(self.epilogue)
        with self.sock:
            return read_response(self.sock).status


def test_worker_killed_mid_upload_leaves_nothing_after_restart(console: LiveServer, user: HttpClient) -> None:
    area = user_area(console, user)
    upload = Upload(console, user, "big.bin", 64 * MIB)
    upload.send(4 * MIB)
    wait_for(lambda: temp_files(area), "the upload's temp file")
    listing = user.get("/api/v1/storage", params={"path": "/", "hidden": "true"}).json()
    assert listing["entries"] == []  # an upload in progress is never listed, but its bytes take quota
    wait_for(lambda: user.get("/api/v1/storage/usage").json()["bytes"] >= MIB, "the upload's bytes in the usage")
    assert user.get("/api/v1/storage/usage").json()["files"] == 0

    old = worker_pid(console)
    os.kill(old, signal.SIGKILL)
    upload.sock.close()
    assert temp_files(area), "the killed worker could not remove its temp file"
    new_worker(console, old)  # Gunicorn's master starts a worker, which sweeps before it serves
    assert temp_files(area) == []
    assert user.get("/api/v1/storage/usage").json() | {"max_upload_bytes": 0} == {
        "bytes": 0, "files": 0, "quota_bytes": None, "max_upload_bytes": 0}


def test_reload_sweeps_orphans_but_never_a_live_upload(console: LiveServer, user: HttpClient) -> None:
    area = user_area(console, user)
    assert user.post("/api/v1/storage/mkdir", json={"path": "/sub"}).status_code == 201
    planted = [area / ".pgl-tmp-0123456789abcdef", area / "sub" / ".pgl-tmp-fedcba9876543210"]
    for path in planted:
        path.write_bytes(b"left by a process that died")
    (area / "sub" / ".pgl-tmp-0000000000000000").mkdir()  # a job's directory-format output
    upload = Upload(console, user, "live.bin", 8 * MIB)
    upload.send(2 * MIB)
    wait_for(lambda: len(temp_files(area)) == 4, "the upload's temp file")
    live = [path for path in temp_files(area) if path not in planted and path.is_file()]

    old = worker_pid(console)
    os.kill(console.process.pid, signal.SIGHUP)  # graceful reload: the old worker keeps serving this upload
    new_worker(console, old)
    assert temp_files(area) == live  # the orphans went; the upload the old worker is receiving stayed
    assert upload.finish() == 201
    assert (area / "live.bin").stat().st_size == 8 * MIB
    assert temp_files(area) == []


@pytest.mark.parametrize("console", [1], indirect=True, ids=["quota-1MiB"])
def test_an_upload_in_progress_takes_its_share_of_the_quota(console: LiveServer, user: HttpClient) -> None:
    """Two uploads at once used to pass a 1 MiB quota together (each checked it against stored files only)."""
    first = Upload(console, user, "first.bin", 900 * 1024)
    first.send(800 * 1024)
    wait_for(lambda: user.get("/api/v1/storage/usage").json()["bytes"] >= 512 * 1024, "the first upload's bytes")
    second = user.post("/api/v1/storage/upload", data={"path": "/"},
                       files={"file": ("second.bin", b"\0" * (600 * 1024))}, headers={"Accept": "application/json"})
    assert second.status_code == 413, second.text
    assert second.json()["error"]["code"] == "quota_exceeded"
    assert first.finish() == 201
    assert user.get("/api/v1/storage/usage").json()["bytes"] == 900 * 1024
