"""Catalog queries from .sql files, run on short-lived connections of their own (never a query tool's).

Every connection opened here carries a statement timeout, is closed when the block ends, and turns
PostgreSQL's failures into domain errors (timeout, privilege, refused statement) the API reports.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import psycopg
from psycopg import sql
from psycopg.adapt import AdaptersMap
from psycopg.rows import dict_row
from psycopg.types.json import JsonbLoader, JsonLoader

from pgadmin_lite.auth.identity import Principal
from pgadmin_lite.errors import (
    AppError,
    NotFound,
    ObjectLocked,
    PrivilegeRequired,
    ServerUnreachable,
    StatementFailed,
    StatementTimeout,
)
from pgadmin_lite.models import Server
from pgadmin_lite.query_tool.encoding import adapt_connection, build_adapters
from pgadmin_lite.servers import service as servers

DEFAULT_STATEMENT_TIMEOUT_MS = 10_000  # the CATALOG_STATEMENT_TIMEOUT_MS default
DEFAULT_CHANGE_TIMEOUT_MS = 60_000  # the CHANGE_STATEMENT_TIMEOUT_MS default
TIMEOUT_HINT = ("Raise CATALOG_STATEMENT_TIMEOUT_MS (browsing) or CHANGE_STATEMENT_TIMEOUT_MS (changes) in "
                "config_local.py, or run the statement in the query tool.")


@dataclass(frozen=True)
class Target:
    """A server as one user reaches it, with the time limits: what every short-lived connection needs."""

    server: Server
    user: Principal
    connect_timeout: int = servers.DEFAULT_CONNECT_TIMEOUT
    statement_timeout_ms: int = DEFAULT_STATEMENT_TIMEOUT_MS
    change_timeout_ms: int = DEFAULT_CHANGE_TIMEOUT_MS


@cache
def load_sql(name: str, package: str = "pgadmin_lite.browser") -> str:
    """The text of <package>/sql/<name>.sql (names are ours, never the user's)."""
    return resources.files(package).joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


@cache
def catalog_adapters() -> AdaptersMap:
    """The query tool's faithful JSON loaders, except that json/jsonb (built by our catalog SQL) are parsed."""
    adapters = build_adapters()
    adapters.register_loader("json", JsonLoader)
    adapters.register_loader("jsonb", JsonbLoader)
    return adapters


def database_error(exc: psycopg.Error, statement: str | None = None) -> AppError:
    """The domain error for a failure PostgreSQL reported while we ran a statement."""
    diag = exc.diag
    extra: dict[str, Any] = {"sqlstate": exc.sqlstate}
    if statement is not None:
        extra["statement"] = statement
    if diag.message_detail:
        extra["detail"] = diag.message_detail
    message = diag.message_primary or str(exc).strip() or type(exc).__name__
    if isinstance(exc, psycopg.errors.QueryCanceled):
        return StatementTimeout(f"The server cancelled the statement: {message}.", hint=TIMEOUT_HINT, **extra)
    if isinstance(exc, psycopg.errors.LockNotAvailable):
        return ObjectLocked(f"{message}: another session holds a lock on the object.",
                            hint="See the dashboard's locks for who holds it, then retry.", **extra)
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        return PrivilegeRequired(message, hint=diag.message_hint or "Ask for the privilege, or connect as a role "
                                 "that has it.", **extra)
    if exc.sqlstate is None or isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        return ServerUnreachable(f"The connection to the server failed: {message}", **extra)
    return StatementFailed(message, hint=diag.message_hint, **extra)


def _open(target: Target, dbname: str | None, options: dict[str, Any]) -> psycopg.Connection[Any]:
    kwargs = servers.connect_kwargs(target.server, target.user, dbname=dbname, connect_timeout=target.connect_timeout)
    try:
        return servers.open_connection(kwargs, row_factory=dict_row, prepare_threshold=None, **options)
    except ServerUnreachable as exc:
        if dbname and f'database "{dbname}" does not exist' in exc.message:
            raise NotFound(f"No database {dbname!r} on server {target.server.name!r}.") from None
        raise


@contextmanager
def connect(target: Target, dbname: str | None = None, *, read_only: bool = True, autocommit: bool = False,
            timeout_ms: int | None = None, adapters: AdaptersMap | None = None) -> Iterator[psycopg.Connection[Any]]:
    """A connection of its own to dbname (default: the maintenance DB) with a statement timeout; closed after."""
    conn = _open(target, dbname, {"autocommit": autocommit, "context": adapters or catalog_adapters()})
    adapt_connection(conn)
    with conn:
        try:
            if not autocommit:
                conn.read_only = read_only
            limit = timeout_ms if timeout_ms is not None else target.statement_timeout_ms
            # SET LOCAL inside a transaction (pooler-safe); for the session when every statement commits alone.
            conn.execute("SELECT pg_catalog.set_config('statement_timeout', %s, %s)", [str(limit), not autocommit])
            yield conn
        except psycopg.Error as exc:
            raise database_error(exc) from None


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


def run_catalog(server: Server, user: Principal, name: str, params: dict[str, Any] | None = None, *,
                dbname: str | None = None,
                connect_timeout: int = servers.DEFAULT_CONNECT_TIMEOUT,
                statement_timeout_ms: int = DEFAULT_STATEMENT_TIMEOUT_MS) -> list[dict[str, Any]]:
    """Run one catalog query as the user in a read-only transaction, then close the connection."""
    target = Target(server, user, connect_timeout, statement_timeout_ms)
    with connect(target, dbname) as conn:
        return query(conn, name, params)
