"""The .pgpass format as libpq reads it (escapes, wildcards, first match wins) and the service file format."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pgadmin_lite.connections import opening
from pgadmin_lite.connections.private_files import PrivateText, materialized
from pgadmin_lite.errors import BadRequest
from pgadmin_lite.servers import pg_services
from pgadmin_lite.servers.pgpass import find_password, parse

PGPASS = r"""# comment line
db.example.com:5432:sales:alice:first
db\:odd:*:*:bob:with\:colon\\and backslash
*:6432:*:*:any-on-6432
\*:*:*:carol:literal-star-host

short:line
*:*:*:*:fallback:ignored-after-a-colon
"""


@pytest.mark.parametrize(("host", "port", "db", "user", "expected"), [
    ("db.example.com", 5432, "sales", "alice", "first"),
    ("db.example.com", 5433, "sales", "alice", "fallback"),
    ("db:odd", 1, "x", "bob", "with:colon\\and backslash"),
    ("anything", 6432, "x", "y", "any-on-6432"),
    ("*", 5432, "x", "carol", "literal-star-host"),
    ("other", 5432, "x", "carol", "fallback"),  # \* is a host named *, not a wildcard
    ("/run/postgresql", None, "sales", "alice", "fallback"),  # a socket matches as localhost
])
def test_entries_match_as_libpq_matches_them(host: str, port: int | None, db: str, user: str, expected: str) -> None:
    assert find_password(parse(PGPASS), host, port, db, user) == expected


def test_no_entry_is_none() -> None:
    assert find_password(parse("db:5432:sales:alice:pw\n"), "db", 5432, "sales", "bob") is None
    assert find_password(parse("localhost:5432:*:alice:pw\n"), "", None, "sales", "alice") == "pw"


def test_service_file_sections_and_comments() -> None:
    parsed = pg_services.parse("# c\n; also\n[a]\nhost = db1\nport=6432\n\n[b]\nhost=db2\npassword=secret\n"
                               "ignored line\n")
    assert parsed == {"a": {"host": "db1", "port": "6432"}, "b": {"host": "db2", "password": "secret"}}


def test_a_service_gives_connection_keys_only(tmp_path: Path) -> None:
    path = tmp_path / "pg_service.conf"
    path.write_text("[s]\nhost=db\nport=6432\npassword=x\npassfile=/root/.pgpass\nservice=t\noptions=-c a=b\n")
    assert pg_services.service_params("s", str(path)) == {"host": "db", "port": 6432, "options": "-c a=b"}
    with pytest.raises(BadRequest, match="no longer in the operator's service file"):
        pg_services.service_params("gone", str(path))
    with pytest.raises(BadRequest, match="not a service"):
        pg_services.check_service("gone", str(path))


def test_private_text_never_shows_its_text_and_its_files_go() -> None:
    secret = PrivateText("-----BEGIN PRIVATE KEY-----\nabc\n")
    assert "abc" not in str(secret) and "abc" not in repr(secret)
    with materialized({"sslkey": secret, "host": "h"}) as params:
        path = params["sslkey"]
        with open(path) as handle:
            assert handle.read() == secret.text
    assert not os.path.exists(path) and not os.path.exists(os.path.dirname(path))


def test_libpq_never_gets_the_web_hosts_tls_files() -> None:
    params = opening.libpq_params({"host": "h", "sslrootcert": "system"})
    assert params["sslrootcert"] == "system"
    assert params["sslcert"].startswith("/dev/null/") and params["sslkey"].startswith("/dev/null/")
