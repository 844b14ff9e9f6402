"""Row edits as SQL (shared by View/Edit Data and the query tool's editable results), without a server."""

from __future__ import annotations

import pytest
from psycopg import sql

from pgadmin_lite.connections.row_changes import RowTable, change_sql, check_count
from pgadmin_lite.errors import BadRequest

TABLE = RowTable(sql.Identifier("s", "t"), ["id", "region", "note"], ["id", "region"])


def text(change: dict) -> str:
    return change_sql(TABLE, change, "changes[0]").as_string(None)


def test_statements_name_the_row_by_every_key_column_with_untyped_literals() -> None:
    key = {"id": 1, "region": "eu"}
    assert text({"op": "update", "key": key, "values": {"note": None}}) == \
        'UPDATE "s"."t" SET "note" = NULL WHERE "id" = \'1\' AND "region" = \'eu\''
    assert text({"op": "delete", "key": key}) == 'DELETE FROM "s"."t" WHERE "id" = \'1\' AND "region" = \'eu\''
    assert text({"op": "insert", "values": {"note": True}}) == 'INSERT INTO "s"."t" ("note") VALUES (\'true\')'
    assert text({"op": "insert"}) == 'INSERT INTO "s"."t" DEFAULT VALUES'


@pytest.mark.parametrize("change", [
    {"op": "update", "key": {"id": 1}, "values": {"note": "x"}},  # part of the key
    {"op": "update", "key": {"id": 1, "region": None}, "values": {"note": "x"}},  # a null key value
    {"op": "update", "key": {"id": 1, "region": "eu"}, "values": {}},  # nothing to set
    {"op": "update", "key": {"id": 1, "region": "eu"}, "values": {"other": "x"}},  # not a column here
    {"op": "insert", "values": {"note": {"a": 1}}},  # an object (JSON goes as its text)
    {"op": "upsert", "values": {}},
    {"op": "insert", "values": {}, "extra": 1},
])
def test_bad_changes_are_refused_before_any_sql(change: dict) -> None:
    with pytest.raises(BadRequest):
        text(change)


def test_a_batch_is_1_to_1000_changes() -> None:
    for changes in ([], [{}] * 1001):
        with pytest.raises(BadRequest):
            check_count(changes)
    check_count([{}])
