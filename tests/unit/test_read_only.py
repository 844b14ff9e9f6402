"""Which statements would switch a read-only server's rail off (refused before a script runs)."""

from __future__ import annotations

import pytest

from pgadmin_lite.connections.read_only import switch_off_reason


@pytest.mark.parametrize("statement", [
    "SET default_transaction_read_only = off", "set local transaction_read_only to false",
    'set "default_transaction_read_only" = 0', "SET default_transaction_read_only = 'n'",
    "set default_transaction_read_only to default", "RESET default_transaction_read_only", "reset ALL",
    "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE", "SET TRANSACTION READ WRITE, ISOLATION LEVEL SERIALIZABLE",
    "begin read write", "START TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ WRITE",
    "SET default_transaction_read_only FROM CURRENT",
])
def test_switching_off_is_named(statement: str) -> None:
    assert switch_off_reason(statement) is not None


@pytest.mark.parametrize("statement", [
    "begin", "BEGIN READ ONLY", "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", "set transaction_read_only = on",
    "SET default_transaction_read_only = TRUE", "set default_transaction_read_only = 1", "reset search_path",
    "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", "select read, reset from t",
    "select set_config('default_transaction_read_only', 'off', false)",  # caught by re-assertion instead
    "SELEC broken read", "insert into t values (1)",
])
def test_everything_else_passes(statement: str) -> None:
    assert switch_off_reason(statement) is None
