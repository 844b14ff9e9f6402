"""The one psycopg.connect of the web process: libpq sees only the parameters it is handed, never the web host's.

Every connection carries a connect timeout and our application_name; the web host's ~/.pgpass,
PGPASSWORD and service files are never read; a failure to connect is a domain error naming the fix.
A server behind an SSH bastion is reached through a shared tunnel (tunnels.py) the connection holds a lease on.
"""

from __future__ import annotations

import logging
import os
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import pq, sql

from pgadmin_lite.connections import private_files, tunnels
from pgadmin_lite.connections.encoding import adapt_connection
from pgadmin_lite.errors import BadRequest, ConnectionSetupFailed, PasswordRequired, ServerUnreachable

log = logging.getLogger(__name__)

APPLICATION_NAME = "pgadmin_lite"
DEFAULT_CONNECT_TIMEOUT = 10  # the CONNECT_TIMEOUT default; callers pass the configured value
# A passfile that can never exist (nothing lives under /dev/null), so libpq never reads the web server's
# ~/.pgpass; os.devnull itself would work too, but libpq then warns on stderr at every password-less connect.
NO_PASSFILE = os.path.join(os.devnull, "no-pgpass")
# Parameters that make libpq read files or settings of the web host (a service file names host, user, password);
# the operator's service file (PG_SERVICE_FILE) is read by servers/pg_services.py, never by libpq.
HOST_FILE_PARAMS = frozenset({"passfile", "service", "servicefile"})
# Nor the web server's ~/.postgresql/root.crt, postgresql.crt, postgresql.key and root.crl (libpq's defaults).
NO_TLS_FILES = {name: os.path.join(os.devnull, f"no-{name}") for name in ("sslrootcert", "sslcert", "sslkey", "sslcrl")}
_PASSWORD_WANTED = ("no password supplied", "password authentication failed")
TUNNEL = "ssh_tunnel"  # a tunnels.TunnelSpec among the parameters: libpq reaches the server through it


class TunnelledConnection(psycopg.Connection[Any]):
    """A connection through an SSH tunnel: closing it releases its lease (the last one closes the tunnel)."""

    _lease: tunnels.Lease | None = None

    def close(self) -> None:
        try:
            super().close()
        finally:
            lease, self._lease = self._lease, None
            if lease is not None:
                lease.release()
SETUP = "pgadmin_lite_setup"  # the connect parameter holding a Setup (what libpq gets never has it)
READ_ONLY_ON = "SET default_transaction_read_only = on"


@dataclass(frozen=True)
class Setup:
    """What every new connection to a server runs before it is used: the read-only rail (default_transaction_read_only
    on), SET ROLE, and the registration's post-connection SQL, as the user's own SQL in autocommit."""

    role: str | None = None
    sql: str | None = None
    read_only: bool = False


def without_setup(params: Mapping[str, Any]) -> dict[str, Any]:
    """params as libpq knows them (a job's conninfo, libpq_params)."""
    return {name: value for name, value in params.items() if name != SETUP}


def libpq_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """params as libpq will get them: a timeout, our name, no password, passfile or TLS file from the web host."""
    named = sorted(HOST_FILE_PARAMS & set(params))
    if named:
        raise BadRequest(f"Connection parameter(s) {', '.join(named)} would read files of the web server.")
    out = {"connect_timeout": DEFAULT_CONNECT_TIMEOUT, "application_name": APPLICATION_NAME, **without_setup(params)}
    out.update({name: out.get(name) or path for name, path in NO_TLS_FILES.items()})
    # An empty password (not an omitted one) also keeps libpq from using the web server's PGPASSWORD.
    out["password"] = out.get("password") or ""
    out["passfile"] = NO_PASSFILE
    return out


def connection_error(exc: psycopg.OperationalError, params: Mapping[str, Any]) -> PasswordRequired | ServerUnreachable:
    """PasswordRequired when the server wanted a password none was given for, else libpq's own message."""
    message = str(exc).strip() or type(exc).__name__
    password = params.get("password") or ""
    if password:
        message = message.replace(password, "********")
    host = ",".join(dict.fromkeys(str(params.get("host")).split(",")))  # pinned: one entry per address
    target = f"{params.get('user')}@{host}:{params.get('port')}/{params.get('dbname')}"
    if not password and any(marker in message for marker in _PASSWORD_WANTED):
        return PasswordRequired(f"The server asks for a password for {target} and none was given or saved.",
                                hint="Send the password when connecting, or save it with the server.")
    if NO_TLS_FILES["sslrootcert"] in message:
        return ServerUnreachable(message, hint="verify-ca and verify-full need the server's root certificate: pick "
                                               "or upload it in the server's TLS settings (or use another sslmode).")
    if "certificate verify failed" in message:
        return ServerUnreachable(message, hint=f"The certificate of {target} is not signed by the root certificate "
                                               "chosen for the server, is revoked by its CRL, or (verify-full) is "
                                               "not for its name: pick the CA that signed it, or another sslmode.")
    return ServerUnreachable(message, hint=f"Could not connect to {target}: check the address, the port, the "
                                           "credentials and the server's pg_hba.conf.")


def hold_tunnel(params: Mapping[str, Any]) -> tuple[dict[str, Any], tunnels.Lease | None]:
    """params with a tunnel among them replaced by its local end (hostaddr; host stays the server's name, for TLS
    verification), and the lease the caller releases when done with it (None: no tunnel)."""
    params = dict(params)
    spec: tunnels.TunnelSpec | None = params.pop(TUNNEL, None)
    if spec is None:
        return params, None
    libpq_params(params)  # refused parameters are refused before the bastion is contacted
    lease = tunnels.registry.acquire(spec)
    return {**params, "hostaddr": lease.address, "port": lease.port}, lease


def connect(params: Mapping[str, Any], **psycopg_options: Any) -> psycopg.Connection[Any]:
    """psycopg.connect with libpq failures turned into PasswordRequired or ServerUnreachable, then the setup.

    TLS files exist only while libpq connects; through a tunnel, the connection holds a lease on it until it
    closes (or, unclosed, is collected).
    """
    held, lease = hold_tunnel(params)
    try:
        kwargs = libpq_params(held)
        shown = {**kwargs, "port": params.get("port")} if lease else kwargs  # the server's port, not the tunnel's
        opener = TunnelledConnection.connect if lease else psycopg.connect  # looked up now (tests spy on it)
        conn = _connect(opener, kwargs, psycopg_options, shown)
    except BaseException:
        if lease is not None:
            lease.release()
        raise
    if lease is not None:
        conn._lease = lease
        weakref.finalize(conn, lease.release)
    setup = params.get(SETUP)
    if setup is not None:
        try:
            apply_setup(conn, setup)
        except BaseException:
            conn.close()
            raise
    return conn


def _connect(opener: Callable[..., psycopg.Connection[Any]], kwargs: dict[str, Any],
             psycopg_options: Mapping[str, Any], shown: Mapping[str, Any]) -> psycopg.Connection[Any]:
    try:
        with private_files.materialized(kwargs) as files:  # libpq reads them while it connects, then they go
            conn = opener(**files, **psycopg_options)
    except psycopg.OperationalError as exc:
        error = connection_error(exc, shown)
        log.info("Connection to %s:%s as %s failed: %s", kwargs.get("host"), kwargs.get("port"), kwargs.get("user"),
                 error.message)
        raise error from None
    adapt_connection(conn)
    return conn


def apply_setup(conn: psycopg.Connection[Any], setup: Setup) -> None:
    """Run the setup on a new connection; a failure is ConnectionSetupFailed naming the step and the fix."""
    was_autocommit, conn.autocommit = conn.autocommit, True
    if setup.read_only:
        conn.execute(READ_ONLY_ON)  # the post-connection SQL runs read-only too
    if setup.role:
        try:
            conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(setup.role)))
        except psycopg.Error as exc:
            raise ConnectionSetupFailed(f"SET ROLE {setup.role} after connecting failed: {_message(exc)}", hint=(
                "The login role must be a member of that role: fix the server's Role setting, or grant it.")) from None
    if setup.sql and setup.sql.strip():
        _run_post_connection_sql(conn, setup.sql)
    if setup.read_only:
        conn.execute(READ_ONLY_ON)  # again: the post-connection SQL may have turned it off
    conn.autocommit = was_autocommit


def _run_post_connection_sql(conn: psycopg.Connection[Any], text: str) -> None:
    hint = "Fix or clear the post-connection SQL in the server's settings (Advanced)."
    try:
        conn.execute(sql.SQL(text))  # type: ignore[arg-type]  # the user's SQL, as typed (simple protocol)
    except psycopg.Error as exc:
        raise ConnectionSetupFailed(f"The server's post-connection SQL failed: {_message(exc)}", hint=hint,
                                    sqlstate=exc.sqlstate) from None
    if conn.info.transaction_status != pq.TransactionStatus.IDLE:
        conn.execute("ROLLBACK")
        raise ConnectionSetupFailed("The server's post-connection SQL left a transaction open (it was rolled back).",
                                    hint=hint)


def _message(exc: psycopg.Error) -> str:
    return exc.diag.message_primary or str(exc).strip() or type(exc).__name__


def set_search_path(conn: psycopg.Connection[Any], schemas: Sequence[str]) -> None:
    """SET search_path TO the schemas, each one an identifier (a tool opened on a schema starts in it)."""
    conn.execute(sql.SQL("SET search_path TO {}").format(sql.SQL(", ").join(map(sql.Identifier, schemas))))


def cancel(conn: psycopg.Connection[Any], timeout: float = 5.0) -> None:
    """libpq's cancel request: the encrypted one (libpq 17+ connects again with the connection's parameters),
    else the classic one, which needs no file (a connection's private TLS files are gone after its connect)."""
    try:
        conn.cancel_safe(timeout=timeout)
    except psycopg.OperationalError as exc:
        log.debug("Encrypted cancel request failed (%s); sending the classic one.", exc)
        conn.cancel()
