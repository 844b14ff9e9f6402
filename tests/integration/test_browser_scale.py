"""A schema with 5,000 tables lists in pages ("first 500 of 5,000 — type to filter"); timings live in bench/."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import psycopg
import pytest

from tests.plugins.catalog_fixtures import CatalogEnv
from tests.plugins.postgres_fixture import PgServer

TABLES = 5000


def create_tables(conninfo: str, count: int, batch: int = 500, workers: int = 2) -> None:
    """Many empty tables quickly: multi-statement batches over a few connections (locks stay per batch)."""
    def work(starts: range) -> None:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            for start in starts:
                conn.execute(";".join(f'CREATE TABLE "t {i:05d}" ()' for i in range(start, min(start + batch, count))))

    share = -(-count // workers // batch) * batch
    threads = [threading.Thread(target=work, args=(range(k * share, min((k + 1) * share, count), batch),))
               for k in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@pytest.fixture(scope="module")
def many_tables(pg_server: PgServer) -> Iterator[str]:
    name = "many tables ü"
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    create_tables(pg_server.conninfo(name), TABLES)
    yield name
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_five_thousand_tables_list_in_pages(catalog_env: CatalogEnv, many_tables: str) -> None:
    schema = catalog_env.ok("/tree", kind="schema", db=many_tables, name="public")["items"]
    assert schema[0]["label"] == "Tables" and schema[0]["info"]["count"] == TABLES
    first = catalog_env.ok("/tree", kind="tables", db=many_tables, schema="public")
    assert first["total"] == TABLES and len(first["items"]) == 500 and first["truncated"]
    assert first["items"][0]["name"] == "t 00000" and first["items"][-1]["name"] == "t 00499"
    last = catalog_env.ok("/tree", kind="tables", db=many_tables, schema="public", offset=4900, limit=500)
    assert [i["name"] for i in last["items"]][-1] == "t 04999" and len(last["items"]) == 100 and not last["truncated"]
    found = catalog_env.ok("/tree", kind="tables", db=many_tables, schema="public", q="t 0412")
    assert found["total"] == 10 and not found["truncated"]


def test_page_size_is_bounded(catalog_env: CatalogEnv, many_tables: str) -> None:
    too_big = catalog_env.get("/tree", kind="tables", db=many_tables, schema="public", limit=5001)
    assert too_big.status_code == 400
    whole = catalog_env.ok("/tree", kind="tables", db=many_tables, schema="public", limit=5000)
    assert len(whole["items"]) == TABLES and not whole["truncated"]


