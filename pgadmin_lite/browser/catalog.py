"""Catalog queries from .sql files, run on short-lived connections of their own (never a query tool's)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from psycopg.rows import dict_row

from pgadmin_lite.models import Server, User
from pgadmin_lite.servers import service as servers


@cache
def load_sql(name: str) -> str:
    """The text of browser/sql/<name>.sql (names are ours, never the user's)."""
    return resources.files("pgadmin_lite.browser").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


def run_catalog(server: Server, user: User, name: str, params: dict[str, Any] | None = None, *,
                dbname: str | None = None,
                connect_timeout: int = servers.DEFAULT_CONNECT_TIMEOUT) -> list[dict[str, Any]]:
    """Run one catalog query as the user in a read-only transaction, then close the connection."""
    kwargs = servers.connect_kwargs(server, user, dbname=dbname, connect_timeout=connect_timeout)
    with servers.open_connection(kwargs, row_factory=dict_row) as conn:
        conn.read_only = True
        return conn.execute(load_sql(name), params or {}).fetchall()  # type: ignore[arg-type]
