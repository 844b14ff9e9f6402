"""The operator's pg_service.conf (its services listed and used; its password never) and a user's .pgpass-format
file from their file area (only the matching entry used; a file others may read refused)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.plugins.app_fixtures import ADMIN_EMAIL, ADMIN_PASSWORD, api_client
from tests.plugins.postgres_fixture import PgServer
from tests.plugins.servers_fixtures import PgRole


@pytest.fixture
def service_file(tmp_path: Path, pg_server: PgServer, pw_pg_server: PgServer) -> Path:
    path = tmp_path / "pg_service.conf"
    path.write_text(f"# the operator's services\n[main]\nhost={pg_server.host}\nport={pg_server.port}\n"
                    f"dbname=postgres\n\n[checked]\nhost={pw_pg_server.host}\nport={pw_pg_server.port}\n"
                    "password=the-operators-password\npassfile=/root/.pgpass\n")
    return path


@pytest.fixture
def service_client(make_app: Any, service_file: Path) -> Any:
    return api_client(make_app(PG_SERVICE_FILE=str(service_file)), ADMIN_EMAIL, ADMIN_PASSWORD)


def test_services_are_listed_without_their_secrets(service_client: Any, pg_server: PgServer) -> None:
    response = service_client.get("/api/v1/servers/services")
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [item["name"] for item in items] == ["checked", "main"]
    assert items[1] == {"name": "main", "host": pg_server.host, "port": str(pg_server.port), "dbname": "postgres"}
    assert "password" not in response.get_data(as_text=True)


def test_a_service_only_entry_connects_where_the_service_points(service_client: Any, pg_server: PgServer) -> None:
    created = service_client.post("/api/v1/servers", json={"name": "by service", "service": "main",
                                                           "username": pg_server.user})
    assert created.status_code == 201, created.get_json()
    server = created.get_json()
    assert server["host"] is None and server["service"] == "main"
    tested = service_client.post(f"/api/v1/servers/{server['id']}/test")
    assert tested.status_code == 200, tested.get_json()


def test_an_unknown_service_is_refused(service_client: Any, app: Any) -> None:
    response = service_client.post("/api/v1/servers", json={"name": "x", "service": "nope", "username": "u"})
    assert response.status_code == 400 and "not a service" in response.get_json()["error"]["message"]
    plain = api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD)  # no PG_SERVICE_FILE: no service at all
    response = plain.post("/api/v1/servers", json={"name": "x", "service": "main", "username": "u"})
    assert response.status_code == 400 and "PG_SERVICE_FILE" in response.get_json()["error"]["hint"]
    assert plain.get("/api/v1/servers/services").get_json() == {"items": []}


def test_the_services_password_and_passfile_are_never_used(service_client: Any,
                                                           make_pw_role: Any) -> None:
    role: PgRole = make_pw_role()
    created = service_client.post("/api/v1/servers", json={"name": "c", "service": "checked", "username": role.name})
    assert created.status_code == 201, created.get_json()
    tested = service_client.post(f"/api/v1/servers/{created.get_json()['id']}/test")
    assert tested.status_code == 401 or tested.get_json()["error"]["code"] == "password_required"
    with_password = service_client.post(f"/api/v1/servers/{created.get_json()['id']}/test",
                                        json={"password": role.password})
    assert with_password.status_code == 200, with_password.get_json()


def put_passfile(client: Any, text: str, path: str = "/pgpass.txt") -> None:
    response = client.put("/api/v1/storage/text", json={"path": path, "text": text, "overwrite": True})
    assert response.status_code in (200, 201), response.get_json()


def test_a_passfile_gives_the_matching_entry_only(admin_client: Any, app: Any, pw_pg_server: PgServer,
                                                  make_pw_role: Any) -> None:
    role, other = make_pw_role(), make_pw_role()
    escaped = role.password.replace("\\", "\\\\").replace(":", "\\:")
    put_passfile(admin_client, "# mine\n"
                 f"{pw_pg_server.host}:{pw_pg_server.port + 1}:*:{role.name}:wrong-port\n"
                 f"{pw_pg_server.host}:*:*:{other.name}:{other.password}\n"
                 f"{pw_pg_server.host}:{pw_pg_server.port}:*:{role.name}:{escaped}\n"
                 f"*:*:*:*:the-wildcard-comes-too-late\n")
    body = {"name": "pw", "host": pw_pg_server.host, "port": pw_pg_server.port, "username": role.name,
            "passfile": "/pgpass.txt"}
    created = admin_client.post("/api/v1/servers", json=body)
    assert created.status_code == 201, created.get_json()
    server = created.get_json()
    assert server["passfile"] == "/pgpass.txt"
    assert admin_client.post(f"/api/v1/servers/{server['id']}/test").status_code == 200

    put_passfile(admin_client, f"otherhost:*:*:*:nope\n{pw_pg_server.host}:*:*:{other.name}:{other.password}\n")
    tested = admin_client.post(f"/api/v1/servers/{server['id']}/test")
    assert tested.get_json()["error"]["code"] == "password_required"

    home = Path(app.config["STORAGE_DIR"]) / "u1"
    (home / "pgpass.txt").chmod(0o644)
    tested = admin_client.post(f"/api/v1/servers/{server['id']}/test")
    assert tested.status_code == 400 and "mode 0644" in tested.get_json()["error"]["message"]
    refused = admin_client.patch(f"/api/v1/servers/{server['id']}", json={"passfile": "/pgpass.txt"})
    assert refused.status_code == 400
    (home / "pgpass.txt").unlink()
    gone = admin_client.post(f"/api/v1/servers/{server['id']}/test")
    assert gone.status_code == 400 and "password file /pgpass.txt" in gone.get_json()["error"]["message"]
    forgotten = admin_client.patch(f"/api/v1/servers/{server['id']}", json={"passfile": None})
    assert forgotten.status_code == 200 and forgotten.get_json()["passfile"] is None


def test_an_unreadable_service_file_stops_the_start(make_app: Any, tmp_path: Path) -> None:
    from pgadmin_lite.errors import ConfigError

    with pytest.raises(ConfigError, match="PG_SERVICE_FILE"):
        make_app(PG_SERVICE_FILE=str(tmp_path / "missing.conf"))
