"""The storage sandbox without Flask: path grammar, descriptor walks, links, races, atomic writes, quota."""

from __future__ import annotations

import os
import shutil
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pgadmin_lite.errors import AlreadyExists, AppError, IsDirectory, NotFound, OutsideStorage, QuotaExceeded
from pgadmin_lite.storage import files, roots, sandbox
from pgadmin_lite.storage.roots import HOME, Root
from pgadmin_lite.storage.writes import PendingFile, commit_files, pending_files
from tests.plugins.storage_helpers import (
    HOSTILE_PATHS,
    SENTINEL_MARKER,
    VIRTUAL_ODDITIES,
    leftovers,
    make_sentinel,
    snapshot,
)


@pytest.fixture
def area(tmp_path: Path) -> Iterator[tuple[Root, Path, Path]]:
    """(root, its host directory, a sentinel tree beside it) with the sentinel checked untouched afterwards."""
    storage = tmp_path / "storage"
    storage.mkdir(mode=0o700)
    roots.create_user_root(str(storage), 7)
    sentinel = make_sentinel(tmp_path)
    before = snapshot(sentinel)
    root = Root(HOME, str(storage), "u7", is_shared=False, is_writable=True)
    yield root, storage / "u7", sentinel
    assert snapshot(sentinel) == before
    assert leftovers(storage) == []


# --- the path grammar -------------------------------------------------------------------------

@pytest.mark.parametrize("path, parts", [
    ("", ()), ("/", ()), ("/a", ("a",)), ("a/b", ("a", "b")), ("/a/b/", ("a", "b")),
    ("/reports/q1.sql", ("reports", "q1.sql")),
    ("/\u00fcn\u00efcode/\u6587\u4ef6.sql", ("\u00fcn\u00efcode", "\u6587\u4ef6.sql")),
    ("...", ("...",)), ("..a", ("..a",)), ("a..", ("a..",)), (".hidden", (".hidden",)), ("a b", ("a b",)),
    ("a" * 255, ("a" * 255,)),
])
def test_split_path_accepts_virtual_paths(path: str, parts: tuple[str, ...]) -> None:
    assert sandbox.split_path(path) == parts


@pytest.mark.parametrize("path", [p for _, p in HOSTILE_PATHS], ids=[i for i, _ in HOSTILE_PATHS])
def test_split_path_refuses_hostile_paths(path: str) -> None:
    with pytest.raises(OutsideStorage) as caught:
        sandbox.split_path(path)
    assert caught.value.status == 400 and caught.value.code == "outside_storage"


@pytest.mark.parametrize("value", [None, 7, ["a"], b"/a", "\ud800"])
def test_split_path_refuses_non_text(value: object) -> None:
    with pytest.raises(OutsideStorage):
        sandbox.split_path(value)


PATH_TOKENS = st.sampled_from(["..", ".", "", "a", "b", "/", "//", "\\", "\x00", "\u2025", "\uff0e", "\uff0f",
                               "%2e", "%2f", "etc", "passwd", "\u202e", "\n", " ", "~", "\u00e9", "u1", "u2",
                               "other.sql", "sentinel", "secret.txt"])
HOSTILE_TEXT = st.one_of(st.lists(PATH_TOKENS, max_size=12).map("".join), st.text(max_size=60))


@given(HOSTILE_TEXT)
@settings(max_examples=400, deadline=None)
def test_generated_paths_never_escape(path: str) -> None:
    """Whatever the text, the accepted names joined under a root stay under it."""
    try:
        parts = sandbox.split_path(path)
    except OutsideStorage:
        return
    root = "/srv/storage/u7"
    joined = os.path.normpath(os.path.join(root, *parts)) if parts else root
    assert joined == root or joined.startswith(root + "/")
    assert all(part not in (".", "..") and "/" not in part and "\x00" not in part for part in parts)


@pytest.fixture(scope="module")
def gen_area(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One storage dir for all generated examples: user 1 (reset per example), user 2 and a sentinel."""
    base = tmp_path_factory.mktemp("generated")
    storage = base / "storage"
    storage.mkdir()
    roots.create_user_root(str(storage), 1)
    roots.create_user_root(str(storage), 2)
    (storage / "u2" / "other.sql").write_text(SENTINEL_MARKER)
    make_sentinel(base)
    return base


@given(path=HOSTILE_TEXT, operation=st.sampled_from(["list", "mkdir", "write", "read", "delete", "rename"]))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_generated_paths_touch_nothing_outside(gen_area: Path, path: str, operation: str) -> None:
    """Generated paths through real operations: the sentinel and the other user never change."""
    storage = gen_area / "storage"
    before = snapshot(gen_area / "sentinel"), snapshot(storage / "u2")
    shutil.rmtree(storage / "u1")
    roots.create_user_root(str(storage), 1)
    (storage / "u1" / "seed.sql").write_text("seed")
    root = Root(HOME, str(storage), "u1", is_shared=False, is_writable=True)
    actions = {
        "list": lambda: files.list_dir(root, path), "mkdir": lambda: files.make_directory(root, path),
        "write": lambda: files.write_text(root, path, "x", overwrite=True), "read": lambda: files.read_text(root, path),
        "delete": lambda: files.delete(root, path, recursive=True),
        "rename": lambda: files.rename(root, "/seed.sql", path),
    }
    try:
        result = actions[operation]()
    except AppError:
        result = None
    assert SENTINEL_MARKER not in repr(result)
    assert (snapshot(gen_area / "sentinel"), snapshot(storage / "u2")) == before
    if operation == "list" and result:
        names_inside = {p.name for p in (storage / "u1").rglob("*")}
        assert {entry["name"] for entry in result["entries"]} <= names_inside
    inside = (storage / "u1").resolve()
    assert all(p.resolve().is_relative_to(inside) for p in (storage / "u1").rglob("*"))


# --- links are never followed -----------------------------------------------------------------

def plant_links(host: Path, sentinel: Path) -> None:
    (host / "etc").symlink_to("/etc")
    (host / "sent").symlink_to(sentinel)
    (host / "secret").symlink_to(sentinel / "secret.txt")
    (host / "inside").mkdir()
    (host / "inside" / "back").symlink_to(sentinel)


def test_links_are_listed_but_never_followed(area: tuple[Root, Path, Path]) -> None:
    root, host, sentinel = area
    plant_links(host, sentinel)
    entries = {e["name"]: e for e in files.list_dir(root, "/")["entries"]}
    assert entries["etc"]["is_link"] and not entries["etc"]["is_dir"]
    for path in ["/etc", "/sent", "/sent/sub", "/inside/back"]:
        with pytest.raises(OutsideStorage):
            files.list_dir(root, path)


@pytest.mark.parametrize("operation", [
    lambda r: files.read_text(r, "/secret"),
    lambda r: files.read_text(r, "/etc/passwd"),
    lambda r: files.open_file(r, "/sent/secret.txt"),
    lambda r: files.write_text(r, "/secret", "owned", overwrite=True),
    lambda r: files.write_text(r, "/sent/new.sql", "owned"),
    lambda r: files.write_text(r, "/etc/cron.d/x", "owned"),
    lambda r: files.make_directory(r, "/sent/newdir"),
    lambda r: files.delete(r, "/sent", recursive=True),
    lambda r: files.delete(r, "/secret"),
    lambda r: files.delete(r, "/sent/secret.txt"),
    lambda r: files.rename(r, "/sent", "/moved"),
    lambda r: files.rename(r, "/inside", "/sent/inside"),
    lambda r: files.rename(r, "/secret", "/x"),
], ids=["read-link", "read-through-dir-link", "open-through-link", "overwrite-link", "write-through-link",
        "write-through-etc", "mkdir-through-link", "delete-link-recursive", "delete-file-link",
        "delete-through-link", "rename-link", "rename-into-link", "rename-file-link"])
def test_every_operation_refuses_links(area: tuple[Root, Path, Path], operation: object) -> None:
    root, host, sentinel = area
    plant_links(host, sentinel)
    with pytest.raises(OutsideStorage):
        operation(root)  # type: ignore[operator]
    assert os.path.islink(host / "sent") and os.path.islink(host / "secret")


def test_write_onto_a_link_without_overwrite_is_a_conflict(area: tuple[Root, Path, Path]) -> None:
    root, host, sentinel = area
    plant_links(host, sentinel)
    with pytest.raises(AlreadyExists):
        files.write_text(root, "/secret", "owned")


def test_recursive_delete_unlinks_inner_links_without_following(area: tuple[Root, Path, Path]) -> None:
    root, host, sentinel = area
    plant_links(host, sentinel)
    files.delete(root, "/inside", recursive=True)
    assert not (host / "inside").exists() and (sentinel / "secret.txt").exists()


def test_a_root_that_is_a_link_is_refused(tmp_path: Path) -> None:
    storage = tmp_path / "storage"
    storage.mkdir()
    (storage / "u3").symlink_to(make_sentinel(tmp_path))
    root = Root(HOME, str(storage), "u3", is_shared=False, is_writable=True)
    with pytest.raises(OutsideStorage):
        files.list_dir(root, "/")


# --- a link swapped in mid-operation cannot redirect anything --------------------------------------

def test_swap_after_the_walk_cannot_redirect_a_write(area: tuple[Root, Path, Path]) -> None:
    """The descriptor pins the real folder: swapping its name for a link afterwards changes nothing."""
    root, host, sentinel = area
    (host / "a").mkdir()
    with root.opened() as root_fd, sandbox.opened_dir(root_fd, ("a",)) as dir_fd, pending_files() as items:
        os.rename(host / "a", host / "a-real")
        (host / "a").symlink_to(sentinel)
        item = PendingFile(dir_fd, "secret.txt", ("a", "secret.txt"))
        items.append(item)
        item.write(b"redirected?")
        item.finish()
        commit_files(root, root_fd, items, overwrite=True)
    assert (host / "a-real" / "secret.txt").read_bytes() == b"redirected?"


def test_swap_during_the_walk_is_refused(area: tuple[Root, Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Between opening 'a' and opening 'a/b', 'b' becomes a link: O_NOFOLLOW refuses it."""
    root, host, sentinel = area
    (host / "a" / "b").mkdir(parents=True)
    real_open = os.open

    def swapping_open(name: str, flags: int, *args: object, **kwargs: object) -> int:
        if name == "b" and not (host / "a" / "b").is_symlink():
            os.rename(host / "a" / "b", host / "a" / "b-real")
            (host / "a" / "b").symlink_to(sentinel)
        return real_open(name, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sandbox.os, "open", swapping_open)
    with pytest.raises(OutsideStorage):
        files.write_text(root, "/a/b/secret.txt", "redirected?", overwrite=True)


# --- atomic writes, modes, concurrency, quota -----------------------------------------------------

def test_new_files_are_0600_and_folders_0700_whatever_the_umask(area: tuple[Root, Path, Path]) -> None:
    root, host, _ = area
    old = os.umask(0)
    try:
        files.make_directory(root, "/d")
        files.write_text(root, "/d/f.sql", "select 1;")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(host / "d").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(host / "d" / "f.sql").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(host).st_mode) == 0o700


def test_an_aborted_write_leaves_nothing(area: tuple[Root, Path, Path]) -> None:
    root, host, _ = area
    (host / "keep.sql").write_text("old")
    with pytest.raises(RuntimeError), root.opened() as root_fd, sandbox.opened_dir(root_fd, ()) as dir_fd, \
            pending_files() as items:
        items.append(PendingFile(dir_fd, "keep.sql", ("keep.sql",)))
        items[0].write(b"half of the new")
        raise RuntimeError("client went away")
    assert (host / "keep.sql").read_text() == "old"
    assert sorted(os.listdir(host)) == ["keep.sql"]


def test_concurrent_writers_of_one_name_never_mix(area: tuple[Root, Path, Path]) -> None:
    root, host, _ = area
    texts = [chr(ord("a") + i) * 200_000 for i in range(6)]
    threads = [threading.Thread(target=files.write_text, args=(root, "/same.sql", text), kwargs={"overwrite": True})
               for text in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (host / "same.sql").read_text() in texts


def test_rename_without_overwrite_never_replaces(area: tuple[Root, Path, Path],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    root, host, _ = area
    (host / "a.sql").write_text("a")
    (host / "b.sql").write_text("b")
    with pytest.raises(AlreadyExists):
        files.rename(root, "/a.sql", "/b.sql")
    monkeypatch.setattr(sandbox, "_renameat2", None)  # file systems without RENAME_NOREPLACE
    with pytest.raises(AlreadyExists):
        files.rename(root, "/a.sql", "/b.sql")
    files.rename(root, "/a.sql", "/c.sql")
    assert (host / "b.sql").read_text() == "b" and (host / "c.sql").read_text() == "a"
    files.rename(root, "/c.sql", "/b.sql", overwrite=True)
    assert (host / "b.sql").read_text() == "a"


def test_folders_are_never_replaced_nor_moved_into_themselves(area: tuple[Root, Path, Path]) -> None:
    root, host, _ = area
    (host / "d" / "e").mkdir(parents=True)
    (host / "f.sql").write_text("f")
    with pytest.raises(IsDirectory):
        files.rename(root, "/f.sql", "/d", overwrite=True)
    with pytest.raises(AppError):
        files.rename(root, "/d", "/d/e/d")
    with pytest.raises(IsDirectory):
        files.delete(root, "/d")
    with pytest.raises(NotFound):
        files.delete(root, "/missing")


def test_quota_counts_incoming_bytes_and_writes_nothing_over_it(area: tuple[Root, Path, Path]) -> None:
    _, host, _ = area
    root = Root(HOME, str(host.parent), "u7", is_shared=False, is_writable=True, quota_bytes=1000)
    files.write_text(root, "/a.sql", "x" * 800)
    with pytest.raises(QuotaExceeded):
        files.write_text(root, "/b.sql", "x" * 300)
    files.write_text(root, "/a.sql", "y" * 1000, overwrite=True)  # replacing frees the old bytes
    assert sorted(os.listdir(host)) == ["a.sql"] and files.usage(root) == (1000, 1)


def test_text_must_be_utf8(area: tuple[Root, Path, Path]) -> None:
    root, host, _ = area
    (host / "bin.dat").write_bytes(b"PK\x03\x04\x00\x00")
    (host / "latin1.sql").write_bytes("caf\u00e9".encode("latin-1"))
    for path in ["/bin.dat", "/latin1.sql"]:
        with pytest.raises(AppError) as caught:
            files.read_text(root, path)
        assert caught.value.code == "not_text"


@pytest.mark.parametrize("path", [p for _, p in VIRTUAL_ODDITIES], ids=[i for i, _ in VIRTUAL_ODDITIES])
def test_odd_but_legal_names_stay_inside(area: tuple[Root, Path, Path], path: str) -> None:
    root, host, _ = area
    try:
        files.write_text(root, path, "inside")
    except NotFound:  # e.g. /etc does not exist in the user's area
        return
    created = [p for p in host.rglob("*") if p.is_file()]
    assert created and all(p.resolve().is_relative_to(host.resolve()) for p in created)


# --- user roots over a user's lifetime ----------------------------------------------------------

def test_user_root_lifecycle(tmp_path: Path) -> None:
    storage = tmp_path / "storage"
    storage.mkdir()
    (storage / "u5").mkdir()
    (storage / "u5" / "previous-owner.sql").write_text("not yours")
    roots.create_user_root(str(storage), 5)  # an id reused after a deletion never inherits files
    assert os.listdir(storage / "u5") == [] and stat.S_IMODE(os.stat(storage / "u5").st_mode) == 0o700
    assert any(name.startswith("u5.orphan-") for name in os.listdir(storage))
    (storage / "u5" / "mine.sql").write_text("x")
    kept = roots.retire_user_root(str(storage), 5, keep=True)
    assert kept and Path(kept, "mine.sql").exists() and not (storage / "u5").exists()
    roots.create_user_root(str(storage), 6)
    assert roots.retire_user_root(str(storage), 6, keep=False) is None
    assert not [name for name in os.listdir(storage) if name.startswith("u6")]
