"""The process-wide owner of every query-tool connection: registry, caps, affinity, idle reaper."""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pgadmin_lite.connections.execution import Sizes
from pgadmin_lite.connections.leases import Lease
from pgadmin_lite.connections.process_guard import ServingGuard
from pgadmin_lite.connections.session import Connect, OnFinish, QuerySession
from pgadmin_lite.connections.spool import Holding
from pgadmin_lite.connections.workers import WorkerPool
from pgadmin_lite.errors import AffinityLost, Conflict, Gone, LimitReached, NotFound, ServerAccessLost

TRANSACTION_STATES = frozenset({"in_transaction", "in_error"})

log = logging.getLogger(__name__)
CLOSED_MEMORY = 2000  # how many closed tx_ids we remember to explain a later request
Owner = tuple[int, int, str | None]  # a tab's user id, server id and login id
# Given the owners of the open tabs, those whose right ended elsewhere (another process: the CLI), and why.
AccessCheck = Callable[[set[Owner]], dict[Owner, tuple[str, type[Gone]]]]
PAGE_CLOSED = "This query tool's page was closed, which closed its connection."


@dataclass(frozen=True)
class Limits:
    per_user: int
    total: int
    idle_s: float
    page_size: int
    max_rows: int
    preview_rows: int = 100
    holding: Holding | None = None
    access_check_s: float = 10.0  # how often the reaper asks access_check about every open tab
    lease_s: float = 0.0  # QUERY_TOOL_LEASE_SECONDS (0: no lease)
    close_grace_s: float = 0.0  # QUERY_TOOL_CLOSE_GRACE_SECONDS


def is_holding_transaction(session: QuerySession) -> bool:
    """The user's transaction is open (or failed) on the live connection: closing would roll it back."""
    return session.lost_in_transaction is None and session.user_status in TRANSACTION_STATES


def is_abandoned(session: QuerySession, now: float | None = None) -> bool:
    """Its page is gone (goodbye sent, or lease lapsed) and closing it loses nothing: no statement, no transaction."""
    lease = session.lease
    if not (lease.is_released or lease.has_lapsed(now)):
        return False
    return not session.is_running and not is_holding_transaction(session)


class ConnectionManager:
    """One per process; the only code that opens or closes query-tool connections."""

    def __init__(self, limits: Limits, guard: ServingGuard, on_finish: OnFinish | None = None) -> None:
        self.limits = limits
        self.guard = guard
        self.on_finish = on_finish
        self.access_check: AccessCheck | None = None  # set by the feature that knows users and servers
        self.cap_advice: Callable[[], dict[str, Any]] | None = None  # set by the sessions panel (its address)
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
        """Count the connection before opening it, so concurrent opens cannot exceed the caps.

        At the per-user cap, the user's abandoned tabs (pages closed or gone quiet, holding nothing) go first.
        """
        if self.count(user_id) >= self.limits.per_user:
            self._drop_where(lambda s: s.user_id == user_id and is_abandoned(s), PAGE_CLOSED)
        with self._lock:
            mine = sum(1 for s in self._sessions.values() if s.user_id == user_id) + self._reserved.get(user_id, 0)
            total = len(self._sessions) + sum(self._reserved.values())
            if mine >= self.limits.per_user:
                raise LimitReached(f"You already have {mine} open query tools (the limit is {self.limits.per_user}).",
                                   **self._cap_advice())
            if total >= self.limits.total:
                raise LimitReached(f"The server holds its maximum of {self.limits.total} query-tool connections.",
                                   hint="Try again later, or ask an administrator to raise MAX_CONNECTIONS.")
            self._reserved[user_id] = self._reserved.get(user_id, 0) + 1

    def _cap_advice(self) -> dict[str, Any]:
        """What the per-user cap's error tells the user to do (the sessions panel adds where to close one)."""
        advice = {"hint": "Close a query tool tab, or ask an administrator to raise MAX_CONNECTIONS_PER_USER."}
        return {**advice, **(self.cap_advice() if self.cap_advice is not None else {})}

    def _unreserve(self, user_id: int) -> None:
        with self._lock:
            self._reserved[user_id] -= 1

    def open_session(self, user_id: int, server_id: int, database: str, connect: Connect,
                     login_id: str | None = None, client: str | None = None,
                     params: Mapping[str, Any] | None = None, is_read_only: bool = False) -> QuerySession:
        """login_id: the login session opening it, so logging out there ends it and nothing else;
        client: the browser's user agent, to tell the user's sessions apart; params: what connect connects with;
        is_read_only: the registration's read-only rail."""
        problem = self.guard.problem()
        if problem:
            raise Conflict(problem, hint="See docs/deployment.md, 'Exactly one process'.")
        self._reserve(user_id)
        try:
            tx_id = f"{self.process_token}.{secrets.token_urlsafe(24)}"
            sizes = Sizes(self.limits.page_size, self.limits.max_rows, self.limits.preview_rows)
            session = QuerySession(tx_id, user_id, server_id, database, connect, sizes=sizes,
                                   run_in=self._workers.submit, on_finish=self.on_finish,
                                   holding=self.limits.holding, login_id=login_id, client=client, params=params,
                                   lease=Lease(self.limits.lease_s, self.limits.close_grace_s),
                                   is_read_only=is_read_only)
            with self._lock:
                self._sessions[tx_id] = session
        finally:
            self._unreserve(user_id)
        self._start_reaper()
        log.info("Opened query tool %s for user %s (backend pid %s)", tx_id[:20], user_id, session.backend_pid)
        return session

    def get(self, tx_id: str, user_id: int) -> QuerySession:
        """The user's session, or the precise reason it cannot be used; a request naming it renews its lease."""
        session = self.find(tx_id, user_id)
        session.touch()
        session.lease.renew()
        return session

    def find(self, tx_id: str, user_id: int) -> QuerySession:
        """get() without renewing anything (for the page's goodbye and the sessions panel)."""
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
        return session

    def renew(self, tx_id: str, user_id: int) -> QuerySession:
        """The page is still open: renew the lease only (the idle timeout counts the user's own requests)."""
        session = self.find(tx_id, user_id)
        session.lease.renew()
        return session

    def peek(self, tx_id: str) -> QuerySession | None:
        """Any user's live session by tx_id: the caller decides who may see or close it."""
        return self._sessions.get(tx_id)

    def sessions(self, user_id: int | None = None) -> list[QuerySession]:
        """The live sessions (of one user, or of everyone), oldest first."""
        found = [s for s in list(self._sessions.values()) if user_id is None or s.user_id == user_id]
        return sorted(found, key=lambda s: s.opened_at)

    def release(self, tx_id: str, user_id: int) -> QuerySession:
        """The page said goodbye: closed after the grace unless it comes back (a reload) or holds a transaction."""
        session = self.find(tx_id, user_id)
        session.lease.release()
        timer = threading.Timer(self.limits.close_grace_s + 0.05, _reap_once, args=(weakref.ref(self),))
        timer.daemon = True
        timer.start()
        return session

    def close_session(self, session: QuerySession, reason: str, gone: type[Gone] = Gone) -> None:
        """Close a session the caller was allowed to name (the owner, or an administrator with a reason)."""
        self._drop(session, reason, gone)

    def close_chosen(self, user_id: int, tx_ids: set[str], reason: str) -> int:
        """The user's sessions among tx_ids (others' and unknown ones are ignored)."""
        return self._drop_where(lambda s: s.user_id == user_id and s.tx_id in tx_ids, reason)

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

    def close_other_logins(self, user_id: int, keep_login_id: str | None, reason: str) -> int:
        """A password change ends the tabs of the user's other logins; the login that changed it keeps its own."""
        return self._drop_where(lambda s: s.user_id == user_id and s.login_id != keep_login_id, reason)

    def close_server(self, server_id: int, reason: str, keep_user: int | None = None) -> int:
        """Whoever lost the right to a server loses its tabs at once: rolled back, closed, and a 410 saying why."""
        return self._drop_where(lambda s: s.server_id == server_id and s.user_id != keep_user, reason,
                                ServerAccessLost)

    def make_read_only(self, server_id: int) -> int:
        """A registration turned read-only: its open tabs take the rail from their next statement (turning it off
        reaches only tabs opened after, whose connections start without it)."""
        sessions = [s for s in list(self._sessions.values()) if s.server_id == server_id]
        for session in sessions:
            session.is_read_only = True
        return len(sessions)

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
                shortest = min(self.limits.idle_s, self.limits.lease_s or self.limits.idle_s)
                interval = min(30.0, max(0.2, shortest / 8), max(0.2, self.limits.access_check_s))
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

    def reap_abandoned(self, now: Callable[[], float] = time.monotonic) -> int:
        """Close sessions whose page is gone (lease lapsed or goodbye sent) and that hold no transaction.

        One holding a transaction is kept (the panel says so) until MAX_SESSION_IDLE_TIME, as is a running one.
        """
        moment = now()
        gone = [s for s in list(self._sessions.values()) if is_abandoned(s, moment) and s.lease.has_lapsed(moment)]
        for session in gone:
            reason = PAGE_CLOSED if session.lease.is_released else (
                f"This query tool was closed because its page stopped renewing its lease for "
                f"{self.limits.lease_s:g} seconds (QUERY_TOOL_LEASE_SECONDS): the browser was closed, crashed or "
                "lost the network.")
            self._drop(session, reason)
            log.info("Closed abandoned query tool %s of user %s", session.tx_id[:20], session.user_id)
        return len(gone)

    def reap(self) -> None:
        """One round of the reaper: idle sessions, then those whose page is gone."""
        self.reap_idle()
        self.reap_abandoned()

    def check_access(self) -> int:
        """End the tabs whose user, login or right to the server ended in another process (the web process
        learns of a CLI delete-user or load-servers --replace only by asking), with the same 410 as here."""
        check = self.access_check
        sessions = list(self._sessions.values())
        if check is None or not sessions:
            return 0
        ended = check({(s.user_id, s.server_id, s.login_id) for s in sessions})
        closing = [(s, ended[key]) for s in sessions if (key := (s.user_id, s.server_id, s.login_id)) in ended]
        for session, (reason, gone) in closing:
            self._drop(session, reason, gone)
            log.info("Closed query tool %s of user %s: %s", session.tx_id[:20], session.user_id, reason)
        return len(closing)


def _reap_once(ref: weakref.ref[ConnectionManager]) -> None:
    """A page's goodbye is acted on when its grace ends, not at the reaper's next round."""
    manager = ref()
    if manager is not None:
        manager.reap_abandoned()


def _reap_loop(ref: weakref.ref[ConnectionManager], stop: threading.Event, interval: float) -> None:
    """Holds the manager only weakly, so a discarded app (and its connections) can be freed."""
    last_check = time.monotonic()
    while not stop.wait(interval):
        manager = ref()
        if manager is None:
            return
        manager.reap()
        if time.monotonic() - last_check >= manager.limits.access_check_s:
            last_check = time.monotonic()
            try:
                manager.check_access()
            except Exception:  # the config DB may be busy or gone for a moment: the next round asks again
                log.exception("Checking the open query tools' access failed")
        del manager
