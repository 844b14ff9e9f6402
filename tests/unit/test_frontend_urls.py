"""Every URL in our JS comes from the server-provided prefix: no absolute literal paths (DESIGN.md §6)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

JS_DIR = Path(__file__).resolve().parents[2] / "pgadmin_lite" / "static" / "js"
# A quote or backtick followed by a root-relative path: "/api/…", '/login', `/static/…`.
ABSOLUTE_PATH = re.compile(r"""["'`]/(?!/)[A-Za-z_][\w\-./]*""")
SCRIPTS = sorted(JS_DIR.rglob("*.js"))  # components/, pages/, lib/ too


def test_there_are_scripts_to_check() -> None:
    assert len(SCRIPTS) >= 5


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.relative_to(JS_DIR).as_posix())
def test_no_absolute_literal_paths(script: Path) -> None:
    offenders = [f"{script.name}:{number}: {line.strip()}"
                 for number, line in enumerate(script.read_text(encoding="utf-8").splitlines(), 1)
                 if ABSOLUTE_PATH.search(line) and not line.lstrip().startswith("//")]
    assert not offenders, "build URLs with url() from api.js instead:\n" + "\n".join(offenders)


def test_the_check_catches_an_absolute_path() -> None:
    assert ABSOLUTE_PATH.search('fetch("/api/v1/servers")')
    assert not ABSOLUTE_PATH.search('api("GET", "api/v1/servers")')
