"""Helpers for query-tool tests: register the test PostgreSQL as a server and drive a query tool."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from tests.plugins.app_fixtures import ApiClient


def register_server(client: ApiClient, pg_server: Any, database: str, **fields: Any) -> int:
    body = {"name": f"test {database}", "host": pg_server.host, "port": pg_server.port,
            "username": pg_server.user, "maintenance_db": database, **fields}
    response = client.post("/api/v1/servers", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


@dataclass
class QueryTool:
    """One open query tool, driven through the public API only."""

    client: ApiClient
    tx_id: str

    @property
    def base(self) -> str:
        return f"/api/v1/query-tool/{self.tx_id}"

    def execute(self, sql: str, wait_ms: int | None = 5000) -> Any:
        body: dict[str, Any] = {"sql": sql}
        if wait_ms is not None:
            body["wait_ms"] = wait_ms
        return self.client.post(f"{self.base}/execute", json=body)

    def run(self, sql: str) -> dict[str, Any]:
        """Execute and wait for the result; fail on HTTP errors."""
        response = self.execute(sql)
        while response.status_code == 202:
            response = self.client.get(f"{self.base}/result?wait_ms=5000")
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def result(self, wait_ms: int = 5000) -> Any:
        return self.client.get(f"{self.base}/result?wait_ms={wait_ms}")

    def fetch(self, limit: int) -> Any:
        return self.client.post(f"{self.base}/fetch", json={"limit": limit})

    def cancel(self) -> Any:
        return self.client.post(f"{self.base}/cancel")

    def wait_running(self, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.client.get(self.base).get_json().get("is_running"):
                return
            time.sleep(0.02)
        raise AssertionError("the statement never started running")


def open_tool(client: ApiClient, server_id: int, database: str) -> QueryTool:
    response = client.post("/api/v1/query-tool", json={"server_id": server_id, "database": database})
    assert response.status_code == 201, response.get_json()
    return QueryTool(client, response.get_json()["tx_id"])
