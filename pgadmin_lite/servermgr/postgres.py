"""Run a private PostgreSQL cluster (initdb, start, ready_wait, health, stop) for tests and development.

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
import math
import os
import re
import shlex
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

STOP_MODES = ("smart", "fast", "immediate")
SOCKET_PATH_MAX = 107  # sizeof(sockaddr_un.sun_path) - 1, as PostgreSQL checks it
_SHELL_UNSAFE = set('"$`\\\n')  # pg_ctl pastes -D/-l paths inside "..." of a /bin/sh command
_SETTING_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


__all__ = ["PG_BASE_DIR", "STOP_MODES", "DatabaseException", "Manager", "Postmaster", "WorkerError", "find_binaries"]

logger = logging.getLogger(__name__)


class Manager:
    """One cluster (a data directory) served on host:port, driven through initdb and pg_ctl.

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
        for path in (self.data_dir, self.log_file, self.socket_dir):
            if _SHELL_UNSAFE & set(str(path)):
                raise DatabaseException(f"{path} contains one of {sorted(_SHELL_UNSAFE)}; pg_ctl cannot quote it")
        if initialize:
            self.initdb()

    @property
    def process(self) -> Postmaster | None:
        """The live postmaster as read from postmaster.pid (its pid is the first line), or None."""
        info = _read_pid_file(self.data_dir / "postmaster.pid")
        return info if info is not None and _is_alive(info.pid) else None

    @property
    def pid(self) -> int | None:
        """The postmaster's pid while it runs."""
        info = self.process
        return info.pid if info else None

    @property
    def is_running(self) -> bool:
        """Whether a postmaster is running on this data directory."""
        return self.process is not None

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
        """Start the postmaster with pg_ctl, after checking what PostgreSQL would only report in its log."""
        if self.is_running:
            raise DatabaseException(f"PostgreSQL already runs on {self.data_dir} (pid {self.pid})")
        if not (self.data_dir / "PG_VERSION").is_file():
            raise DatabaseException(f"{self.data_dir} is no PostgreSQL data directory; use initialize=True (-i)")
        self._check_reachable(self.data_dir)
        self._prepare_run_paths()
        self._check_port_free()
        offset = self.log_file.stat().st_size
        argv = [self._bin("pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_file), "-o", self._options()]
        argv += ["-w", "-t", str(max(1, math.ceil(timeout)))] if wait else ["-W"]
        began = time.monotonic()
        result = self._run([*argv, "start"], timeout=timeout + 30)
        if result.returncode != 0:
            detail = f"{result.stderr.strip()}\n{self.log_tail(offset)}"
            if self.is_running:  # pg_ctl gave up waiting; leave nothing half-started behind
                self.kill()
                raise WorkerError(f"PostgreSQL was not ready within {timeout}s and was killed: {detail}")
            raise DatabaseException(f"PostgreSQL failed to start on {self.host}:{self.port}: {detail}")
        if wait:
            self.ready_wait(max(0.0, timeout - (time.monotonic() - began)))
            return
        while self.process is None and time.monotonic() - began < min(timeout, 5.0):
            time.sleep(0.01)  # so that pid/kill work at once; early death is ready_wait's to report

    def ready_wait(self, timeout: float = 10.0, verbose: bool = False) -> None:
        """Poll until the server accepts connections; on time-out kill it so no half-started server lingers."""
        deadline = time.monotonic() + timeout
        last_error = "no attempt"
        while True:
            try:
                self._query("SELECT 1", connect_timeout=max(2, math.ceil(deadline - time.monotonic())))
                return
            except psycopg.Error as exc:
                last_error = str(exc).strip() or type(exc).__name__
                if verbose:
                    print(f"waiting for PostgreSQL on {self.host}:{self.port}: {last_error}", file=sys.stderr)
            if time.monotonic() >= deadline:
                break
            time.sleep(0.05)
        self.kill()
        raise WorkerError(
            f"PostgreSQL on {self.host}:{self.port} did not accept connections within {timeout:.1f}s "
            f"and was killed; last error: {last_error}\n{self.log_tail()}"
        )

    def health(self) -> None:
        """Raise WorkerError unless the server answers ``SELECT 1``."""
        try:
            self._query("SELECT 1", connect_timeout=5)
        except psycopg.Error as exc:
            raise WorkerError(f"PostgreSQL on {self.host}:{self.port} is not healthy: {exc}") from exc

    def server_version(self) -> str:
        """The running server's full version string, e.g. ``15.18 (Debian ...)``."""
        return self._query("SHOW server_version", connect_timeout=5)

    def stop(self, wait: bool = True, mode: str = "fast", timeout: float = 60.0) -> None:
        """Shut down: smart waits for clients to leave, fast disconnects them, immediate skips the checkpoint."""
        if mode not in STOP_MODES:
            raise ValueError(f"stop mode must be one of {', '.join(STOP_MODES)}, not {mode!r}")
        pid = self.pid
        if pid is None:
            return
        result = self._run([self._bin("pg_ctl"), "-D", str(self.data_dir), "-m", mode, "-W", "stop"])
        if result.returncode != 0 and _is_alive(pid):
            raise DatabaseException(f"pg_ctl stop -m {mode} failed: {result.stderr.strip()}")
        if wait:
            self._wait_pid(pid, timeout)

    def wait(self, timeout: float | None = None) -> None:
        """Block until the postmaster has exited (WorkerError if ``timeout`` seconds pass first)."""
        pid = self.pid
        if pid is not None:
            self._wait_pid(pid, timeout)

    def kill(self, grace: float = 5.0) -> None:
        """Stop at once: immediate shutdown (SIGQUIT), then SIGKILL if the postmaster lingers."""
        pid = self.pid
        if pid is None:
            return
        for sig in (signal.SIGQUIT, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
            with contextlib.suppress(WorkerError):
                self._wait_pid(pid, grace)
                return
        raise WorkerError(f"PostgreSQL postmaster {pid} survived SIGKILL")

    def _bin(self, program: str) -> str:
        """Absolute path of one of the selected version's programs."""
        return str(self.bin_dir / program)

    def _run(self, argv: list[str], timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
        """Run a server program as the server user, with a neutral cwd and no PG* variables to surprise it."""
        env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
        return subprocess.run(
            argv, capture_output=True, text=True, cwd="/", env=env, timeout=timeout, check=False,
            **self.run_as.subprocess_kwargs(),
        )

    def _query(self, query: LiteralString, connect_timeout: int) -> str:
        """One real round trip on a new connection: the definition of "accepts connections"."""
        with psycopg.connect(self.conninfo(), connect_timeout=connect_timeout, autocommit=True) as conn:
            row = conn.execute(query).fetchone()
        return str(row[0]) if row else ""

    def _options(self) -> str:
        """The postgres command line for ``pg_ctl -o``, shell-quoted because pg_ctl runs it via /bin/sh."""
        args = ["-p", str(self.port), "-k", str(self.socket_dir), "-c", f"listen_addresses={self.host}"]
        for name, value in self.extra_options.items():
            args += ["-c", f"{name}={value}"]
        return " ".join(shlex.quote(arg) for arg in args)

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

    def _wait_pid(self, pid: int, timeout: float | None) -> None:
        """Poll until ``pid`` is gone."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while _is_alive(pid):
            if deadline is not None and time.monotonic() >= deadline:
                raise WorkerError(f"PostgreSQL postmaster {pid} still runs after {timeout}s")
            time.sleep(0.02)

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
        click.echo(f"PostgreSQL {manager.server_version()} ready on {host}:{port} (data {manager.data_dir})")
        while not stop_requested.wait(0.5):
            if not manager.is_running:
                raise click.ClickException(f"PostgreSQL exited unexpectedly\n{manager.log_tail()}")
    except psycopg.Error as exc:
        raise click.ClickException(f"PostgreSQL started but does not answer: {exc}") from exc
    finally:
        manager.stop(mode="fast")
    click.echo("PostgreSQL stopped")


if __name__ == "__main__":
    main()
