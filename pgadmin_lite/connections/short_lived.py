"""Short-lived connections (object browser, dashboard): reused for a short idle time instead of one per request.

A connection is reused only by the same user, server, database and parameters (a digest: a changed password,
address or policy pin is another connection), only after a read-only transaction (nothing of it outlives its
ROLLBACK), and only once a round trip proved it alive. A janitor closes those idle longer than idle_s; changes
run on connections that are closed after use. Reuse is an optimisation, never an authorisation: callers build
the parameters (and so check the user's right to the server) before every checkout.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import pq
from psycopg.adapt import AdaptersMap
from psycopg.rows import dict_row

from pgadmin_lite.connections import opening
from pgadmin_lite.errors import (
    AppError,
    ObjectLocked,
    PrivilegeRequired,
    ServerUnreachable,
    StatementFailed,
    StatementTimeout,
)

log = logging.getLogger(__name__)

TIMEOUT_HINT = ("Raise CATALOG_STATEMENT_TIMEOUT_MS (browsing) or CHANGE_STATEMENT_TIMEOUT_MS (changes) in "
                "config_local.py, or run the statement in the query tool.")


@dataclass(frozen=True)
class Key:
    """Who may reuse a connection: the same user, server, database and parameters (a digest, not the password)."""

    user_id: int
    server_id: int
    database: str
    digest: str


@dataclass
class _Idle:
    key: Key
    conn: psycopg.Connection[Any]
    since: float


def key_for(user_id: int, server_id: int, params: Mapping[str, Any], context: AdaptersMap | None) -> Key:
    text = json.dumps(params, sort_keys=True, default=str) + f"|{id(context)}"
    return Key(user_id, server_id, str(params.get("dbname") or ""), hashlib.sha256(text.encode()).hexdigest())


def database_error(exc: psycopg.Error, statement: str | None = None) -> AppError:
    """The domain error for a failure PostgreSQL reported while we ran a statement."""
    diag = exc.diag
    extra: dict[str, Any] = {"sqlstate": exc.sqlstate}
    if statement is not None:
        extra["statement"] = statement
    if diag.message_detail:
        extra["detail"] = diag.message_detail
    message = diag.message_primary or str(exc).strip() or type(exc).__name__
    if isinstance(exc, psycopg.errors.QueryCanceled):
        return StatementTimeout(f"The server cancelled the statement: {message}.", hint=TIMEOUT_HINT, **extra)
    if isinstance(exc, psycopg.errors.LockNotAvailable):
        return ObjectLocked(f"{message}: another session holds a lock on the object.",
                            hint="See the dashboard's locks for who holds it, then retry.", **extra)
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        return PrivilegeRequired(message, hint=diag.message_hint or "Ask for the privilege, or connect as a role "
                                 "that has it.", **extra)
    if exc.sqlstate is None or isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        return ServerUnreachable(f"The connection to the server failed: {message}", **extra)
    return StatementFailed(message, hint=diag.message_hint, **extra)


def _is_alive(conn: psycopg.Connection[Any]) -> bool:
    """One empty round trip (the connection rests in autocommit): a backend that was terminated answers no more."""
    if conn.closed or conn.broken:
        return False
    try:
        conn.execute("")
    except psycopg.Error:
        return False
    return True


def _close(conn: psycopg.Connection[Any]) -> None:
    try:
        conn.close()
    except psycopg.Error as exc:  # closing never fails a request
        log.debug("Closing a short-lived connection failed: %s", exc)


class ShortLivedConnections:
    """One per process: the idle short-lived connections, bounded in number and in idle time."""

    def __init__(self, idle_s: float, max_idle: int, connect: Callable[..., psycopg.Connection[Any]] = opening.connect
                 ) -> None:
        self.idle_s = idle_s
        self.max_idle = max_idle
        self._connect = connect
        self._idle: list[_Idle] = []  # oldest first
        self._in_use: dict[int, Key] = {}  # id(conn) -> key, to retire connections closed while in use
        self._retired: set[int] = set()
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._janitor: threading.Thread | None = None
        self._stop = threading.Event()

    @contextmanager
    def connection(self, user_id: int, server_id: int, params: Mapping[str, Any], *, statement_timeout_ms: int,
                   autocommit: bool = False, context: AdaptersMap | None = None) -> Iterator[psycopg.Connection[Any]]:
        """A connection with a statement timeout; PostgreSQL errors become domain errors.

        Without autocommit the block is one read-only transaction (timeout SET LOCAL), rolled back at the end:
        what catalog reads need, and all a reused connection may have seen. An autocommit connection (a change,
        whose settings last for the session) is closed after its block.
        """
        key = key_for(user_id, server_id, params, context)
        conn = self._take(key) or self._open(key, params, context)
        try:
            conn.autocommit = autocommit
            if not autocommit:
                conn.read_only = True
            conn.execute("SELECT pg_catalog.set_config('statement_timeout', %s, %s)",
                         [str(statement_timeout_ms), not autocommit])
            yield conn
        except psycopg.Error as exc:
            raise database_error(exc) from None
        finally:
            self._release(key, conn, is_reusable=not autocommit)

    def _open(self, key: Key, params: Mapping[str, Any], context: AdaptersMap | None) -> psycopg.Connection[Any]:
        conn = self._connect(params, autocommit=True, row_factory=dict_row, prepare_threshold=None, context=context)
        with self._lock:
            self._in_use[id(conn)] = key
        return conn

    def _take(self, key: Key) -> psycopg.Connection[Any] | None:
        """The most recently used idle connection for key that is still alive (dead ones are closed on the way)."""
        while True:
            with self._lock:
                self._after_fork()
                found = next((entry for entry in reversed(self._idle) if entry.key == key), None)
                if found is None:
                    return None
                self._idle.remove(found)
                self._in_use[id(found.conn)] = key
            if _is_alive(found.conn):
                return found.conn
            self._forget(found.conn)
            _close(found.conn)

    def _forget(self, conn: psycopg.Connection[Any]) -> bool:
        """Drop conn from the books; True when it was retired (closed for its user or server) while in use."""
        with self._lock:
            self._in_use.pop(id(conn), None)
            if id(conn) in self._retired:
                self._retired.discard(id(conn))
                return True
        return False

    def _release(self, key: Key, conn: psycopg.Connection[Any], *, is_reusable: bool) -> None:
        if self._forget(conn) or not is_reusable or conn.closed or conn.broken:
            _close(conn)
            return
        try:
            if conn.info.transaction_status != pq.TransactionStatus.IDLE:
                conn.rollback()
            conn.read_only = None
            conn.autocommit = True
        except psycopg.Error:
            _close(conn)
            return
        with self._lock:
            self._after_fork()
            self._idle.append(_Idle(key, conn, time.monotonic()))
            evicted = self._idle[:-self.max_idle] if self.max_idle > 0 else list(self._idle)
            del self._idle[:len(evicted)]
            self._start_janitor()
        for entry in evicted:
            _close(entry.conn)

    def _after_fork(self) -> None:
        """In a forked child the parent's connections are not ours to use or close (their sockets are shared)."""
        if self._pid != os.getpid():
            self._pid, self._idle, self._in_use, self._retired = os.getpid(), [], {}, set()
            self._janitor, self._stop = None, threading.Event()

    def _start_janitor(self) -> None:
        if self._janitor is None:
            interval = max(0.05, min(self.idle_s / 4, 1.0))
            self._janitor = threading.Thread(target=_sweep_loop, args=(weakref.ref(self), self._stop, interval),
                                             name="short-lived-janitor", daemon=True)
            self._janitor.start()

    def close_idle(self, now: Callable[[], float] = time.monotonic) -> int:
        """Close the connections idle for longer than idle_s (the janitor's round)."""
        limit = now() - self.idle_s
        return self._close_where(lambda key, since: since <= limit, retire=False)

    def close_user(self, user_id: int) -> int:
        """On logout or revocation: the user's connections close (those in use, when their request ends)."""
        return self._close_where(lambda key, since: key.user_id == user_id)

    def close_server(self, server_id: int) -> int:
        """When a server is deleted, changed or unshared: every user's connections to it close."""
        return self._close_where(lambda key, since: key.server_id == server_id)

    def close_database(self, server_id: int, database: str) -> int:
        """Before a database is dropped or renamed: our idle connections to it would hold it open."""
        return self._close_where(lambda key, since: key.server_id == server_id and key.database == database)

    def close_all(self) -> None:
        self._stop.set()
        self._close_where(lambda key, since: True)

    def _close_where(self, match: Callable[[Key, float], bool], *, retire: bool = True) -> int:
        with self._lock:
            self._after_fork()
            closing = [entry for entry in self._idle if match(entry.key, entry.since)]
            self._idle = [entry for entry in self._idle if not match(entry.key, entry.since)]
            if retire:
                self._retired.update(ident for ident, key in self._in_use.items() if match(key, float("inf")))
        for entry in closing:
            _close(entry.conn)
        return len(closing)


def _sweep_loop(ref: weakref.ref[ShortLivedConnections], stop: threading.Event, interval: float) -> None:
    while not stop.wait(interval):
        pool = ref()
        if pool is None:
            return
        pool.close_idle()
        del pool
