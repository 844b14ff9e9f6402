"""The query tool's shortcut table: key notation normalized, bad or clashing keys refused with the field named."""

from __future__ import annotations

import pytest

from pgadmin_lite.errors import BadRequest
from pgadmin_lite.preferences import shortcuts

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("given", "expected"), [
    ("shift-mod-ENTER", "Mod-Shift-Enter"), ("f5", "F5"), ("Alt-Shift-F", "Alt-Shift-f"), ("Mod--", "Mod--"),
    ("ctrl-/", "Ctrl-/"), ("Shift-F7", "Shift-F7"), ("Meta-space", "Meta-Space"),
])
def test_keys_are_normalized(given: str, expected: str) -> None:
    assert shortcuts.normalize(given, "k") == expected


@pytest.mark.parametrize("given", ["", "a", "Shift-a", "Enter", "Hyper-a", "Mod-Mod-a", "Mod-F13", "Mod-é", 5])
def test_bad_keys_are_refused(given: object) -> None:
    with pytest.raises(BadRequest):
        shortcuts.normalize(given, "k")


def test_the_defaults_do_not_clash_and_mod_clashes_with_ctrl() -> None:
    assert shortcuts.check({}, {}) == {}
    with pytest.raises(BadRequest) as refused:
        shortcuts.check({"format": ["Ctrl-Enter"]}, {})
    assert refused.value.extra["field"] == "shortcuts.format" and "Execute" in refused.value.message


def test_the_table_lists_every_action_with_its_keys() -> None:
    table = shortcuts.table({"find": ["Alt-f"]})
    assert [row["name"] for row in table] == [action.name for action in shortcuts.ACTIONS]
    assert next(row for row in table if row["name"] == "find")["keys"] == ["Alt-f"]
