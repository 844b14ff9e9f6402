"""Storage roots: each user's private area under STORAGE_DIR, the shared folders, and the per-root lock."""

from __future__ import annotations

import fcntl
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime

from pgadmin_lite.errors import AlreadyExists, ConfigError, NotFound, PermissionDenied
from pgadmin_lite.storage import sandbox

HOME = "home"  # the `root` value of a user's private area (the default)
SHARE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
USER_ROOT_RE = re.compile(r"^u[0-9]+$")


@dataclass(frozen=True)
class Share:
    """A folder the administrator declared in SHARED_STORAGE."""

    name: str
    path: str
    read_only_for_users: bool


@dataclass(frozen=True)
class Root:
    """One tree a request may touch: where it lives on the host and what the caller may do in it."""

    name: str
    host_path: str
    entry: str | None  # the user's directory under host_path (derived from the id), None for a share
    is_shared: bool
    is_writable: bool
    quota_bytes: int | None = None

    @contextmanager
    def opened(self, *, lock: bool = False) -> Iterator[int]:
        """The root's directory descriptor; with lock, mutations of this root are serialised (all processes)."""
        fd = sandbox.open_root(self.host_path, self.entry)
        try:
            if lock:
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield fd
        finally:
            os.close(fd)  # also releases the lock

    def require_writable(self) -> None:
        if not self.is_writable:
            raise PermissionDenied(f"The shared folder {self.name!r} is read-only for users.",
                                   hint="An administrator can change files there.")

    def describe(self) -> dict[str, object]:
        return {"name": self.name, "is_shared": self.is_shared, "is_writable": self.is_writable,
                "label": "My files" if not self.is_shared else self.name}


def parse_shares(entries: object) -> tuple[Share, ...]:
    """Validate SHARED_STORAGE; a mistake stops the app with the entry and the fix."""
    if not isinstance(entries, list):
        raise ConfigError("SHARED_STORAGE must be a list of {name, path, read_only_for_users} objects.")
    shares: list[Share] = []
    for index, entry in enumerate(entries):
        where = f"SHARED_STORAGE[{index}]"
        if not isinstance(entry, dict) or set(entry) - {"name", "path", "read_only_for_users"}:
            raise ConfigError(f"{where} must be an object with only name, path and read_only_for_users.")
        name, path, read_only = entry.get("name"), entry.get("path"), entry.get("read_only_for_users", True)
        if not isinstance(name, str) or not SHARE_NAME_RE.match(name) or name == HOME:
            raise ConfigError(f"{where}: name must be 1-64 letters, digits, '.', '_' or '-' and not {HOME!r}.")
        if not isinstance(path, str) or not os.path.isabs(path):
            raise ConfigError(f"{where} ({name}): path must be an absolute directory path.")
        if not isinstance(read_only, bool):
            raise ConfigError(f"{where} ({name}): read_only_for_users must be true or false.")
        if name in {share.name for share in shares}:
            raise ConfigError(f"{where}: the name {name!r} is used twice.")
        shares.append(Share(name, os.path.abspath(path), read_only))
    return tuple(shares)


def user_root_name(user_id: int) -> str:
    """The directory of a user's area: from the numeric id only, never from user-supplied text."""
    return f"u{int(user_id)}"


def home_root(storage_dir: str, user_id: int, quota_bytes: int | None) -> Root:
    ensure_user_root(storage_dir, user_id)
    return Root(HOME, storage_dir, user_root_name(user_id), is_shared=False, is_writable=True,
                quota_bytes=quota_bytes)


def share_root(shares: tuple[Share, ...], name: str, *, is_admin: bool) -> Root:
    """A shared folder by name; administrators may write even to one that is read-only for users."""
    for share in shares:
        if share.name == name:
            if not os.path.isdir(share.path):
                raise NotFound(f"The shared folder {name!r} ({share.path}) does not exist on the server.",
                               hint="An administrator must create it or fix SHARED_STORAGE.")
            return Root(name, share.path, None, is_shared=True, is_writable=is_admin or not share.read_only_for_users)
    raise NotFound(f"There is no shared folder named {name!r}.", hint="GET /api/v1/storage/roots lists them.")


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


@contextmanager
def _storage_dir(storage_dir: str) -> Iterator[int]:
    fd = sandbox.open_root(storage_dir)
    try:
        yield fd
    finally:
        os.close(fd)


def ensure_user_root(storage_dir: str, user_id: int) -> None:
    """Create the user's area (0700) if missing, e.g. for users that existed before storage did."""
    with _storage_dir(storage_dir) as base:
        if not sandbox.entry_exists(base, user_root_name(user_id)):
            with suppress(AlreadyExists):  # created by a concurrent request
                sandbox.make_dir(base, user_root_name(user_id), ())


def create_user_root(storage_dir: str, user_id: int) -> None:
    """A new user's empty area; a leftover directory of an earlier user with the same id is moved aside."""
    name = user_root_name(user_id)
    with _storage_dir(storage_dir) as base:
        if sandbox.entry_exists(base, name):  # SQLite can reuse a deleted user's id: never inherit files
            os.rename(name, f"{name}.orphan-{_stamp()}", src_dir_fd=base, dst_dir_fd=base)
        sandbox.make_dir(base, name, ())


def retire_user_root(storage_dir: str, user_id: int, *, keep: bool) -> str | None:
    """On user deletion: rename the area aside (kept) or delete it; returns the kept directory's path."""
    name = user_root_name(user_id)
    with _storage_dir(storage_dir) as base:
        if not sandbox.entry_exists(base, name):
            return None
        aside = f"{name}.deleted-{_stamp()}" if keep else f"{name}.deleting-{_stamp()}"
        os.rename(name, aside, src_dir_fd=base, dst_dir_fd=base)  # first: a reused id never sees these files
        if keep:
            return os.path.join(storage_dir, aside)
        sandbox.remove_entry(base, aside, (aside,), recursive=True)
    return None


def user_usage(storage_dir: str, user_id: int) -> tuple[int, int]:
    """(bytes, files) in a user's area; (0, 0) when it does not exist yet."""
    with _storage_dir(storage_dir) as base:
        if not sandbox.entry_exists(base, user_root_name(user_id)):
            return 0, 0
    root = Root(HOME, storage_dir, user_root_name(user_id), is_shared=False, is_writable=False)
    with root.opened() as fd:
        return sandbox.tree_usage(fd)
