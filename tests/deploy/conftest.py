"""Deploy tests: a failed test's report carries the logs of the servers it talked to."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

LOG_TAIL = 80  # lines per server
DEPLOYMENT_FIXTURES = ("deployment", "misdeployed")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[Any]:
    """On a failure, add each server's log tail to the report (shown with the traceback)."""
    report = yield
    if report.failed and report.when == "call":
        funcargs = getattr(item, "funcargs", {})
        for name in DEPLOYMENT_FIXTURES:
            for server in getattr(funcargs.get(name), "servers", []):
                tail = "\n".join(server.log().splitlines()[-LOG_TAIL:])
                report.sections.append((f"{server.name} log, last {LOG_TAIL} lines ({server.log_path})", tail))
    return report
