"""The object tree API on a database of hostile names: every node kind, refs, search, paging, access, timeouts."""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg
import pytest
from psycopg import sql

from tests.plugins import catalog_fixtures as cf
from tests.plugins.catalog_fixtures import CatalogEnv, HostileDb


def expand(env: CatalogEnv, **ref: Any) -> dict[str, Any]:
    return env.ok("/tree", **ref)


def items(env: CatalogEnv, **ref: Any) -> dict[str, dict[str, Any]]:
    """The items of a node, by label."""
    return {item["label"]: item for item in expand(env, **ref)["items"]}


def test_server_node_has_databases_roles_and_tablespaces(catalog_env: CatalogEnv, hostile_db: HostileDb) -> None:
    root = items(catalog_env, kind="server")
    assert list(root) == ["Databases", "Login/Group Roles", "Tablespaces"]
    assert all(node["is_collection"] and node["info"]["count"] >= 1 for node in root.values())
    databases = items(catalog_env, **root["Databases"]["ref"])
    mine = databases[hostile_db.name]
    assert mine["ref"] == {"kind": "database", "name": hostile_db.name} and mine["has_children"]
    assert {"owner", "encoding", "collation", "size_bytes"} <= set(mine["info"])
    assert mine["info"]["owner"] == "postgres" and mine["info"]["size_bytes"] > 0
    assert "template0" not in databases
    assert "template0" in items(catalog_env, kind="databases", system="true")
    roles = items(catalog_env, kind="roles")
    assert roles[hostile_db.role]["info"]["role_type"] == "group"
    assert roles["postgres"]["info"]["role_type"] == "login" and roles["postgres"]["info"]["is_superuser"]
    assert not any(name.startswith("pg_") for name in roles)
    assert "pg_signal_backend" in items(catalog_env, kind="roles", system="true")
    assert {"pg_default", "pg_global"} <= set(items(catalog_env, kind="tablespaces"))


def test_database_node_has_schemas_extensions_and_event_triggers(catalog_env: CatalogEnv,
                                                                 hostile_db: HostileDb) -> None:
    db = hostile_db.name
    node = items(catalog_env, kind="database", name=db)
    assert list(node) == ["Schemas", "Extensions", "Event Triggers"]
    schemas = items(catalog_env, **node["Schemas"]["ref"])
    assert set(schemas) == {cf.SCHEMA, "public"}
    assert schemas[cf.SCHEMA]["ref"] == {"kind": "schema", "db": db, "name": cf.SCHEMA}
    assert {"pg_catalog", "information_schema"} <= set(items(catalog_env, kind="schemas", db=db, system="1"))
    extensions = items(catalog_env, kind="extensions", db=db)
    assert {"plpgsql", *hostile_db.extensions} <= set(extensions)
    assert extensions["plpgsql"]["info"]["version"]
    triggers = items(catalog_env, kind="event_triggers", db=db)
    assert triggers[cf.EVENT_TRIGGER]["info"]["event"] == "ddl_command_end"
    assert triggers[cf.EVENT_TRIGGER]["info"]["tags"] == ["CREATE TABLE"]


def test_schema_node_lists_every_kind(catalog_env: CatalogEnv, hostile_db: HostileDb) -> None:
    db, schema = hostile_db.name, cf.SCHEMA
    node = items(catalog_env, kind="schema", db=db, name=schema)
    assert list(node) == ["Tables", "Views", "Materialized Views", "Functions", "Sequences", "Types", "Domains"]
    assert node["Tables"]["info"]["count"] == 3  # partitions appear under their parent
    tables = items(catalog_env, kind="tables", db=db, schema=schema)
    assert set(tables) == {cf.TABLE, cf.PARENT, cf.PARTITIONED}
    assert tables[cf.PARTITIONED]["info"]["is_partitioned"] and tables[cf.TABLE]["info"]["has_row_security"]
    assert tables[cf.TABLE]["info"]["comment"] == 'It\'s the "table"'
    assert set(items(catalog_env, kind="views", db=db, schema=schema)) == {cf.VIEW}
    assert set(items(catalog_env, kind="materialized_views", db=db, schema=schema)) == {cf.MATVIEW}
    functions = items(catalog_env, kind="functions", db=db, schema=schema)
    assert {"add(a integer, b integer)", "add(a text, b text)", "do it(IN n integer)", "trg fn()"} <= set(functions)
    assert functions["do it(IN n integer)"]["info"]["function_kind"] == "procedure"
    assert functions["add(a text, b text)"]["ref"]["args"] == "a text, b text"
    assert cf.SEQUENCE in items(catalog_env, kind="sequences", db=db, schema=schema)
    types = items(catalog_env, kind="types", db=db, schema=schema)
    assert {name: t["info"]["type_kind"] for name, t in types.items()} == {
        cf.ENUM: "enum", cf.COMPOSITE: "composite", cf.RANGE: "range"}
    domains = items(catalog_env, kind="domains", db=db, schema=schema)
    assert domains[cf.DOMAIN]["info"]["base_type"] == "integer" and domains[cf.DOMAIN]["info"]["not_null"]


def test_table_node_lists_columns_constraints_indexes_triggers_policies(catalog_env: CatalogEnv,
                                                                        hostile_db: HostileDb) -> None:
    ref = {"db": hostile_db.name, "schema": cf.SCHEMA, "table": cf.TABLE}
    node = items(catalog_env, kind="table", db=hostile_db.name, schema=cf.SCHEMA, name=cf.TABLE)
    assert list(node) == ["Columns", "Constraints", "Indexes", "Triggers", "RLS Policies"]
    columns = expand(catalog_env, kind="columns", **ref)["items"]
    assert [c["name"] for c in columns][:5] == ["id", "select", "ñandú ü", "a b", "Mixed Case"]
    by_name = {c["name"]: c["info"] for c in columns}
    assert by_name["id"]["is_primary_key"] and by_name["id"]["default"].startswith("nextval(")
    assert by_name["a b"]["data_type"] == "numeric(10,2)" and by_name["select"]["not_null"]
    assert by_name["ident"]["identity"] == "always" and by_name["doubled"]["generated"]
    listed = expand(catalog_env, kind="constraints", **ref)["items"]
    constraints = {c["name"]: c["info"]["constraint_type"] for c in listed}
    assert sorted(constraints.values()) == ["check", "exclusion", "foreign key", "primary key", "unique"]
    assert constraints["no overlap"] == "exclusion" and constraints["uniq select"] == "unique"
    indexes = items(catalog_env, kind="indexes", **ref)
    assert indexes[cf.INDEX]["info"]["constraint_name"] is None and "lower" in indexes[cf.INDEX]["info"]["definition"]
    assert indexes[cf.INDEX]["ref"] == {"kind": "index", "db": hostile_db.name, "schema": cf.SCHEMA,
                                        "name": cf.INDEX, "table": cf.TABLE}
    triggers = items(catalog_env, kind="triggers", **ref)
    assert list(triggers) == [cf.TRIGGER] and triggers[cf.TRIGGER]["info"]["enabled"] == "origin"
    policies = items(catalog_env, kind="policies", **ref)
    assert policies[cf.POLICY]["info"]["command"] == "SELECT" and policies[cf.POLICY]["info"]["roles"] == [None]


def test_partitioned_table_lists_its_partitions(catalog_env: CatalogEnv, hostile_db: HostileDb) -> None:
    node = items(catalog_env, kind="table", db=hostile_db.name, schema=cf.SCHEMA, name=cf.PARTITIONED)
    assert node["Partitions"]["info"]["count"] == 2
    parts = items(catalog_env, **node["Partitions"]["ref"])
    assert set(parts) == set(cf.PARTITIONS)
    assert parts["m 2024"]["kind"] == "table" and parts["m 2024"]["ref"]["schema"] == cf.SCHEMA
    assert parts["m 2024"]["info"]["bound"] == "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"


def _walk(env: CatalogEnv, ref: dict[str, Any], depth: int = 0) -> list[dict[str, Any]]:
    """Every item under a node, expanding what has children (collections of the hostile schema only)."""
    found = []
    for item in expand(env, **ref)["items"]:
        skip = item["kind"] in ("database", "schema") and item["name"] not in (ref.get("name"), ref.get("db"),
                                                                                  cf.SCHEMA, "public")
        if not item.get("is_collection"):
            found.append(item)
        if item["has_children"] and not skip and depth < 6:
            found += _walk(env, item["ref"], depth + 1)
    return found


def test_every_tree_item_ref_opens_properties_sql_and_dependencies(catalog_env: CatalogEnv,
                                                                   hostile_db: HostileDb) -> None:
    found = _walk(catalog_env, {"kind": "database", "name": hostile_db.name})
    kinds = {item["kind"] for item in found}
    assert kinds >= {"schema", "extension", "event_trigger", "table", "view", "materialized_view", "function",
                     "sequence", "type", "domain", "column", "constraint", "index", "trigger", "policy"}
    for item in found:
        props = catalog_env.ok("/objects", **item["ref"])
        assert props["name"] == item["name"] and props["properties"], item
        assert catalog_env.ok("/objects/sql", **item["ref"])["sql"].endswith(";\n"), item
        deps = catalog_env.ok("/objects/dependencies", **item["ref"])
        assert isinstance(deps["dependencies"], list) and isinstance(deps["dependents"], list)


def test_statistics_and_dependencies_of_a_table(catalog_env: CatalogEnv, hostile_db: HostileDb) -> None:
    ref = {"kind": "table", "db": hostile_db.name, "schema": cf.SCHEMA, "name": cf.TABLE}
    stats = catalog_env.ok("/objects/stats", **ref)["stats"]
    assert stats["total_bytes"] >= stats["table_bytes"] > 0 and stats["live_tuples"] == 2
    assert {"seq_scan", "idx_scan", "last_vacuum", "last_autoanalyze", "dead_tuples"} <= set(stats)
    deps = catalog_env.ok("/objects/dependencies", **ref)
    assert any(d["type"] == "schema" for d in deps["dependencies"])
    dependents = {d["object"] for d in deps["dependents"]}
    assert any(o.startswith("view ") for o in dependents) and any(o.startswith("materialized view") for o in dependents)
    db_stats = catalog_env.ok("/objects/stats", kind="database", name=hostile_db.name)["stats"]
    assert db_stats["size_bytes"] > 0 and db_stats["xact_commit"] > 0
    assert catalog_env.ok("/objects/stats", kind="schema", db=hostile_db.name, name=cf.SCHEMA)["stats"] is None


def test_search_is_literal_and_pages_report_total(catalog_env: CatalogEnv, hostile_db: HostileDb) -> None:
    ref = {"kind": "tables", "db": hostile_db.name, "schema": cf.SCHEMA}
    assert [i["name"] for i in expand(catalog_env, **ref, q='"T')["items"]] == [cf.TABLE]
    assert expand(catalog_env, **ref, q="%")["total"] == 0  # wildcards in q are literal characters
    assert expand(catalog_env, **ref, q="_")["total"] == 0
    page = expand(catalog_env, **ref, limit=1, offset=1)
    assert page["total"] == 3 and len(page["items"]) == 1 and page["truncated"]
    last = expand(catalog_env, **ref, limit=2, offset=2)
    assert last["total"] == 3 and len(last["items"]) == 1 and not last["truncated"]
    past = expand(catalog_env, **ref, offset=10)
    assert past["total"] == 3 and past["items"] == []


@pytest.mark.parametrize(("params", "status"), [
    ({"kind": "tables", "db": "x"}, 400),  # a schema collection needs schema
    ({"kind": "nonsense"}, 400),
    ({"kind": "tables", "schema": "s"}, 400),
    ({"kind": "server", "limit": "0"}, 400),
    ({"kind": "function", "db": "d", "schema": "s"}, 400),  # an object ref needs its name
])
def test_bad_refs_are_400(catalog_env: CatalogEnv, params: dict[str, Any], status: int) -> None:
    response = catalog_env.get("/tree" if params["kind"] != "function" else "/objects", **params)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["code"] == "bad_request"


def test_missing_objects_are_404(catalog_env: CatalogEnv, hostile_db: HostileDb) -> None:
    missing = catalog_env.get("/objects", kind="table", db=hostile_db.name, schema=cf.SCHEMA, name="nope")
    assert missing.status_code == 404 and "refresh" in missing.get_json()["error"]["hint"].lower()
    no_db = catalog_env.get("/tree", kind="schemas", db="no such db ü")
    assert no_db.status_code == 404 and "no such db" in no_db.get_json()["error"]["message"]
    overload = catalog_env.get("/objects", kind="function", db=hostile_db.name, schema=cf.SCHEMA, name="add",
                               args="a numeric")
    assert overload.status_code == 404


def test_another_user_cannot_use_the_server(catalog_env: CatalogEnv, hostile_db: HostileDb) -> None:
    user = catalog_env.user
    table = {"kind": "table", "db": hostile_db.name, "schema": cf.SCHEMA, "name": cf.TABLE}
    for path, params in (("/tree", {"kind": "server"}), ("/objects", table), ("/objects/sql", table),
                         ("/rows", {"db": hostile_db.name, "schema": cf.SCHEMA, "name": cf.TABLE}),
                         ("/dashboard/sessions", {})):
        response = catalog_env.get(path, client=user, **params)
        assert response.status_code == 404, path
    changed = catalog_env.send("post", "/objects", {"kind": "schema", "db": hostile_db.name, "name": "x"}, user)
    assert changed.status_code == 404


def test_a_locked_table_times_out_its_statistics_but_never_the_tree(catalog_env: CatalogEnv,
                                                                   hostile_db: HostileDb) -> None:
    """A catalog call that waits on a lock is cancelled by the statement timeout; listing never waits."""
    table = sql.Identifier(cf.SCHEMA, cf.PARENT)
    locked, release = threading.Event(), threading.Event()

    def hold_lock() -> None:
        with psycopg.connect(hostile_db.conninfo) as conn:
            conn.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(table))
            locked.set()
            release.wait(10)

    holder = threading.Thread(target=hold_lock)
    holder.start()
    catalog_env.app.config["CATALOG_STATEMENT_TIMEOUT_MS"] = 300
    try:
        assert locked.wait(5)
        started = time.monotonic()
        listing = expand(catalog_env, kind="tables", db=hostile_db.name, schema=cf.SCHEMA)
        assert cf.PARENT in {i["name"] for i in listing["items"]}
        stats = catalog_env.get("/objects/stats", kind="table", db=hostile_db.name, schema=cf.SCHEMA, name=cf.PARENT)
        assert stats.status_code == 504, stats.get_json()
        error = stats.get_json()["error"]
        assert error["code"] == "statement_timeout" and "CATALOG_STATEMENT_TIMEOUT_MS" in error["hint"]
        assert time.monotonic() - started < 3
    finally:
        catalog_env.app.config["CATALOG_STATEMENT_TIMEOUT_MS"] = 10000
        release.set()
        holder.join()


def test_changes_need_the_csrf_token(catalog_env: CatalogEnv, hostile_db: HostileDb) -> None:
    body = {"kind": "schema", "db": hostile_db.name, "name": "csrf probe", "preview": True}
    for method in ("post", "patch"):
        response = catalog_env.admin.client.open(f"{catalog_env.base()}/objects", method=method.upper(), json=body)
        assert response.status_code == 400 and response.get_json()["error"]["code"] == "csrf_failed"
    cancel = catalog_env.admin.client.post(f"{catalog_env.base()}/dashboard/sessions/1/cancel")
    assert cancel.status_code == 400
