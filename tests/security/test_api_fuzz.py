"""Issue 13: schemathesis drives every operation of the live /api/v1/openapi.json; no input may cause a 5xx.

The run is an ordinary user's and an administrator's, each logged in like a browser with the CSRF token
set, against a real Gunicorn. Ids in paths are real ones (the caller's own server, on a role and database
of its own, an open query tool, a throw-away user; spare ones for the operations that change or delete
what they name), so bodies and query strings reach the code behind the lookups. Job ids, PostgreSQL pids
and draft keys are whatever the schema allows. Bounded: MAX_EXAMPLES generated cases per operation, derandomized.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from psycopg import sql
from schemathesis.checks import not_a_server_error

from pgadmin_lite import create_app
from pgadmin_lite.web.openapi import build_spec
from tests.plugins.app_fixtures import ADMIN_EMAIL, ADMIN_PASSWORD, USER_EMAIL, USER_PASSWORD
from tests.plugins.catalog_fixtures import (
    DOMAIN,
    ENUM,
    EVENT_TRIGGER,
    FUNCTION,
    INDEX,
    MATVIEW,
    PARENT,
    PARTITIONED,
    POLICY,
    PROCEDURE,
    SCHEMA,
    SEQUENCE,
    TABLE,
    TRIGGER,
    VIEW,
    build_hostile_database,
)
from tests.plugins.http_session import HttpClient
from tests.plugins.live_server import LiveServer
from tests.plugins.postgres_fixture import PgServer

# A password change would end the run's other login, and guesses at the current password lock it out;
# tests/security/test_password_change.py covers it.
EXCLUDED = ("auth.account_password_api.post",)
# Operations that change or delete the object their path names get a spare one, so the others keep theirs.
ON_SPARES = frozenset({"servers.update_server.patch", "servers.delete_server.delete", "servers.set_credentials.put",
                       "servers.forget_credentials.delete", "query_tool.close.delete", "users.update_user.patch",
                       "users.delete_user.delete", "query_tool.release.post", "tool_sessions.close_session.delete"})
MAX_EXAMPLES = 10
# The fuzzing role and its database; the database holds the hostile-names fixture objects (owned by the
# superuser: the role reads them and may change only what it creates itself).
FUZZ_NAME = f"fuzz_{uuid.uuid4().hex[:10]}"
OBJECT_NAMES = [SCHEMA, TABLE, PARENT, VIEW, MATVIEW, SEQUENCE, ENUM, DOMAIN, PARTITIONED, FUNCTION, PROCEDURE,
                INDEX, TRIGGER, POLICY, EVENT_TRIGGER, "public", "id", "select", "a b", "ñandú ü", FUZZ_NAME]
# Where names go, the fuzzer mostly sends real ones, so requests get past the lookups to the code behind them.
DICTIONARIES = {"dbs": [FUZZ_NAME], "schemas": [SCHEMA, "public"],
                "relations": [TABLE, PARENT, VIEW, MATVIEW, PARTITIONED], "names": OBJECT_NAMES}
BINDINGS = {"db": "dbs", "database": "dbs", "schema": "schemas", "table": "relations", "name": "names",
            "sort": "names", "filter": "names"}


def offline_document() -> dict[str, Any]:
    """The document the app serves, built at collection time so each operation is a test of its own.

    (schemathesis' lazy loader, pytest.from_fixture, fails under pytest 9.2; the live document is checked
    against this one by test_the_fuzzed_document_is_the_live_one.)
    """
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATA_DIR": tmp, "SECRET_KEY": "fuzz-collection-" + "x" * 32}, require_schema=False)
        with app.app_context():
            return build_spec(app)


def shapes(document: dict[str, Any]) -> dict[str, Any]:
    """What the fuzzing reads from a document: parameters and bodies (summaries are docstrings, and the
    live server runs with PYTHONOPTIMIZE=2 as deployed)."""
    return {(path, method): (op["parameters"], op.get("requestBody"))
            for path, ops in document["paths"].items() for method, op in ops.items()}


DOCUMENT = offline_document()
CONFIG = schemathesis.Config.from_dict({
    "dictionaries": {name: {"values": values} for name, values in DICTIONARIES.items()},
    "parameters": {f"{where}.{field}": {"dictionary": dictionary, "probability": 0.7}
                   for field, dictionary in BINDINGS.items() for where in ("query", "body")},
    "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True},
    "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
})
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG).exclude(operation_id=list(EXCLUDED))


@dataclass(frozen=True)
class FuzzDb:
    """A role (no CREATEDB, no CREATEROLE) owning a database of its own on the session PostgreSQL."""

    role: str


@dataclass(frozen=True)
class Caller:
    client: HttpClient
    ids: dict[str, Any]  # path parameter -> a real value the caller may use
    spares: dict[str, Any]  # the same, for the operations in ON_SPARES

    def path_parameters(self, case: schemathesis.Case) -> dict[str, Any]:
        ids = self.spares if case.operation.definition.raw["operationId"] in ON_SPARES else self.ids
        path = case.path_parameters or {}
        return {**path, **{name: value for name, value in ids.items() if name in path}}


@pytest.fixture(scope="module")
def fuzz_db(pg_server: PgServer) -> Iterator[FuzzDb]:
    name = FUZZ_NAME
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(name)))
    try:
        build_hostile_database(pg_server.conninfo(name), name)
        yield FuzzDb(name)
    finally:
        with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", [name])
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


def logged_in(live_server: LiveServer, email: str, password: str) -> HttpClient:
    client = HttpClient(live_server.url)
    client.login(email, password)
    return client


def created(client: HttpClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def server_and_tool(client: HttpClient, pg_server: PgServer, fuzz_db: FuzzDb) -> dict[str, Any]:
    """A server of the caller's on the fuzzing role, and a query tool open on it."""
    server = created(client, "/api/v1/servers", {
        "name": f"fuzz {uuid.uuid4().hex[:8]}", "host": pg_server.host, "port": pg_server.port,
        "maintenance_db": fuzz_db.role, "username": fuzz_db.role})
    tool = created(client, "/api/v1/query-tool", {"server_id": server["id"]})
    return {"server_id": server["id"], "tx_id": tool["tx_id"]}


@pytest.fixture(scope="module", params=["user", "admin"])
def caller(request: pytest.FixtureRequest, live_server: LiveServer, pg_server: PgServer, fuzz_db: FuzzDb) -> Caller:
    """A logged-in caller; the user ids it may change are throw-away users', never its own login's."""
    admin = logged_in(live_server, ADMIN_EMAIL, ADMIN_PASSWORD)
    victims = [created(admin, "/api/v1/users", {"email": f"victim-{uuid.uuid4().hex[:8]}@example.com",
                                                "password": f"pw-{uuid.uuid4().hex}"})["id"] for _ in range(2)]
    client = admin if request.param == "admin" else logged_in(live_server, USER_EMAIL, USER_PASSWORD)
    return Caller(client, {**server_and_tool(client, pg_server, fuzz_db), "user_id": victims[0]},
                  {**server_and_tool(client, pg_server, fuzz_db), "user_id": victims[1]})


def test_the_fuzzed_document_is_the_live_one(caller: Caller) -> None:
    response = caller.client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert shapes(response.json()) == shapes(DOCUMENT)


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_causes_a_server_error(case: schemathesis.Case, caller: Caller) -> None:
    case.path_parameters = caller.path_parameters(case)
    response = case.call(base_url=f"{caller.client.base_url}/api/v1", session=caller.client.http,
                         headers={"X-CSRFToken": caller.client.csrf_token}, timeout=30)
    case.validate_response(response, checks=[not_a_server_error])


STATE_CHANGING = sorted((method.upper(), path) for path, ops in DOCUMENT["paths"].items() for method in ops
                        if method != "get")


@pytest.mark.parametrize("token", [None, "forged-token"], ids=["no-token", "forged-token"])
def test_every_state_change_without_the_csrf_token_is_refused(caller: Caller, token: str | None) -> None:
    """Every documented non-GET operation, on the caller's real objects: 400 csrf_failed before the view runs."""
    values = {"job_id": 1, "pid": 1, "key": "draft", "role_id": 1, "group_id": 1, **caller.ids}
    headers = {"X-CSRFToken": token} if token else {}
    answers = {}
    for method, path in STATE_CHANGING:
        url = caller.client.base_url + "/api/v1" + path.format(**values)
        response = caller.client.http.request(method, url, json={}, headers=headers, timeout=30)
        answers[f"{method} {path}"] = (response.status_code, response.json()["error"]["code"])
    assert answers == {operation: (400, "csrf_failed") for operation in answers}
    assert caller.client.get(f"/api/v1/servers/{caller.ids['server_id']}").status_code == 200
