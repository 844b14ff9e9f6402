"""The one WSGI entry point every server uses: pgadmin_lite.wsgi:app."""

from __future__ import annotations

import sys

from pgadmin_lite import create_app
from pgadmin_lite.errors import ConfigError

try:
    app = create_app()
except ConfigError as exc:  # one actionable line, no traceback
    print(f"pgadmin_lite cannot start: {exc}", file=sys.stderr, flush=True)
    raise SystemExit(3) from None
