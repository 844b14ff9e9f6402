"""The settings, the job worker and servermgr run outside the web app: importing them must not load Flask."""

from __future__ import annotations

import subprocess
import sys

import pytest

FLASK_FREE = ["pgadmin_lite.errors", "pgadmin_lite.settings", "pgadmin_lite.jobs.worker",
              "pgadmin_lite.connections.splitter", "pgadmin_lite.servermgr.postgres", "pgadmin_lite.storage.handoff"]


@pytest.mark.parametrize("module", FLASK_FREE)
def test_module_does_not_import_flask(module: str) -> None:
    probe = f"import sys, {module}; print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'werkzeug')))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", f"{module} loads {out.strip()}"
