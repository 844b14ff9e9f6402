"""View / edit data: paged, sorted, filtered rows in the query tool's encoding; edits all-or-nothing with a key."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from tests.plugins import catalog_fixtures as cf
from tests.plugins.catalog_fixtures import CatalogEnv, HostileDb
from tests.plugins.postgres_fixture import PgServer

SETUP = '''
CREATE TABLE "Edit ""Me""" (id integer, "sub id" text, "select" text NOT NULL, "ñ" numeric(6,2), big bigint,
                            flag boolean, doc jsonb, at timestamptz, CHECK ("ñ" >= 0),
                            PRIMARY KEY (id, "sub id"));
INSERT INTO "Edit ""Me""" SELECT i, 'k' || i, 'row ' || i, i * 1.5, 9007199254740993, i % 2 = 0,
                                 '{"n": 1}', '2024-01-02 03:04:05+00'
FROM generate_series(1, 25) AS i;
INSERT INTO "Edit ""Me""" VALUES (26, 'k26', 'NULL ñ', NULL, NULL, NULL, NULL, NULL);
CREATE TABLE "no key" (a integer, b text);
INSERT INTO "no key" VALUES (1, 'x');
CREATE VIEW "edit view" AS SELECT id, "select" FROM "Edit ""Me""";
'''
TABLE = 'Edit "Me"'


@pytest.fixture
def data_db(pg_server: PgServer, scratch_db: Callable[[str], str]) -> Iterator[str]:
    name = scratch_db("data")
    with psycopg.connect(pg_server.conninfo(name), autocommit=True) as conn:
        conn.execute(SETUP)
    yield name


def rows_of(env: CatalogEnv, db: str, table: str = TABLE, **params: Any) -> dict[str, Any]:
    return env.ok("/rows", db=db, schema="public", name=table, **params)


def test_paging_sorting_and_filters(catalog_env: CatalogEnv, data_db: str) -> None:
    first = rows_of(catalog_env, data_db, limit=10)
    assert [c["name"] for c in first["columns"]] == ["id", "sub id", "select", "ñ", "big", "flag", "doc", "at"]
    assert first["key_columns"] == ["id", "sub id"] and first["is_editable"] and first["has_more"]
    assert [r[0] for r in first["rows"]] == list(range(1, 11))  # ordered by the key when unsorted
    assert first["rows"][0][3:] == ["1.50", "9007199254740993", False, '{"n": 1}', "2024-01-02 03:04:05+00"]
    last = rows_of(catalog_env, data_db, limit=10, offset=20)
    assert len(last["rows"]) == 6 and not last["has_more"]
    desc = rows_of(catalog_env, data_db, sort="ñ", dir="desc", limit=3)
    assert [r[0] for r in desc["rows"]] == [26, 25, 24]  # PostgreSQL's order: NULLs first when descending
    assert [r[0] for r in rows_of(catalog_env, data_db, filter="id", op="lt", value="3")["rows"]] == [1, 2]
    assert [r[0] for r in rows_of(catalog_env, data_db, filter="select", op="ilike", value="%ñ")["rows"]] == [26]
    assert [r[0] for r in rows_of(catalog_env, data_db, filter="ñ", op="is_null")["rows"]] == [26]
    assert len(rows_of(catalog_env, data_db, filter="ñ", op="not_null")["rows"]) == 25
    quote = rows_of(catalog_env, data_db, filter="select", op="eq", value="row 1' OR '1'='1")
    assert quote["rows"] == []  # a value is a parameter, never SQL


@pytest.mark.parametrize("params", [
    {"sort": "id; DROP TABLE x"}, {"sort": "nope"}, {"filter": "nope", "value": "1"}, {"op": "between"},
    {"dir": "sideways"}, {"limit": "0"}, {"filter": "id", "op": "eq"}, {"filter": "id", "value": "abc"},
])
def test_bad_row_requests_are_400(catalog_env: CatalogEnv, data_db: str, params: dict[str, str]) -> None:
    response = catalog_env.get("/rows", db=data_db, schema="public", name=TABLE, **params)
    assert response.status_code == 400, response.get_json()


def outside(pg_server: PgServer, db: str, query: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(pg_server.conninfo(db)) as conn:
        return conn.execute(query).fetchall()


def test_edits_preview_then_apply_in_one_transaction(catalog_env: CatalogEnv, pg_server: PgServer,
                                                     data_db: str) -> None:
    changes = [
        {"op": "update", "key": {"id": 1, "sub id": "k1"}, "values": {"select": "it's ü", "ñ": "2.25",
                                                                      "flag": True, "doc": '{"x": [1]}'}},
        {"op": "insert", "values": {"id": 100, "sub id": "new", "select": "inserted", "big": "9007199254740993"}},
        {"op": "delete", "key": {"id": 2, "sub id": "k2"}},
    ]
    body = {"db": data_db, "schema": "public", "name": TABLE, "changes": changes}
    preview = catalog_env.send("post", "/rows/changes", {**body, "preview": True}).get_json()
    assert preview["applied"] is False and len(preview["statements"]) == 3
    update = preview["statements"][0]
    assert update.startswith('UPDATE "public"."Edit ""Me""" SET ') and '"select" = \'it\'\'s ü\'' in update
    assert update.endswith('WHERE "id" = \'1\' AND "sub id" = \'k1\'')
    assert outside(pg_server, data_db, 'SELECT "select" FROM "Edit ""Me""" WHERE id = 1') == [("row 1",)]
    applied = catalog_env.send("post", "/rows/changes", body)
    assert applied.status_code == 200, applied.get_json()
    result = applied.get_json()
    assert result["statements"] == preview["statements"] and [r["rows_affected"] for r in result["results"]] == [1] * 3
    assert outside(pg_server, data_db, 'SELECT "select", "ñ"::text, flag, doc::text FROM "Edit ""Me""" '
                                       "WHERE id = 1") == [("it's ü", "2.25", True, '{"x": [1]}')]
    assert outside(pg_server, data_db, 'SELECT big FROM "Edit ""Me""" WHERE id = 100') == [(9007199254740993,)]
    assert outside(pg_server, data_db, 'SELECT count(*) FROM "Edit ""Me""" WHERE id = 2') == [(0,)]


def test_a_failing_change_rolls_back_the_whole_batch(catalog_env: CatalogEnv, pg_server: PgServer,
                                                     data_db: str) -> None:
    body = {"db": data_db, "schema": "public", "name": TABLE, "changes": [
        {"op": "update", "key": {"id": 3, "sub id": "k3"}, "values": {"select": "changed"}},
        {"op": "update", "key": {"id": 4, "sub id": "k4"}, "values": {"ñ": "-1"}},  # violates the CHECK
    ]}
    failed = catalog_env.send("post", "/rows/changes", body)
    assert failed.status_code == 400
    error = failed.get_json()["error"]
    assert error["sqlstate"] == "23514" and error["index"] == 1 and error["rolled_back"]
    assert error["message"].startswith("Change 2 failed") and error["statement"].startswith("UPDATE")
    assert outside(pg_server, data_db, 'SELECT "select" FROM "Edit ""Me""" WHERE id = 3') == [("row 3",)]
    missing = catalog_env.send("post", "/rows/changes", {**body, "changes": [
        {"op": "delete", "key": {"id": 5, "sub id": "k5"}},
        {"op": "update", "key": {"id": 999, "sub id": "gone"}, "values": {"select": "x"}}]})
    assert missing.status_code == 409 and missing.get_json()["error"]["index"] == 1
    assert outside(pg_server, data_db, 'SELECT count(*) FROM "Edit ""Me""" WHERE id = 5') == [(1,)]


@pytest.mark.parametrize("change", [
    {"op": "update", "key": {"id": 1}, "values": {"select": "x"}},  # an incomplete key
    {"op": "update", "key": {"id": 1, "sub id": "k1"}, "values": {"nope": "x"}},
    {"op": "update", "key": {"id": 1, "sub id": "k1"}, "values": {"select": ["a"]}},
    {"op": "merge", "values": {}},
    {"op": "delete", "key": {"id": None, "sub id": "k1"}},
])
def test_malformed_changes_are_400(catalog_env: CatalogEnv, data_db: str, change: dict[str, Any]) -> None:
    response = catalog_env.send("post", "/rows/changes", {"db": data_db, "schema": "public", "name": TABLE,
                                                          "changes": [change]})
    assert response.status_code == 400, response.get_json()


def test_tables_without_a_key_and_views_are_read_only(catalog_env: CatalogEnv, data_db: str,
                                                      hostile_db: HostileDb) -> None:
    keyless = rows_of(catalog_env, data_db, "no key")
    assert keyless["rows"] == [[1, "x"]] and not keyless["is_editable"]
    assert "primary key" in keyless["read_only_reason"]
    refused = catalog_env.send("post", "/rows/changes", {"db": data_db, "schema": "public", "name": "no key",
                                                         "changes": [{"op": "insert", "values": {"a": 2}}]})
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "read_only" and "primary key" in error["message"]
    view = catalog_env.ok("/rows", kind="view", db=data_db, schema="public", name="edit view", limit=2)
    assert len(view["rows"]) == 2 and not view["is_editable"] and "read-only" in view["read_only_reason"]
    hostile = catalog_env.ok("/rows", db=hostile_db.name, schema=cf.SCHEMA, name=cf.TABLE, sort="ñandú ü")
    assert [r[1] for r in hostile["rows"]] == ["A", "B"]  # the trigger upper-cased them on insert
