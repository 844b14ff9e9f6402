"""The script Apache mod_wsgi loads (WSGIScriptAlias ... /opt/pgadmin_lite/deploy/pgadmin_lite.wsgi).

It finds the install directory from its own location (the parent of deploy/), so it never needs
editing for a new release or another install path. The interpreter and the virtualenv come from
WSGIDaemonProcess ... python-home=<venv> in the Apache config, not from this file; settings come
from config_local.py next to config.py (DATA_DIR etc.), exactly as for every other server.
Under python-home=<venv>, sys.executable is <venv>/bin/python, so helper processes start the right
interpreter; set PYTHON_EXECUTABLE in config_local.py only if yours is elsewhere.
"""

from __future__ import annotations

import os
import sys

INSTALL_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if INSTALL_DIR not in sys.path:
    sys.path.insert(0, INSTALL_DIR)  # this checkout's pgadmin_lite package and config.py win

from pgadmin_lite.wsgi import app as application  # noqa: E402  (mod_wsgi looks for "application")

__all__ = ["application"]
