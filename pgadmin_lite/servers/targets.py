"""A server this user may use, as connection parameters: the one place features get them from.

Every connect (query tool, browser, dashboard, jobs, test-connection) asks here first, so each one checks
the user's right to the server, takes their credentials from the vault and is pinned by the server policy
(the addresses checked are the addresses libpq connects to) at the moment it connects.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.adapt import AdaptersMap

from pgadmin_lite.auth.identity import Principal
from pgadmin_lite.connections import opening, short_lived_connections
from pgadmin_lite.connections.encoding import catalog_adapters
from pgadmin_lite.connections.short_lived import ShortLivedConnections
from pgadmin_lite.errors import NotFound, ServerUnreachable
from pgadmin_lite.models import Server
from pgadmin_lite.servers import connect_files, current_policy, ssh
from pgadmin_lite.servers.policy import ServerPolicy, pin_connect_params
from pgadmin_lite.servers.service import can_use, get_server_for_user, user_credential
from pgadmin_lite.servers.tls import tls_params
from pgadmin_lite.servers.vault import Vault, associated_data, current_vault

DEFAULT_STATEMENT_TIMEOUT_MS = 10_000  # the CATALOG_STATEMENT_TIMEOUT_MS default
DEFAULT_CHANGE_TIMEOUT_MS = 60_000  # the CHANGE_STATEMENT_TIMEOUT_MS default
SERVER_API = "/api/v1/servers/<int:server_id>"  # the prefix of the API routes whose server request_target resolves


def connect_params(server: Server, user: Principal, *, password: str | None = None, dbname: str | None = None,
                   connect_timeout: int = opening.DEFAULT_CONNECT_TIMEOUT, vault: Vault | None = None,
                   policy: ServerPolicy | None = None) -> dict[str, Any]:
    """Parameters for opening.connect: the user's credentials (never the web server's), pinned by the policy.

    A server behind an SSH tunnel gets the tunnel's spec among them (opening.TUNNEL) instead of pinned addresses.
    """
    if not can_use(server, user):
        raise NotFound(f"No server with id {server.id}.")
    cred = user_credential(server, user)
    if not password and cred is not None and cred.password_enc:
        password = (vault or current_vault()).decrypt(cred.password_enc, aad=associated_data(server.id, user.id))
    params: dict[str, Any] = {
        "host": server.host, "port": server.port, "dbname": dbname or server.maintenance_db,
        "user": (cred.username if cred else None) or server.username, "sslmode": server.sslmode,
        "connect_timeout": connect_timeout, **(server.connect_params or {}), **tls_params(server, user, vault),
    }
    params = connect_files.with_service(server, params)
    params["password"] = password or connect_files.passfile_password(user, cred, params) or ""
    if server.role or server.read_only or server.post_connection_sql:
        params[opening.SETUP] = opening.Setup(server.role, server.post_connection_sql, bool(server.read_only))
    policy = policy or current_policy()
    tunnel = ssh.tunnel_spec(server, user, timeout_s=connect_timeout, policy=policy, vault=vault)
    if tunnel is not None:  # the policy judged the bastion; libpq connects to the tunnel's local end
        params.pop("hostaddr", None)
        return {**params, opening.TUNNEL: tunnel}
    return pin_connect_params(params, policy)


@dataclass(frozen=True)
class Target:
    """A server as one user reaches it, with the time limits and the short-lived connections to reuse."""

    server: Server
    user: Principal
    pool: ShortLivedConnections
    connect_timeout: int = opening.DEFAULT_CONNECT_TIMEOUT
    statement_timeout_ms: int = DEFAULT_STATEMENT_TIMEOUT_MS
    change_timeout_ms: int = DEFAULT_CHANGE_TIMEOUT_MS


def request_target(server_id: int) -> Target:
    """For views: the server (if the logged-in user may use it) with the configured timeouts and the app's pool."""
    from flask import current_app
    from flask_login import current_user

    cfg = current_app.config
    server = get_server_for_user(current_user, server_id)
    return Target(server, current_user._get_current_object(), short_lived_connections(current_app),
                  cfg["CONNECT_TIMEOUT"], cfg["CATALOG_STATEMENT_TIMEOUT_MS"], cfg["CHANGE_STATEMENT_TIMEOUT_MS"])


@contextmanager
def connect(target: Target, dbname: str | None = None, *, autocommit: bool = False, timeout_ms: int | None = None,
            context: AdaptersMap | None = None, password: str | None = None) -> Iterator[psycopg.Connection[Any]]:
    """A short-lived connection to dbname (default: the maintenance DB), reused while the user keeps browsing.

    Rows are dicts; values load as the query tool's (context: catalog_adapters, which parses the JSON our SQL builds).
    password: one the user typed for a query tool tab (else the saved one, as every connect).
    """
    params = connect_params(target.server, target.user, password=password, dbname=dbname,
                            connect_timeout=target.connect_timeout)
    limit = timeout_ms if timeout_ms is not None else target.statement_timeout_ms
    with ExitStack() as stack:
        try:
            conn = stack.enter_context(target.pool.connection(
                target.user.id, target.server.id, params, statement_timeout_ms=limit, autocommit=autocommit,
                context=context or catalog_adapters()))
        except ServerUnreachable as exc:
            if f'database "{params["dbname"]}" does not exist' in exc.message:
                raise NotFound(f"No database {params['dbname']!r} on server {target.server.name!r}.") from None
            raise
        yield conn


def check_connection(server: Server, user: Principal, *, password: str | None = None,
                     connect_timeout: int = opening.DEFAULT_CONNECT_TIMEOUT, vault: Vault | None = None,
                     policy: ServerPolicy | None = None) -> dict[str, Any]:
    """Connect afresh (never a reused connection: this tests connecting), and report version and timings."""
    params = connect_params(server, user, password=password, connect_timeout=connect_timeout, vault=vault,
                            policy=policy)
    started = time.perf_counter()
    with opening.connect(params, autocommit=True) as conn:
        connected = time.perf_counter()
        current = conn.execute("SELECT current_user").fetchone()[0]  # the role SET ROLE chose, if any
        done = time.perf_counter()
        version = conn.info.parameter_status("server_version") or ""
        role = conn.info.user
    return {"ok": True, "server_version": version.split(" ")[0], "username": role, "current_user": current,
            "connect_ms": round((connected - started) * 1000, 2), "latency_ms": round((done - connected) * 1000, 2),
            **ssh.trusted_host_key(server)}
