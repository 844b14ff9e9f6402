"""Reading the audit log: filters parsed from a query string, newest-first keyset pages, and a streamed export."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, String, and_, cast, or_, select

from pgadmin_lite.errors import BadRequest
from pgadmin_lite.extensions import db
from pgadmin_lite.models import AuditEvent

DEFAULT_PAGE = 50
MAX_PAGE = 500
EXPORT_BATCH = 500  # rows read per query while an export streams
MAX_TEXT = 254
FILTER_NAMES = ("actor", "action", "outcome", "from", "to", "target", "q")
PAGE_NAMES = ("before", "limit")
OUTCOMES = ("ok", "refused", "locked", "failed")  # what the page suggests; any word is accepted as a filter
_WORD = re.compile(r"[a-z0-9_.]{1,64}")
_CURSOR = re.compile(r"(\d{8}T\d{12})Z-(\d{1,18})")
_CURSOR_TIME = "%Y%m%dT%H%M%S%f"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TABLE = AuditEvent.__table__


@dataclass(frozen=True)
class Filters:
    """What an administrator asked for; every field optional. `until` is exclusive, `since` inclusive."""

    actor: str | None = None
    action: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    target: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class Cursor:
    """The last event of a page: the next page starts strictly after it (older)."""

    at: datetime
    id: int

    def encode(self) -> str:
        return f"{self.at.astimezone(UTC).strftime(_CURSOR_TIME)}Z-{self.id}"


def _text(raw: str, field: str) -> str:
    if len(raw) > MAX_TEXT or _CONTROL.search(raw):
        raise BadRequest(f"{field} must be at most {MAX_TEXT} characters without control characters.", field=field)
    return raw


def _word(raw: str, field: str) -> str:
    if not _WORD.fullmatch(raw):
        raise BadRequest(f"{field} must be an action or outcome name such as user.update or refused "
                         "(lower-case letters, digits, dots and underscores).", field=field)
    return raw


def _moment(raw: str, field: str, *, is_end: bool) -> datetime:
    """A date (a whole day: `to` includes it) or an ISO 8601 date-time; without an offset it is UTC."""
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return start + timedelta(days=1) if is_end else start
        moment = datetime.fromisoformat(raw)
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        return moment + timedelta(microseconds=1) if is_end else moment  # `to` a moment: that moment included
    except (ValueError, OverflowError):  # 9999-12-31 as `to` ends after the last representable day
        raise BadRequest(f"{field} must be a date (2026-12-31) or an ISO 8601 date-time (2026-12-31T23:00:00Z) "
                         "between the years 1 and 9998.", field=field) from None


def _present(args: Mapping[str, str], allowed: tuple[str, ...]) -> dict[str, str]:
    """The non-empty parameters; an unknown one is a 400 (a typo would silently widen an export)."""
    unknown = sorted(set(args) - set(allowed))
    if unknown:
        raise BadRequest(f"Unknown parameter(s): {', '.join(unknown)}.", field=unknown[0],
                         hint=f"The audit log takes {', '.join(allowed)}.")
    return {name: value.strip() for name, value in args.items() if value.strip()}


def parse_filters(args: Mapping[str, str], *, allowed: tuple[str, ...] = FILTER_NAMES) -> Filters:
    """Validate the query string's filters; a bad value is a 400 naming its field."""
    given = _present(args, allowed)
    since = _moment(given["from"], "from", is_end=False) if "from" in given else None
    until = _moment(given["to"], "to", is_end=True) if "to" in given else None
    if since and until and since >= until:
        raise BadRequest("to must be later than from.", field="to")
    return Filters(actor=_text(given["actor"], "actor") if "actor" in given else None,
                   action=_word(given["action"], "action") if "action" in given else None,
                   outcome=_word(given["outcome"], "outcome") if "outcome" in given else None,
                   since=since, until=until, target=_text(given["target"], "target") if "target" in given else None,
                   text=_text(given["q"], "q") if "q" in given else None)


def parse_page(args: Mapping[str, str]) -> tuple[Cursor | None, int]:
    """The page's start (`before`, the `next` of the previous page) and size (`limit`, 1 … MAX_PAGE)."""
    given = _present(args, FILTER_NAMES + PAGE_NAMES)
    limit = DEFAULT_PAGE
    if "limit" in given:
        raw = given["limit"]
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 4 and 1 <= int(raw) <= MAX_PAGE):
            raise BadRequest(f"limit must be an integer from 1 to {MAX_PAGE}.", field="limit")
        limit = int(given["limit"])
    cursor = None
    if "before" in given:
        match = _CURSOR.fullmatch(given["before"])
        try:
            at = datetime.strptime(match.group(1), _CURSOR_TIME).replace(tzinfo=UTC) if match else None
        except ValueError:
            at = None
        if match is None or at is None:
            raise BadRequest("before must be the `next` value of a previous page.", field="before")
        cursor = Cursor(at, int(match.group(2)))
    return cursor, limit


def _escape(value: str) -> str:
    """A LIKE pattern's literal text (escape character: backslash)."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _query(filters: Filters, cursor: Cursor | None) -> Select[Any]:
    """Newest first (time, then id for events of the same instant), strictly older than the cursor."""
    table = _TABLE.c
    query = select(*_TABLE.c).order_by(table.at.desc(), table.id.desc())
    if filters.actor:
        query = query.where(table.actor_email.ilike(f"%{_escape(filters.actor)}%", escape="\\"))
    if filters.action:  # "user" also finds user.create, user.update…
        prefix = f"{_escape(filters.action)}.%"
        query = query.where(or_(table.action == filters.action, table.action.like(prefix, escape="\\")))
    if filters.outcome:
        query = query.where(table.outcome == filters.outcome)
    if filters.since:
        query = query.where(table.at >= filters.since)
    if filters.until:
        query = query.where(table.at < filters.until)
    if filters.target:  # exact: user:1 is not user:10
        query = query.where(table.target == filters.target)
    if filters.text:
        pattern = f"%{_escape(filters.text)}%"
        query = query.where(or_(table.target.ilike(pattern, escape="\\"),
                                cast(table.details, String).ilike(pattern, escape="\\")))
    if cursor:
        query = query.where(or_(table.at < cursor.at, and_(table.at == cursor.at, table.id < cursor.id)))
    return query


def event_json(row: Any) -> dict[str, Any]:
    """One event as the API, the page and the export show it."""
    return {"id": row.id, "at": row.at.isoformat(), "actor_id": row.actor_id, "actor_email": row.actor_email,
            "action": row.action, "outcome": row.outcome, "target": row.target, "source": row.source,
            "details": row.details or {}}


def known_actions() -> list[str]:
    """The actions in the log and their families (user for user.create…), for the page's suggestions."""
    actions = set(db.session.execute(select(_TABLE.c.action).distinct()).scalars())
    return sorted(actions | {action.split(".", 1)[0] for action in actions if "." in action})


def page(filters: Filters, cursor: Cursor | None, limit: int) -> dict[str, Any]:
    """{"items": newest first, "next": the `before` of the following page, or null on the last one}."""
    rows = db.session.execute(_query(filters, cursor).limit(limit + 1)).all()
    items = rows[:limit]
    after = Cursor(items[-1].at, items[-1].id).encode() if len(rows) > limit else None
    return {"items": [event_json(row) for row in items], "next": after}


def iter_events(filters: Filters) -> Iterator[dict[str, Any]]:
    """Every matching event, newest first, read in batches: memory stays flat however long the log."""
    cursor = None
    while True:
        rows = db.session.execute(_query(filters, cursor).limit(EXPORT_BATCH)).all()
        yield from (event_json(row) for row in rows)
        if len(rows) < EXPORT_BATCH:
            return
        cursor = Cursor(rows[-1].at, rows[-1].id)
