"""Run a private PostgreSQL cluster (initdb, start, ready_wait, health, stop) for tests and development.

The manager starts the postmaster itself (no ``pg_ctl start``) and keeps its Popen handle: it signals only
the process it started, never whatever ``postmaster.pid`` names, so a manager that gave up can never
stop a newer postmaster on the same data directory. Readiness is libpq's PQping, as ``pg_isready``
judges it: a server that answers, even with an authentication failure, is up.
PostgreSQL refuses root, so as root every server program runs as an unprivileged OS user (default
``postgres``) via subprocess's ``user=``/``group=``: argv lists, no shell of ours. Missing directories are
created owned by that user; an existing path it cannot use is reported up front as a DatabaseException
naming the fix, not as a line in a log nobody reads.
CLI: ``python -m pgadmin_lite.servermgr.postgres -H HOST -p PORT -d DATADIR [-i] [-v VERSION]``.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, LiteralString

import click
import psycopg
from psycopg import pq
from psycopg.conninfo import make_conninfo

from pgadmin_lite.servermgr.process import (
    PG_BASE_DIR,
    DatabaseException,
    Postmaster,
    RunAs,
    WorkerError,
    _is_alive,
    _read_pid_file,
    find_binaries,
)

STOP_SIGNALS = {"smart": signal.SIGTERM, "fast": signal.SIGINT, "immediate": signal.SIGQUIT}  # the postmaster's
STOP_MODES = tuple(STOP_SIGNALS)
PING_TIMEOUT_S = 2  # libpq's smallest connect_timeout: a silent listener delays ready_wait's checks by this
SOCKET_PATH_MAX = 107  # sizeof(sockaddr_un.sun_path) - 1, as PostgreSQL checks it
PING_STATES = {
    pq.Ping.REJECT: "the server rejects connections (starting up, shutting down or in recovery)",
    pq.Ping.NO_RESPONSE: "no response",
    pq.Ping.NO_ATTEMPT: "invalid connection parameters",
}
_SETTING_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


__all__ = ["PG_BASE_DIR", "STOP_MODES", "DatabaseException", "Manager", "Postmaster", "WorkerError", "find_binaries"]

logger = logging.getLogger(__name__)


class Manager:
    """One cluster (a data directory) served on host:port: initdb, then a postmaster we start and signal.

    Options: ``user`` (OS user when we are root, default postgres), ``socket_dir`` and ``log_file``
    (default ``<db_dir>.run/``), ``superuser`` (initdb -U, default postgres), ``auth`` (default trust),
    ``locale`` (default C.UTF-8), ``extra_options`` ({setting: value} passed as -c), ``base_dir``.
    """

    def __init__(
        self, host: str, port: int, db_dir: str | os.PathLike[str], initialize: bool = False, pg_version: str = "",
        **kwargs: Any,
    ) -> None:
        """Resolve binaries and OS user now, so a broken setup fails here and not half-way through start."""
        options = dict(kwargs)
        self.host = host
        self.port = int(port)
        self.data_dir = Path(db_dir).absolute()
        self.version, self.bin_dir = find_binaries(pg_version, options.pop("base_dir", PG_BASE_DIR))
        self.run_as = RunAs.resolve(options.pop("user", "postgres"))
        run_dir = Path(f"{self.data_dir}.run")
        self.socket_dir = Path(options.pop("socket_dir", run_dir)).absolute()
        self.log_file = Path(options.pop("log_file", run_dir / "postgresql.log")).absolute()
        self.superuser: str = options.pop("superuser", "postgres")
        self.auth: str = options.pop("auth", "trust")
        self.locale: str = options.pop("locale", "C.UTF-8")
        extra = options.pop("extra_options", None) or {}
        self.extra_options = {str(name): str(value) for name, value in extra.items()}
        if options:
            raise TypeError(f"unknown Manager option(s): {', '.join(sorted(options))}")
        for name in self.extra_options:
            if not _SETTING_NAME.fullmatch(name):
                raise DatabaseException(f"invalid PostgreSQL setting name in extra_options: {name!r}")
        self._postmaster: subprocess.Popen[bytes] | None = None
        self._log_offset = 0
        if initialize:
            self.initdb()

    @property
    def process(self) -> Postmaster | None:
        """The live postmaster postmaster.pid names (ours or another's: an observation only), or None."""
        info = _read_pid_file(self.data_dir / "postmaster.pid")
        return info if info is not None and _is_alive(info.pid) else None

    @property
    def pid(self) -> int | None:
        """The pid of the postmaster this manager started, while it runs."""
        child = self._postmaster
        return child.pid if child is not None and child.poll() is None else None

    @property
    def is_running(self) -> bool:
        """Whether the postmaster this manager started is running."""
        return self.pid is not None

    @property
    def client_host(self) -> str:
        """Where clients connect: the first listen address, or the socket dir for wildcard/no TCP."""
        first = self.host.split(",")[0].strip()
        return str(self.socket_dir) if first in ("", "*", "0.0.0.0", "::") else first  # noqa: S104

    def conninfo(self, dbname: str = "postgres") -> str:
        """A libpq connection string for the superuser, for psycopg.connect or psql."""
        return make_conninfo(host=self.client_host, port=self.port, user=self.superuser, dbname=dbname)

    @property
    def dsn(self) -> str:
        """The connection string of the ``postgres`` database."""
        return self.conninfo()

    def initdb(self) -> bool:
        """Create the cluster unless the data directory already holds something; True if initdb ran."""
        try:
            if self.data_dir.is_dir() and any(self.data_dir.iterdir()):
                logger.debug("%s is not empty: not initializing it", self.data_dir)
                return False
        except PermissionError as exc:
            raise DatabaseException(f"cannot read the data directory {self.data_dir}: {exc}") from exc
        self._make_dir(self.data_dir, 0o700)
        if self.run_as.is_switching and self.data_dir.stat().st_uid != self.run_as.uid:
            os.chown(self.data_dir, self.run_as.uid, self.run_as.gid)  # empty, and about to be theirs
        self._check_reachable(self.data_dir)
        result = self._run([
            self._bin("initdb"), "-D", str(self.data_dir), "-U", self.superuser, f"--auth={self.auth}",
            "--encoding=UTF8", f"--locale={self.locale}",
        ])
        if result.returncode != 0:
            raise DatabaseException(f"initdb failed for {self.data_dir}: {(result.stderr or result.stdout).strip()}")
        logger.info("initialized a PostgreSQL %s cluster in %s", self.version, self.data_dir)
        return True

    def start(self, wait: bool = True, timeout: float = 10.0) -> None:
        """Start the postmaster as our child, after checking what PostgreSQL would only report in its log."""
        if (running := self.process) is not None:
            raise DatabaseException(f"PostgreSQL already runs on {self.data_dir} (pid {running.pid})")
        if not (self.data_dir / "PG_VERSION").is_file():
            raise DatabaseException(f"{self.data_dir} is no PostgreSQL data directory; use initialize=True (-i)")
        self._check_reachable(self.data_dir)
        self._prepare_run_paths()
        self._check_port_free()
        self._log_offset = self.log_file.stat().st_size
        argv = [self._bin("postgres"), "-D", str(self.data_dir), *self._options()]
        with self.log_file.open("ab") as log:
            # A session of its own (as pg_ctl does): the terminal's Ctrl-C reaches us, and we stop it cleanly.
            self._postmaster = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd="/", env=self._env(),
                start_new_session=True, **self.run_as.subprocess_kwargs(),
            )
        if wait:
            try:
                self.ready_wait(timeout)
            except BaseException:  # Ctrl-C or a bad probe included: leave nothing half-started behind
                self.kill()
                raise

    def ready_wait(self, timeout: float = 10.0, verbose: bool = False) -> None:
        """Poll PQping until the server is up; on time-out kill our postmaster so no half-started server lingers."""
        deadline = time.monotonic() + timeout
        while True:
            state = self._ping(PING_TIMEOUT_S)
            if self._postmaster is not None and (status := self._postmaster.poll()) is not None:
                raise DatabaseException(  # checked after the ping: whoever answered, it was not ours
                    f"PostgreSQL failed to start on {self.host}:{self.port} (exit status {status}):\n"
                    f"{self.log_tail(self._log_offset)}"
                )
            if state == pq.Ping.OK:
                return
            if state == pq.Ping.NO_ATTEMPT:
                raise DatabaseException(f"cannot probe PostgreSQL: {PING_STATES[state]} in {self.conninfo()!r}")
            if verbose:
                print(f"waiting for PostgreSQL on {self.host}:{self.port}: {PING_STATES[state]}", file=sys.stderr)
            if time.monotonic() >= deadline:
                was_ours = self.is_running
                self.kill()
                raise WorkerError(
                    f"PostgreSQL on {self.host}:{self.port} did not accept connections within {timeout:.1f}s"
                    f"{' and was killed' if was_ours else ''}; last answer: {PING_STATES[state]}\n{self.log_tail()}"
                )
            time.sleep(0.05)

    def health(self) -> None:
        """Raise WorkerError unless the server accepts connections (PQping, no password needed)."""
        if (state := self._ping(connect_timeout=5)) != pq.Ping.OK:
            raise WorkerError(f"PostgreSQL on {self.host}:{self.port} is not healthy: {PING_STATES[state]}")

    def server_version(self) -> str:
        """The running server's full version string, e.g. ``15.18 (Debian ...)`` (needs the superuser's access)."""
        return self._query("SHOW server_version", connect_timeout=5)

    def stop(self, wait: bool = True, mode: str = "fast", timeout: float = 60.0) -> None:
        """Shut our postmaster down: smart waits for clients, fast disconnects them, immediate skips the checkpoint."""
        if mode not in STOP_MODES:
            raise ValueError(f"stop mode must be one of {', '.join(STOP_MODES)}, not {mode!r}")
        if self._postmaster is None:
            return
        self._postmaster.send_signal(STOP_SIGNALS[mode])  # a no-op once it has exited (and been reaped)
        if wait:
            self.wait(timeout)

    def wait(self, timeout: float | None = None) -> None:
        """Block until our postmaster has exited (WorkerError if ``timeout`` seconds pass first)."""
        if self._postmaster is None:
            return
        try:
            self._postmaster.wait(timeout)
        except subprocess.TimeoutExpired:
            raise WorkerError(f"PostgreSQL postmaster {self._postmaster.pid} still runs after {timeout}s") from None

    def kill(self, grace: float = 5.0) -> None:
        """Stop our postmaster at once: immediate shutdown (SIGQUIT), then SIGKILL if it lingers."""
        if self._postmaster is None:
            return
        for sig in (signal.SIGQUIT, signal.SIGKILL):
            self._postmaster.send_signal(sig)
            with contextlib.suppress(WorkerError):
                self.wait(grace)
                return
        raise WorkerError(f"PostgreSQL postmaster {self._postmaster.pid} survived SIGKILL")

    def _bin(self, program: str) -> str:
        """Absolute path of one of the selected version's programs."""
        return str(self.bin_dir / program)

    def _run(self, argv: list[str], timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
        """Run a server program as the server user, with a neutral cwd."""
        return subprocess.run(
            argv, capture_output=True, text=True, cwd="/", env=self._env(), timeout=timeout, check=False,
            **self.run_as.subprocess_kwargs(),
        )

    @staticmethod
    def _env() -> dict[str, str]:
        """Our environment without PG* variables, which would surprise the server programs."""
        return {key: value for key, value in os.environ.items() if not key.startswith("PG")}

    def _ping(self, connect_timeout: int) -> pq.Ping:
        """libpq's PQping: OK as soon as the server answers, even "password authentication failed"."""
        conninfo = make_conninfo(self.conninfo(), connect_timeout=connect_timeout)
        return pq.Ping(pq.PGconn.ping(conninfo.encode()))

    def _query(self, query: LiteralString, connect_timeout: int) -> str:
        """One query on a new connection as the superuser (readiness is _ping's, which needs no password)."""
        with psycopg.connect(self.conninfo(), connect_timeout=connect_timeout, autocommit=True) as conn:
            row = conn.execute(query).fetchone()
        return str(row[0]) if row else ""

    def _options(self) -> list[str]:
        """The postgres command-line options: port, socket dir, listen addresses and extra settings."""
        args = ["-p", str(self.port), "-k", str(self.socket_dir), "-c", f"listen_addresses={self.host}"]
        for name, value in self.extra_options.items():
            args += ["-c", f"{name}={value}"]
        return args

    def _make_dir(self, path: Path, mode: int) -> None:
        """Create a missing directory owned by the server user (existing ones are left as they are)."""
        if path.exists():
            return
        path.mkdir(mode=mode, parents=True)
        path.chmod(mode)
        if self.run_as.is_switching:
            os.chown(path, self.run_as.uid, self.run_as.gid)

    def _check_reachable(self, path: Path) -> None:
        """The server user must be able to traverse every parent of ``path`` (think /root or pytest tmp)."""
        for parent in reversed(path.parents):
            if parent.exists() and not self.run_as.can(parent, os.X_OK):
                raise DatabaseException(
                    f"OS user {self.run_as.name!r} (the server's) cannot reach {path}: {parent} is not "
                    f"searchable by it (mode {parent.stat().st_mode & 0o777:o}); put the directory where "
                    f"{self.run_as.name} can reach it (e.g. under /tmp) or: chmod o+x {parent}"
                )

    def _prepare_run_paths(self) -> None:
        """Make sure the server user can create its socket + lock file and append to the log."""
        for directory in (self.socket_dir, self.log_file.parent):
            self._make_dir(directory, 0o755)
            self._check_reachable(directory)
        if not self.run_as.can(self.socket_dir, os.W_OK | os.X_OK):
            raise DatabaseException(
                f"socket directory {self.socket_dir} is not writable by OS user {self.run_as.name!r}, which "
                f"creates the socket and its lock file there; fix: chown {self.run_as.name} {self.socket_dir}, "
                f"or pass another socket_dir"
            )
        if len(socket_path := f"{self.socket_dir}/.s.PGSQL.{self.port}") > SOCKET_PATH_MAX:
            raise DatabaseException(f"socket path {socket_path} is over {SOCKET_PATH_MAX} bytes; shorten socket_dir")
        if not self.log_file.exists():
            self.log_file.touch(mode=0o600)
            if self.run_as.is_switching:
                os.chown(self.log_file, self.run_as.uid, self.run_as.gid)
        if not self.run_as.can(self.log_file, os.W_OK):
            raise DatabaseException(
                f"log file {self.log_file} is not writable by OS user {self.run_as.name!r}; fix: "
                f"chown {self.run_as.name} {self.log_file}, or pass another log_file"
            )

    def _check_port_free(self) -> None:
        """Fail with a clear message when something already listens on the port PostgreSQL wants."""
        for host in (part.strip() for part in self.host.split(",") if part.strip()):
            try:
                addresses = socket.getaddrinfo(
                    None if host == "*" else host, self.port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
                )
            except socket.gaierror as exc:
                raise DatabaseException(f"cannot resolve the listen address {host!r}: {exc}") from exc
            for family, kind, proto, _, address in addresses:
                with socket.socket(family, kind, proto) as probe:
                    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as PostgreSQL does
                    if family == socket.AF_INET6:
                        probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                    try:
                        probe.bind(address)
                    except OSError as exc:
                        if exc.errno == errno.EADDRINUSE:
                            raise DatabaseException(
                                f"port {self.port} on {host} is already in use by another program; "
                                f"stop it or choose another port (-p)"
                            ) from exc

    def log_tail(self, offset: int = 0, limit: int = 3000) -> str:
        """The end of the server log since ``offset``, to put the real reason into exceptions."""
        try:
            with self.log_file.open("rb") as log:
                log.seek(max(offset, log.seek(0, os.SEEK_END) - limit))
                text = log.read().decode("utf-8", "replace").strip()
        except OSError:
            return ""
        return f"--- {self.log_file} ---\n{text}" if text else ""


@click.command()
@click.option("-H", "--host", default="127.0.0.1", show_default=True, help="Listen address(es).")
@click.option("-p", "--port", type=click.IntRange(1, 65535), default=5432, show_default=True)
@click.option("-d", "--datadir", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("-i", "--initialize", is_flag=True, help="Run initdb if DATADIR is missing or empty.")
@click.option("-v", "--version", "pg_version", default="", help="Major version [default: $POSTGRES_VERSION or newest].")
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds to wait for readiness.")
def main(host: str, port: int, datadir: Path, initialize: bool, pg_version: str, timeout: float) -> None:
    """Run PostgreSQL in the foreground until Ctrl-C or SIGTERM, then stop it (fast)."""
    stop_requested = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop_requested.set())
    try:
        manager = Manager(host, port, datadir, initialize=initialize, pg_version=pg_version)
        manager.start(timeout=timeout)
    except (DatabaseException, WorkerError) as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        version = (manager.data_dir / "PG_VERSION").read_text().strip()
        click.echo(f"PostgreSQL {version} ready on {host}:{port} (data {manager.data_dir})")
        while not stop_requested.wait(0.5):
            if not manager.is_running:
                raise click.ClickException(f"PostgreSQL exited unexpectedly\n{manager.log_tail()}")
    finally:
        manager.stop(mode="fast")
    click.echo("PostgreSQL stopped")


if __name__ == "__main__":
    main()
