"""A requests session that logs in to a live server like a browser and sends the CSRF token."""

from __future__ import annotations

import time
from typing import Any

import requests

from tests.plugins.app_fixtures import CSRF_INPUT


class HttpClient:
    """Talks to a live server over real HTTP with a cookie jar and the API's CSRF header."""

    def __init__(self, base_url: str, *, forwarded_for: str | None = None) -> None:
        """forwarded_for: the client address a trusted proxy in front would report (X-Forwarded-For)."""
        self.base_url = base_url.rstrip("/")
        self.http = requests.Session()
        if forwarded_for:
            self.http.headers["X-Forwarded-For"] = forwarded_for
        self.csrf_token = ""

    def login_token(self) -> str:
        """The CSRF token of the login form, as a browser reads it from the page."""
        page = self.http.get(f"{self.base_url}/login", timeout=30)
        match = CSRF_INPUT.search(page.text)
        assert match, page.text
        return match.group(1)

    def post_login(self, email: str, password: str, token: str | None = None) -> requests.Response:
        """Submit the login form and return the answer, whatever it is."""
        return self.http.post(f"{self.base_url}/login", timeout=30, allow_redirects=False, data={
            "email": email, "password": password, "csrf_token": token or self.login_token()})

    def login(self, email: str, password: str) -> requests.Response:
        response = self.post_login(email, password)
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
