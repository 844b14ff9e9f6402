"""Test tiers by folder (unit, integration, browser, deploy, security) and the shared fixture plugins."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["tests.plugins.postgres_fixture", "tests.plugins.app_fixtures", "tests.plugins.servers_fixtures",
                  "tests.plugins.live_server", "tests.plugins.browser",
                  "tests.plugins.catalog_fixtures", "tests.plugins.psql_fixture", "tests.plugins.tls_fixture",
                  "tests.plugins.sshd_fixture", "tests.plugins.oidc_fixture", "tests.plugins.sharing_fixtures",
                  "tests.plugins.slapd_fixture"]

TIERS = ("unit", "integration", "browser", "deploy", "security")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with the tier of the folder it lives in, so `-m` selects tiers."""
    for item in items:
        parts = Path(str(item.fspath)).parts
        for tier in TIERS:
            if tier in parts:
                item.add_marker(getattr(pytest.mark, tier))
