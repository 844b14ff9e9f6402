"""The dashboard API on real backends: sessions with cancel/terminate rights, locks and blocking chains,
prepared transactions, settings, pg_hba rules (superusers only) and counters for the graphs."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest
from psycopg import sql

from tests.plugins.catalog_fixtures import CatalogEnv
from tests.plugins.postgres_fixture import PgServer
from tests.plugins.query_tool_helpers import register_server


@dataclass
class Backend:
    """A connection on a thread running one statement, remembering how that statement ended."""

    conninfo: str
    statement: str
    name: str = field(default_factory=lambda: f"victim-{uuid.uuid4().hex[:8]}")
    error: BaseException | None = None
    pid: int | None = None
    started: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def start(self) -> Backend:
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        assert self.started.wait(10)
        return self

    def _run(self) -> None:
        try:
            with psycopg.connect(self.conninfo, autocommit=True, application_name=self.name) as conn:
                self.pid = conn.info.backend_pid
                self.started.set()
                conn.execute(self.statement)
        except BaseException as exc:  # recorded for the test to inspect
            self.error = exc
        finally:
            self.started.set()

    def join(self, timeout: float = 5) -> None:
        assert self.thread is not None
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the backend's statement did not end"


def wait_for(predicate: Any, timeout: float = 5) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def session_of(env: CatalogEnv, backend: Backend, server_id: int | None = None, **params: Any) -> Any:
    base = f"/api/v1/servers/{server_id or env.server_id}/dashboard/sessions"
    items = env.admin.get(base, query_string=params).get_json()["items"]
    # Another role's session shows no state or query to a role without pg_read_all_stats: find it by pid then.
    return next((s for s in items if s["pid"] == backend.pid and s["state"] in ("active", None)), None)


@pytest.fixture(scope="module")
def low_role(pg_server: PgServer) -> Iterator[str]:
    """A login role with no special rights (the test cluster trusts TCP, so it needs no password)."""
    name = f"dash viewer ü {uuid.uuid4().hex[:6]}"
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(name)))
    yield name
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


@pytest.fixture(scope="module")
def low_server(catalog_env: CatalogEnv, pg_server: PgServer, low_role: str) -> int:
    """The same PostgreSQL registered again, connecting as the low-privilege role."""
    return register_server(catalog_env.admin, pg_server, "postgres", name="as low role", username=low_role)


def test_sessions_show_a_running_query_and_cancel_stops_it(catalog_env: CatalogEnv, pg_server: PgServer) -> None:
    backend = Backend(pg_server.conninfo(), "SELECT pg_sleep(30)").start()
    session = wait_for(lambda: session_of(catalog_env, backend))
    assert session["pid"] == backend.pid and session["query"] == "SELECT pg_sleep(30)"
    assert session["user"] == "postgres" and session["database"] == "postgres" and session["can_signal"]
    assert session["backend_type"] == "client backend" and session["wait_event"] == "PgSleep"
    assert session["query_age_s"] >= 0 and session["client"] == "127.0.0.1"
    assert session_of(catalog_env, backend, db="template1") is None  # the database filter
    started = time.monotonic()
    cancelled = catalog_env.send("post", f"/dashboard/sessions/{backend.pid}/cancel", {})
    assert cancelled.status_code == 200 and cancelled.get_json() == {"pid": backend.pid, "action": "cancel",
                                                                     "signalled": True}
    backend.join()
    assert isinstance(backend.error, psycopg.errors.QueryCanceled) and time.monotonic() - started < 3


def test_terminate_ends_the_session(catalog_env: CatalogEnv, pg_server: PgServer) -> None:
    backend = Backend(pg_server.conninfo(), "SELECT pg_sleep(30)").start()
    wait_for(lambda: session_of(catalog_env, backend))
    terminated = catalog_env.send("post", f"/dashboard/sessions/{backend.pid}/terminate", {})
    assert terminated.status_code == 200 and terminated.get_json()["action"] == "terminate"
    backend.join()
    assert isinstance(backend.error, psycopg.OperationalError)
    gone = catalog_env.send("post", f"/dashboard/sessions/{backend.pid}/cancel", {})
    assert gone.status_code == 404 and "ended" in gone.get_json()["error"]["message"]


def test_a_low_privilege_role_may_signal_only_its_own_sessions(catalog_env: CatalogEnv, pg_server: PgServer,
                                                               low_role: str, low_server: int) -> None:
    theirs = Backend(pg_server.conninfo(), "SELECT pg_sleep(30)").start()
    own_conninfo = psycopg.conninfo.make_conninfo(pg_server.conninfo(), user=low_role)
    mine = Backend(own_conninfo, "SELECT pg_sleep(30)").start()
    try:
        other = wait_for(lambda: session_of(catalog_env, theirs, low_server))
        own = wait_for(lambda: session_of(catalog_env, mine, low_server))
        assert not other["can_signal"] and own["can_signal"]
        assert other["query"] == "<insufficient privilege>" and own["query"] == "SELECT pg_sleep(30)"
        base = f"/api/v1/servers/{low_server}/dashboard"
        listing = catalog_env.admin.get(f"{base}/sessions").get_json()
        assert listing["me"]["role"] == low_role and not listing["me"]["is_superuser"]
        refused = catalog_env.admin.post(f"{base}/sessions/{theirs.pid}/cancel")
        assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "insufficient_privilege"
        assert catalog_env.admin.post(f"{base}/sessions/{mine.pid}/cancel").status_code == 200
        mine.join()
        assert isinstance(mine.error, psycopg.errors.QueryCanceled)
        hba = catalog_env.admin.get(f"{base}/hba")
        assert hba.status_code == 403 and "superusers" in hba.get_json()["error"]["message"]
    finally:
        catalog_env.send("post", f"/dashboard/sessions/{theirs.pid}/terminate", {})
        theirs.join()


def test_locks_show_the_blocking_chain(catalog_env: CatalogEnv, pg_server: PgServer, pg_database: str) -> None:
    conninfo = pg_server.conninfo(pg_database)
    with psycopg.connect(conninfo, autocommit=True) as setup:
        setup.execute('CREATE TABLE "locked ü" (id int)')
    with psycopg.connect(conninfo, application_name="holder") as holder:
        holder.execute('LOCK TABLE "locked ü" IN ACCESS EXCLUSIVE MODE')
        middle = Backend(conninfo, 'BEGIN; LOCK TABLE "locked ü" IN SHARE MODE; SELECT pg_sleep(30)').start()
        last = Backend(conninfo, 'SELECT count(*) FROM "locked ü"').start()
        try:
            waiting = wait_for(lambda: len(w := catalog_env.ok("/dashboard/locks", db=pg_database)["blocking"]) >= 2
                               and w)
            chains = {w["pid"]: w for w in waiting}
            holder_pid = holder.info.backend_pid
            assert chains[middle.pid]["blocked_by"] == [holder_pid] and chains[middle.pid]["head"] == holder_pid
            assert holder_pid in chains[last.pid]["blocked_by"] and chains[last.pid]["head"] == holder_pid
            locks = catalog_env.ok("/dashboard/locks", db=pg_database)["items"]
            held = [lk for lk in locks if lk["pid"] == holder_pid and lk["relation"] == '"locked ü"']
            assert held and held[0]["mode"] == "AccessExclusiveLock" and held[0]["granted"]
            blocked = session_of(catalog_env, middle, db=pg_database)
            assert blocked["wait_event_type"] == "Lock" and blocked["blocked_by"] == [holder_pid]
        finally:
            holder.rollback()
            catalog_env.send("post", f"/dashboard/sessions/{middle.pid}/terminate", {})
            middle.join()
            last.join()
    assert last.error is None


def test_prepared_transactions_settings_hba_and_stats(catalog_env: CatalogEnv, pg_server: PgServer) -> None:
    assert catalog_env.ok("/dashboard/prepared")["items"] == []  # the test cluster allows none
    settings = catalog_env.ok("/dashboard/settings", q="work_mem")["items"]
    work_mem = next(s for s in settings if s["name"] == "work_mem")
    assert {"setting", "unit", "source", "pending_restart", "context", "description"} <= set(work_mem)
    assert work_mem["pending_restart"] is False and work_mem["source"] == "default"
    assert not catalog_env.ok("/dashboard/settings", q="%")["items"]  # the search is literal
    assert len(catalog_env.ok("/dashboard/settings")["items"]) > 200
    assert catalog_env.ok("/dashboard/settings", pending_restart="true")["items"] == []
    rules = catalog_env.ok("/dashboard/hba")["items"]
    assert rules and {"line_number", "type", "auth_method"} <= set(rules[0])
    first = catalog_env.ok("/dashboard/stats")
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        for _ in range(5):
            conn.execute("SELECT 1")
    time.sleep(0.6)  # statistics reach the shared counters when a backend reports them (at most each 0.5 s idle)
    second = catalog_env.ok("/dashboard/stats")
    assert second["epoch"] > first["epoch"] and second["timestamp"] > first["timestamp"]
    for key in ("xact_commit", "xact_rollback", "tuples_in", "tuples_out", "blks_read", "blks_hit"):
        assert isinstance(second[key], int) and second[key] >= first[key], key
    assert second["xact_commit"] > first["xact_commit"]
    assert set(second["sessions"]) == {"total", "active", "idle", "idle_in_transaction", "other"}
    one_db = catalog_env.ok("/dashboard/stats", db="postgres")
    assert one_db["database"] == "postgres" and one_db["xact_commit"] <= second["xact_commit"]


def test_other_dashboard_probes_are_not_listed_as_locks(catalog_env: CatalogEnv, pg_server: PgServer,
                                                        pg_database: str) -> None:
    """A dashboard poll running at the same moment (its SQL starts with "-- Dashboard:") is not the user's lock."""
    conninfo = pg_server.conninfo(pg_database)
    with psycopg.connect(conninfo, autocommit=True) as setup:
        setup.execute("CREATE TABLE probed (id int)")
    with psycopg.connect(conninfo) as probe, psycopg.connect(conninfo) as user:
        probe.execute("-- Dashboard: a concurrent poll\nLOCK TABLE probed IN ACCESS SHARE MODE")
        user.execute("LOCK TABLE probed IN ACCESS SHARE MODE")
        pids = {lock["pid"] for lock in catalog_env.ok("/dashboard/locks", db=pg_database)["items"]}
        assert user.info.backend_pid in pids and probe.info.backend_pid not in pids
