"""Login lockout by account and source: one atomic statement reserves each attempt before a password is checked.

The scheme (docs/security.md, "Login lockout"):

- Every attempt at an email (a login or a password change; a known email or not) first runs one
  INSERT … ON CONFLICT DO UPDATE … RETURNING (SQLite and PostgreSQL alike) that counts it in two rows at
  once: (email, source), the source being the client's address after the trusted-proxy middleware (an IPv6
  address counts as its /64), and (email, "*"), the account-wide row. Each request reads back its own
  counts, so parallel requests lose none and cannot all slip under the limit.
- A password is checked only when the attempt is within MAX_LOGIN_ATTEMPTS for its source and within
  MAX_ACCOUNT_LOGIN_ATTEMPTS for the account: N parallel requests check no more passwords than that.
- So a stranger locks only their own address out of an account: its owner, elsewhere, still logs in.
- Many addresses together get at most MAX_ACCOUNT_LOGIN_ATTEMPTS per lockout period; then every address
  is locked out of the account except those it logged in from within LOGIN_KNOWN_SOURCE_DAYS (each still
  held to MAX_LOGIN_ATTEMPTS), so the owner at a usual place still gets in during a distributed attack.
- Counts are forgotten LOGIN_LOCKOUT_MINUTES after the last attempt counted within the limit: a lock lasts
  that long from the attempt that reached it, and attempts while locked do not extend it. A success resets
  its source's count and gives back its account-wide attempt; an administrator's unlock clears every count.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, case, delete, literal, or_, select, tuple_, update

from pgadmin_lite.errors import ConfigError
from pgadmin_lite.extensions import db
from pgadmin_lite.models import LoginAttempt
from pgadmin_lite.models.columns import UTCDateTime, utcnow

ACCOUNT_WIDE = "*"  # the source of an email's account-wide row; no client source is written so
UNKNOWN_SOURCE = "unknown"  # a peer without an IP address (a Unix socket with no X-Forwarded-For)
IPV6_SITE_BITS = 64  # one IPv6 client holds a whole /64: counting single addresses would count nothing
EMAIL_KEY_LENGTH = 254  # the column's width; no account has a longer email
TABLE = LoginAttempt.__table__

if TYPE_CHECKING:
    from flask import Flask


@dataclass(frozen=True)
class LockoutPolicy:
    """The lockout settings, validated once at start-up."""

    max_attempts: int
    max_account_attempts: int
    lockout: timedelta
    known_source: timedelta

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> LockoutPolicy:
        def whole(name: str, least: int) -> int:
            value = config[name]
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise ConfigError(f"{name} must be a whole number of at least {least}, got {value!r} (config.py).")
            return value

        return cls(whole("MAX_LOGIN_ATTEMPTS", 1), whole("MAX_ACCOUNT_LOGIN_ATTEMPTS", 1),
                   timedelta(minutes=whole("LOGIN_LOCKOUT_MINUTES", 1)),
                   timedelta(days=whole("LOGIN_KNOWN_SOURCE_DAYS", 0)))

    def limit(self, source: str) -> int:
        return self.max_account_attempts if source == ACCOUNT_WIDE else self.max_attempts


@dataclass(frozen=True)
class Reservation:
    """What reserving one attempt decided."""

    is_allowed: bool  # this attempt may check a password
    locked_until: datetime | None  # set when the next attempt from this source is refused until then


@dataclass
class _PurgeClock:
    """Expired rows are deleted at most once per lockout period, by the attempt that finds it due."""

    due: float = 0.0


_purge_clock = _PurgeClock()


def client_source(remote_addr: str | None) -> str:
    """The source an attempt is counted under: the client's IPv4 address, or its IPv6 /64."""
    try:
        address = ipaddress.ip_address((remote_addr or "").strip())
    except ValueError:
        return UNKNOWN_SOURCE
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(address) >> IPV6_SITE_BITS << IPV6_SITE_BITS, IPV6_SITE_BITS)))
    return str(address)


def _upsert() -> Any:
    """The dialect's INSERT, which has on_conflict_do_update (the config DB is SQLite or PostgreSQL).

    Imported here, only the engine's own: SQLAlchemy's PostgreSQL dialect costs 2 MiB of idle RSS on SQLite.
    """
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def reserve_attempt(email: str, source: str, policy: LockoutPolicy) -> Reservation:
    """Count one attempt in the source's row and the account-wide row, in one atomic statement."""
    email, now = email[:EMAIL_KEY_LENGTH], utcnow()
    c = TABLE.c
    is_expired = c.window_ends <= literal(now, UTCDateTime())
    is_within_limit = c.attempts < case((c.source == ACCOUNT_WIDE, policy.max_account_attempts),
                                        else_=policy.max_attempts)
    fresh = {"email": email, "attempts": 1, "window_ends": now + policy.lockout}
    statement = _upsert()(TABLE).values([{**fresh, "source": source}, {**fresh, "source": ACCOUNT_WIDE}])
    statement = statement.on_conflict_do_update(index_elements=[c.email, c.source], set_={
        "attempts": case((is_expired, 1), else_=c.attempts + 1),
        "window_ends": case((is_expired | is_within_limit, statement.excluded.window_ends), else_=c.window_ends),
    }).returning(c.source, c.attempts, c.window_ends, c.known_until)
    rows = {row.source: row for row in db.session.execute(statement)}
    db.session.commit()
    _purge_when_due(policy)
    return _judge(rows[source], rows[ACCOUNT_WIDE], now, policy)


def _judge(own: Row[Any], account: Row[Any], now: datetime, policy: LockoutPolicy) -> Reservation:
    """Within both limits (a known source answers only to its own), and when the next attempt is refused."""
    is_known = own.known_until is not None and own.known_until > now
    counted = [own] if is_known else [own, account]
    is_allowed = all(row.attempts <= policy.limit(row.source) for row in counted)
    ends = [row.window_ends for row in counted if row.attempts >= policy.limit(row.source)]
    return Reservation(is_allowed, max(ends, default=None))


def record_success(email: str, source: str, policy: LockoutPolicy) -> None:
    """A right password: its source starts afresh and is known; its account-wide attempt is given back."""
    email, c = email[:EMAIL_KEY_LENGTH], TABLE.c
    # Rows are locked in the order the reservation locks them (source, then account-wide): no deadlock.
    db.session.execute(update(TABLE).where(c.email == email, c.source == source)
                       .values(attempts=0, known_until=utcnow() + policy.known_source))
    db.session.execute(update(TABLE).where(c.email == email, c.source == ACCOUNT_WIDE, c.attempts > 0)
                       .values(attempts=c.attempts - 1))
    db.session.commit()


def _is_locked(row: Row[Any], now: datetime, policy: LockoutPolicy) -> bool:
    return row.window_ends > now and row.attempts >= policy.limit(row.source)


def _rows_of(email: str, *, for_update: bool = False) -> list[Row[Any]]:
    """An email's rows, sources before the account-wide one (the reservation's locking order)."""
    query = select(TABLE).where(TABLE.c.email == email[:EMAIL_KEY_LENGTH])
    query = query.order_by(TABLE.c.source == ACCOUNT_WIDE, TABLE.c.source)
    return list(db.session.execute(query.with_for_update() if for_update else query))


def locked_until(email: str, policy: LockoutPolicy) -> datetime | None:
    """When the last running lock of the email ends (one address or account-wide), for administrators."""
    now = utcnow()
    return max((row.window_ends for row in _rows_of(email) if _is_locked(row, now, policy)), default=None)


def unlock(email: str) -> None:
    """Clear every count of the email (each address and the account-wide one); known addresses stay known."""
    now, c = utcnow(), TABLE.c
    _rows_of(email, for_update=True)  # take the rows' locks in the reservation's order first: no deadlock
    email = email[:EMAIL_KEY_LENGTH]
    db.session.execute(delete(TABLE).where(c.email == email, or_(c.known_until.is_(None), c.known_until <= now)))
    db.session.execute(update(TABLE).where(c.email == email).values(attempts=0))
    db.session.commit()


def purge_expired() -> int:
    """Delete rows whose counts ran out and whose address is not known (unknown emails would pile up)."""
    now, c = utcnow(), TABLE.c
    expired = select(c.email, c.source).where(
        c.window_ends <= now, or_(c.known_until.is_(None), c.known_until <= now)).with_for_update(skip_locked=True)
    # SKIP LOCKED: on PostgreSQL the purge never waits for a login's rows, so it can deadlock with none.
    deleted = db.session.execute(delete(TABLE).where(tuple_(c.email, c.source).in_(expired))).rowcount
    db.session.commit()
    return deleted


def _purge_when_due(policy: LockoutPolicy) -> None:
    if time.monotonic() < _purge_clock.due:
        return
    _purge_clock.due = time.monotonic() + policy.lockout.total_seconds()
    purge_expired()


def init_app(app: Flask) -> None:
    """Validate the lockout settings at start-up: a mistake stops the app naming the setting."""
    app.extensions["login_lockout"] = LockoutPolicy.from_config(app.config)


def policy(app: Flask) -> LockoutPolicy:
    return app.extensions["login_lockout"]
