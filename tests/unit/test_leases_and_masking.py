"""A query tool's lease (renewed, released for a grace, lapsed) and the masking of secrets in My sessions."""

from __future__ import annotations

import pytest

from pgadmin_lite.connections.leases import ALIVE, LAPSED, RELEASED, Lease
from pgadmin_lite.tool_sessions.masking import mask_secrets, preview


def test_a_lease_lapses_unless_renewed() -> None:
    lease = Lease(60, 4, renewed_at=100.0)
    assert lease.state(159.9) == ALIVE and lease.remaining_s(130.0) == 30.0
    assert lease.state(160.0) == LAPSED
    lease.renew(150.0)
    assert lease.state(200.0) == ALIVE


def test_a_goodbye_leaves_only_the_grace_and_a_renewal_takes_it_back() -> None:
    lease = Lease(60, 4, renewed_at=100.0)
    lease.release(110.0)
    lease.release(112.0)  # a second beacon does not extend the grace
    assert lease.state(113.9) == RELEASED and lease.state(114.0) == LAPSED
    lease.renew(113.0)  # the reloaded page came back
    assert lease.state(114.0) == ALIVE and not lease.is_released


def test_without_a_lease_only_a_goodbye_ends_it() -> None:
    lease = Lease(0, 4, renewed_at=100.0)
    assert lease.state(1e9) == ALIVE and lease.remaining_s(1e9) is None
    lease.release(200.0)
    assert lease.state(204.0) == LAPSED


@pytest.mark.parametrize(("sql", "shown"), [
    ("ALTER ROLE bob PASSWORD 'hunter2'", "ALTER ROLE bob PASSWORD '********'"),
    ("create user x encrypted password E'it''s'", "create user x encrypted password '********'"),
    ("ALTER ROLE bob PASSWORD $p$hunter2$p$ VALID UNTIL 'x'", "ALTER ROLE bob PASSWORD '********' VALID UNTIL 'x'"),
    ("ALTER ROLE bob PASSWORD 'never closed", "ALTER ROLE bob PASSWORD '********'"),
    ("CREATE USER MAPPING FOR u SERVER s OPTIONS (user 'u', password 'pw')",
     "CREATE USER MAPPING FOR u SERVER s OPTIONS (user 'u', password '********')"),
    ("select dblink_connect('host=h password=pw dbname=d')",
     "select dblink_connect('host=h password=******** dbname=d')"),
    ("ALTER ROLE bob PASSWORD NULL", "ALTER ROLE bob PASSWORD NULL"),
    ("select password from accounts", "select password from accounts"),
])
def test_passwords_typed_into_statements_are_masked(sql: str, shown: str) -> None:
    assert mask_secrets(sql) == shown


def test_the_preview_is_one_masked_line_cut_after_masking() -> None:
    text = preview("ALTER ROLE bob\n   PASSWORD 'hunter2';\n" + "-- " * 200, limit=50)
    assert text is not None and "hunter2" not in text and "\n" not in text and len(text) == 50
    assert preview(None) is None
