"""A query tool opened on a schema starts in it: search_path, checked as a list of identifiers, set after connecting."""

from __future__ import annotations

from typing import Any

import pytest

from tests.plugins import catalog_fixtures as cf
from tests.plugins.catalog_fixtures import CatalogEnv, HostileDb


def run(env: CatalogEnv, tx_id: str, text: str) -> dict[str, Any]:
    response = env.admin.post(f"/api/v1/query-tool/{tx_id}/execute", json={"sql": text, "wait_ms": 5000})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_search_path_is_set_on_the_tools_connection(catalog_env: CatalogEnv, hostile_db: HostileDb) -> None:
    body = {"server_id": catalog_env.server_id, "database": hostile_db.name, "search_path": [cf.SCHEMA, "public"]}
    response = catalog_env.admin.post("/api/v1/query-tool", json=body)
    assert response.status_code == 201, response.get_json()
    tx_id = response.get_json()["tx_id"]
    try:
        assert run(catalog_env, tx_id, "SHOW search_path")["rows"] == [['"My ""Schema""", public']]
        assert run(catalog_env, tx_id, "SELECT count(*) FROM \"select view\"")["error"] is None  # found unqualified
        reconnected = catalog_env.admin.post(f"/api/v1/query-tool/{tx_id}/reconnect")
        assert reconnected.status_code == 200, reconnected.get_json()
        assert run(catalog_env, tx_id, "SHOW search_path")["rows"] == [['"My ""Schema""", public']]
    finally:
        catalog_env.admin.delete(f"/api/v1/query-tool/{tx_id}")


@pytest.mark.parametrize("search_path", ["public", [], ["a"] * 33, [""], [1], ["x" * 64], ["a\x00b"]], ids=str)
def test_a_bad_search_path_is_400_before_connecting(catalog_env: CatalogEnv, search_path: Any) -> None:
    body = {"server_id": catalog_env.server_id, "database": "postgres", "search_path": search_path}
    response = catalog_env.admin.post("/api/v1/query-tool", json=body)
    assert response.status_code == 400, response.get_json()
