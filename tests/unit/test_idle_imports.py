"""Idle memory (issue 8): after start-up and a login, the app has loaded no module only a rare case or a test needs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.plugins.app_fixtures import prepare_data_dir

ROOT = Path(__file__).resolve().parents[2]
NOT_AT_IDLE = ["sqlalchemy.dialects.postgresql", "hypothesis", "schemathesis", "pglast", "xlsxwriter", "paramiko",
               "cryptography.hazmat.primitives.asymmetric", "bcrypt", "ldap3", "authlib", "joserfc", "pyotp", "segno"]
# the first: a PostgreSQL config DB's; pglast: Format SQL's; xlsxwriter: an XLSX export's; paramiko: SSH tunnels';
# ldap3, authlib/joserfc, pyotp, segno: LDAP's, OpenID Connect's and TOTP's (loaded with their first use)
PROBE = """
import json, sys
from tests.plugins.app_fixtures import ADMIN_EMAIL, ADMIN_PASSWORD, login
from pgadmin_lite import create_app

app = create_app(json.loads(sys.argv[1]))
assert login(app.test_client(), ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 302
print(sorted(m for m in sys.modules if m.startswith(tuple(sys.argv[2:]))))
"""


def test_login_on_sqlite_loads_no_rare_module(tmp_path: Path) -> None:
    """The data directory is prepared here: its schema migrations are no part of the app's start."""
    settings = json.dumps(prepare_data_dir(tmp_path / "data"))
    out = subprocess.run([sys.executable, "-c", PROBE, settings, *NOT_AT_IDLE], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", f"loaded at idle: {out.strip()}"
