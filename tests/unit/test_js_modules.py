"""The pure front-end modules' unit tests (tests/js/*.test.mjs), run by Node's own test runner."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

JS_TESTS = Path(__file__).resolve().parents[1] / "js"
NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None, reason="node is not installed (apt-get install nodejs): the JS unit tests need it")
@pytest.mark.parametrize("test_file", sorted(JS_TESTS.glob("*.test.mjs")), ids=lambda path: path.name)
def test_node_unit_tests_pass(test_file: Path) -> None:
    # Node 20.10+ reads our static .js files as ES modules by their syntax (they have no package.json).
    done = subprocess.run([str(NODE), "--test", "--", str(test_file)], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
