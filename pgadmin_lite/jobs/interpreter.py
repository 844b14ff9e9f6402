"""The Python that runs job workers: PYTHON_EXECUTABLE, else sys.executable only when it really is Python.

Under uWSGI sys.executable is the uwsgi binary, under mod_wsgi it can be httpd/apache2: re-launching it
would start a second web server, not our worker (pgAdmin's empty-backup bug). So the name must look like a
Python interpreter, and once per interpreter and process we run it to import the worker module, which
proves it is a Python that can run our code (right version, our virtualenv's packages).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path

from pgadmin_lite.errors import InterpreterUnavailable

PYTHON_NAME = re.compile(r"python(\d+(\.\d+)*)?(\.exe)?", re.IGNORECASE)
PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])  # the directory holding the pgadmin_lite package
# Variables a worker inherits from the web process; everything else (PG*, PGADMIN_LITE_* secrets) stays behind.
INHERITED_ENV = ("PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "SYSTEMROOT")
PROBE_TIMEOUT_S = 60
_probed: set[str] = set()
_probe_lock = threading.Lock()


def worker_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """A minimal environment for a worker: locale, PATH, HOME and where our package lives; no libpq defaults."""
    environ = os.environ if environ is None else environ
    env = {name: value for name, value in environ.items() if name in INHERITED_ENV or name.startswith("LC_")}
    env["PYTHONPATH"] = PACKAGE_PARENT
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.setdefault("PATH", os.defpath)
    return env


def _suggestion() -> str:
    return os.path.join(sys.prefix, "bin", "python")


def _not_python(exe: str) -> InterpreterUnavailable:
    return InterpreterUnavailable(
        f"Background jobs need a Python interpreter, but sys.executable is {exe or '(empty)'!r}, which is not "
        "Python (under uWSGI or mod_wsgi it is the web server's own binary). Set PYTHON_EXECUTABLE in "
        f"config_local.py to the Python that runs pgadmin_lite, e.g. PYTHON_EXECUTABLE = \"{_suggestion()}\".",
        hint="Under uWSGI you can instead set py-sys-executable = <virtualenv>/bin/python in its ini file "
             "(command line: --py-sys-executable); under Apache mod_wsgi, python-home=<virtualenv> in "
             "WSGIDaemonProcess.")


def looks_like_python(exe: str) -> bool:
    """An absolute path to an executable file named python, python3, python3.11…"""
    return (bool(exe) and os.path.isabs(exe) and bool(PYTHON_NAME.fullmatch(os.path.basename(exe)))
            and os.path.isfile(exe) and os.access(exe, os.X_OK))


def _probe(exe: str, source: str) -> None:
    """Run the interpreter once to import the worker; a failure names the setting and Python's own error."""
    with _probe_lock:
        if exe in _probed:
            return
        try:
            result = subprocess.run([exe, "-c", "import pgadmin_lite.jobs.worker"], env=worker_env(), cwd="/",
                                    stdin=subprocess.DEVNULL, capture_output=True, timeout=PROBE_TIMEOUT_S,
                                    check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise InterpreterUnavailable(
                f"{source} ({exe}) could not be run: {exc}.",
                hint="Set PYTHON_EXECUTABLE to the Python of pgadmin_lite's virtualenv.") from None
        if result.returncode != 0:
            lines = result.stderr.decode("utf-8", "replace").strip().splitlines() or [f"exit code {result.returncode}"]
            raise InterpreterUnavailable(
                f"{source} ({exe}) cannot run pgadmin_lite's job worker: {lines[-1]}",
                hint="Set PYTHON_EXECUTABLE to the Python of pgadmin_lite's virtualenv "
                     f"(e.g. {_suggestion()}).")
        _probed.add(exe)


def resolve_interpreter(configured: str) -> str:
    """The interpreter to start workers with, or InterpreterUnavailable naming PYTHON_EXECUTABLE."""
    if configured:
        if not os.path.isabs(configured) or not os.path.isfile(configured) or not os.access(configured, os.X_OK):
            raise InterpreterUnavailable(
                f"PYTHON_EXECUTABLE is {configured!r}, which is not an executable file.",
                hint=f"Set it to the absolute path of the Python that runs pgadmin_lite, e.g. {_suggestion()}.")
        _probe(configured, "PYTHON_EXECUTABLE")
        return configured
    exe = sys.executable or ""
    if not looks_like_python(exe):
        raise _not_python(exe)
    _probe(exe, "sys.executable")
    return exe
