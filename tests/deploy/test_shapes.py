"""Every deployment shape, started from the shipped files in deploy/, carries a real session end to end.

One test body per concern, parametrized over the shapes; each shape's servers start once for this module
(pytest groups the tests by shape) on a fresh DATA_DIR, against the session's real PostgreSQL.
"""

from __future__ import annotations

import gzip
import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
import requests

from tests.deploy.stacks import SHAPES, Deployment, running
from tests.plugins import browser as ui
from tests.plugins.app_fixtures import ADMIN_EMAIL, ADMIN_PASSWORD, CSRF_INPUT
from tests.plugins.http_session import HttpClient, wait_for_job
from tests.plugins.postgres_fixture import PgServer

SESSION_COOKIE = "pgadmin_lite_session"
ASSETS = {"static/css/app.css": "text/css", "static/js/api.js": "javascript",
          "static/vendor/codemirror/codemirror.bundle.js": "javascript"}
FINGERPRINT = r"[0-9a-f]{12}"
UPLOAD_ROUTE = "/api/v1/storage/upload"
UPLOAD_BYTES = 20 * 1024 * 1024


@pytest.fixture(scope="module", params=SHAPES)
def deployment(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
               pg_server: PgServer) -> Iterator[Deployment]:
    """One running shape for all tests of this module that use it (started once, stopped at the end)."""
    started = time.monotonic()
    with running(request.param, tmp_path_factory.mktemp(f"logs-{request.param}")) as dep:
        yield dep
    print(f"\n{request.param}: module time {time.monotonic() - started:.1f} s")


def logged_in(dep: Deployment) -> HttpClient:
    client = HttpClient(dep.url)
    client.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    return client


def location_path(response: requests.Response) -> str:
    """The path of a redirect's Location, absolute or relative."""
    return urlsplit(response.headers["Location"]).path


def test_anonymous_root_redirects_to_login_under_the_prefix(deployment: Deployment) -> None:
    response = requests.get(f"{deployment.url}/", allow_redirects=False, timeout=10)
    assert response.status_code == 302, deployment.log()
    assert location_path(response) == f"{deployment.prefix}/login"
    assert f"next={deployment.prefix}/" in response.headers["Location"].replace("%2F", "/")
    if deployment.prefix:  # the bare prefix ends on the console's login page, on the same host and port
        final = requests.get(deployment.url, timeout=10)
        assert final.status_code == 200 and final.url.startswith(f"{deployment.url}/login"), final.url


def test_login_page_css_and_js_load(deployment: Deployment) -> None:
    page = requests.get(f"{deployment.url}/login", timeout=10)
    assert page.status_code == 200
    assert re.search(rf'href="{deployment.prefix}/static/css/app\.{FINGERPRINT}\.css"', page.text), page.text
    assert f'<meta name="app-prefix" content="{deployment.prefix}">' in page.text
    for asset, kind in ASSETS.items():  # the plain names stay reachable
        response = requests.get(f"{deployment.url}/{asset}", timeout=10)
        assert response.status_code == 200, f"{asset}: {response.status_code}"
        assert kind in response.headers["Content-Type"] and len(response.content) > 100, asset


def test_static_files_are_fingerprinted_compressed_and_cached_forever(deployment: Deployment) -> None:
    page = logged_in(deployment).get("/query-tool")
    script = re.search(rf'src="({deployment.prefix}/static/js/query_tool\.{FINGERPRINT}\.js)"', page.text)
    assert script, page.text
    url = f"{deployment.base_url}{script.group(1)}"
    response = requests.get(url, headers={"Accept-Encoding": "gzip"}, stream=True, timeout=10)
    wire = response.raw.read()  # the bytes as sent, before requests would decode them
    assert response.status_code == 200, deployment.log()
    assert response.headers["Content-Encoding"] == "gzip" and "javascript" in response.headers["Content-Type"]
    assert "immutable" in response.headers["Cache-Control"]
    assert "max-age=31536000" in response.headers["Cache-Control"]
    body = gzip.decompress(wire)
    imported = re.search(rb'from "\./(api\.[0-9a-f]{12}\.js)"', body)  # imports name fingerprinted siblings
    assert imported, body[:500]
    sibling = requests.get(url.rsplit("/", 1)[0] + "/" + imported.group(1).decode(), timeout=10)
    assert sibling.status_code == 200 and "immutable" in sibling.headers["Cache-Control"]


def test_login_needs_csrf_sets_a_prefix_cookie_and_logout_ends_it(deployment: Deployment) -> None:
    http = requests.Session()
    http.get(f"{deployment.url}/login", timeout=10)
    refused = http.post(f"{deployment.url}/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
                        allow_redirects=False, timeout=10)
    assert refused.status_code == 400 and "csrf" in refused.text.lower()

    client = HttpClient(deployment.url)
    response = client.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    assert location_path(response) == f"{deployment.prefix}/"
    cookie = next(c for c in client.http.cookies if c.name == SESSION_COOKIE)
    assert cookie.path == f"{deployment.prefix}/", response.headers.get("Set-Cookie")
    assert client.get("/api/v1/session").json()["user"]["email"] == ADMIN_EMAIL
    home = client.get("/")
    assert home.status_code == 200 and 'id="logout"' in home.text

    token = CSRF_INPUT.search(home.text)
    assert token
    logout = client.http.post(f"{deployment.url}/logout", data={"csrf_token": token.group(1)},
                              allow_redirects=False, timeout=10)
    assert logout.status_code == 302 and location_path(logout) == f"{deployment.prefix}/login"
    assert client.get("/api/v1/session").status_code == 401


def run_sql(client: HttpClient, tx_id: str, sql: str) -> dict[str, Any]:
    """Execute in the query tool and wait for the result, over as many requests as it takes."""
    response = client.post(f"/api/v1/query-tool/{tx_id}/execute", json={"sql": sql, "wait_ms": 5000})
    while response.status_code == 202:
        response = client.get(f"/api/v1/query-tool/{tx_id}/result?wait_ms=5000")
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["error"] is None, result["error"]
    return result


def test_transaction_spans_requests_on_one_backend(deployment: Deployment, pg_server: PgServer,
                                                   pg_database: str) -> None:
    client = logged_in(deployment)
    server = client.post("/api/v1/servers", json={"name": f"pg {deployment.shape}", "host": pg_server.host,
                                                  "port": pg_server.port, "username": pg_server.user,
                                                  "maintenance_db": pg_database})
    assert server.status_code == 201, server.text
    tool = client.post("/api/v1/query-tool", json={"server_id": server.json()["id"], "database": pg_database})
    assert tool.status_code == 201, tool.text
    tx_id = tool.json()["tx_id"]
    try:
        run_sql(client, tx_id, "CREATE TABLE deployed (shape text)")
        backend = run_sql(client, tx_id, "SELECT pg_backend_pid()")["rows"][0][0]
        assert run_sql(client, tx_id, "BEGIN")["transaction_status"] == "in_transaction"
        run_sql(client, tx_id, f"INSERT INTO deployed VALUES ('{deployment.shape}')")
        with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
            assert conn.execute("SELECT count(*) FROM deployed").fetchone() == (0,)  # not committed yet
            state = conn.execute("SELECT state FROM pg_stat_activity WHERE pid = %s", [backend]).fetchone()
            assert state == ("idle in transaction",)
        selected = run_sql(client, tx_id, "SELECT shape, pg_backend_pid() FROM deployed")
        assert selected["rows"] == [[deployment.shape, backend]]
        assert selected["transaction_status"] == "in_transaction"
        assert run_sql(client, tx_id, "COMMIT")["transaction_status"] == "idle"
        with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
            assert conn.execute("SELECT shape FROM deployed").fetchall() == [(deployment.shape,)]
    finally:
        client.send("DELETE", f"/api/v1/query-tool/{tx_id}")


def test_health_reports_one_process(deployment: Deployment) -> None:
    """50 requests, each on a new connection: one pid, status ok."""
    bodies = [requests.get(f"{deployment.url}/health", headers={"Connection": "close"}, timeout=10).json()
              for _ in range(50)]
    assert {b["pid"] for b in bodies} == {bodies[0]["pid"]}
    assert {b["status"] for b in bodies} == {"ok"}, bodies[0]



def test_upload_of_20_mb_passes_the_front_server(deployment: Deployment) -> None:
    client = logged_in(deployment)
    payload = bytes(range(256)) * (UPLOAD_BYTES // 256)
    response = client.post(UPLOAD_ROUTE, data={"path": "/"}, files={"file": ("deploy-upload.bin", payload)})
    assert response.status_code in (200, 201), f"{response.status_code}: {response.text[:500]}"
    listing = client.get("/api/v1/storage?path=/").json()
    sizes = {e["name"]: e["size"] for e in listing["entries"]}
    assert sizes.get("deploy-upload.bin") == UPLOAD_BYTES, listing
    client.send("DELETE", "/api/v1/storage?path=/deploy-upload.bin")


@pytest.mark.parametrize("deployment", [shape for shape in SHAPES if shape.startswith("nginx")], indirect=True)
def test_a_clients_own_forwarded_headers_are_ignored_behind_nginx(deployment: Deployment) -> None:
    """NGINX overwrites X-Script-Name / X-Forwarded-Host / -Prefix, so a browser cannot move the app's URLs.

    (Only a proxy can overwrite them; a standalone server trusts its loopback clients by design.)
    """
    spoofed = {"X-Script-Name": "/evil", "X-Forwarded-Prefix": "/evil", "X-Forwarded-Host": "evil.example"}
    response = requests.get(f"{deployment.url}/", headers=spoofed, allow_redirects=False, timeout=10)
    assert response.status_code == 302
    assert location_path(response) == f"{deployment.prefix}/login"
    page = requests.get(f"{deployment.url}/login", headers=spoofed, timeout=10).text
    assert "/evil" not in page and "evil.example" not in page
    assert re.search(rf'<meta name="app-prefix" content="{re.escape(deployment.prefix)}">', page)


@pytest.mark.parametrize("deployment", ["nginx-gunicorn-pgadmin4"], indirect=True)
def test_a_real_browser_logs_in_and_runs_a_query_behind_nginx_at_pgadmin4(
        deployment: Deployment, page: Any, pg_server: PgServer, pg_database: str) -> None:
    """Chromium through NGINX at /pgadmin4/: the login form, the servers page's JS, a query; no console error."""
    server_id = ui.register_server(deployment.url, pg_server, "Deployed PG", maintenance_db=pg_database)
    ui.login(page, deployment.url)
    assert page.url == f"{deployment.url}/"
    page.locator('li.ws-server[data-kind="server"]', has_text="Deployed PG").wait_for()  # the workspace's tree
    ui.open_query_tool(page, deployment.url, server_id, pg_database)
    assert page.url.startswith(f"{deployment.url}/query-tool?")
    ui.run_sql(page, "select 41 + 1 as answer")
    assert page.locator("table.results-grid thead .col-name").all_inner_texts() == ["answer"]
    assert page.locator("table.results-grid tbody td:nth-child(2)").all_inner_texts() == ["42"]


def test_a_backup_job_completes_and_its_file_downloads(deployment: Deployment, pg_server: PgServer,
                                                       pg_database: str) -> None:
    """Jobs start with a real Python interpreter under every host (not uwsgi or httpd as 'python')."""
    client = logged_in(deployment)
    server = client.post("/api/v1/servers", json={"name": f"dump {deployment.shape}", "host": pg_server.host,
                                                  "port": pg_server.port, "username": pg_server.user})
    assert server.status_code == 201, server.text
    name = f"deploy-{deployment.shape}.dump"
    started = client.post("/api/v1/jobs", json={"kind": "backup", "server_id": server.json()["id"],
                                                "database": pg_database, "output_path": name, "overwrite": True})
    assert started.status_code == 201, f"{started.text}\n{deployment.log()}"
    job = wait_for_job(client, started.json()["id"])
    log = client.get(f"/api/v1/jobs/{job['id']}/log").text
    assert job["state"] == "succeeded", f"{job}\n{log}"
    download = client.get("/api/v1/storage/download", params={"path": f"/{name}"})
    assert download.status_code == 200 and download.content.startswith(b"PGDMP")
    assert len(download.content) == job["output"]["size"]
