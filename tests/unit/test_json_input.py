"""web.json_input: the one parser of untrusted JSON accepts ordinary documents and refuses what would fail later."""

from __future__ import annotations

import pytest

from pgadmin_lite.errors import BadRequest
from pgadmin_lite.web.json_input import INT_MAX, INT_MIN, MAX_DEPTH, parse_json

NESTED: list[object] = []
for _ in range(MAX_DEPTH - 1):
    NESTED = [NESTED]


@pytest.mark.parametrize(("text", "expected"), [
    ('{"a": [1, 2.5, "x", null, true]}', {"a": [1, 2.5, "x", None, True]}),
    (f"[{INT_MIN}, {INT_MAX}]", [INT_MIN, INT_MAX]),
    ("[" * MAX_DEPTH + "]" * MAX_DEPTH, NESTED),
    ('"caf\\u00e9 \\ud83d\\ude00"', "café 😀"),  # a surrogate *pair* is one valid character
])
def test_ordinary_documents_parse(text: str, expected: object) -> None:
    assert parse_json(text) == expected


@pytest.mark.parametrize(("text", "words"), [
    ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "nested deeper"),
    ("[" * 100_000 + "]" * 100_000, "nested deeper"),
    (f"[{INT_MAX + 1}]", "64-bit"),
    (f"[{INT_MIN - 1}]", "64-bit"),
    ("[" + "9" * 5000 + "]", "does not accept"),
    ("[NaN]", "NaN"),
    ("[-Infinity]", "Infinity"),
    ("[1e999]", "too large"),
    ('["\\ud800"]', "lone surrogate"),
    ('{"\\udfff": 1}', "lone surrogate"),
    ('["a\\u0000b"]', "NUL"),
    (b'["\xff"]', "UTF-8"),
    ("{", "not valid JSON"),
])
def test_hostile_documents_are_a_clear_bad_request(text: str | bytes, words: str) -> None:
    with pytest.raises(BadRequest, match=words):
        parse_json(text)
