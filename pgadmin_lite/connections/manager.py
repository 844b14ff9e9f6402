"""The process-wide owner of every query-tool connection: registry, caps, affinity, idle reaper."""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from pgadmin_lite.connections.execution import Sizes
from pgadmin_lite.connections.process_guard import ServingGuard
from pgadmin_lite.connections.session import Connect, OnFinish, QuerySession
from pgadmin_lite.connections.spool import Holding
from pgadmin_lite.connections.workers import WorkerPool
from pgadmin_lite.errors import AffinityLost, Conflict, Gone, LimitReached, NotFound, ServerAccessLost

log = logging.getLogger(__name__)
CLOSED_MEMORY = 2000  # how many closed tx_ids we remember to explain a later request


@dataclass(frozen=True)
class Limits:
    per_user: int
    total: int
    idle_s: float
    page_size: int
    max_rows: int
    preview_rows: int = 100
    holding: Holding | None = None


class ConnectionManager:
    """One per process; the only code that opens or closes query-tool connections."""

    def __init__(self, limits: Limits, guard: ServingGuard, on_finish: OnFinish | None = None) -> None:
        self.limits = limits
        self.guard = guard
        self.on_finish = on_finish
        self._token, self._token_pid = secrets.token_hex(6), os.getpid()
        self._sessions: dict[str, QuerySession] = {}
        self._reserved: dict[int, int] = {}
        self._closed: OrderedDict[str, tuple[int, str, type[Gone]]] = OrderedDict()  # user, reason, error
        self._lock = threading.Lock()
        self._reaper: threading.Thread | None = None
        self._stop = threading.Event()
        self._workers = WorkerPool("query")

    @property
    def process_token(self) -> str:
        """Unique per process even when the app was built before a fork (gunicorn --preload, uWSGI)."""
        if self._token_pid != os.getpid():
            self._token, self._token_pid = secrets.token_hex(6), os.getpid()
        return self._token

    def _reserve(self, user_id: int) -> None:
        """Count the connection before opening it, so concurrent opens cannot exceed the caps."""
        with self._lock:
            mine = sum(1 for s in self._sessions.values() if s.user_id == user_id) + self._reserved.get(user_id, 0)
            total = len(self._sessions) + sum(self._reserved.values())
            if mine >= self.limits.per_user:
                raise LimitReached(f"You already have {mine} open query tools (the limit is {self.limits.per_user}).",
                                   hint="Close a query tool tab, or ask an administrator to raise "
                                        "MAX_CONNECTIONS_PER_USER.")
            if total >= self.limits.total:
                raise LimitReached(f"The server holds its maximum of {self.limits.total} query-tool connections.",
                                   hint="Try again later, or ask an administrator to raise MAX_CONNECTIONS.")
            self._reserved[user_id] = self._reserved.get(user_id, 0) + 1

    def _unreserve(self, user_id: int) -> None:
        with self._lock:
            self._reserved[user_id] -= 1

    def open_session(self, user_id: int, server_id: int, database: str, connect: Connect,
                     login_id: str | None = None) -> QuerySession:
        """login_id: the login session opening it, so logging out there ends it and nothing else."""
        problem = self.guard.problem()
        if problem:
            raise Conflict(problem, hint="See docs/deployment.md, 'Exactly one process'.")
        self._reserve(user_id)
        try:
            tx_id = f"{self.process_token}.{secrets.token_urlsafe(24)}"
            sizes = Sizes(self.limits.page_size, self.limits.max_rows, self.limits.preview_rows)
            session = QuerySession(tx_id, user_id, server_id, database, connect, sizes=sizes,
                                   run_in=self._workers.submit, on_finish=self.on_finish,
                                   holding=self.limits.holding, login_id=login_id)
            with self._lock:
                self._sessions[tx_id] = session
        finally:
            self._unreserve(user_id)
        self._start_reaper()
        log.info("Opened query tool %s for user %s (backend pid %s)", tx_id[:20], user_id, session.backend_pid)
        return session

    def get(self, tx_id: str, user_id: int) -> QuerySession:
        """The user's session, or the precise reason it cannot be used."""
        token = tx_id.partition(".")[0]
        if token != self.process_token:
            raise AffinityLost(self._affinity_message(), hint=(
                "Run exactly one pgadmin_lite process with many threads (gunicorn --workers 1 --threads 25, "
                "uWSGI processes=1, mod_wsgi processes=1), or route each browser to one replica (sticky sessions). "
                "Then open a new query tool."), tx_process=token, this_process=self.process_token)
        session = self._sessions.get(tx_id)
        if session is None or session.user_id != user_id:
            closed = self._closed.get(tx_id)
            if closed and closed[0] == user_id:
                raise closed[2](closed[1], hint="Open a new query tool; your editor text is kept.")
            raise NotFound("No such query tool.", hint="Open a new query tool.")
        session.touch()
        return session

    def _affinity_message(self) -> str:
        second = self.guard.problem()
        if second:
            return ("This request reached a different pgadmin_lite process than the one holding your query tool. "
                    + second)
        return ("This query tool was opened by a different pgadmin_lite process than the one that answered "
                f"(this process is pid-token {self.process_token}). Either several worker processes or replicas "
                "serve the console without sticky routing, or the server was restarted and the tab's connection "
                "and any open transaction are gone.")

    def close(self, tx_id: str, user_id: int, reason: str = "This query tool was closed.") -> None:
        session = self.get(tx_id, user_id)
        self._drop(session, reason)

    def _drop(self, session: QuerySession, reason: str, gone: type[Gone] = Gone) -> None:
        with self._lock:
            if self._sessions.pop(session.tx_id, None) is None:
                return
            self._closed[session.tx_id] = (session.user_id, reason, gone)
            while len(self._closed) > CLOSED_MEMORY:
                self._closed.popitem(last=False)
        session.close()

    def _drop_where(self, is_ended: Callable[[QuerySession], bool], reason: str, gone: type[Gone] = Gone) -> int:
        sessions = [s for s in list(self._sessions.values()) if is_ended(s)]
        for session in sessions:
            self._drop(session, reason, gone)
        return len(sessions)

    def close_user(self, user_id: int, reason: str = "Your access was revoked, which closed this query tool.") -> int:
        return self._drop_where(lambda s: s.user_id == user_id, reason)

    def close_login(self, user_id: int, login_id: str | None,
                    reason: str = "You logged out, which closed this query tool.") -> int:
        """Logout ends the tabs of that login only; the user's other browsers keep theirs (and their transactions)."""
        return self._drop_where(lambda s: s.user_id == user_id and s.login_id == login_id, reason)

    def close_server(self, server_id: int, reason: str, keep_user: int | None = None) -> int:
        """Whoever lost the right to a server loses its tabs at once: rolled back, closed, and a 410 saying why."""
        return self._drop_where(lambda s: s.server_id == server_id and s.user_id != keep_user, reason,
                                ServerAccessLost)

    def close_all(self) -> None:
        self._stop.set()
        for session in list(self._sessions.values()):
            self._drop(session, "The server is shutting down.")
        self.guard.release()

    def count(self, user_id: int | None = None) -> int:
        return sum(1 for s in list(self._sessions.values()) if user_id is None or s.user_id == user_id)

    def _start_reaper(self) -> None:
        with self._lock:
            if self._reaper is None:
                interval = min(30.0, max(0.2, self.limits.idle_s / 4))
                self._reaper = threading.Thread(target=_reap_loop, args=(weakref.ref(self), self._stop, interval),
                                                name="query-tool-reaper", daemon=True)
                self._reaper.start()

    def reap_idle(self, now: Callable[[], float] = time.monotonic) -> int:
        """Roll back and close sessions idle past MAX_SESSION_IDLE_TIME (a running statement is not idle)."""
        limit = self.limits.idle_s
        idle = [s for s in list(self._sessions.values()) if not s.is_running and now() - s.last_used > limit]
        for session in idle:
            minutes = limit / 60
            span = f"{minutes:g} minutes" if minutes >= 1 else f"{limit:g} seconds"
            self._drop(session, f"This query tool was closed after {span} without activity "
                                "(MAX_SESSION_IDLE_TIME); any open transaction was rolled back.")
            log.info("Reaped idle query tool %s of user %s", session.tx_id[:20], session.user_id)
        return len(idle)


def _reap_loop(ref: weakref.ref[ConnectionManager], stop: threading.Event, interval: float) -> None:
    """Holds the manager only weakly, so a discarded app (and its connections) can be freed."""
    while not stop.wait(interval):
        manager = ref()
        if manager is None:
            return
        manager.reap_idle()
        del manager
