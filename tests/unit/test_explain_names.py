"""The preferences keep the same EXPLAIN options the query tool sends (named twice: features never import sideways)."""

from __future__ import annotations

from pgadmin_lite.preferences.service import EXPLAIN_NAMES
from pgadmin_lite.query_tool.explain import NEEDS_ANALYZE, OPTIONS


def test_the_preferences_know_every_explain_option() -> None:
    assert EXPLAIN_NAMES == OPTIONS
    assert set(NEEDS_ANALYZE) <= set(OPTIONS)
