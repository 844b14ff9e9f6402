"""The object page's contract with the workspace (GET /servers/<sid>/object?<ref>&tab=&data=&filter=&embed=1),
and the row reads behind its data modes: the last rows by key, and a typed condition run read-only."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable

import psycopg
import pytest

from tests.plugins.catalog_fixtures import CatalogEnv
from tests.plugins.postgres_fixture import PgServer


@pytest.fixture
def nums_db(scratch_db: Callable[[str], str], pg_server: PgServer) -> str:
    name = scratch_db("rows")
    with psycopg.connect(pg_server.conninfo(name), autocommit=True) as conn:
        conn.execute("CREATE TABLE nums AS SELECT g AS id, g * 10 AS v FROM generate_series(1, 250) g; "
                     "ALTER TABLE nums ADD PRIMARY KEY (id); CREATE TABLE untouched (n integer); CREATE SEQUENCE sq")
    return name


def test_the_page_carries_its_ref_tab_and_data_mode(catalog_env: CatalogEnv, nums_db: str) -> None:
    page = catalog_env.admin.get(f"/servers/{catalog_env.server_id}/object", query_string={
        "kind": "table", "db": nums_db, "schema": "public", "name": "nums", "tab": "data", "data": "filter",
        "filter": "v > 2400 AND note = 'x\"y'", "embed": "1"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    attrs = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', text))
    assert json.loads(html.unescape(attrs["ref"])) == {"kind": "table", "db": nums_db, "schema": "public",
                                                       "name": "nums"}
    assert (attrs["tab"], attrs["data-mode"]) == ("data", "filter")
    assert html.unescape(attrs["data-filter"]) == "v > 2400 AND note = 'x\"y'"
    assert 'class="topbar"' not in text and "embedded" in text
    framed = catalog_env.admin.get(f"/servers/{catalog_env.server_id}/object",
                                   query_string={"kind": "role", "name": "postgres"})
    assert framed.status_code == 200 and 'class="topbar"' in framed.get_data(as_text=True)


@pytest.mark.parametrize("query", [{"kind": "table", "db": "x", "schema": "public", "name": "t", "tab": "nope"},
                                   {"kind": "table", "db": "x", "schema": "public", "name": "t", "data": "some"},
                                   {"kind": "table", "db": "x", "name": "t"}, {"kind": "bogus"}])
def test_bad_page_parameters_are_400(catalog_env: CatalogEnv, query: dict[str, str]) -> None:
    response = catalog_env.admin.get(f"/servers/{catalog_env.server_id}/object", query_string=query)
    assert response.status_code == 400


def test_another_users_server_is_404(catalog_env: CatalogEnv) -> None:
    response = catalog_env.user.get(f"/servers/{catalog_env.server_id}/object",
                                    query_string={"kind": "role", "name": "postgres"})
    assert response.status_code == 404


def test_last_rows_by_key_and_a_typed_condition(catalog_env: CatalogEnv, nums_db: str) -> None:
    ref = {"db": nums_db, "schema": "public", "name": "nums"}
    last = catalog_env.ok("/rows", **ref, dir="desc")
    assert [r[0] for r in last["rows"][:3]] == [250, 249, 248] and len(last["rows"]) == 100
    filtered = catalog_env.ok("/rows", **ref, where="v > 2400 OR id = 1", filter="id", op="ne", value="1")
    assert [r[0] for r in filtered["rows"]] == list(range(241, 251))


@pytest.mark.parametrize("where", ["true; DROP TABLE untouched", "true -- comment", "id = $$1$$", "(true"])
def test_a_condition_is_one_expression(catalog_env: CatalogEnv, nums_db: str, where: str) -> None:
    response = catalog_env.get("/rows", db=nums_db, schema="public", name="nums", where=where)
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "where"


def test_a_condition_cannot_write(catalog_env: CatalogEnv, nums_db: str, pg_server: PgServer) -> None:
    response = catalog_env.get("/rows", db=nums_db, schema="public", name="nums",
                               where="(SELECT count(*) FROM (INSERT INTO untouched VALUES (1) RETURNING 1) x) > 0")
    assert response.status_code == 400
    response = catalog_env.get("/rows", db=nums_db, schema="public", name="nums",
                               where="nextval('sq') > 0")
    assert response.status_code == 400 and "read-only" in response.get_json()["error"]["message"]
    with psycopg.connect(pg_server.conninfo(nums_db)) as conn:
        assert conn.execute("SELECT count(*) FROM untouched").fetchone() == (0,)
        assert conn.execute("SELECT is_called FROM sq").fetchone() == (False,)
