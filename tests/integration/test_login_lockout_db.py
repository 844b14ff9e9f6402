"""The lockout's one atomic statement on both config-DB backends (SQLite and PostgreSQL): parallel reservations
lose no count and let no more than the limits through; windows, successes, unlock and purge behave as documented
in pgadmin_lite/auth/lockout.py."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask

from pgadmin_lite import create_app
from pgadmin_lite.auth import lockout
from pgadmin_lite.auth.lockout import ACCOUNT_WIDE, Reservation
from pgadmin_lite.extensions import db
from pgadmin_lite.models import LoginAttempt
from pgadmin_lite.models.columns import utcnow
from tests.plugins.app_fixtures import prepare_data_dir
from tests.plugins.postgres_fixture import PgServer

MAX_ATTEMPTS = 5
MAX_ACCOUNT_ATTEMPTS = 12
EMAIL = "target@example.com"
PARALLEL = 30


@pytest.fixture(params=["sqlite", "postgresql"])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Flask:
    overrides = {"MAX_LOGIN_ATTEMPTS": MAX_ATTEMPTS, "MAX_ACCOUNT_LOGIN_ATTEMPTS": MAX_ACCOUNT_ATTEMPTS,
                 "LOGIN_LOCKOUT_MINUTES": 10}
    if request.param == "postgresql":
        server: PgServer = request.getfixturevalue("pg_server")
        database: str = request.getfixturevalue("pg_database")
        overrides["CONFIG_DATABASE_URI"] = f"postgresql://{server.user}@{server.host}:{server.port}/{database}"
    return create_app(prepare_data_dir(tmp_path / "data", overrides))


def reserve(app: Flask, source: str, email: str = EMAIL) -> Reservation:
    with app.app_context():
        return lockout.reserve_attempt(email, source, lockout.policy(app))


def in_parallel(app: Flask, sources: list[str]) -> list[Reservation]:
    """Reserve one attempt per source, all released at once, each thread on its own connection."""
    start = threading.Barrier(len(sources))

    def one(source: str) -> Reservation:
        start.wait(timeout=30)
        return reserve(app, source)

    with ThreadPoolExecutor(len(sources)) as pool:
        return list(pool.map(one, sources))


def counts(app: Flask, email: str = EMAIL) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(db.select(LoginAttempt).filter_by(email=email)).scalars()
        return {row.source: row.attempts for row in rows}


def move_time(app: Flask, by: timedelta, email: str = EMAIL) -> None:
    """Simulate time passing for an email by moving its rows' times back."""
    with app.app_context():
        for row in db.session.execute(db.select(LoginAttempt).filter_by(email=email)).scalars():
            row.window_ends -= by
            if row.known_until is not None:
                row.known_until -= by
        db.session.commit()


def call(app: Flask, function: Callable[..., object], *args: object) -> object:
    with app.app_context():
        return function(*args)


def test_parallel_attempts_from_one_source_check_exactly_the_limit(app: Flask) -> None:
    results = in_parallel(app, ["192.0.2.1"] * PARALLEL)
    assert sum(r.is_allowed for r in results) == MAX_ATTEMPTS
    assert counts(app) == {"192.0.2.1": PARALLEL, ACCOUNT_WIDE: PARALLEL}  # no count was lost
    assert all(r.locked_until is not None for r in results if not r.is_allowed)


def test_parallel_attempts_from_many_sources_stop_at_the_account_ceiling(app: Flask) -> None:
    sources = [f"198.51.100.{i}" for i in range(PARALLEL)]
    results = in_parallel(app, sources)
    assert sum(r.is_allowed for r in results) == MAX_ACCOUNT_ATTEMPTS
    assert counts(app)[ACCOUNT_WIDE] == PARALLEL
    assert not reserve(app, "198.51.100.200").is_allowed  # a new address is locked out of the account


def test_a_known_source_answers_only_to_its_own_limit(app: Flask) -> None:
    policy = call(app, lockout.policy, app)
    assert reserve(app, "192.0.2.50").is_allowed
    call(app, lockout.record_success, EMAIL, "192.0.2.50", policy)
    in_parallel(app, [f"203.0.113.{i}" for i in range(PARALLEL)])  # the ceiling is far exceeded
    assert [reserve(app, "192.0.2.50").is_allowed for _ in range(MAX_ATTEMPTS + 1)] == [True] * MAX_ATTEMPTS + [False]


def test_a_lock_lasts_from_the_attempt_that_reached_it_and_counts_then_start_afresh(app: Flask) -> None:
    results = [reserve(app, "192.0.2.1") for _ in range(MAX_ATTEMPTS + 3)]
    assert [r.locked_until is None for r in results[:MAX_ATTEMPTS - 1]] == [True] * (MAX_ATTEMPTS - 1)
    reached = results[MAX_ATTEMPTS - 1]
    assert reached.is_allowed and reached.locked_until is not None  # checked, and the next one is refused
    assert utcnow() + timedelta(minutes=9) < reached.locked_until <= utcnow() + timedelta(minutes=10)
    assert {r.locked_until for r in results[MAX_ATTEMPTS:]} == {reached.locked_until}  # refusals do not extend it
    assert not any(r.is_allowed for r in results[MAX_ATTEMPTS:])
    move_time(app, timedelta(minutes=10))
    again = reserve(app, "192.0.2.1")
    assert (again.is_allowed, again.locked_until) == (True, None)
    assert counts(app) == {"192.0.2.1": 1, ACCOUNT_WIDE: 1}


def test_a_success_resets_its_source_and_gives_back_its_account_attempt(app: Flask) -> None:
    for _ in range(3):
        reserve(app, "192.0.2.1")
    reserve(app, "192.0.2.2")
    call(app, lockout.record_success, EMAIL, "192.0.2.2", call(app, lockout.policy, app))
    assert counts(app) == {"192.0.2.1": 3, "192.0.2.2": 0, ACCOUNT_WIDE: 3}


def test_unlock_clears_every_count_and_keeps_known_sources(app: Flask) -> None:
    policy = call(app, lockout.policy, app)
    reserve(app, "192.0.2.50")
    call(app, lockout.record_success, EMAIL, "192.0.2.50", policy)
    for source in ["192.0.2.1"] * MAX_ATTEMPTS + [f"203.0.113.{i}" for i in range(MAX_ACCOUNT_ATTEMPTS)]:
        reserve(app, source)
    assert call(app, lockout.locked_until, EMAIL, policy) is not None
    reserve(app, "192.0.2.1", "other@example.com")
    call(app, lockout.unlock, EMAIL)
    assert call(app, lockout.locked_until, EMAIL, policy) is None
    assert counts(app) == {"192.0.2.50": 0}  # the known address stays known, with nothing counted
    assert counts(app, "other@example.com") == {"192.0.2.1": 1, ACCOUNT_WIDE: 1}  # other emails untouched
    assert reserve(app, "192.0.2.1").is_allowed


def test_purge_forgets_expired_counts_but_not_known_sources(app: Flask) -> None:
    policy = call(app, lockout.policy, app)
    reserve(app, "192.0.2.1")
    reserve(app, "192.0.2.50")
    call(app, lockout.record_success, EMAIL, "192.0.2.50", policy)
    reserve(app, "192.0.2.9", "fresh@example.com")
    move_time(app, timedelta(minutes=11))
    assert call(app, lockout.purge_expired) == 2  # 192.0.2.1 and the account-wide row
    assert counts(app) == {"192.0.2.50": 0}
    assert counts(app, "fresh@example.com") == {"192.0.2.9": 1, ACCOUNT_WIDE: 1}
