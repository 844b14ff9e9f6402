"""Catalog queries from .sql files, run on the user's short-lived connections (never a query tool's).

Every connection carries a statement timeout, runs the block in one read-only transaction (unless it is
a change's autocommit connection) and turns PostgreSQL's failures into domain errors the API reports.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from pgadmin_lite.connections import queries
from pgadmin_lite.servers import targets
from pgadmin_lite.servers.targets import Target

PACKAGE = "pgadmin_lite.browser"


def load_sql(name: str) -> str:
    """The text of browser/sql/<name>.sql."""
    return queries.load_sql(name, PACKAGE)


def query(conn: psycopg.Connection[Any], name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """All rows of browser/sql/<name>.sql, parameters bound by the driver (psycopg.sql never formats values)."""
    return conn.execute(load_sql(name), params or {}).fetchall()  # type: ignore[arg-type]


def query_listing(conn: psycopg.Connection[Any], name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every row of a list_*.sql file in tree order (its sort_key), unpaged: for DDL and properties."""
    inner = sql.SQL(load_sql(name).strip())  # type: ignore[arg-type]
    return conn.execute(sql.SQL("SELECT * FROM ({}) AS listed ORDER BY sort_key, name").format(inner),
                        params).fetchall()


def query_one(conn: psycopg.Connection[Any], name: str, params: dict[str, Any] | None = None) -> dict[str, Any] | None:
    rows = query(conn, name, params)
    return rows[0] if rows else None


def execute_one(conn: psycopg.Connection[Any], statement: sql.Composable | str) -> int:
    """Run exactly one statement and return its row count.

    binary=True makes psycopg use the extended query protocol, which refuses a second statement in the same
    string: a user-typed type or default expression can never smuggle in another command.
    """
    cur = conn.cursor()
    cur.execute(statement, binary=True)  # type: ignore[arg-type]
    return cur.rowcount


def run_catalog(target: Target, name: str, params: dict[str, Any] | None = None, *,
                dbname: str | None = None) -> list[dict[str, Any]]:
    """Run one catalog query as the user in a read-only transaction."""
    with targets.connect(target, dbname) as conn:
        return query(conn, name, params)
