"""pytest plugin: a PostgreSQL that speaks only TLS and wants a client certificate (``tls_pg_server``).

The test makes its own CA, a server certificate (localhost, 127.0.0.1) and a client certificate for the
superuser with ``cryptography``; pg_hba.conf accepts nothing but ``hostssl … clientcert=verify-full``, so a
connection without the right client certificate, or without TLS, is refused.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pgadmin_lite.servermgr.postgres import Manager
from tests.plugins.postgres_fixture import PgServer, own_cluster

TLS_HBA = """\
# Written by tests/plugins/tls_fixture.py: TLS with a verified client certificate, or nothing (over TCP).
local   all all              trust
hostssl all all 127.0.0.1/32 trust clientcert=verify-full
"""


@dataclass(frozen=True)
class Pem:
    """A certificate and its key, as PEM text."""

    cert: str
    key: str


@dataclass(frozen=True)
class TlsMaterial:
    ca: Pem
    server: Pem
    client: Pem  # CN = the superuser, as clientcert=verify-full checks
    other_ca: Pem  # a CA that signed nothing the server uses


def _key_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


Issuer = tuple[x509.Certificate, ec.EllipticCurvePrivateKey]


def _certificate(subject: str, key: ec.EllipticCurvePrivateKey, issuer: Issuer | None, *, is_ca: bool = False,
                 san: list[x509.GeneralName] | None = None) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    builder = (x509.CertificateBuilder().subject_name(name)
               .issuer_name(issuer[0].subject if issuer else name).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=2))
               .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True))
    if is_ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
            key_encipherment=False, data_encipherment=False, key_agreement=False, encipher_only=False,
            decipher_only=False), critical=True)
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return builder.sign(issuer[1] if issuer else key, hashes.SHA256())


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def make_tls_material(client_cn: str) -> TlsMaterial:
    """A CA, a server certificate for localhost/127.0.0.1 and a client certificate for client_cn."""
    ca_key, other_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("pgadmin_lite test CA", ca_key, None, is_ca=True)
    other = _certificate("some other CA", other_key, None, is_ca=True)
    server_key, client_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    server = _certificate("localhost", server_key, (ca, ca_key), san=[
        x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    client = _certificate(client_cn, client_key, (ca, ca_key))
    return TlsMaterial(Pem(_pem(ca), _key_pem(ca_key)), Pem(_pem(server), _key_pem(server_key)),
                       Pem(_pem(client), _key_pem(client_key)), Pem(_pem(other), _key_pem(other_key)))


@dataclass(frozen=True)
class TlsPgServer:
    server: PgServer
    tls: TlsMaterial


def _write_server_files(manager: Manager, tls: TlsMaterial) -> dict[str, str]:
    """The server's certificate, key (0600, owned by the server's OS user, as PostgreSQL demands) and CA."""
    settings = {"ssl": "on"}
    for setting, name, text in (("ssl_cert_file", "server.crt", tls.server.cert),
                                ("ssl_key_file", "server.key", tls.server.key),
                                ("ssl_ca_file", "root.crt", tls.ca.cert)):
        path = manager.data_dir / name
        path.write_text(text)
        path.chmod(0o600)
        if manager.run_as.is_switching:
            os.chown(path, manager.run_as.uid, manager.run_as.gid)
        settings[setting] = str(path)
    return settings


@pytest.fixture(scope="session")
def tls_pg_server() -> Iterator[TlsPgServer]:
    """A PostgreSQL reachable over TCP only with TLS and a client certificate the test CA signed."""
    made: list[TlsMaterial] = []

    def with_certificates(manager: Manager) -> None:
        made.append(make_tls_material(manager.superuser))
        manager.extra_options.update(_write_server_files(manager, made[0]))

    with own_cluster("pgadmin_lite-pgtls-", TLS_HBA, prepare=with_certificates) as manager:
        yield TlsPgServer(PgServer("127.0.0.1", manager.port, str(manager.socket_dir), manager.superuser, manager),
                          made[0])


def tls_dirs_left(temp_dir: str | os.PathLike[str]) -> list[Path]:
    """The private TLS directories connections left behind in temp_dir (none, when each removed its files)."""
    return sorted(Path(temp_dir).glob("pgadmin_lite-tls-*"))
