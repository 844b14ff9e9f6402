"""The workspace's search box API: objects of one database by name, as refs the tree uses; bounded, literal, checked."""

from __future__ import annotations

from typing import Any

import pytest

from tests.plugins import catalog_fixtures as cf
from tests.plugins.catalog_fixtures import CatalogEnv, HostileDb


def found(env: CatalogEnv, db: str, q: str, **params: Any) -> list[dict[str, Any]]:
    return env.ok("/search", db=db, q=q, **params)["items"]


def test_finds_every_kind_by_part_of_its_name(catalog_env: CatalogEnv, hostile_db: HostileDb) -> None:
    db = hostile_db.name
    tables = found(catalog_env, db, "my \"tab")  # case-insensitive, a part of the name
    assert {"kind": "table", "name": cf.TABLE, "label": cf.TABLE, "schema": cf.SCHEMA,
            "ref": {"kind": "table", "db": db, "schema": cf.SCHEMA, "name": cf.TABLE}} in tables
    kinds = {(item["kind"], item["name"]) for q in ("view", "mat", "seq", "positive", "mood", "m 20")
             for item in found(catalog_env, db, q)}
    assert {("view", cf.VIEW), ("materialized_view", cf.MATVIEW), ("sequence", cf.SEQUENCE),
            ("domain", cf.DOMAIN), ("type", cf.ENUM), ("table", "m 2024")} <= kinds
    functions = [item for item in found(catalog_env, db, "add") if item["kind"] == "function"]
    assert sorted(item["ref"]["args"] for item in functions) == ["a integer, b integer", "a text, b text"]
    index = next(item for item in found(catalog_env, db, "idx") if item["kind"] == "index")
    assert index["ref"] == {"kind": "index", "db": db, "schema": cf.SCHEMA, "table": cf.TABLE, "name": cf.INDEX}
    schema = next(item for item in found(catalog_env, db, "schema") if item["kind"] == "schema")
    assert schema["ref"] == {"kind": "schema", "db": db, "name": cf.SCHEMA}
    # what it found opens: the ref is one the objects API takes
    assert catalog_env.ok("/objects", **index["ref"])


def test_patterns_are_literal_and_system_objects_only_on_request(catalog_env: CatalogEnv,
                                                                 hostile_db: HostileDb) -> None:
    db = hostile_db.name
    assert found(catalog_env, db, "%") == []
    assert not any(item["name"] == "pg_class" for item in found(catalog_env, db, "pg_class"))
    assert any(item["name"] == "pg_class" for item in found(catalog_env, db, "pg_class", system="true"))
    underscored = found(catalog_env, db, "_", system="true")
    assert underscored and all("_" in item["name"] for item in underscored)


def test_results_are_bounded(catalog_env: CatalogEnv, hostile_db: HostileDb) -> None:
    page = catalog_env.ok("/search", db=hostile_db.name, q="pg_", system="true", limit=5)
    assert len(page["items"]) == 5 and page["truncated"] and page["limit"] == 5


@pytest.mark.parametrize("params", [{"q": "x"}, {"db": "postgres"}, {"db": "postgres", "q": ""},
                                    {"db": "postgres", "q": "x" * 201}, {"db": "postgres", "q": "x", "limit": 0},
                                    {"db": "postgres", "q": "x", "limit": 201},
                                    {"db": "postgres", "q": "x", "limit": "many"}], ids=str)
def test_bad_parameters_are_400(catalog_env: CatalogEnv, params: dict[str, Any]) -> None:
    response = catalog_env.get("/search", **params)
    assert response.status_code == 400, response.get_json()


def test_another_users_server_is_404(catalog_env: CatalogEnv, hostile_db: HostileDb) -> None:
    response = catalog_env.get("/search", client=catalog_env.user, db=hostile_db.name, q="a")
    assert response.status_code == 404
