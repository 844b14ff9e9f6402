"""The one WSGI entry point every server uses: pgadmin_lite.wsgi:app."""

from __future__ import annotations

import sys

from pgadmin_lite import create_app
from pgadmin_lite.errors import ConfigError
from pgadmin_lite.web import static_files

# Exit codes that make the server stop instead of restarting a worker that can never start:
# Gunicorn's "worker failed to boot" (3) and uWSGI's "failed to load app" (22, with need-app = true).
CANNOT_START = 22 if "uwsgi" in sys.modules else 3

try:
    app = create_app()
    static_files.manifest(app)  # fingerprint and compress the static files now, not in the first request
except ConfigError as exc:  # one actionable line, no traceback
    print(f"pgadmin_lite cannot start: {exc}", file=sys.stderr, flush=True)
    raise SystemExit(CANNOT_START) from None
