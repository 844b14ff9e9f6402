"""`setup_db.py doctor`: what an operator must fix in the data directories, config DB and storage, one line each.

Writability is judged for the OS user the web server runs as (`--as-user`) from owner, group and mode
bits, because os.access only answers for the user running the command (often root). ACLs are not read.
The check changes nothing: the SQLite config DB is opened read-only, and immutable when it has no WAL
file, so running doctor as root never leaves root-owned -wal/-shm files behind.
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from pgadmin_lite.configdb import database_url, schema_state
from pgadmin_lite.directories import DIR_SETTINGS, FILE_SETTINGS
from pgadmin_lite.errors import ConfigError
from pgadmin_lite.storage.roots import USER_ROOT_RE, parse_shares, user_root_name

R, W, X = 4, 2, 1
SETUP = "python setup_db.py setup-db"
# Directories that should be 0700, and how bad it is when they are not: storage holds every user's files.
PRIVATE_DIRS = {"STORAGE_DIR": "error", "DATA_DIR": "warn"}


@dataclass(frozen=True)
class Account:
    """An OS user: the one the web server runs as."""

    name: str
    uid: int
    groups: frozenset[int]

    @classmethod
    def named(cls, name: str | None) -> Account:
        """The named user, or the one running this command; with all its groups, as the kernel checks them."""
        try:
            entry = pwd.getpwnam(name) if name else pwd.getpwuid(os.geteuid())
        except KeyError:
            raise ConfigError(f"There is no OS user {name!r}; pass the web server's user, "
                              "e.g. --as-user www-data.") from None
        groups = frozenset(os.getgrouplist(entry.pw_name, entry.pw_gid))
        return cls(entry.pw_name, entry.pw_uid, groups)


@dataclass(frozen=True)
class Finding:
    """One line of the report; an error means something must be fixed before the server works."""

    level: str  # "ok", "warn" or "error"
    message: str

    def line(self) -> str:
        return f"{self.level.upper():<5} {self.message}"


def allows(info: os.stat_result, account: Account, want: int) -> bool:
    """Do the mode bits grant `want` (R/W/X) to the account? Owner, then group, then other, like the kernel."""
    if account.uid == 0:
        return True
    if info.st_uid == account.uid:
        bits = info.st_mode >> 6
    elif info.st_gid in account.groups:
        bits = info.st_mode >> 3
    else:
        bits = info.st_mode
    return bits & want == want


def describe(info: os.stat_result) -> str:
    """'owner:group mode 0700' for a message."""
    try:
        owner = pwd.getpwuid(info.st_uid).pw_name
    except KeyError:
        owner = str(info.st_uid)
    try:
        group = grp.getgrgid(info.st_gid).gr_name
    except KeyError:
        group = str(info.st_gid)
    return f"owned by {owner}:{group} mode {stat.S_IMODE(info.st_mode):04o}"


def blocked_ancestor(path: Path, account: Account) -> Finding | None:
    """A parent folder the account cannot enter makes everything below it unreachable."""
    for parent in reversed(path.parents):
        try:
            info = os.stat(parent)
        except OSError:
            return None
        if not allows(info, account, X):
            return Finding("error", f"{account.name} cannot reach {path}: {parent} is {describe(info)}; "
                                    f"run: chmod o+x {parent}  (or chown it to {account.name})")
    return None


def check_directory(path: Path, setting: str, account: Account, *, private: str | None = None) -> Finding:
    """Exists, reachable and writable by the account; `private` is the level of a group/other bits finding."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return Finding("error", f"{path} ({setting}) does not exist; run: {SETUP} --owner {account.name}  "
                                f"(or: install -d -o {account.name} -m 700 {path})")
    if not stat.S_ISDIR(info.st_mode):
        return Finding("error", f"{path} ({setting}) is not a directory; point {setting} at a directory.")
    blocked = blocked_ancestor(path, account)
    if blocked:
        return blocked
    if not allows(info, account, R | W | X):
        fix = f"chmod u+rwx {path}" if info.st_uid == account.uid else f"chown -R {account.name}: {path}"
        return Finding("error", f"{path} ({setting}) is {describe(info)}: not writable by {account.name}; run: {fix}")
    if private and stat.S_IMODE(info.st_mode) & 0o077:
        return Finding(private, f"{path} ({setting}) is {describe(info)}: other OS users can enter it; "
                                f"run: chmod 700 {path}")
    return Finding("ok", f"{path} ({setting}) is {describe(info)}, writable by {account.name}.")


def check_file(path: Path, setting: str, account: Account, *, required: bool, secret: bool) -> Finding | None:
    """A file the server reads (keys) or writes (databases, log); None when it may be created later."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if required:
            return Finding("error", f"{path} ({setting}) does not exist; run: {SETUP} --owner {account.name}")
        return None
    want = R if secret else R | W
    if not allows(info, account, want):
        verb = "readable" if secret else "writable"
        return Finding("error", f"{path} ({setting}) is {describe(info)}: not {verb} by {account.name}; "
                                f"run: chown {account.name}: {path}")
    if secret and stat.S_IMODE(info.st_mode) & 0o077:
        return Finding("error", f"{path} ({setting}) is {describe(info)}: other OS users can read a secret; "
                                f"run: chmod 600 {path}")
    return Finding("ok", f"{path} ({setting}) is {describe(info)}.")


def check_data_paths(config: Mapping[str, Any], account: Account) -> list[Finding]:
    """Every directory the server writes, then the files it reads or writes there."""
    findings: list[Finding] = []
    directories: dict[Path, str] = {}
    for setting in DIR_SETTINGS:
        directories.setdefault(Path(config[setting]), setting)
    for setting in FILE_SETTINGS:
        directories.setdefault(Path(config[setting]).parent, f"directory of {setting}")
    for path, setting in directories.items():
        findings.append(check_directory(path, setting, account, private=PRIVATE_DIRS.get(setting)))
    sqlite_required = not config["CONFIG_DATABASE_URI"]
    files = [("SQLITE_PATH", sqlite_required, False), ("SESSION_DB_PATH", False, False), ("LOG_FILE", False, False),
             ("SECRET_KEY_FILE", not config["SECRET_KEY"], True),
             ("CREDENTIALS_KEY_FILE", not config["CREDENTIALS_KEY"], True)]
    for setting, required, secret in files:
        findings.append(check_file(Path(config[setting]), setting, account, required=required, secret=secret))
    for setting in ("SQLITE_PATH", "SESSION_DB_PATH"):  # SQLite's WAL side files need writing too
        for suffix in ("-wal", "-shm"):
            findings.append(check_file(Path(str(config[setting]) + suffix), setting, account,
                                       required=False, secret=False))
    return [finding for finding in findings if finding is not None]


def _read_only_url(config: Mapping[str, Any]) -> str | None:
    if config["CONFIG_DATABASE_URI"]:
        return database_url(dict(config))
    path = str(config["SQLITE_PATH"])
    if not os.path.exists(path):
        return None
    mode = "mode=ro" if os.path.exists(path + "-wal") else "immutable=1"
    return f"sqlite:///file:{quote(path)}?{mode}&uri=true"


def check_schema(config: Mapping[str, Any]) -> tuple[Finding, list[int] | None]:
    """The config DB's schema against the code's head; also the user ids, for the storage check."""
    where = "CONFIG_DATABASE_URI" if config["CONFIG_DATABASE_URI"] else str(config["SQLITE_PATH"])
    url = _read_only_url(config)
    if url is None:
        return Finding("error", f"The config database ({where}) does not exist; run: {SETUP}"), None
    args = {} if url.startswith("sqlite") else {"connect_timeout": 5}
    engine = create_engine(url, connect_args=args)
    try:
        current, head = schema_state(engine)
        with engine.connect() as conn:
            ids = [row[0] for row in conn.execute(text("SELECT id FROM users"))] if current else None
    except SQLAlchemyError as exc:
        return Finding("error", f"Cannot read the config database ({where}): {getattr(exc, 'orig', exc)}; "
                                f"check CONFIG_DATABASE_URI or run: {SETUP}"), None
    finally:
        engine.dispose()
    if current == head:
        return Finding("ok", f"The config database ({where}) is at the current schema {head}."), ids
    if current is None:
        return Finding("error", f"The config database ({where}) is not set up; run: {SETUP}"), None
    return Finding("error", f"The config database ({where}) has schema {current}, not {head}; run: {SETUP}  "
                            "(if it is newer, upgrade pgadmin_lite instead)"), ids


def check_user_root(path: Path, account: Account) -> Finding | None:
    """A user's area: a real directory, private (0700), writable by the server; None when fine."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return Finding("warn", f"{path} (a user's storage root) is missing; it is created on first use, "
                               f"or now with: install -d -o {account.name} -m 700 {path}")
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        return Finding("error", f"{path} (a user's storage root) is not a real directory, so storage refuses it; "
                                f"run: rm {path} && install -d -o {account.name} -m 700 {path}")
    if not allows(info, account, R | W | X):
        return Finding("error", f"{path} is {describe(info)}: not writable by {account.name}; "
                                f"run: chown -R {account.name}: {path}")
    if stat.S_IMODE(info.st_mode) & 0o077:
        return Finding("error", f"{path} is {describe(info)}: other OS users can read this user's files; "
                                f"run: chmod 700 {path}")
    return None


def check_storage_roots(config: Mapping[str, Any], account: Account, user_ids: list[int] | None) -> list[Finding]:
    """Each user's area, areas that belong to no user, and the shared folders."""
    storage = Path(config["STORAGE_DIR"])
    if not storage.is_dir():
        return []
    ids = set(user_ids or [])
    findings = [finding for user_id in sorted(ids)
                if (finding := check_user_root(storage / user_root_name(user_id), account))]
    if user_ids is not None:
        for entry in sorted(os.listdir(storage)):
            if USER_ROOT_RE.match(entry) and int(entry[1:]) not in ids:
                orphan = storage / entry
                findings.append(Finding("warn", f"{orphan} belongs to no user (moved aside if a new user gets id "
                                                f"{entry[1:]}); to delete it run: rm -r {orphan}"))
        if not findings:
            findings.append(Finding("ok", f"{len(ids)} user storage root(s) under {storage} are private and writable."))
    return findings + check_shares(config, account)


def check_shares(config: Mapping[str, Any], account: Account) -> list[Finding]:
    """Shared folders must exist and be usable by the server; other users reading them is only a warning."""
    findings = []
    for share in parse_shares(config["SHARED_STORAGE"]):
        path, label = Path(share.path), f"shared folder {share.name!r}"
        try:
            info = os.stat(path)
        except FileNotFoundError:
            findings.append(Finding("error", f"{path} ({label}) does not exist; run: install -d -o {account.name} "
                                             f"-m 700 {path}  (or fix SHARED_STORAGE)"))
            continue
        blocked = blocked_ancestor(path, account)
        if blocked:
            findings.append(blocked)
        elif not allows(info, account, R | W | X):
            findings.append(Finding("error", f"{path} ({label}) is {describe(info)}: not writable by {account.name}; "
                                             f"run: chown -R {account.name}: {path}"))
        elif stat.S_IMODE(info.st_mode) & 0o077:
            findings.append(Finding("warn", f"{path} ({label}) is {describe(info)}: other OS users can read it; "
                                            f"if unintended run: chmod -R go-rwx {path}"))
        else:
            findings.append(Finding("ok", f"{path} ({label}) is {describe(info)}."))
    return findings


def run_doctor(config: Mapping[str, Any], account: Account) -> list[Finding]:
    """Every finding, in the order an operator fixes them: directories, files, config DB, storage."""
    findings = check_data_paths(config, account)
    schema, user_ids = check_schema(config)
    findings.append(schema)
    findings += check_storage_roots(config, account, user_ids)
    return findings
