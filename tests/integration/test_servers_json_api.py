"""servers.json over the API: pgAdmin's documented file imports, our export imports back into the same fields,
unsupported keys are named, a bad file changes nothing, replace vs add, and an administrator's import for a user."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from pgadmin_lite.extensions import db
from pgadmin_lite.models import Server, ServerCredential, User
from pgadmin_lite.servers import secrets as server_secrets
from pgadmin_lite.servers import servers_import
from tests.plugins.app_fixtures import ADMIN_EMAIL, USER_EMAIL, ApiClient

DATA = Path(__file__).resolve().parent.parent / "data"
DOC_EXAMPLE = (DATA / "pgadmin4_servers_example.json").read_text()
PGADMIN_DUMP = (DATA / "pgadmin4_dump_servers.json").read_text()
CERT = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"
KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEfake\n-----END OPENSSH PRIVATE KEY-----\n"
PGPASS = "host.domain.com:5432:*:postgres:not-a-real-password\n"
COLUMNS = ("name", "group_name", "host", "port", "maintenance_db", "username", "sslmode", "connect_params",
           "ssh_tunnel", "tls_files", "service", "comment", "role", "db_restriction", "colors", "read_only",
           "post_connection_sql", "query_modes", "query_defaults", "is_shared")
PREVIEW = "/api/v1/servers/import/preview"
APPLY = "/api/v1/servers/import"


def put_file(client: ApiClient, path: str, text: str) -> None:
    """Save a file in the client's own file area through the storage API, making its folders."""
    folder, name = path.rsplit("/", 1)
    built = ""
    for part in folder.strip("/").split("/") if folder.strip("/") else []:
        built += "/" + part
        client.post("/api/v1/storage/mkdir", json={"path": built})
    response = client.post("/api/v1/storage/upload", content_type="multipart/form-data",
                           data={"path": folder or "/", "file": (io.BytesIO(text.encode()), name)})
    assert response.status_code == 201, response.get_data(as_text=True)


def user_id(app: Flask, email: str) -> int:
    with app.app_context():
        return db.session.execute(db.select(User.id).filter_by(email=email)).scalar_one()


def rows(app: Flask, email: str) -> dict[str, dict[str, Any]]:
    """The user's own registrations by name, column by column."""
    with app.app_context():
        owner = db.session.execute(db.select(User).filter_by(email=email)).scalar_one()
        servers = db.session.execute(db.select(Server).filter_by(user_id=owner.id)).scalars()
        return {server.name: {name: getattr(server, name) for name in COLUMNS} | {"id": server.id}
                for server in servers}


def secrets_of(app: Flask, email: str, name: str) -> tuple[dict[str, str], str | None]:
    with app.app_context():
        owner = db.session.execute(db.select(User).filter_by(email=email)).scalar_one()
        server = db.session.execute(db.select(Server).filter_by(user_id=owner.id, name=name)).scalar_one()
        cred = db.session.execute(db.select(ServerCredential).filter_by(server_id=server.id,
                                                                         user_id=owner.id)).scalar_one_or_none()
        return server_secrets.read_secrets(server, owner), cred.passfile if cred else None


def by_name(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in result["servers"]}


def test_pgadmins_documented_example_imports_into_our_columns(app: Flask, user_client: ApiClient) -> None:
    put_file(user_client, "/Users/<user>/.pgpass", PGPASS)
    put_file(user_client, "/Users/<user>/.ssh/cert", CERT)
    preview = user_client.post(PREVIEW, json={"text": DOC_EXAMPLE})
    assert preview.status_code == 200, preview.get_data(as_text=True)
    items = by_name(preview.get_json())
    full = items["Fully Defined Server"]
    assert (preview.get_json()["added"], preview.get_json()["replaced"]) == (2, 0)
    assert items["Minimally Defined Server"]["unsupported"] == []
    assert full["unsupported"] == ["KerberosAuthentication", "PasswordExecCommand", "PasswordExecExpiration", "Tags"]
    assert full["files"] == ["ConnectionParameters.passfile", "ConnectionParameters.sslcert"]
    assert [item["field"] for item in full["missing_files"]] == ["TunnelIdentityFile"]
    assert rows(app, USER_EMAIL) == {}  # a preview writes nothing

    applied = user_client.post(APPLY, json={"text": DOC_EXAMPLE})
    assert applied.status_code == 200, applied.get_data(as_text=True)
    servers = rows(app, USER_EMAIL)
    assert servers["Minimally Defined Server"] | {"id": 0} == {
        "id": 0, "name": "Minimally Defined Server", "group_name": "Server Group 1", "host": "localhost",
        "port": 5432, "maintenance_db": "postgres", "username": "postgres", "sslmode": "prefer",
        "connect_params": {"connect_timeout": 10}, "ssh_tunnel": {}, "tls_files": {}, "service": None,
        "comment": None, "role": None, "db_restriction": [], "colors": {}, "read_only": False,
        "post_connection_sql": None, "query_modes": {}, "query_defaults": {}, "is_shared": False}
    assert servers["Fully Defined Server"] | {"id": 0} == {
        "id": 0, "name": "Fully Defined Server", "group_name": "Server Group 2", "host": "host.domain.com",
        "port": 5432, "maintenance_db": "postgres", "username": "postgres", "sslmode": "prefer",
        "connect_params": {"connect_timeout": 10},
        "ssh_tunnel": {"host": "192.168.1.253", "port": 22, "username": "username", "auth": "key",
                       "keepalive_s": 30},
        "tls_files": {}, "service": "postgresql-10", "comment": "This server has every option configured in the JSON",
        "role": "my_role_name", "db_restriction": ["live_db", "test_db"], "colors": {"bg": "#ff9900", "fg": "#000000"},
        "read_only": False, "post_connection_sql": "set timezone='America/New_York'", "query_modes": {},
        "query_defaults": {}, "is_shared": False}
    assert secrets_of(app, USER_EMAIL, "Fully Defined Server") == ({"sslcert": CERT}, "/Users/<user>/.pgpass")


def test_our_export_imports_back_into_the_same_fields(app: Flask, admin_client: ApiClient,
                                                      user_client: ApiClient) -> None:
    put_file(user_client, "/certs/root.crt", CERT)
    put_file(user_client, "/keys/bastion", KEY)
    document = json.loads(DOC_EXAMPLE)
    entry = document["Servers"]["2"]
    entry.update(TunnelIdentityFile="/keys/bastion", PgadminLite={
        "read_only": True, "query_modes": {"autocommit": False}, "query_defaults": {"preview_rows": 500},
        "ssh_host_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFake"})
    entry["ConnectionParameters"] = {"sslmode": "verify-full", "sslrootcert": "/certs/root.crt",
                                     "application_name": "ops", "keepalives": 1}
    assert user_client.post(APPLY, json={"text": json.dumps(document)}).status_code == 200
    exported = user_client.get("/api/v1/servers/export")
    assert exported.status_code == 200
    assert exported.headers["Content-Disposition"] == 'attachment; filename="servers.json"'
    text = exported.get_data(as_text=True)
    assert "PRIVATE KEY" not in text and "CERTIFICATE" not in text  # keys and certificates stay in the vault

    # The administrator loads the user's export for themselves: the same fields, and the same export again.
    put_file(admin_client, "/certs/root.crt", CERT)
    again = admin_client.post(APPLY, json={"text": text})
    assert again.status_code == 200, again.get_data(as_text=True)
    assert all(item["unsupported"] == [] and item["missing_files"] == [] for item in again.get_json()["servers"])
    strip = lambda servers: {name: {k: v for k, v in row.items() if k != "id"} for name, row in servers.items()}  # noqa: E731
    assert strip(rows(app, ADMIN_EMAIL)) == strip(rows(app, USER_EMAIL))
    assert rows(app, USER_EMAIL)["Fully Defined Server"]["tls_files"] == {
        "sslrootcert": {"name": "/certs/root.crt", "pem": CERT}}
    assert json.loads(admin_client.get("/api/v1/servers/export").get_data(as_text=True)) == json.loads(text)
    assert secrets_of(app, USER_EMAIL, "Fully Defined Server")[0] == {"ssh_key": KEY}
    with app.app_context():
        ssh_host_keys = {server.user_id: server.ssh_host_key for server in db.session.execute(
            db.select(Server).filter_by(name="Fully Defined Server")).scalars()}
    assert set(ssh_host_keys.values()) == {"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFake"}


def test_pgadmins_dump_of_a_plain_server_loses_nothing(app: Flask, user_client: ApiClient) -> None:
    result = user_client.post(APPLY, json={"text": PGADMIN_DUMP}).get_json()
    assert [(item["unsupported"], item["missing_files"], item["notes"]) for item in result["servers"]] == [
        ([], [], [])]
    assert rows(app, USER_EMAIL)["Local"]["connect_params"] == {"connect_timeout": 10}


def test_unsupported_keys_are_named_and_values_meaning_off_are_not(user_client: ApiClient) -> None:
    document = json.loads(PGADMIN_DUMP)
    document["Servers"]["1"].update(KerberosAuthentication=True, SavePassword=True, Tags=[], Password="pw",
                                    DBRestrictionType="schemas", DBRestriction="public",
                                    ConnectionParameters={"sslmode": "require", "load_balance_hosts": "random",
                                                          "sslpassword": "secret", "gsslib": ""})
    item = user_client.post(PREVIEW, json={"text": json.dumps(document)}).get_json()["servers"][0]
    assert item["unsupported"] == ["ConnectionParameters.load_balance_hosts", "DBRestriction", "DBRestrictionType",
                                   "KerberosAuthentication", "SavePassword"]
    assert any("sslpassword ignored" in note for note in item["notes"])
    assert any(note.startswith("Password ignored") for note in item["notes"])


@pytest.mark.parametrize(("body", "message"), [
    ({"text": '{"Servers": {"1": '}, "is not valid JSON"),
    ({"text": json.dumps({"Servers": {"1": {"Name": "x"}}})}, "missing required key(s)"),
    ({"text": json.dumps({"Servers": {"1": json.loads(PGADMIN_DUMP)["Servers"]["1"],
                                      "2": json.loads(PGADMIN_DUMP)["Servers"]["1"]}})}, "the same Group and Name"),
    ({"text": PGADMIN_DUMP, "path": "/servers.json"}, "either text"),
    ({"text": PGADMIN_DUMP, "replace": True}, "Unknown field(s): replace"),
    ({"path": "/nowhere.json"}, "nowhere.json"),
])
def test_a_bad_file_is_a_400_and_changes_nothing(app: Flask, user_client: ApiClient, body: dict[str, Any],
                                                 message: str) -> None:
    user_client.post("/api/v1/servers", json={"name": "Local", "host": "old.example.com", "username": "u"})
    before = rows(app, USER_EMAIL)
    for path in (PREVIEW, APPLY):
        response = user_client.post(path, json=body)
        assert response.status_code in (400, 404), response.get_data(as_text=True)
        assert message in response.get_json()["error"]["message"]
    assert rows(app, USER_EMAIL) == before


def hosts(app: Flask) -> dict[int, tuple[str, str, str]]:
    with app.app_context():
        return {s.id: (s.group_name, s.name, s.host) for s in db.session.execute(db.select(Server)).scalars()}


def test_same_group_and_name_replaces_others_are_added(app: Flask, user_client: ApiClient) -> None:
    created = user_client.post("/api/v1/servers", json={"name": "Local", "host": "old.example.com", "username": "u",
                                                        "password": "kept-pw", "save_password": True}).get_json()
    other = user_client.post("/api/v1/servers", json={"name": "Local", "group": "Elsewhere", "host": "h",
                                                      "username": "u"}).get_json()
    with app.app_context():
        db.session.get(Server, created["id"]).read_only = True  # what pgAdmin's format has no key for
        db.session.commit()
    preview = user_client.post(PREVIEW, json={"text": PGADMIN_DUMP}).get_json()
    assert [(item["action"], item["server_id"]) for item in preview["servers"]] == [("replace", created["id"])]
    assert user_client.post(APPLY, json={"text": PGADMIN_DUMP}).get_json()["replaced"] == 1
    with app.app_context():
        assert db.session.get(Server, created["id"]).read_only is True  # a pgAdmin file keeps the rail
    assert hosts(app) == {created["id"]: ("Servers", "Local", "db.internal"), other["id"]: ("Elsewhere", "Local", "h")}
    listed = {s["id"]: s for s in user_client.get("/api/v1/servers").get_json()}
    assert listed[created["id"]]["has_saved_password"] is True  # the saved password stays with the registration
    renamed = PGADMIN_DUMP.replace('"Local"', '"Second"')
    assert user_client.post(APPLY, json={"text": renamed}).get_json()["added"] == 1
    assert len(hosts(app)) == 3


def test_an_administrator_imports_for_a_user_in_the_users_file_area(app: Flask, admin_client: ApiClient,
                                                                   user_client: ApiClient) -> None:
    put_file(user_client, "/certs/root.crt", CERT)
    document = json.loads(PGADMIN_DUMP)
    document["Servers"]["1"]["ConnectionParameters"]["sslrootcert"] = "/certs/root.crt"
    target = user_id(app, USER_EMAIL)
    response = admin_client.post(APPLY, json={"text": json.dumps(document), "user_id": target})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["user"] == {"id": target, "email": USER_EMAIL}
    assert rows(app, USER_EMAIL)["Local"]["tls_files"] == {"sslrootcert": {"name": "/certs/root.crt", "pem": CERT}}
    assert rows(app, ADMIN_EMAIL) == {}
    assert admin_client.get(f"/api/v1/servers/export?user_id={target}").get_json()["Servers"]["1"]["Name"] == "Local"
    assert admin_client.post(APPLY, json={"text": PGADMIN_DUMP, "user_id": 999_999}).status_code == 404


def test_a_user_cannot_import_or_export_for_someone_else(app: Flask, user_client: ApiClient) -> None:
    admin = user_id(app, ADMIN_EMAIL)
    for path in (PREVIEW, APPLY):
        response = user_client.post(path, json={"text": PGADMIN_DUMP, "user_id": admin})
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    assert user_client.get(f"/api/v1/servers/export?user_id={admin}").status_code == 403
    assert rows(app, ADMIN_EMAIL) == {} and rows(app, USER_EMAIL) == {}


def test_the_file_can_come_from_the_file_area_and_csrf_is_required(app: Flask, user_client: ApiClient) -> None:
    put_file(user_client, "/exports/servers.json", PGADMIN_DUMP)
    assert user_client.client.post(APPLY, json={"path": "/exports/servers.json"}).status_code in (400, 403)
    assert rows(app, USER_EMAIL) == {}
    response = user_client.post(APPLY, json={"path": "/exports/servers.json"})
    assert response.status_code == 200 and list(rows(app, USER_EMAIL)) == ["Local"]


def test_apply_is_all_or_nothing(app: Flask, user_client: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    put_file(user_client, "/keys/bastion", KEY)
    document = json.loads(DOC_EXAMPLE)
    document["Servers"]["2"]["TunnelIdentityFile"] = "/keys/bastion"

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the vault failed mid-import")

    monkeypatch.setattr(servers_import, "write_secrets", broken)
    assert user_client.post(APPLY, json={"text": json.dumps(document)}).status_code == 500
    assert rows(app, USER_EMAIL) == {}


def test_a_path_is_looked_up_in_the_file_area_never_on_the_web_host(app: Flask, user_client: ApiClient) -> None:
    document = json.loads(PGADMIN_DUMP)
    host_file = "/etc/hostname" if Path("/etc/hostname").is_file() else "/etc/passwd"
    document["Servers"]["1"]["ConnectionParameters"].update(sslrootcert=host_file, sslkey="/../../etc/passwd")
    result = user_client.post(APPLY, json={"text": json.dumps(document)}).get_json()
    assert [item["field"] for item in result["servers"][0]["missing_files"]] == [
        "ConnectionParameters.sslrootcert", "ConnectionParameters.sslkey"]
    server = rows(app, USER_EMAIL)["Local"]
    assert server["tls_files"] == {} and "sslrootcert" not in server["connect_params"]
    assert secrets_of(app, USER_EMAIL, "Local") == ({}, None)


def test_service_only_and_hostaddr_only_entries(app: Flask, user_client: ApiClient) -> None:
    entry = {"Name": "by service", "Group": "G", "MaintenanceDB": "postgres", "Username": "u", "Service": "prod",
             "TunnelHost": "bastion.example.com", "UseSSHTunnel": 0}
    by_address = {"Name": "by address", "Group": "G", "Port": 5433, "MaintenanceDB": "postgres",
                  "SharedUsername": "shared", "ConnectionParameters": {"hostaddr": "10.0.0.9"}}
    result = user_client.post(APPLY, json={"text": json.dumps({"Servers": {"1": entry, "2": by_address}})})
    assert result.status_code == 200, result.get_data(as_text=True)
    assert by_name(result.get_json())["by service"]["notes"] == ["TunnelHost ignored: UseSSHTunnel is off."]
    servers = rows(app, USER_EMAIL)
    assert (servers["by service"]["host"], servers["by service"]["service"], servers["by service"]["ssh_tunnel"]) == (
        None, "prod", {})
    assert (servers["by address"]["host"], servers["by address"]["username"]) == ("10.0.0.9", "shared")
    exported = user_client.get("/api/v1/servers/export").get_json()["Servers"]
    assert "Host" not in exported["1"] and exported["1"]["Service"] == "prod"
    assert user_client.get("/servers").status_code == 200


def test_replacing_a_shared_server_with_an_unshared_entry_ends_the_others_access(
        app: Flask, admin_client: ApiClient, user_client: ApiClient) -> None:
    team = admin_client.post("/api/v1/servers", json={"name": "Local", "host": "db.internal", "username": "app",
                                                      "is_shared": True}).get_json()
    assert user_client.put(f"/api/v1/servers/{team['id']}/credentials", json={"username": "me"}).status_code == 200
    result = admin_client.post(APPLY, json={"text": PGADMIN_DUMP}).get_json()  # "Shared": false
    assert [(item["action"], item["server_id"]) for item in result["servers"]] == [("replace", team["id"])]
    assert user_client.get(f"/api/v1/servers/{team['id']}").status_code == 404
    with app.app_context():
        holders = db.session.execute(db.select(ServerCredential.user_id).filter_by(server_id=team["id"])).scalars()
        assert user_id(app, USER_EMAIL) not in list(holders)


def test_the_cli_reads_the_files_from_the_users_area(app: Flask, user_client: ApiClient, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from pgadmin_lite.cli import cli

    put_file(user_client, "/Users/<user>/.ssh/cert", CERT)
    path = tmp_path / "servers.json"
    path.write_text(DOC_EXAMPLE)
    result = CliRunner().invoke(cli, ["load-servers", str(path), "--user", USER_EMAIL],
                                env={"PGADMIN_LITE_DATA_DIR": app.config["DATA_DIR"]})
    assert result.exit_code == 0, result.output
    assert ('Servers/"2" ("Fully Defined Server"): not supported, not imported: KerberosAuthentication, '
            "PasswordExecCommand, PasswordExecExpiration, Tags.") in result.stderr
    assert "TunnelIdentityFile: /Users/<user>/.ssh/id_rsa.pub cannot be read" in result.stderr
    assert secrets_of(app, USER_EMAIL, "Fully Defined Server")[0] == {"sslcert": CERT}
