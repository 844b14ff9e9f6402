"""TLS to a real PostgreSQL that demands clientcert=verify-full, with files from the user's file area or uploaded:
handed to libpq as private files that are gone after the connect; web-host paths from users refused."""

from __future__ import annotations

import logging
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

import psycopg
import pytest
from cryptography.hazmat.primitives import serialization

from pgadmin_lite.servers.fields import SSLMODES
from tests.plugins.query_tool_helpers import open_tool
from tests.plugins.tls_fixture import TlsPgServer, tls_dirs_left

WHO_AM_I = "SELECT ssl, client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()"


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where connections make their private TLS directories during the test (so leftovers can be counted)."""
    directory = tmp_path / "tmp"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    return directory


@pytest.fixture
def tls_area(admin_client: Any, tls_pg_server: TlsPgServer) -> dict[str, str]:
    """The test CA, the client certificate and its key in the admin's file area, under /tls."""
    tls = tls_pg_server.tls
    assert admin_client.post("/api/v1/storage/mkdir", json={"path": "/tls"}).status_code == 201
    files = {"/tls/ca.pem": tls.ca.cert, "/tls/client.crt": tls.client.cert, "/tls/client.key": tls.client.key,
             "/tls/other-ca.pem": tls.other_ca.cert}
    for path, text in files.items():
        response = admin_client.put("/api/v1/storage/text", json={"path": path, "text": text})
        assert response.status_code == 201, response.get_json()
    return files


def tls_body(pg: TlsPgServer, **fields: Any) -> dict[str, Any]:
    return {"name": "tls", "host": "127.0.0.1", "port": pg.server.port, "username": pg.server.user,
            "sslmode": "verify-full", "tls_files": {"sslrootcert": {"path": "/tls/ca.pem"}},
            "tls_client": {"sslcert": {"path": "/tls/client.crt"}, "sslkey": {"path": "/tls/client.key"}}, **fields}


def register(client: Any, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/v1/servers", json=body)
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def test_connects_with_files_from_the_users_area_and_leaves_no_file(
        admin_client: Any, tls_pg_server: TlsPgServer, tls_area: dict[str, str], private_tmp: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    server = register(admin_client, tls_body(tls_pg_server))
    assert server["tls_files"] == {"sslrootcert": "ca.pem"} and server["tls_client"] == ["sslcert", "sslkey"]
    listed = admin_client.get(f"/api/v1/servers/{server['id']}").get_data(as_text=True)
    assert "BEGIN" not in listed and "PRIVATE" not in listed

    seen: list[dict[str, int]] = []
    real_connect = psycopg.connect

    def spying_connect(*args: Any, **kwargs: Any) -> Any:
        files = {name: kwargs[name] for name in ("sslrootcert", "sslcert", "sslkey")}
        seen.append({name: stat.S_IMODE(os.stat(path).st_mode) for name, path in files.items()}
                    | {"dir": stat.S_IMODE(os.stat(os.path.dirname(files["sslkey"])).st_mode)})
        assert all(Path(path).parent.parent == private_tmp for path in files.values())
        return real_connect(*args, **kwargs)

    monkeypatch.setattr(psycopg, "connect", spying_connect)
    tested = admin_client.post(f"/api/v1/servers/{server['id']}/test")
    assert tested.status_code == 200, tested.get_json()
    assert seen == [{"sslrootcert": 0o600, "sslcert": 0o600, "sslkey": 0o600, "dir": 0o700}]
    assert tls_dirs_left(private_tmp) == []

    tool = open_tool(admin_client, server["id"], "postgres")
    assert tool.run(WHO_AM_I)["rows"] == [[True, f"/CN={tls_pg_server.server.user}"]]
    assert tls_dirs_left(private_tmp) == []
    databases = admin_client.get(f"/api/v1/servers/{server['id']}/databases")  # a short-lived connection
    assert databases.status_code == 200, databases.get_json()
    assert tls_dirs_left(private_tmp) == []


def test_the_client_certificate_is_required(admin_client: Any, tls_pg_server: TlsPgServer,
                                            tls_area: dict[str, str]) -> None:
    server = register(admin_client, tls_body(tls_pg_server, tls_client=None))
    tested = admin_client.post(f"/api/v1/servers/{server['id']}/test")
    assert tested.status_code == 502
    assert "certificate" in tested.get_json()["error"]["message"]


def test_uploaded_pem_and_an_encrypted_key_with_its_sslpassword(admin_client: Any, tls_pg_server: TlsPgServer,
                                                                tls_area: dict[str, str]) -> None:
    tls = tls_pg_server.tls
    key = serialization.load_pem_private_key(tls.client.key.encode(), None)
    encrypted = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.BestAvailableEncryption(b"s3cret")).decode()
    body = tls_body(tls_pg_server, tls_files={"sslrootcert": {"pem": tls.ca.cert, "name": "uploaded-ca.pem"}},
                    tls_client={"sslcert": {"pem": tls.client.cert}, "sslkey": {"pem": encrypted}})
    server = register(admin_client, body)
    assert server["tls_files"] == {"sslrootcert": "uploaded-ca.pem"}
    refused = admin_client.post(f"/api/v1/servers/{server['id']}/test")
    assert refused.status_code == 502
    saved = admin_client.put(f"/api/v1/servers/{server['id']}/credentials",
                             json={"tls_client": {"sslpassword": "s3cret"}})
    assert saved.status_code == 200 and saved.get_json()["tls_client"] == ["sslcert", "sslkey", "sslpassword"]
    tested = admin_client.post(f"/api/v1/servers/{server['id']}/test")
    assert tested.status_code == 200, tested.get_json()


def test_every_sslmode_is_accepted_and_means_what_libpq_says(admin_client: Any, tls_pg_server: TlsPgServer,
                                                             tls_area: dict[str, str]) -> None:
    server = register(admin_client, tls_body(tls_pg_server))
    outcomes = {}
    for mode in SSLMODES:
        changed = admin_client.patch(f"/api/v1/servers/{server['id']}", json={"sslmode": mode})
        assert changed.status_code == 200 and changed.get_json()["sslmode"] == mode
        outcomes[mode] = admin_client.post(f"/api/v1/servers/{server['id']}/test").status_code
    # hostssl only: without TLS pg_hba.conf has no entry; allow falls back to TLS after the plain attempt fails.
    assert outcomes == {"disable": 502, "allow": 200, "prefer": 200, "require": 200, "verify-ca": 200,
                        "verify-full": 200}


def test_verify_full_with_a_wrong_ca_fails_clearly(admin_client: Any, tls_pg_server: TlsPgServer,
                                                   tls_area: dict[str, str]) -> None:
    server = register(admin_client, tls_body(tls_pg_server, tls_files={"sslrootcert": {"path": "/tls/other-ca.pem"}}))
    tested = admin_client.post(f"/api/v1/servers/{server['id']}/test")
    assert tested.status_code == 502
    error = tested.get_json()["error"]
    assert "certificate verify failed" in error["message"]
    assert "root certificate" in error["hint"]


@pytest.mark.parametrize("change", [
    {"connect_params": {"sslrootcert": "/etc/ssl/certs/ca-certificates.crt"}},
    {"connect_params": {"sslkey": "/root/.postgresql/postgresql.key"}},
    {"tls_files": {"sslrootcert": "/etc/ssl/certs/ca-certificates.crt"}},
    {"tls_client": {"sslkey": "/root/.postgresql/postgresql.key"}},
    {"tls_files": {"sslcrl": {"path": "/../../../etc/ssl/certs/ca-certificates.crt"}}},
    {"tls_client": {"sslcert": {"path": "/tls/client.key"}}},  # a key is no certificate
])
def test_a_web_host_path_is_refused_and_nothing_is_saved(admin_client: Any, tls_pg_server: TlsPgServer,
                                                         tls_area: dict[str, str], change: dict[str, Any]) -> None:
    before = admin_client.get("/api/v1/servers").get_json()
    response = admin_client.post("/api/v1/servers", json={**tls_body(tls_pg_server), **change})
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] in ("bad_request", "server_not_allowed", "outside_storage")
    if error["code"] == "server_not_allowed":
        assert "pick or upload" in error["hint"]
    assert admin_client.get("/api/v1/servers").get_json() == before


def test_a_stored_path_is_refused_at_connect(admin_client: Any, app: Any, tls_pg_server: TlsPgServer) -> None:
    """A registration saved with a web-host path before this release connects no more, and says why."""
    from pgadmin_lite.extensions import db
    from pgadmin_lite.models import Server

    server = register(admin_client, {**tls_body(tls_pg_server), "tls_files": None, "tls_client": None})
    with app.app_context():
        row = db.session.get(Server, server["id"])
        row.connect_params = {"sslrootcert": "/etc/ssl/certs/ca-certificates.crt"}
        db.session.commit()
    response = admin_client.post(f"/api/v1/servers/{server['id']}/test")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "server_not_allowed"
    assert "pick or upload" in response.get_json()["error"]["hint"]


def test_a_cancel_reaches_a_tls_connection_whose_files_are_gone(admin_client: Any, tls_pg_server: TlsPgServer,
                                                                tls_area: dict[str, str], private_tmp: Path,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    """libpq 17's encrypted cancel connects again and finds no root certificate: the classic request goes."""
    caplog.set_level(logging.DEBUG, logger="pgadmin_lite.connections.opening")
    server = register(admin_client, tls_body(tls_pg_server))
    tool = open_tool(admin_client, server["id"], "postgres")
    assert tls_dirs_left(private_tmp) == []
    assert tool.execute("SELECT pg_sleep(60)", wait_ms=0).status_code == 202
    tool.wait_running()
    socket_dir = tls_pg_server.server.socket_dir
    with psycopg.connect(host=socket_dir, port=tls_pg_server.server.port, user=tls_pg_server.server.user,
                         dbname="postgres", autocommit=True) as conn:
        for _ in range(500):  # the server's own view: the statement runs there (10 s at most)
            if conn.execute("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND pid <> "
                            "pg_backend_pid() AND query LIKE '%pg_sleep(60)%'").fetchone()[0]:  # type: ignore[index]
                break
            conn.execute("SELECT pg_sleep(0.02)")
        else:
            raise AssertionError("pg_sleep(60) never ran on the server")
    assert tool.cancel().get_json() == {"cancelled": True}
    response = tool.result()
    while response.status_code == 202:
        response = tool.result()
    assert response.get_json()["error"]["sqlstate"] == "57014"
    assert "sending the classic one" in caplog.text


def test_a_backup_job_uses_the_files_until_it_ends(admin_client: Any, app: Any, tls_pg_server: TlsPgServer,
                                                   tls_area: dict[str, str]) -> None:
    """pg_dump gets the files (an encrypted key decrypted, no sslpassword on its command line) in the job dir."""
    from tests.integration.test_jobs_support import job_dir, run_job

    tls = tls_pg_server.tls
    key = serialization.load_pem_private_key(tls.client.key.encode(), None)
    encrypted = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.BestAvailableEncryption(b"s3cret")).decode()
    server = register(admin_client, tls_body(tls_pg_server, tls_client={
        "sslcert": {"path": "/tls/client.crt"}, "sslkey": {"pem": encrypted}, "sslpassword": "s3cret"}))
    job = run_job(admin_client, server["id"], kind="backup", database="postgres", format="plain",
                  output_path="tls-dump.sql")
    assert "s3cret" not in (job["command"] or "") and "sslpassword" not in (job["command"] or "")
    assert not (job_dir(app, job["id"]) / "tls").exists()


def test_a_shared_servers_users_bring_their_own_client_certificate(
        admin_client: Any, user_client: Any, tls_pg_server: TlsPgServer, tls_area: dict[str, str]) -> None:
    """The root certificate is the server's; the client certificate and key are each user's own (the vault)."""
    server = register(admin_client, tls_body(tls_pg_server, is_shared=True))
    url = f"/api/v1/servers/{server['id']}"
    mine = user_client.get(url).get_json()
    assert mine["tls_files"] == {"sslrootcert": "ca.pem"} and mine["tls_client"] == []
    assert user_client.post(f"{url}/test").status_code == 502  # no client certificate of their own
    refused = user_client.put(f"{url}/credentials", json={"tls_client": {"sslcert": {"path": "/tls/client.crt"}}})
    assert refused.status_code == 404  # another user's area is not theirs: their own has no such file
    tls = tls_pg_server.tls
    saved = user_client.put(f"{url}/credentials", json={"tls_client": {
        "sslcert": {"pem": tls.client.cert}, "sslkey": {"pem": tls.client.key}}})
    assert saved.status_code == 200 and saved.get_json()["tls_client"] == ["sslcert", "sslkey"]
    assert user_client.post(f"{url}/test").status_code == 200
    assert admin_client.get(url).get_json()["tls_client"] == ["sslcert", "sslkey"]  # the owner's own, unchanged


def test_verify_ca_without_a_root_certificate_says_what_is_missing(admin_client: Any, tls_pg_server: TlsPgServer,
                                                                   tls_area: dict[str, str]) -> None:
    """Never the web server's ~/.postgresql/root.crt: without one of the user's, verify-ca cannot verify."""
    server = register(admin_client, tls_body(tls_pg_server, sslmode="verify-ca", tls_files=None))
    tested = admin_client.post(f"/api/v1/servers/{server['id']}/test")
    assert tested.status_code == 502
    assert "pick or upload it" in tested.get_json()["error"]["hint"]


def revoking_crl(tls_pg_server: TlsPgServer, *, revoke_server: bool) -> str:
    """A CRL of the test CA, revoking the server's certificate or nothing."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    tls = tls_pg_server.tls
    ca = x509.load_pem_x509_certificate(tls.ca.cert.encode())
    ca_key = serialization.load_pem_private_key(tls.ca.key.encode(), None)
    now = datetime.datetime.now(datetime.UTC)
    builder = (x509.CertificateRevocationListBuilder().issuer_name(ca.subject).last_update(now)
               .next_update(now + datetime.timedelta(days=1)))
    if revoke_server:
        serial = x509.load_pem_x509_certificate(tls.server.cert.encode()).serial_number
        builder = builder.add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(serial)
                                                  .revocation_date(now).build())
    crl = builder.sign(ca_key, hashes.SHA256())  # type: ignore[arg-type]
    return crl.public_bytes(serialization.Encoding.PEM).decode()


def test_a_crl_from_the_dialog_is_checked(admin_client: Any, tls_pg_server: TlsPgServer,
                                          tls_area: dict[str, str]) -> None:
    clean = revoking_crl(tls_pg_server, revoke_server=False)
    server = register(admin_client, tls_body(tls_pg_server, tls_files={
        "sslrootcert": {"path": "/tls/ca.pem"}, "sslcrl": {"pem": clean, "name": "ca.crl"}}))
    assert server["tls_files"] == {"sslcrl": "ca.crl", "sslrootcert": "ca.pem"}
    assert admin_client.post(f"/api/v1/servers/{server['id']}/test").status_code == 200
    revoked = revoking_crl(tls_pg_server, revoke_server=True)
    changed = admin_client.patch(f"/api/v1/servers/{server['id']}", json={"tls_files": {"sslcrl": {"pem": revoked}}})
    assert changed.status_code == 200
    tested = admin_client.post(f"/api/v1/servers/{server['id']}/test")
    assert tested.status_code == 502 and "certificate verify failed" in tested.get_json()["error"]["message"]
    assert "revoked by its CRL" in tested.get_json()["error"]["hint"]
    removed = admin_client.patch(f"/api/v1/servers/{server['id']}", json={"tls_files": {"sslcrl": None}})
    assert removed.get_json()["tls_files"] == {"sslrootcert": "ca.pem"}


def test_the_dialogs_test_uses_the_files_picked_before_saving(admin_client: Any, tls_pg_server: TlsPgServer,
                                                              tls_area: dict[str, str]) -> None:
    tested = admin_client.post("/api/v1/servers/test", json=tls_body(tls_pg_server))
    assert tested.status_code == 200, tested.get_json()
    assert admin_client.get("/api/v1/servers").get_json() == []  # nothing saved, the client key least of all
    without = admin_client.post("/api/v1/servers/test", json=tls_body(tls_pg_server, tls_client=None))
    assert without.status_code == 502
