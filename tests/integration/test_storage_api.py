"""The storage API over HTTP with CSRF on and real files on disk: hostile paths against every operation,
links, other users' files, upload limits and aborts, quota, shared folders, text files, user lifecycle."""

from __future__ import annotations

import io
import os
import shutil
import socket
import stat
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from flask import Flask

from pgadmin_lite import create_app
from pgadmin_lite.errors import ConfigError
from pgadmin_lite.storage.views import content_disposition
from tests.plugins.app_fixtures import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    USER_EMAIL,
    USER_PASSWORD,
    ApiClient,
    AppFactory,
    api_client,
    prepare_data_dir,
)
from tests.plugins.http_session import HttpClient
from tests.plugins.live_server import LiveServer
from tests.plugins.storage_helpers import (
    HOSTILE_PATHS,
    SENTINEL_MARKER,
    VIRTUAL_ODDITIES,
    leftovers,
    make_sentinel,
    multipart,
    snapshot,
)

MAX_UPLOAD = 64 * 1024


@dataclass
class Env:
    """An app with a user (id 2), an admin (id 1), two shared folders and a sentinel tree."""

    app: Flask
    user: ApiClient
    admin: ApiClient
    storage: Path
    sentinel: Path
    team: Path
    drop: Path

    @property
    def home(self) -> Path:
        return self.storage / "u2"

    def outside(self) -> tuple[object, ...]:
        """Everything a user's request must never touch: the sentinel, the admin's area, the shares."""
        return snapshot(self.sentinel), snapshot(self.storage / "u1"), snapshot(self.team), snapshot(self.drop)


def _empty(folder: Path) -> None:
    for item in folder.iterdir():
        if item.is_dir() and not item.is_symlink():
            shutil.rmtree(item)
        else:
            item.unlink()


@pytest.fixture(scope="module")
def module_env(tmp_path_factory: pytest.TempPathFactory) -> Env:
    """One app for the module (setting up and logging in is the slow part); `env` resets it per test."""
    base = tmp_path_factory.mktemp("storage")
    team, drop = base / "team", base / "drop"
    for share in (team, drop):
        share.mkdir(mode=0o700)
    shares = [{"name": "team", "path": str(team), "read_only_for_users": True},
              {"name": "drop", "path": str(drop), "read_only_for_users": False}]
    app = create_app(prepare_data_dir(base / "data", {"MAX_UPLOAD_SIZE": MAX_UPLOAD, "SHARED_STORAGE": shares}))
    storage = Path(app.config["STORAGE_DIR"])
    (storage / "u1" / "admin-only.sql").write_text(SENTINEL_MARKER)
    return Env(app, api_client(app, USER_EMAIL, USER_PASSWORD), api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD),
               storage, make_sentinel(base), team, drop)


@pytest.fixture
def env(module_env: Env) -> Iterator[Env]:
    """The module's app with an empty user area and shares; afterwards no temp file may remain anywhere."""
    for folder in (module_env.home, module_env.team, module_env.drop):
        _empty(folder)
    (module_env.team / "shared.sql").write_text("select 'team';")
    yield module_env
    for folder in (module_env.storage, module_env.team, module_env.drop):
        assert leftovers(folder) == []


def upload(client: ApiClient, path: str, files: list[tuple[str, bytes]], **fields: str) -> Any:
    body, content_type = multipart([("path", path), *fields.items()], files)
    return client.post("/api/v1/storage/upload", data=body, content_type=content_type)


def put_text(client: ApiClient, path: str, text: str, **extra: Any) -> Any:
    return client.put("/api/v1/storage/text", json={"path": path, "text": text, **extra})


OPERATIONS: dict[str, Callable[[ApiClient, str], Any]] = {
    "list": lambda c, p: c.get("/api/v1/storage", query_string={"path": p}),
    "download": lambda c, p: c.get("/api/v1/storage/download", query_string={"path": p}),
    "read_text": lambda c, p: c.get("/api/v1/storage/text", query_string={"path": p}),
    "write_text": lambda c, p: put_text(c, p, "owned", overwrite=True),
    "mkdir": lambda c, p: c.post("/api/v1/storage/mkdir", json={"path": p}),
    "rename_from": lambda c, p: c.post("/api/v1/storage/rename", json={"path": p, "new_path": "/moved"}),
    "rename_to": lambda c, p: c.post("/api/v1/storage/rename", json={"path": "/seed.sql", "new_path": p,
                                                                      "overwrite": True}),
    "delete": lambda c, p: c.delete("/api/v1/storage", query_string={"path": p, "recursive": "true"}),
    "upload_into": lambda c, p: upload(c, p, [("x.sql", b"owned")], overwrite="true"),
    "share_list": lambda c, p: c.get("/api/v1/storage", query_string={"path": p, "root": "drop"}),
    "share_write": lambda c, p: c.put("/api/v1/storage/text", json={"root": "drop", "path": p, "text": "owned"}),
}


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_hostile_paths_are_refused_and_touch_nothing(env: Env, operation: str) -> None:
    put_text(env.user, "/seed.sql", "seed")
    before, home_before = env.outside(), snapshot(env.home)
    for name, path in HOSTILE_PATHS:
        response = OPERATIONS[operation](env.user, path)
        assert response.status_code == 400, (name, response.get_data(as_text=True))
        # web.input refuses NUL in a query string or JSON body before storage does; multipart fields reach the sandbox
        expected = "bad_request" if "\x00" in path and operation != "upload_into" else "outside_storage"
        assert response.get_json()["error"]["code"] == expected, name
        assert SENTINEL_MARKER.encode() not in response.data and b"root:x:0:0" not in response.data
    assert env.outside() == before and snapshot(env.home) == home_before


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_odd_but_legal_names_stay_inside(env: Env, operation: str) -> None:
    put_text(env.user, "/seed.sql", "seed")
    before = env.outside()[:3]  # share_write may legitimately write into the drop share
    for name, path in VIRTUAL_ODDITIES:
        response = OPERATIONS[operation](env.user, path)
        assert response.status_code < 500, (name, response.get_data(as_text=True))
        assert SENTINEL_MARKER.encode() not in response.data and b"root:x:0:0" not in response.data
    assert env.outside()[:3] == before
    for area in (env.home, env.drop):
        assert all(p.resolve().is_relative_to(area.resolve()) for p in area.rglob("*"))


def test_percent_encoding_is_decoded_exactly_once(env: Env) -> None:
    encoded = env.user.get("/api/v1/storage?path=..%2fsentinel")  # the server decodes this to ../sentinel
    assert encoded.status_code == 400 and encoded.get_json()["error"]["code"] == "outside_storage"
    literal = env.user.get("/api/v1/storage?path=..%252fsentinel")  # the literal name ..%2fsentinel
    assert literal.status_code == 404


@pytest.mark.parametrize("filename", ["../escape.sql", "..\\escape.sql", "/etc/escape.sql", "a/../../escape.sql",
                                      "\u2025", "\uff0e\uff0e\uff0fescape.sql", "..", ".pgl-tmp-x", "a" * 300])
def test_hostile_upload_file_names(env: Env, filename: str) -> None:
    before = env.outside()
    response = upload(env.user, "/", [(filename, b"owned")])
    assert response.status_code == 400, response.get_data(as_text=True)
    assert env.outside() == before and list(env.home.iterdir()) == []


def test_links_in_a_user_area_are_never_followed(env: Env) -> None:
    """Links an administrator planted: to /etc, to the sentinel folder and to a file in it."""
    (env.home / "etc").symlink_to("/etc")
    (env.home / "sent").symlink_to(env.sentinel)
    (env.home / "secret").symlink_to(env.sentinel / "secret.txt")
    before = env.outside()
    listing = env.user.get("/api/v1/storage").get_json()["entries"]
    assert {e["name"]: e["is_link"] for e in listing} == {"etc": True, "secret": True, "sent": True}
    attempts = [OPERATIONS["list"](env.user, "/etc"), OPERATIONS["read_text"](env.user, "/etc/passwd"),
                OPERATIONS["download"](env.user, "/secret"), OPERATIONS["read_text"](env.user, "/sent/secret.txt"),
                OPERATIONS["write_text"](env.user, "/secret"), OPERATIONS["write_text"](env.user, "/sent/x.sql"),
                OPERATIONS["upload_into"](env.user, "/sent"), OPERATIONS["mkdir"](env.user, "/etc/x"),
                OPERATIONS["delete"](env.user, "/sent"), OPERATIONS["delete"](env.user, "/secret"),
                OPERATIONS["rename_from"](env.user, "/sent")]
    for response in attempts:
        assert response.get_json()["error"]["code"] == "outside_storage", response.get_data(as_text=True)
        assert SENTINEL_MARKER.encode() not in response.data and b"root:x:0:0" not in response.data
    assert env.outside() == before and (env.home / "sent").is_symlink() and (env.home / "secret").is_symlink()


def test_users_cannot_reach_each_others_files(env: Env) -> None:
    env.admin.post("/api/v1/users", json={"email": "bob@example.com", "password": "bob-password-1"})
    bob = api_client(env.app, "bob@example.com", "bob-password-1")
    assert put_text(env.user, "/mine.sql", "alice's").status_code == 201
    assert bob.get("/api/v1/storage").get_json()["entries"] == []
    assert bob.get("/api/v1/storage/text", query_string={"path": "/mine.sql"}).status_code == 404
    assert bob.get("/api/v1/storage/text", query_string={"path": "../u2/mine.sql"}).status_code == 400
    assert put_text(bob, "/mine.sql", "bob's").status_code == 201  # his own file of the same name
    assert bob.delete("/api/v1/storage", query_string={"path": "/mine.sql"}).status_code == 204
    assert bob.get("/api/v1/storage/download", query_string={"path": "/mine.sql"}).status_code == 404
    assert (env.home / "mine.sql").read_text() == "alice's"


def test_upload_list_download_rename_delete(env: Env) -> None:
    assert env.user.post("/api/v1/storage/mkdir", json={"path": "/reports"}).status_code == 201
    created = upload(env.user, "/reports", [("q1.sql", b"select 1;"), (".hidden.sql", b"select 2;")])
    assert created.status_code == 201, created.get_data(as_text=True)
    assert [f["path"] for f in created.get_json()["files"]] == ["/reports/q1.sql", "/reports/.hidden.sql"]
    assert upload(env.user, "/reports", [("q1.sql", b"again")]).get_json()["error"]["code"] == "exists"
    assert upload(env.user, "/reports", [("q1.sql", b"select 3;")], overwrite="true").status_code == 201
    env.user.post("/api/v1/storage/mkdir", json={"path": "/reports/b-dir"})
    listing = env.user.get("/api/v1/storage", query_string={"path": "/reports/"}).get_json()
    assert listing["path"] == "/reports" and [e["name"] for e in listing["entries"]] == ["b-dir", "q1.sql"]
    hidden = env.user.get("/api/v1/storage", query_string={"path": "/reports", "hidden": "true"}).get_json()
    assert [e["name"] for e in hidden["entries"]] == ["b-dir", ".hidden.sql", "q1.sql"]
    entry = hidden["entries"][2]
    assert entry["size"] == 9 and entry["is_dir"] is False and entry["modified"].endswith("+00:00")
    download = env.user.get("/api/v1/storage/download", query_string={"path": "/reports/q1.sql"})
    assert download.data == b"select 3;" and download.mimetype == "application/octet-stream"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    moved = env.user.post("/api/v1/storage/rename", json={"path": "/reports/q1.sql", "new_path": "/q1.sql"})
    assert moved.status_code == 200 and moved.get_json()["path"] == "/q1.sql"
    assert env.user.delete("/api/v1/storage", query_string={"path": "/reports"}).get_json()["error"]["code"] \
        == "is_directory"
    assert env.user.delete("/api/v1/storage", query_string={"path": "/reports", "recursive": "true"}).status_code \
        == 204
    assert sorted(os.listdir(env.home)) == ["q1.sql"]
    assert stat.S_IMODE(os.stat(env.home / "q1.sql").st_mode) == 0o600
    assert env.user.get("/api/v1/storage/usage").get_json() == {
        "bytes": 9, "files": 1, "quota_bytes": None, "max_upload_bytes": MAX_UPLOAD}


def test_every_storage_route_needs_login_and_state_changes_need_csrf(env: Env) -> None:
    anonymous = env.app.test_client()
    for method, path in [("GET", "/api/v1/storage"), ("GET", "/api/v1/storage/roots"),
                         ("GET", "/api/v1/storage/download?path=/x"), ("GET", "/api/v1/storage/usage"),
                         ("GET", "/api/v1/storage/text?path=/x"), ("PUT", "/api/v1/storage/text"),
                         ("POST", "/api/v1/storage/upload"), ("POST", "/api/v1/storage/mkdir"),
                         ("POST", "/api/v1/storage/rename"), ("DELETE", "/api/v1/storage?path=/x")]:
        assert anonymous.open(path, method=method).status_code in (400, 401), (method, path)  # 400: CSRF first
    assert anonymous.get("/storage").status_code == 302
    body, content_type = multipart([("path", "/")], [("x.sql", b"x")])
    no_token = env.user.client.post("/api/v1/storage/upload", data=body, content_type=content_type)
    assert no_token.status_code == 400 and no_token.get_json()["error"]["code"] == "csrf_failed"
    assert env.user.client.post("/api/v1/storage/mkdir", json={"path": "/d"}).status_code == 400
    assert list(env.home.iterdir()) == []
    page = env.user.get("/storage").get_data(as_text=True)
    assert "js/storage." in page and 'id="nav-files"' in page


@pytest.mark.parametrize("late", ["path", "root", "overwrite"])
def test_a_target_field_after_a_file_is_refused_and_stores_nothing(env: Env, late: str) -> None:
    """It used to be ignored: `root=team` after the file stored it in the caller's home instead."""
    body, content_type = multipart([("path", "/")], [("late.sql", b"select 1")])
    field = f'Content-Disposition: form-data; name="{late}"\r\n\r\n/\r\n'.encode()
    body = body.replace(b"--pgl-test-boundary-5c1e--", b"--pgl-test-boundary-5c1e\r\n" + field
                        + b"--pgl-test-boundary-5c1e--")
    response = env.user.post("/api/v1/storage/upload", data=body, content_type=content_type)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert "came after a file" in response.get_json()["error"]["message"]
    assert list(env.home.iterdir()) == []


def test_oversize_upload_is_413_and_leaves_nothing(env: Env) -> None:
    assert upload(env.user, "/", [("max.bin", b"x" * MAX_UPLOAD)]).status_code == 201
    response = upload(env.user, "/", [("big.bin", b"x" * (MAX_UPLOAD + 1))])
    assert response.status_code == 413 and str(MAX_UPLOAD) in response.get_json()["error"]["message"]
    response = upload(env.user, "/", [("max.bin", b"y" * (MAX_UPLOAD * 3))], overwrite="true")
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "too_large"
    assert os.listdir(env.home) == ["max.bin"] and (env.home / "max.bin").read_bytes() == b"x" * MAX_UPLOAD


class BrokenStream(io.BytesIO):
    """A request body that stops (or fails) half-way, as when a client disconnects."""

    def __init__(self, data: bytes, fail: bool) -> None:
        super().__init__(data)
        self.half, self.fail = len(data) // 2, fail

    def read(self, size: int | None = -1) -> bytes:
        if self.tell() >= self.half:
            if self.fail:
                raise ConnectionResetError("client went away")
            return b""
        return super().read(min(4096, self.half - self.tell()))

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


@pytest.mark.parametrize("fail", [False, True], ids=["short-body", "stream-error"])
def test_an_aborted_upload_leaves_the_old_file(env: Env, fail: bool) -> None:
    put_text(env.user, "/keep.sql", "old content")
    body, content_type = multipart([("path", "/"), ("overwrite", "true")], [("keep.sql", b"n" * 60000)])
    response = env.user.post("/api/v1/storage/upload", input_stream=BrokenStream(body, fail),
                             content_length=len(body), content_type=content_type)
    assert response.status_code in (400, 500)
    assert (env.home / "keep.sql").read_text() == "old content" and os.listdir(env.home) == ["keep.sql"]


def test_quota_is_enforced_atomically(make_app: AppFactory) -> None:
    app = make_app(STORAGE_QUOTA_MB=1, MAX_UPLOAD_SIZE=2 * 1024 * 1024)
    home = Path(app.config["STORAGE_DIR"]) / "u2"
    clients = [api_client(app, USER_EMAIL, USER_PASSWORD) for _ in range(2)]
    results: list[int] = []
    threads = [threading.Thread(target=lambda c=c, n=n: results.append(
        upload(c, "/", [(f"part{n}.bin", b"x" * 600_000)]).status_code)) for n, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [201, 413] and len(os.listdir(home)) == 1
    over = put_text(clients[0], "/more.sql", "y" * 500_000)
    assert over.status_code == 413 and over.get_json()["error"]["code"] == "quota_exceeded"
    name = os.listdir(home)[0]
    assert upload(clients[0], "/", [(name, b"z" * 1_000_000)], overwrite="true").status_code == 201
    assert os.listdir(home) == [name] and leftovers(home) == []
    usage = clients[0].get("/api/v1/storage/usage").get_json()
    assert usage["quota_bytes"] == 1024 * 1024 and usage["bytes"] == 1_000_000


def test_shared_folders(env: Env) -> None:
    roots = env.user.get("/api/v1/storage/roots").get_json()
    assert [(r["name"], r["is_writable"]) for r in roots] == [("home", True), ("team", False), ("drop", True)]
    listing = env.user.get("/api/v1/storage", query_string={"root": "team"}).get_json()
    assert listing["root"] == "team" and [e["name"] for e in listing["entries"]] == ["shared.sql"]
    text = env.user.get("/api/v1/storage/text", query_string={"root": "team", "path": "/shared.sql"})
    assert text.get_json()["text"] == "select 'team';"
    before = snapshot(env.team)
    refused = [env.user.put("/api/v1/storage/text", json={"root": "team", "path": "/x.sql", "text": "x"}),
               env.user.post("/api/v1/storage/mkdir", json={"root": "team", "path": "/d"}),
               env.user.post("/api/v1/storage/rename", json={"root": "team", "path": "/shared.sql", "new_path": "/y"}),
               env.user.delete("/api/v1/storage", query_string={"root": "team", "path": "/shared.sql"}),
               upload(env.user, "/", [("x.sql", b"x")], root="team")]
    assert [r.status_code for r in refused] == [403] * 5 and snapshot(env.team) == before
    assert env.admin.put("/api/v1/storage/text", json={"root": "team", "path": "/x.sql", "text": "x"}).status_code \
        == 201
    assert upload(env.user, "/", [("dropped.sql", b"x")], root="drop").status_code == 201
    assert (env.drop / "dropped.sql").read_bytes() == b"x"
    assert env.user.get("/api/v1/storage", query_string={"root": "nope"}).status_code == 404


def test_a_share_overlapping_the_data_dir_is_refused(make_app: AppFactory, tmp_path: Path) -> None:
    for path in [str(tmp_path), str(tmp_path / "data" / "storage" / "u2"), "/"]:
        with pytest.raises(ConfigError, match="overlaps"):
            make_app(SHARED_STORAGE=[{"name": "bad", "path": path, "read_only_for_users": True}])


def test_text_open_save_round_trip(env: Env) -> None:
    text = "select '\u00e9t\u00e9 \U0001f418';\n-- \u6587\u4ef6\n"
    created = put_text(env.user, "/scripts.sql", text)
    assert created.status_code == 201 and created.get_json()["path"] == "/scripts.sql"
    assert env.user.get("/api/v1/storage/text", query_string={"path": "/scripts.sql"}).get_json()["text"] == text
    conflict = put_text(env.user, "/scripts.sql", "select 2;")
    assert conflict.status_code == 409 and conflict.get_json()["error"]["code"] == "exists"
    assert put_text(env.user, "/scripts.sql", "select 2;", overwrite=True).status_code == 200
    assert (env.home / "scripts.sql").read_text() == "select 2;"
    upload(env.user, "/", [("dump.bin", b"PGDMP\x00\x01"), ("latin1.sql", "caf\u00e9".encode("latin-1"))])
    for path in ["/dump.bin", "/latin1.sql"]:
        response = env.user.get("/api/v1/storage/text", query_string={"path": path})
        assert response.status_code == 400 and response.get_json()["error"]["code"] == "not_text"
    assert put_text(env.user, "/missing-dir/x.sql", "x").status_code == 404


@pytest.mark.parametrize("name", ['we"ird; name.sql', "caf\u00e9 \U0001f418.sql", "a\r\nSet-Cookie: x=1", "%41.sql"])
def test_content_disposition_is_safe_for_any_name(name: str) -> None:
    header = content_disposition(name)
    assert "\r" not in header and "\n" not in header and header.isascii()
    fallback = header.split('filename="', 1)[1].split('"', 1)[0]
    assert '"' not in fallback and "\\" not in fallback
    assert unquote(header.split("filename*=UTF-8''", 1)[1]) == name


def test_download_of_an_odd_name(env: Env) -> None:
    name = 'we"ird; caf\u00e9.sql'
    put_text(env.user, f"/{name}", "x")
    header = env.user.get("/api/v1/storage/download", query_string={"path": f"/{name}"}).headers["Content-Disposition"]
    assert unquote(header.split("filename*=UTF-8''", 1)[1]) == name


def test_storage_roots_follow_the_user_lifecycle(tmp_path: Path) -> None:
    for keep in (False, True):
        data = tmp_path / f"keep-{keep}"
        app = create_app(prepare_data_dir(data, {"KEEP_STORAGE_ON_USER_DELETE": keep}))
        admin = api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD)
        storage = Path(app.config["STORAGE_DIR"])
        created = admin.post("/api/v1/users", json={"email": "carol@example.com", "password": "carol-password"})
        root = storage / f"u{created.get_json()['id']}"
        assert root.is_dir() and stat.S_IMODE(root.stat().st_mode) == 0o700
        (root / "work.sql").write_text("x" * 10)
        users = admin.get("/api/v1/users").get_json()
        assert [(u["storage_bytes"], u["storage_files"]) for u in users if u["email"] == "carol@example.com"] \
            == [(10, 1)]
        assert admin.delete(f"/api/v1/users/{created.get_json()['id']}").status_code == 204
        assert not root.exists()
        kept = [p for p in storage.iterdir() if p.name.startswith(f"{root.name}.deleted-")]
        assert [p.joinpath("work.sql").read_text() for p in kept] == (["x" * 10] if keep else [])


# --- against the real Gunicorn: a client that disconnects mid-body ---------------------------------

def test_a_disconnect_mid_upload_leaves_the_old_file(live_server: LiveServer) -> None:
    http = HttpClient(live_server.url)
    http.login(USER_EMAIL, USER_PASSWORD)
    assert http.send("PUT", "/api/v1/storage/text", json={"path": "/keep.sql", "text": "old"}).status_code == 201
    home = live_server.data_dir / "storage" / "u2"
    head, content_type = multipart([("path", "/"), ("overwrite", "true")], [("keep.sql", b"")])
    head = head[:head.rindex(b"\r\n--")]  # the file part's headers, without its end
    cookies = "; ".join(f"{k}={v}" for k, v in http.http.cookies.get_dict().items())
    host, port = live_server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall((f"POST /api/v1/storage/upload HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: {cookies}\r\n"
                      f"X-CSRFToken: {http.csrf_token}\r\nContent-Type: {content_type}\r\n"
                      f"Content-Length: {len(head) + 5_000_000}\r\n\r\n").encode() + head + b"n" * 400_000)
        deadline = time.monotonic() + 10
        while not leftovers(home) and time.monotonic() < deadline:  # the body streams to a temp file in place
            time.sleep(0.02)
        assert leftovers(home), "the upload was not streamed into the target folder"
    deadline = time.monotonic() + 10
    while leftovers(home) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert leftovers(home) == [] and os.listdir(home) == ["keep.sql"]
    assert (home / "keep.sql").read_text() == "old"
