"""Start-up check: ask the hosting WSGI server how many worker processes it runs; more than one is an error."""

from __future__ import annotations

import importlib
import logging
import os
from dataclasses import dataclass
from types import ModuleType

log = logging.getLogger(__name__)

GUNICORN_FIX = "workers = 1 in gunicorn.conf.py (command line: --workers 1)"
UWSGI_FIX = "processes = 1 in the uWSGI ini (command line: --processes 1)"
MOD_WSGI_FIX = "processes=1 on the WSGIDaemonProcess line (and keep WSGIProcessGroup pointing at it)"
MOD_WSGI_EMBEDDED_FIX = ("mod_wsgi daemon mode: WSGIDaemonProcess pgadmin_lite processes=1 threads=25 "
                         "plus WSGIProcessGroup pgadmin_lite (see deploy/apache/)")
GENERIC_FIX = ("exactly one process with many threads (gunicorn workers = 1, uWSGI processes = 1, "
               "mod_wsgi WSGIDaemonProcess processes=1)")


@dataclass(frozen=True)
class ServerProcesses:
    """What the hosting WSGI server tells us about its worker processes."""

    server: str  # "gunicorn", "uWSGI", "mod_wsgi", or "" when unknown
    processes: int | None  # worker processes serving this app; None when the server does not say
    fix: str  # the setting to change, in the server's own words

    @property
    def is_multi_process(self) -> bool:
        return self.processes is not None and self.processes > 1

    def problem(self) -> str | None:
        """The misdeployment message, or None when the server runs one process (or does not say)."""
        if not self.is_multi_process:
            return None
        return (f"pgadmin_lite runs under {self.server} with {self.processes} worker processes. The query tool keeps "
                "each tab's PostgreSQL connection and open transaction inside one process, so requests that reach "
                f"another worker fail with 409 affinity_lost. Fix: set {self.fix}, and scale with threads "
                "(see docs/deployment.md, 'Exactly one process').")


_declared: ServerProcesses | None = None


def declare(server: str, processes: int, fix: str) -> None:
    """Record what a server hook knows before the app is imported (deploy/gunicorn/gunicorn.conf.py calls this)."""
    global _declared
    _declared = ServerProcesses(server, processes, fix)


def _server_module(name: str, marker: str) -> ModuleType | None:
    """The module a WSGI host embeds (uwsgi, mod_wsgi); None outside it or for a same-named PyPI package."""
    try:
        module = importlib.import_module(name)
    except ImportError:
        return None
    return module if hasattr(module, marker) else None


def detect() -> ServerProcesses:
    """Ask the server we run under: a declaration from its hook, uWSGI's numproc, or mod_wsgi's process limits."""
    if _declared is not None:
        return _declared
    uwsgi = _server_module("uwsgi", "numproc")
    if uwsgi is not None:
        return ServerProcesses("uWSGI", int(uwsgi.numproc), UWSGI_FIX)
    mod_wsgi = _server_module("mod_wsgi", "process_group")
    if mod_wsgi is not None:
        processes = int(getattr(mod_wsgi, "maximum_processes", 1) or 1)
        if mod_wsgi.process_group:
            return ServerProcesses("mod_wsgi daemon mode", processes, MOD_WSGI_FIX)
        return ServerProcesses("mod_wsgi embedded mode (Apache child processes)", processes, MOD_WSGI_EMBEDDED_FIX)
    if os.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn/"):
        return ServerProcesses("gunicorn", None, GUNICORN_FIX)
    return ServerProcesses("", None, GENERIC_FIX)


def check_at_start() -> ServerProcesses:
    """Detect the server's process model and log an ERROR naming the setting when it runs several processes."""
    found = detect()
    problem = found.problem()
    if problem:
        log.error(problem)
    return found
