"""`setup_db.py`'s user changes are audited like the web's (by the OS user who ran them), and `audit-export` writes
the log as JSON lines on stdout with the page's filters; a bad filter fails with one clear line."""

from __future__ import annotations

import getpass
import json
import os
import subprocess
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from pgadmin_lite.cli import cli
from tests.plugins.app_fixtures import USER_EMAIL, prepare_data_dir

ROOT = Path(__file__).resolve().parents[2]


def setup_db(data_dir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PGADMIN_LITE_")}
    return subprocess.run([str(ROOT / ".venv" / "bin" / "python"), str(ROOT / "setup_db.py"), *args], input=stdin,
                          capture_output=True, text=True, timeout=60, check=False,
                          env={**env, "PGADMIN_LITE_DATA_DIR": str(data_dir)})


def export(data_dir: Path, *args: str) -> list[dict[str, Any]]:
    done = setup_db(data_dir, "audit-export", *args)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_cli_changes_are_audited_and_audit_export_writes_json_lines(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    prepare_data_dir(data_dir)
    runner = CliRunner(env={"PGADMIN_LITE_DATA_DIR": str(data_dir)})
    for args, stdin in ((["add-user", "dave@example.com", "--password-stdin"], "dave-password-1\n"),
                        (["update-user", "dave@example.com", "--admin", "--password-stdin"], "dave-password-2\n"),
                        (["delete-user", "dave@example.com", "--yes"], None)):
        result = runner.invoke(cli, args, input=stdin)
        assert result.exit_code == 0, result.output

    events = export(data_dir, "--action", "user")
    assert [e["action"] for e in events] == ["user.delete", "user.update", "user.create"]
    assert all(e["details"]["via"] == "setup_db.py" and e["details"]["os_user"] == getpass.getuser()
               and e["details"]["email"] == "dave@example.com" and e["actor_email"] is None for e in events)
    assert events[1]["details"]["is_admin"] is True and events[1]["details"]["password_reset"] is True
    assert len({e["target"] for e in events}) == 1
    assert "dave-password" not in json.dumps(events)

    everything = export(data_dir)
    assert everything[0]["action"] == "audit.export" and everything[0]["details"]["via"] == "setup_db.py"
    assert everything[1]["action"] == "audit.export" and everything[1]["details"]["filters"] == {"action": "user"}
    assert everything[2:] == events
    assert export(data_dir, "--since", "2999-01-01") == []
    assert export(data_dir, "--until", "2000-01-01") == []
    assert USER_EMAIL not in json.dumps(everything)  # no login happened: nothing else was recorded

    bad = setup_db(data_dir, "audit-export", "--since", "last week")
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert "--since must be a date" in bad.stderr and bad.stdout == ""
    later = setup_db(data_dir, "audit-export", "--since", "2026-12-02", "--until", "2026-12-01")
    assert later.returncode != 0 and "--until must be later than --since." in later.stderr
