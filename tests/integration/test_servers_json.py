"""`setup_db.py load-servers` / `dump-servers`: pgAdmin's servers.json, validated whole, never with passwords."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from sqlalchemy import func, select

from pgadmin_lite.cli import cli
from pgadmin_lite.extensions import db
from pgadmin_lite.models import ServerCredential
from pgadmin_lite.servers.policy import ServerPolicy
from pgadmin_lite.servers.servers_json import ServersFileError, parse_servers_file
from pgadmin_lite.settings import load_settings
from tests.plugins.app_fixtures import ADMIN_EMAIL, USER_EMAIL, ApiClient

# VALID names a socket host and a system CA file, so it is valid only where the operator allows both (the
# server policy refuses them by default: tests/security/test_server_policy.py checks load-servers refuses them).
OPERATOR_SETTINGS = {"SERVER_ALLOW_SOCKET_HOSTS": True, "SERVER_TRUSTED_TLS_PATHS": ["/etc/ssl/certs/ca.pem"]}
VALID = {"Servers": {
    "1": {"Name": "prod", "Group": "Production", "Host": "db.example.com", "Port": 5432, "MaintenanceDB": "postgres",
          "Username": "ops", "Comment": "pgAdmin keeps comments", "KerberosAuthentication": False,
          "ConnectionParameters": {"sslmode": "verify-full", "connect_timeout": 10,
                                   "sslrootcert": "/etc/ssl/certs/ca.pem", "passfile": "/home/ops/.pgpass",
                                   "sslcert": "<STORAGE_DIR>/.postgresql/postgresql.crt"}},
    "2": {"Name": "legacy", "Group": "Servers", "Host": "/var/run/postgresql", "Port": 5433,
          "MaintenanceDB": "app", "Username": "app", "SSLMode": "disable", "Password": "leaked-in-file"},
    "3": {"Name": "minimal", "Host": "10.0.0.7", "Port": 6432, "MaintenanceDB": "postgres", "Username": "u"},
}}


def run(app: Flask, *args: str, stdin: str | None = None) -> Result:
    """Invoke setup_db.py's click group against the app's DATA_DIR, like an administrator's shell."""
    env = {"PGADMIN_LITE_DATA_DIR": app.config["DATA_DIR"],
           **{f"PGADMIN_LITE_{name}": json.dumps(value) for name, value in OPERATOR_SETTINGS.items()}}
    return CliRunner().invoke(cli, list(args), env=env, input=stdin)


def write(tmp_path: Path, document: Any, name: str = "servers.json") -> str:
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document), encoding="utf-8")
    return str(path)


def names(client: ApiClient) -> list[str]:
    return [server["name"] for server in client.get("/api/v1/servers").get_json()]


def test_load_a_valid_file(app: Flask, user_client: ApiClient, tmp_path: Path) -> None:
    result = run(app, "load-servers", write(tmp_path, VALID), "--user", USER_EMAIL)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"Loaded 3 servers for {USER_EMAIL}"
    assert 'Servers/"2" ("legacy"): Password ignored' in result.stderr
    assert "ConnectionParameters.passfile: /home/ops/.pgpass cannot be read from the file area" in result.stderr
    assert "sslcert" not in result.stderr  # pgAdmin's <STORAGE_DIR> default, skipped when absent as libpq does
    assert "not supported" not in result.stderr  # Comment is kept; KerberosAuthentication false loses nothing
    servers = {s["name"]: s for s in user_client.get("/api/v1/servers").get_json()}
    assert servers["prod"] | {"id": 0} == {
        "id": 0, "name": "prod", "group": "Production", "host": "db.example.com", "port": 5432,
        "maintenance_db": "postgres", "username": "ops", "sslmode": "verify-full",
        "connect_params": {"connect_timeout": 10, "sslrootcert": "/etc/ssl/certs/ca.pem"}, "query_modes": {},
        "has_saved_password": False, "is_shared": False, "is_owner": True, "comment": "pgAdmin keeps comments",
        "role": None, "db_restriction": [], "colors": {}, "read_only": False, "post_connection_sql": None,
        "query_defaults": {}, "tls_files": {}, "tls_client": [], "service": None, "passfile": None,
        "ssh_tunnel": {}, "ssh_secrets": [], "ssh_host_key_fingerprint": None,
        "shares": {"everyone": False, "users": [], "roles": [], "groups": []}}
    assert (servers["legacy"]["sslmode"], servers["legacy"]["host"]) == ("disable", "/var/run/postgresql")
    assert (servers["minimal"]["group"], servers["minimal"]["sslmode"]) == ("Servers", "prefer")
    assert not any(s["has_saved_password"] for s in servers.values())
    for path in Path(app.config["DATA_DIR"]).rglob("*"):
        if path.is_file():
            assert b"leaked-in-file" not in path.read_bytes()


def _with(key: str, **changes: Any) -> dict[str, Any]:
    """VALID with entry `key` changed (a None value deletes the key)."""
    document = json.loads(json.dumps(VALID))
    entry = document["Servers"][key]
    for name, value in changes.items():
        if value is None:
            entry.pop(name, None)
        else:
            entry[name] = value
    return document


@pytest.mark.parametrize(("document", "expected"), [
    (_with("3", Port="6432"), 'Servers/"3" ("minimal"): Port must be an integer 1-65535'),
    (_with("3", Port=0), 'Servers/"3" ("minimal"): Port must be an integer 1-65535'),
    (_with("3", Port=70000), 'Servers/"3" ("minimal"): Port must be an integer 1-65535'),
    (_with("2", SSLMode="maybe"), 'Servers/"2" ("legacy"): SSLMode must be one of disable'),
    (_with("1", ConnectionParameters={"sslmode": "nope"}), 'Servers/"1" ("prod"): SSLMode must be one of'),
    (_with("3", Host=None), 'Servers/"3" ("minimal"): missing required key(s) Host'),
    (_with("3", Username=None, MaintenanceDB=None),
     'Servers/"3" ("minimal"): missing required key(s) MaintenanceDB, Username'),
    (_with("3", Name=5), 'Servers/"3": Name must be a non-empty string'),
    (_with("3", Host="two words"), 'Servers/"3" ("minimal"): Host must be a host name'),
    (_with("1", ConnectionParameters={"connect_timeout": "10"}),
     'Servers/"1" ("prod"): ConnectionParameters.connect_timeout must be an integer'),
    (_with("1", ConnectionParameters={"keepalives": 5}),
     'Servers/"1" ("prod"): ConnectionParameters.keepalives must be an integer 0-1'),
    (_with("1", UseSSHTunnel=1), 'Servers/"1" ("prod"): TunnelHost is required when UseSSHTunnel is 1'),
    (_with("1", UseSSHTunnel=1, TunnelHost="127.0.0.1", TunnelPort=21, TunnelUsername="u"),
     'Servers/"1" ("prod"): TunnelPort 21 is not an allowed SSH port (server policy: SERVER_ALLOWED_SSH_PORTS)'),
    (_with("1", BGColor="orange"), 'Servers/"1" ("prod"): BGColor must be a colour'),
    (_with("1", ConnectionParameters=[]), 'Servers/"1" ("prod"): ConnectionParameters must be an object'),
    ({"Servers": {**VALID["Servers"], "4": "not an object"}}, 'Servers/"4": must be an object'),
    ({"servers": VALID["Servers"]}, 'must hold an object {"Servers"'),
    ([1, 2], 'must hold an object {"Servers"'),
    ('{"Servers": {"1": ', "is not valid JSON"),
])
def test_an_invalid_file_names_the_entry_and_imports_nothing(app: Flask, user_client: ApiClient, tmp_path: Path,
                                                             document: Any, expected: str) -> None:
    result = run(app, "load-servers", write(tmp_path, document), "--user", USER_EMAIL)
    assert result.exit_code == 1
    assert expected in result.stderr and "nothing was imported" in result.stderr
    assert names(user_client) == []


def test_every_invalid_entry_is_listed() -> None:
    document = _with("3", Port=-1)
    document["Servers"]["2"]["MaintenanceDB"] = ""
    with pytest.raises(ServersFileError) as caught:
        parse_servers_file(json.dumps(document), policy=ServerPolicy.from_settings(load_settings(
            overrides=OPERATOR_SETTINGS)))
    assert caught.value.extra["errors"] == [
        'Servers/"2" ("legacy"): MaintenanceDB must be a non-empty string',
        'Servers/"3" ("minimal"): Port must be an integer 1-65535']


def test_unknown_user_is_a_clean_error(app: Flask, tmp_path: Path) -> None:
    result = run(app, "load-servers", write(tmp_path, VALID), "--user", "nobody@example.com")
    assert result.exit_code == 1 and "No user with email 'nobody@example.com'" in result.stderr


def test_replace_swaps_the_users_own_servers_in_one_go(app: Flask, admin_client: ApiClient, tmp_path: Path) -> None:
    admin_client.post("/api/v1/servers", json={"name": "old", "host": "h", "username": "u", "password": "pw",
                                               "save_password": True})
    admin_client.post("/api/v1/servers", json={"name": "team", "host": "h", "username": "u", "is_shared": True})
    assert run(app, "load-servers", write(tmp_path, VALID), "--user", ADMIN_EMAIL, "--replace").exit_code == 0
    assert sorted(names(admin_client)) == ["legacy", "minimal", "prod", "team"]
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(ServerCredential)).scalar_one() == 0
    bad = run(app, "load-servers", write(tmp_path, _with("1", Port=0), "bad.json"), "--user", ADMIN_EMAIL,
              "--replace")
    assert bad.exit_code == 1
    assert sorted(names(admin_client)) == ["legacy", "minimal", "prod", "team"]


def test_without_replace_servers_are_added(app: Flask, user_client: ApiClient, tmp_path: Path) -> None:
    path = write(tmp_path, VALID)
    assert run(app, "load-servers", path, "--user", USER_EMAIL).exit_code == 0
    assert run(app, "load-servers", path, "--user", USER_EMAIL).exit_code == 0
    assert len(names(user_client)) == 6


def test_shared_is_kept_only_for_administrators(app: Flask, admin_client: ApiClient, user_client: ApiClient,
                                                tmp_path: Path) -> None:
    path = write(tmp_path, _with("3", Shared=True))
    as_user = run(app, "load-servers", path, "--user", USER_EMAIL)
    assert as_user.exit_code == 0 and "Shared ignored" in as_user.stderr
    assert run(app, "load-servers", path, "--user", ADMIN_EMAIL).exit_code == 0
    shared = [s for s in user_client.get("/api/v1/servers").get_json() if s["is_shared"]]
    assert [(s["name"], s["is_owner"]) for s in shared] == [("minimal", False)]


def test_dump_never_exports_passwords(app: Flask, user_client: ApiClient, tmp_path: Path) -> None:
    created = user_client.post("/api/v1/servers", json={
        "name": "saved", "host": "db", "username": "u", "password": "Secret-Not-Exported", "save_password": True,
        "connect_params": {"application_name": "x"}})
    assert created.status_code == 201
    out = tmp_path / "out.json"
    result = run(app, "dump-servers", str(out), "--user", USER_EMAIL)
    assert result.exit_code == 0 and f"Dumped 1 servers for {USER_EMAIL}" in result.output
    text = out.read_text()
    assert "Secret-Not-Exported" not in text and "Password" not in text and "v1:" not in text
    assert json.loads(text) == {"Servers": {"1": {
        "Name": "saved", "Group": "Servers", "Host": "db", "Port": 5432, "MaintenanceDB": "postgres",
        "Username": "u", "ConnectionParameters": {"sslmode": "prefer", "application_name": "x"}}}}


def test_round_trip_dump_load_dump(app: Flask, tmp_path: Path) -> None:
    assert run(app, "load-servers", write(tmp_path, VALID), "--user", USER_EMAIL).exit_code == 0
    first = run(app, "dump-servers", "-", "--user", USER_EMAIL)
    assert first.exit_code == 0
    loaded = run(app, "load-servers", "-", "--user", ADMIN_EMAIL, stdin=first.stdout)
    assert loaded.exit_code == 0 and loaded.stderr == ""
    second = run(app, "dump-servers", "-", "--user", ADMIN_EMAIL)
    assert json.loads(second.stdout) == json.loads(first.stdout)
    assert len(json.loads(first.stdout)["Servers"]) == 3
