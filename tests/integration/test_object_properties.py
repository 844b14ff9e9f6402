"""Curated properties (GET …/objects/properties): every kind in tabs, humanised, PUBLIC named, no catalog codes."""

from __future__ import annotations

import json
import re
from typing import Any

import psycopg
import pytest

from pgadmin_lite.browser.humanize import pretty_size
from tests.plugins import catalog_fixtures as cf
from tests.plugins.catalog_fixtures import CatalogEnv, HostileDb
from tests.plugins.postgres_fixture import PgServer

# What the issue saw in the old panel: catalog ids and one-letter codes.
RAW = re.compile(r'"(oid|classid|relkind|typtype|has_acl|size_bytes)"|"grantee": null')


def curated(env: CatalogEnv, **ref: Any) -> dict[str, Any]:
    result = env.ok("/objects/properties", **ref)
    assert not RAW.search(json.dumps(result)), result
    return result


def tabs(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["label"]: t for t in result["tabs"]}


def general(result: dict[str, Any]) -> dict[str, Any]:
    section = tabs(result)["General"]["sections"][0]
    return {item["label"]: item["value"] for item in section["items"]}


def section(result: dict[str, Any], tab: str, title: str) -> list[dict[str, Any]]:
    """A table section as rows of column → value."""
    found = next(s for s in tabs(result)[tab]["sections"] if s.get("title") == title)
    return [dict(zip(found["columns"], row, strict=True)) for row in found["rows"]]


@pytest.mark.parametrize("size", [0, 8191, 10239, 10240, 8192 * 1024, 123_456_789, 20 * 1024 ** 3 - 1, 7 * 1024 ** 5,
                                  -4096, -10 * 1024 ** 2])
def test_sizes_read_as_pg_size_pretty_writes_them(pg_server: PgServer, size: int) -> None:
    with psycopg.connect(pg_server.conninfo()) as conn:
        expected = conn.execute("SELECT pg_size_pretty(%s::bigint)", [size]).fetchone()[0]  # type: ignore[index]
    assert pretty_size(size) == expected


def test_table_tabs_columns_constraints_indexes_and_grants(catalog_env: CatalogEnv, hostile_db: HostileDb) -> None:
    result = curated(catalog_env, kind="table", db=hostile_db.name, schema=cf.SCHEMA, name=cf.TABLE)
    assert list(tabs(result)) == ["General", "Columns", "Constraints", "Security"]
    info = general(result)
    assert info["Kind"] == "Table" and info["Owner"] and info["Persistence"] == "Logged"
    assert re.fullmatch(r"\d+ (bytes|kB|MB)", info["Total size"]) and info["Row level security"] == "Yes"
    assert info["Comment"] == 'It\'s the "table"' and info["Tablespace"] == "pg_default"
    columns = {c["Name"]: c for c in section(result, "Columns", "Columns")}
    assert columns["select"]["Nullable"] == "No" and columns["select"]["Default"] == "'x''y'::text"
    assert columns["a b"]["Type"] == "numeric(10,2)" and columns["a b"]["Nullable"] == "Yes"
    assert columns["id"]["Primary key"] == "Yes" and columns["ident"]["Default"] == "identity (always)"
    constraints = {c["Name"]: c for c in section(result, "Constraints", "Constraints")}
    assert constraints["uniq select"]["Type"] == "unique" and "EXCLUDE" in constraints["no overlap"]["Definition"]
    indexes = {i["Name"]: i for i in section(result, "Constraints", "Indexes")}
    assert indexes[cf.INDEX]["Unique"] == "No" and re.fullmatch(r"\d+ (bytes|kB)", indexes[cf.INDEX]["Size"])
    grants = section(result, "Security", "Privileges")
    reader = [g for g in grants if g["Grantee"] == hostile_db.role]
    assert reader == [{"Grantee": hostile_db.role, "Privileges": "INSERT, SELECT", "Grantable": "No",
                       "Grantor": info["Owner"]}]
    assert result["values"]["columns"][1] == {"name": "select", "type": "text", "not_null": True,
                                              "default": "'x''y'::text", "is_generated": False}


def test_public_is_named_and_default_privileges_shown(catalog_env: CatalogEnv, hostile_db: HostileDb) -> None:
    """A function nobody granted on: PostgreSQL's defaults, EXECUTE for PUBLIC, named PUBLIC."""
    result = curated(catalog_env, kind="function", db=hostile_db.name, schema=cf.SCHEMA, name=cf.FUNCTION,
                     args="a integer, b integer")
    privileges = section(result, "Security", "Privileges")
    assert {"Grantee": "PUBLIC", "Privileges": "EXECUTE", "Grantable": "No",
            "Grantor": general(result)["Owner"]} in privileges
    assert "defaults" in tabs(result)["Security"]["sections"][0]["note"]
    definition = {i["label"]: i["value"] for i in tabs(result)["Definition"]["sections"][0]["items"]}
    assert definition["Volatility"] == "Immutable" and definition["Language"] == "sql"
    assert definition["Signature"] == f"{cf.SCHEMA}.add(a integer, b integer DEFAULT 1)"
    assert "CREATE OR REPLACE FUNCTION" in tabs(result)["Definition"]["sections"][1]["text"]
    procedure = curated(catalog_env, kind="function", db=hostile_db.name, schema=cf.SCHEMA, name=cf.PROCEDURE,
                        args="IN n integer")
    assert general(procedure)["Kind"] == "Procedure"


@pytest.mark.parametrize(("kind", "name", "kind_label"), [
    ("view", cf.VIEW, "View"), ("materialized_view", cf.MATVIEW, "Materialized view"),
    ("table", cf.PARTITIONED, "Partitioned table"),
    ("table", cf.PARTITIONS[0], f"Partition of {cf.SCHEMA}.measurements"),
    ("type", cf.ENUM, "Enum type"), ("type", cf.COMPOSITE, "Composite type"), ("type", cf.RANGE, "Range type"),
    ("domain", cf.DOMAIN, "Domain")])
def test_schema_kinds_are_labelled(catalog_env: CatalogEnv, hostile_db: HostileDb, kind: str, name: str,
                                   kind_label: str) -> None:
    result = curated(catalog_env, kind=kind, db=hostile_db.name, schema=cf.SCHEMA, name=name)
    assert general(result)["Kind"] == kind_label and result["title"] == kind_label
    if kind in ("view", "materialized_view"):
        assert "SELECT" in tabs(result)["Definition"]["sections"][0]["text"]
        assert "Columns" in tabs(result)
    if name == cf.PARTITIONED:
        parts = section(result, "Constraints", "Partitions")
        assert {p["Name"] for p in parts} == set(cf.PARTITIONS)
    if kind == "type" and name == cf.ENUM:
        assert [r["Label"] for r in section(result, "Definition", "Labels")] == ["sad", "ok", "happy 'quoted'"]
    if kind == "domain":
        assert section(result, "Definition", "Constraints")[0]["Definition"] == "CHECK (VALUE > 0)"


def test_sequence_schema_extension_and_grants_with_grant_option(catalog_env: CatalogEnv,
                                                                 hostile_db: HostileDb) -> None:
    seq = curated(catalog_env, kind="sequence", db=hostile_db.name, schema=cf.SCHEMA, name=cf.SEQUENCE)
    definition = {i["label"]: i["value"] for i in tabs(seq)["Definition"]["sections"][0]["items"]}
    assert definition["Increment"] == 5 and definition["Cycles"] == "Yes" and definition["Data type"] == "bigint"
    assert seq["values"]["increment"] == 5 and seq["values"]["cycle"] is True
    schema = curated(catalog_env, kind="schema", db=hostile_db.name, name=cf.SCHEMA)
    assert {"Grantee": hostile_db.role, "Privileges": "USAGE", "Grantable": "No",
            "Grantor": general(schema)["Owner"]} in section(schema, "Security", "Privileges")
    view = curated(catalog_env, kind="view", db=hostile_db.name, schema=cf.SCHEMA, name=cf.VIEW)
    assert {"Grantee": hostile_db.role, "Privileges": "SELECT", "Grantable": "Yes",
            "Grantor": general(view)["Owner"]} in section(view, "Security", "Privileges")
    if hostile_db.extensions:
        ext = curated(catalog_env, kind="extension", db=hostile_db.name, name=hostile_db.extensions[0])
        assert general(ext)["Schema"] == "public" and general(ext)["Version"]


def test_database_role_and_tablespace(catalog_env: CatalogEnv, hostile_db: HostileDb, pg_server: PgServer) -> None:
    db = curated(catalog_env, kind="database", name=hostile_db.name)
    info = general(db)
    assert re.fullmatch(r"\d+ (kB|MB)", info["Size"]) and info["Connection limit"] == "No limit"
    assert info["Allows connections"] == "Yes" and info["Encoding"] == "UTF8"
    privileges = section(db, "Security", "Privileges")
    assert any(p["Grantee"] == "PUBLIC" and "CONNECT" in p["Privileges"] for p in privileges)
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute(f"ALTER ROLE \"{hostile_db.role}\" VALID UNTIL 'infinity' CONNECTION LIMIT 3")
    role = curated(catalog_env, kind="role", name=hostile_db.role)
    assert list(tabs(role)) == ["General", "Membership"]
    info = general(role)
    assert info["Can log in"] == "No" and info["Connection limit"] == 3
    assert info["Password valid until"] == "never (infinity)"
    space = curated(catalog_env, kind="tablespace", name="pg_default")
    assert re.fullmatch(r"\d+ (kB|MB|GB)", general(space)["Size"])
    assert "pg_default" in catalog_env.ok("/objects/properties", kind="table", db=hostile_db.name, schema=cf.SCHEMA,
                                          name=cf.TABLE)["choices"]["tablespaces"]


def test_sub_objects_show_without_noise(catalog_env: CatalogEnv, hostile_db: HostileDb) -> None:
    ref = {"db": hostile_db.name, "schema": cf.SCHEMA, "table": cf.TABLE}
    for kind, name in (("column", "select"), ("constraint", "uniq select"), ("index", cf.INDEX),
                       ("trigger", cf.TRIGGER), ("policy", cf.POLICY)):
        result = curated(catalog_env, kind=kind, name=name, **ref)
        assert general(result), kind
    event = general(curated(catalog_env, kind="event_trigger", db=hostile_db.name, name=cf.EVENT_TRIGGER))
    assert event["Fires"] == "Enabled" and event["Command tags"] == "CREATE TABLE"
    assert event["Function"] == 'public.evt fn()' and event["Event"] == "ddl_command_end"
    policy = general(curated(catalog_env, kind="policy", name=cf.POLICY, **ref))
    assert policy["Roles"] == "PUBLIC" and policy["Command"] == "SELECT"
    assert general(curated(catalog_env, kind="trigger", name=cf.TRIGGER, **ref))["Fires"] == "Enabled"


def test_missing_object_is_404_and_bad_ref_400(catalog_env: CatalogEnv, hostile_db: HostileDb) -> None:
    missing = catalog_env.get("/objects/properties", kind="table", db=hostile_db.name, schema=cf.SCHEMA, name="nope")
    assert missing.status_code == 404
    assert catalog_env.get("/objects/properties", kind="bogus").status_code == 400
