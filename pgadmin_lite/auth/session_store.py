"""Server-side login sessions in their own SQLite file (SESSION_DB_PATH), serialized as JSON."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pgadmin_lite.auth.identity import Identity
from pgadmin_lite.configdb import SQLITE_CACHE_KIB

KEEP_CONNECTIONS = 4  # idle connections kept for the next requests; a burst opens more and closes them after
CACHED_ROWS = 1024  # session rows remembered between requests (forgotten all at once when full)
LOAD_SQL = ("SELECT s.user_id, s.data, s.created, s.last_seen, s.expires, i.email, i.is_admin, i.must_change_password, "
            "i.permissions, i.role FROM sessions s LEFT JOIN identities i ON i.user_id = s.user_id WHERE s.key = ?")
CREATE_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    key TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL,
    data TEXT NOT NULL,
    created REAL NOT NULL,
    last_seen REAL NOT NULL,
    expires REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user_id);
CREATE TABLE IF NOT EXISTS identities (
    user_id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    is_admin INTEGER NOT NULL,
    must_change_password INTEGER NOT NULL,
    permissions TEXT NOT NULL DEFAULT '[]',
    role TEXT NOT NULL DEFAULT 'User'
);
"""
# Columns identities gained after the first release: a file from before gets them, and its rows are dropped so
# each user's next request reads their facts from the config DB again (rather than running with none).
ADDED_IDENTITY_COLUMNS = ("permissions TEXT NOT NULL DEFAULT '[]'", "role TEXT NOT NULL DEFAULT 'User'")


@dataclass(frozen=True)
class StoredSession:
    """One row of the store, as read back."""

    user_id: int
    data: dict[str, Any]
    created: float
    last_seen: float
    expires: float
    identity: Identity | None  # None for a session from before identities were kept


def _add_identity_columns(conn: sqlite3.Connection) -> None:
    have = {row[1] for row in conn.execute("PRAGMA table_info(identities)")}
    missing = [column for column in ADDED_IDENTITY_COLUMNS if column.split()[0] not in have]
    for column in missing:
        conn.execute(f"ALTER TABLE identities ADD COLUMN {column}")
    if missing:
        conn.execute("DELETE FROM identities")


def _key(token: str) -> str:
    """Rows are keyed by a hash so a copy of the file yields no usable cookie."""
    return hashlib.sha256(token.encode()).hexdigest()


class SessionStore:
    """The only code that reads or writes session rows."""

    def __init__(self, path: str, busy_timeout: float) -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        self._idle: list[sqlite3.Connection] = []
        self._idle_lock = threading.Lock()
        if not Path(path).exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        with self._conn() as conn:
            conn.executescript(CREATE_SCHEMA)
            _add_identity_columns(conn)
        # Rows as last read, valid while the file is unchanged. PRAGMA data_version on a connection that never
        # writes changes with every commit of any other connection, this process's or another's (the CLI's), so
        # a revocation anywhere is seen by the next request, as when every request read the row.
        self._watch = self._open()
        self._watch_lock = threading.Lock()
        self._rows: dict[str, tuple[int, tuple[Any, ...]]] = {}

    @contextmanager
    def _conn(self) -> Iterator[sqlite3.Connection]:
        """A connection from a small pool: one per thread kept ~25 open (and their memory) after every burst."""
        with self._idle_lock:
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = self._open()
        try:
            yield conn
        finally:
            with self._idle_lock:
                is_kept = len(self._idle) < KEEP_CONNECTIONS
                if is_kept:
                    self._idle.append(conn)
            if not is_kept:
                conn.close()

    def _open(self) -> sqlite3.Connection:
        # WAL lets readers and the writer overlap; autocommit (isolation_level None): every statement is one.
        conn = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        return conn

    def _data_version(self) -> int:
        with self._watch_lock:
            return int(self._watch.execute("PRAGMA data_version").fetchone()[0])

    def _execute(self, statement: str, parameters: tuple[Any, ...] = ()) -> tuple[list[Any], int]:
        """One statement: its rows and row count, read before the connection goes back to the pool."""
        with self._conn() as conn:
            cursor = conn.execute(statement, parameters)
            return cursor.fetchall(), cursor.rowcount

    def create(self, user_id: int, data: dict[str, Any], lifetime_s: float) -> str:
        token = secrets.token_urlsafe(32)
        now = time.time()
        self._execute(
            "INSERT INTO sessions (key, user_id, data, created, last_seen, expires) VALUES (?, ?, ?, ?, ?, ?)",
            (_key(token), user_id, json.dumps(data), now, now, now + lifetime_s))
        return token

    def load(self, token: str) -> StoredSession | None:
        """The row of every request: read again only after some commit to the file (its data is parsed anew)."""
        key = _key(token)
        version = self._data_version()  # read before the row: a commit in between only makes the entry stale
        cached = self._rows.get(key)
        if cached is not None and cached[0] == version:
            row = cached[1]
        else:
            rows, _ = self._execute(LOAD_SQL, (key,))
            if not rows:
                return None
            row = tuple(rows[0])
            if len(self._rows) >= CACHED_ROWS:
                self._rows.clear()
            self._rows[key] = (version, row)
        identity = None if row[5] is None else Identity(row[0], row[5], bool(row[6]), bool(row[7]),
                                                        frozenset(json.loads(row[8])), row[9])
        return StoredSession(row[0], json.loads(row[1]), row[2], row[3], row[4], identity)

    def put_identity(self, identity: Identity) -> None:
        """Record (at login) or rewrite (after any change to the user) what every session of the user sees."""
        self._execute(
            "INSERT INTO identities (user_id, email, is_admin, must_change_password, permissions, role) "
            "VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, is_admin = excluded.is_admin, "
            "must_change_password = excluded.must_change_password, permissions = excluded.permissions, "
            "role = excluded.role",
            (identity.id, identity.email, int(identity.is_admin), int(identity.must_change_password),
             json.dumps(sorted(identity.permissions)), identity.role))

    def save(self, token: str, data: dict[str, Any]) -> None:
        self._execute("UPDATE sessions SET data = ?, last_seen = ? WHERE key = ?",
                      (json.dumps(data), time.time(), _key(token)))

    def touch(self, token: str) -> None:
        self._execute("UPDATE sessions SET last_seen = ? WHERE key = ?", (time.time(), _key(token)))

    def delete(self, token: str) -> None:
        self._execute("DELETE FROM sessions WHERE key = ?", (_key(token),))

    def delete_user(self, user_id: int) -> int:
        """Revoke every session of a user at once; returns how many there were."""
        _, revoked = self._execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))
        self._execute("DELETE FROM identities WHERE user_id = ?", (user_id,))
        return revoked

    def delete_other_sessions(self, user_id: int, keep_token: str | None) -> int:
        """Revoke every session of a user but one (theirs, after they changed their password)."""
        return self._execute("DELETE FROM sessions WHERE user_id = ? AND key != ?",
                             (user_id, _key(keep_token) if keep_token else ""))[1]

    def live_values(self, user_ids: set[int], name: str) -> set[tuple[int, Any]]:
        """(user id, data[name]) of each unexpired session of these users, e.g. which of their logins still exist."""
        if not user_ids:
            return set()
        marks = ", ".join("?" * len(user_ids))
        rows, _ = self._execute(f"SELECT user_id, json_extract(data, ?) FROM sessions WHERE expires > ? "  # noqa: S608
                                f"AND user_id IN ({marks})", ("$." + name, time.time(), *sorted(user_ids)))
        return {(row[0], row[1]) for row in rows}

    def count_user(self, user_id: int) -> int:
        return int(self._execute("SELECT count(*) FROM sessions WHERE user_id = ?", (user_id,))[0][0][0])

    def purge_expired(self) -> int:
        return self._execute("DELETE FROM sessions WHERE expires < ?", (time.time(),))[1]
