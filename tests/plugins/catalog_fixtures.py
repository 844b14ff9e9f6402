"""pytest plugin: a database with hostile names and every node kind of the object tree, and an app to browse it.

Names carry quotes, spaces, mixed case, unicode and SQL keywords, so any identifier that reaches SQL
without psycopg.sql quoting breaks a test. The database (and the role it grants to) is built once per
test module and dropped afterwards; tests that change objects work in their own databases.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from psycopg import sql

from pgadmin_lite import create_app
from tests.plugins.app_fixtures import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    USER_EMAIL,
    USER_PASSWORD,
    ApiClient,
    api_client,
    prepare_data_dir,
)
from tests.plugins.postgres_fixture import PgServer
from tests.plugins.query_tool_helpers import register_server

SCHEMA = 'My "Schema"'
TABLE = 'My "Table"'
PARENT = "parent tbl"
VIEW = "select view"
MATVIEW = "mat ü"
SEQUENCE = "Seq ñ"
ENUM = "mood ü"
COMPOSITE = "pair"
RANGE = "floatrange"
DOMAIN = "positive int"
PARTITIONED = "measurements"
PARTITIONS = ("m 2024", "m 2025")
FUNCTION = "add"
PROCEDURE = "do it"
TRIGGER_FUNCTION = "trg fn"
INDEX = 'idx "quoted"'
TRIGGER = "before ins"
POLICY = "own rows"
EVENT_TRIGGER = "evt ü"
WANTED_EXTENSIONS = ("pg_trgm", "citext")

# {s}: the schema, {t}: the table, {i}: the index, {r}: the grantee role (all already quoted).
FIXTURE_SQL = """
CREATE SCHEMA {s};
CREATE TYPE {s}."mood ü" AS ENUM ('sad', 'ok', 'happy ''quoted''');
CREATE TYPE {s}.pair AS ("select" integer, "a b" text);
CREATE TYPE {s}.floatrange AS RANGE (subtype = float8, subtype_diff = float8mi);
CREATE DOMAIN {s}."positive int" AS integer DEFAULT 1 NOT NULL CONSTRAINT "is positive" CHECK (VALUE > 0);
CREATE SEQUENCE {s}."Seq ñ" AS bigint INCREMENT BY 5 MINVALUE 10 MAXVALUE 100000 START WITH 20 CACHE 2 CYCLE;
CREATE TABLE {s}."parent tbl" (id integer PRIMARY KEY, code text UNIQUE);
CREATE TABLE {t} (
    id serial PRIMARY KEY,
    "select" text NOT NULL DEFAULT 'x''y',
    "ñandú ü" integer CHECK ("ñandú ü" > 0),
    "a b" numeric(10,2),
    "Mixed Case" varchar(40) COLLATE "C",
    parent_id integer REFERENCES {s}."parent tbl" (id) ON DELETE CASCADE,
    during tsrange,
    ident bigint GENERATED ALWAYS AS IDENTITY,
    doubled integer GENERATED ALWAYS AS ("ñandú ü" * 2) STORED,
    mood {s}."mood ü",
    CONSTRAINT "uniq select" UNIQUE ("select", "a b"),
    CONSTRAINT "no overlap" EXCLUDE USING gist (during WITH &&)
);
CREATE INDEX {i} ON {t} (lower("select")) WHERE "a b" > 0;
CREATE FUNCTION {s}."trg fn"() RETURNS trigger LANGUAGE plpgsql
    AS $$ BEGIN NEW."select" := upper(NEW."select"); RETURN NEW; END $$;
CREATE TRIGGER "before ins" BEFORE INSERT ON {t} FOR EACH ROW EXECUTE FUNCTION {s}."trg fn"();
ALTER TABLE {t} ENABLE ROW LEVEL SECURITY;
CREATE POLICY "own rows" ON {t} FOR SELECT TO PUBLIC USING ("ñandú ü" > 0);
CREATE TABLE {s}.measurements (id integer, logdate date NOT NULL, v numeric) PARTITION BY RANGE (logdate);
CREATE TABLE {s}."m 2024" PARTITION OF {s}.measurements FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE {s}."m 2025" PARTITION OF {s}.measurements FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE VIEW {s}."select view" AS SELECT id, "select" FROM {t} WHERE id > 0;
CREATE MATERIALIZED VIEW {s}."mat ü" AS SELECT count(*) AS n FROM {t};
CREATE FUNCTION {s}.add(a integer, b integer DEFAULT 1) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT a + b $$;
CREATE FUNCTION {s}.add(a text, b text) RETURNS text LANGUAGE sql AS $$ SELECT a || b $$;
CREATE PROCEDURE {s}."do it"(n integer) LANGUAGE plpgsql AS $$ BEGIN PERFORM n; END $$;
CREATE FUNCTION public."evt fn"() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE EVENT TRIGGER "evt ü" ON ddl_command_end WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION public."evt fn"();
COMMENT ON TABLE {t} IS 'It''s the "table"';
COMMENT ON COLUMN {t}."select" IS 'a keyword';
COMMENT ON VIEW {s}."select view" IS 'a view';
GRANT USAGE ON SCHEMA {s} TO {r};
GRANT SELECT, INSERT ON {t} TO {r};
GRANT SELECT ON {s}."select view" TO {r} WITH GRANT OPTION;
INSERT INTO {s}."parent tbl" VALUES (1, 'one'), (2, 'two');
INSERT INTO {t} ("select", "ñandú ü", "a b", parent_id) VALUES ('a', 1, 1.5, 1), ('b', 2, 2.5, 2);
"""


def quoted(*names: str) -> str:
    """A (qualified) identifier as SQL text, quoted by psycopg."""
    return sql.Identifier(*names).as_string()


def build_hostile_database(conninfo: str, role: str) -> list[str]:
    """Fill an empty database with every node kind; returns the extensions it could install."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(FIXTURE_SQL.format(s=quoted(SCHEMA), t=quoted(SCHEMA, TABLE), i=quoted(INDEX), r=quoted(role)))
        available = {r[0] for r in conn.execute("SELECT name FROM pg_available_extensions")}
        installed = [name for name in WANTED_EXTENSIONS if name in available]
        for name in installed:
            conn.execute(sql.SQL("CREATE EXTENSION {}").format(sql.Identifier(name)))
    return installed


def create_database(pg_server: PgServer, name: str) -> None:
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(pg_server: PgServer, name: str) -> None:
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def drop_role(pg_server: PgServer, name: str) -> None:
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


@dataclass(frozen=True)
class HostileDb:
    """The module's hostile-names database: its name, the grantee role, and the extensions installed."""

    name: str
    role: str
    extensions: list[str]
    conninfo: str


@pytest.fixture(scope="module")
def hostile_db(pg_server: PgServer) -> Iterator[HostileDb]:
    """A database named like trouble, holding every node kind; dropped with its role after the module."""
    tag = uuid.uuid4().hex[:6]
    name, role = f'Hostile "DB" ñ {tag}', f"app reader ü {tag}"
    create_database(pg_server, name)
    try:
        with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE ROLE {}").format(sql.Identifier(role)))
        yield HostileDb(name, role, build_hostile_database(pg_server.conninfo(name), role), pg_server.conninfo(name))
    finally:
        drop_database(pg_server, name)
        drop_role(pg_server, role)


@dataclass
class CatalogEnv:
    """One app for a module: an admin who registered the test server, and a plain user who did not."""

    app: Flask
    admin: ApiClient
    user: ApiClient
    server_id: int

    def base(self) -> str:
        return f"/api/v1/servers/{self.server_id}"

    def get(self, path: str, client: ApiClient | None = None, **params: Any) -> Any:
        return (client or self.admin).get(f"{self.base()}{path}", query_string=params)

    def ok(self, path: str, **params: Any) -> Any:
        """GET that must succeed: the JSON body."""
        response = self.get(path, **params)
        assert response.status_code == 200, (path, params, response.get_json())
        return response.get_json()

    def send(self, method: str, path: str, body: dict[str, Any], client: ApiClient | None = None) -> Any:
        return getattr(client or self.admin, method)(f"{self.base()}{path}", json=body)


@pytest.fixture(scope="module")
def catalog_env(tmp_path_factory: pytest.TempPathFactory, pg_server: PgServer) -> CatalogEnv:
    """A module-wide app (CSRF on) with the session PostgreSQL registered by the admin."""
    data_dir: Path = tmp_path_factory.mktemp("catalog") / "data"
    app = create_app(prepare_data_dir(data_dir))
    admin = api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD)
    user = api_client(app, USER_EMAIL, USER_PASSWORD)
    return CatalogEnv(app, admin, user, register_server(admin, pg_server, "postgres"))


@pytest.fixture
def scratch_db(pg_server: PgServer) -> Iterator[Callable[[str], str]]:
    """Make fresh databases on demand (named with a hostile prefix); all dropped after the test."""
    made: list[str] = []

    def make(prefix: str = "scratch") -> str:
        name = f'{prefix} "ü" {uuid.uuid4().hex[:8]}'
        create_database(pg_server, name)
        made.append(name)
        return name

    yield make
    for name in made:
        drop_database(pg_server, name)
