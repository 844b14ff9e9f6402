"""What the lockout counts an attempt under (the client's source) and the validation of its settings."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pgadmin_lite.auth.lockout import ACCOUNT_WIDE, UNKNOWN_SOURCE, LockoutPolicy, client_source
from pgadmin_lite.errors import ConfigError

SETTINGS = {"MAX_LOGIN_ATTEMPTS": 5, "MAX_ACCOUNT_LOGIN_ATTEMPTS": 50, "LOGIN_LOCKOUT_MINUTES": 15,
            "LOGIN_KNOWN_SOURCE_DAYS": 30}


@pytest.mark.parametrize(("remote_addr", "source"), [
    ("192.0.2.7", "192.0.2.7"),
    (" 192.0.2.7 ", "192.0.2.7"),
    ("::ffff:192.0.2.7", "192.0.2.7"),  # an IPv4 client seen through an IPv6 socket is the same client
    ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),  # an IPv6 client owns its whole /64
    ("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"),
    ("fe80::1%eth0", "fe80::/64"),
    ("", UNKNOWN_SOURCE),  # a Unix-socket peer that sent no X-Forwarded-For
    (None, UNKNOWN_SOURCE),
    ("unix:/run/x.sock", UNKNOWN_SOURCE),
    (ACCOUNT_WIDE, UNKNOWN_SOURCE),  # no client can pose as the account-wide row
])
def test_client_source(remote_addr: str | None, source: str) -> None:
    assert client_source(remote_addr) == source


def test_policy_from_settings() -> None:
    policy = LockoutPolicy.from_config(SETTINGS)
    assert policy == LockoutPolicy(5, 50, timedelta(minutes=15), timedelta(days=30))
    assert (policy.limit("192.0.2.7"), policy.limit(ACCOUNT_WIDE)) == (5, 50)
    assert LockoutPolicy.from_config({**SETTINGS, "LOGIN_KNOWN_SOURCE_DAYS": 0}).known_source == timedelta(0)


@pytest.mark.parametrize(("name", "value"), [
    ("MAX_LOGIN_ATTEMPTS", 0), ("MAX_ACCOUNT_LOGIN_ATTEMPTS", -1), ("LOGIN_LOCKOUT_MINUTES", 0),
    ("LOGIN_KNOWN_SOURCE_DAYS", -1), ("MAX_LOGIN_ATTEMPTS", True), ("LOGIN_LOCKOUT_MINUTES", 1.5),
])
def test_a_bad_setting_is_named(name: str, value: object) -> None:
    with pytest.raises(ConfigError, match=name):
        LockoutPolicy.from_config({**SETTINGS, name: value})
