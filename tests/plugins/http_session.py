"""A requests session that logs in to a live server like a browser and sends the CSRF token."""

from __future__ import annotations

import time
from typing import Any

import requests

from tests.plugins.app_fixtures import CSRF_INPUT


class HttpClient:
    """Talks to a live server over real HTTP with a cookie jar and the API's CSRF header."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = requests.Session()
        self.csrf_token = ""

    def login(self, email: str, password: str) -> requests.Response:
        page = self.http.get(f"{self.base_url}/login", timeout=10)
        match = CSRF_INPUT.search(page.text)
        assert match, page.text
        response = self.http.post(f"{self.base_url}/login", timeout=10, allow_redirects=False, data={
            "email": email, "password": password, "csrf_token": match.group(1)})
        assert response.status_code == 302, response.text
        self.csrf_token = self.get("/api/v1/session").json()["csrf_token"]
        return response

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.http.get(self.base_url + path, timeout=30, **kw)

    def send(self, method: str, path: str, **kw: Any) -> requests.Response:
        headers = {"X-CSRFToken": self.csrf_token, **kw.pop("headers", {})}
        return self.http.request(method, self.base_url + path, headers=headers, timeout=30, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self.send("POST", path, **kw)


def wait_for_job(client: HttpClient, job_id: int, timeout: float = 60.0) -> dict[str, Any]:
    """Poll a background job until it is no longer active."""
    deadline = time.monotonic() + timeout
    job: dict[str, Any] = {}
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/jobs/{job_id}").json()
        if not job["is_active"]:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish: {job}")
