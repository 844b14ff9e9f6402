"""The audit log's query-string parsing: dates and date-times in UTC, inclusive `to`, the keyset cursor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pgadmin_lite.audit.service import Cursor, parse_filters, parse_page
from pgadmin_lite.errors import BadRequest


def test_a_day_is_whole_and_a_moment_is_utc() -> None:
    filters = parse_filters({"from": "2026-12-01", "to": "2026-12-01"})
    assert filters.since == datetime(2026, 12, 1, tzinfo=UTC)
    assert filters.until == datetime(2026, 12, 2, tzinfo=UTC)  # exclusive: the whole of the 1st
    filters = parse_filters({"from": "2026-12-01T10:00:00+02:00", "to": "2026-12-01T09:00:00"})
    assert filters.since == datetime(2026, 12, 1, 8, tzinfo=UTC)
    assert filters.until == datetime(2026, 12, 1, 9, tzinfo=UTC) + timedelta(microseconds=1)
    assert parse_filters({"from": "2026-12-01T10:00:00Z"}).since == datetime(2026, 12, 1, 10, tzinfo=UTC)


def test_dates_at_the_ends_of_the_calendar_are_a_400_not_a_crash() -> None:
    for field, value in (("to", "9999-12-31"), ("to", "9999-12-31T23:59:59.999999"),
                         ("from", "0001-01-01T00:00:00+01:00"), ("from", "2026-12-01T25:00")):
        with pytest.raises(BadRequest) as raised:
            parse_filters({field: value})
        assert raised.value.extra["field"] == field


def test_blank_values_are_absent_and_text_is_kept_as_typed() -> None:
    filters = parse_filters({"actor": "  ", "action": "", "q": " 50%_off "})
    assert filters.actor is None and filters.action is None and filters.text == "50%_off"


def test_the_cursor_round_trips_and_the_page_size_is_bounded() -> None:
    cursor = Cursor(datetime(2026, 12, 4, 21, 30, 56, 123456, tzinfo=UTC), 42)
    assert cursor.encode() == "20261204T213056123456Z-42"
    assert parse_page({"before": cursor.encode(), "limit": "500"}) == (cursor, 500)
    assert parse_page({}) == (None, 50)
    for bad in ({"limit": "501"}, {"limit": "-1"}, {"limit": "1e2"}, {"before": "42"},
                {"before": "20261204T253056123456Z-42"}):
        with pytest.raises(BadRequest):
            parse_page(bad)
