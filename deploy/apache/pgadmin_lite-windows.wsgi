"""What Apache mod_wsgi loads on Windows (embedded mode): activate the virtualenv, then load the app.

Apache's Python is the base installation (WSGIPythonHome), so this file does what `activate` would:
the virtualenv's site-packages go first on sys.path. All paths derive from this file's location
(<install dir>/deploy/apache/), with the virtualenv at <install dir>/.venv: no edit per release.
"""

from __future__ import annotations

import os
import site
import sys

INSTALL_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV = os.path.join(INSTALL_DIR, ".venv")

# Activate the virtualenv: add its site-packages (and .pth files) and move them in front of the base ones.
before = list(sys.path)
site.addsitedir(os.path.join(VENV, "Lib", "site-packages"))
sys.path[:] = [INSTALL_DIR] + [p for p in sys.path if p not in before] + [p for p in before if p != INSTALL_DIR]
sys.prefix = sys.exec_prefix = VENV
os.environ["VIRTUAL_ENV"] = VENV
# Under Apache sys.executable is httpd.exe: helper processes must start the virtualenv's Python instead.
os.environ.setdefault("PGADMIN_LITE_PYTHON_EXECUTABLE", os.path.join(VENV, "Scripts", "python.exe"))

from pgadmin_lite.wsgi import app as application  # noqa: E402  (mod_wsgi looks for "application")

__all__ = ["application"]
