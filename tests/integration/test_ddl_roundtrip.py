"""The SQL tab round trip: the generated DDL, run in a fresh database, recreates an equivalent object.

Equivalence is judged through the catalogs (format_type, pg_get_expr, pg_get_constraintdef, pg_get_indexdef,
pg_get_triggerdef, pg_get_viewdef, pg_get_functiondef, ACLs, comments), not by comparing DDL text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
import pytest

from tests.plugins import catalog_fixtures as cf
from tests.plugins.catalog_fixtures import CatalogEnv, HostileDb
from tests.plugins.postgres_fixture import PgServer

RELATION_FACTS = """
SELECT json_build_object(
  'kind', c.relkind, 'owner', pg_get_userbyid(c.relowner), 'acl', c.relacl::text,
  'comment', obj_description(c.oid, 'pg_class'), 'rls', c.relrowsecurity, 'options', c.reloptions,
  'partition_key', pg_get_partkeydef(c.oid), 'bound', pg_get_expr(c.relpartbound, c.oid),
  'view', pg_get_viewdef(c.oid, true),
  'columns', (SELECT json_agg(json_build_array(a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                  pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated, a.attcollation::regcollation::text,
                  col_description(c.oid, a.attnum)) ORDER BY a.attnum)
              FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
  'constraints', (SELECT json_object_agg(conname, pg_get_constraintdef(oid)) FROM pg_constraint
                  WHERE conrelid = c.oid),
  'indexes', (SELECT json_object_agg(ic.relname, pg_get_indexdef(i.indexrelid))
              FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid WHERE i.indrelid = c.oid),
  'triggers', (SELECT json_object_agg(tgname, pg_get_triggerdef(oid)) FROM pg_trigger
               WHERE tgrelid = c.oid AND NOT tgisinternal),
  'policies', (SELECT json_object_agg(polname, json_build_array(polcmd, polpermissive, polroles::text,
                  pg_get_expr(polqual, polrelid), pg_get_expr(polwithcheck, polrelid)))
               FROM pg_policy WHERE polrelid = c.oid))
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s AND c.relname = %s
"""
FUNCTION_FACTS = """
SELECT json_object_agg(pg_get_function_identity_arguments(p.oid), json_build_array(
         pg_get_functiondef(p.oid), pg_get_userbyid(p.proowner), p.proacl::text, obj_description(p.oid, 'pg_proc')))
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %s AND p.proname = %s
"""
SEQUENCE_FACTS = """
SELECT json_build_array(s.seqtypid::regtype::text, s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache,
                        s.seqcycle, pg_get_userbyid(c.relowner))
FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s AND c.relname = %s
"""
TYPE_FACTS = """
SELECT json_build_array(t.typtype, pg_get_userbyid(t.typowner), format_type(t.typbasetype, t.typtypmod),
         t.typnotnull, t.typdefault,
         (SELECT json_agg(enumlabel ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = t.oid),
         (SELECT json_agg(json_build_array(attname, format_type(atttypid, atttypmod)) ORDER BY attnum)
          FROM pg_attribute WHERE attrelid = t.typrelid AND attnum > 0),
         (SELECT json_build_array(format_type(rngsubtype, NULL), rngsubdiff::regproc::text)
          FROM pg_range WHERE rngtypid = t.oid),
         (SELECT json_object_agg(conname, pg_get_constraintdef(oid)) FROM pg_constraint WHERE contypid = t.oid))
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = %s AND t.typname = %s
"""
Restore = Callable[..., str]


def facts(conninfo: str, query: str, *names: str) -> Any:
    with psycopg.connect(conninfo) as conn:
        row = conn.execute(query, names).fetchone()
    assert row is not None and row[0] is not None, names
    return row[0]


def ddl(env: CatalogEnv, **ref: Any) -> str:
    return env.ok("/objects/sql", **ref)["sql"]


@pytest.fixture
def restore(catalog_env: CatalogEnv, hostile_db: HostileDb, pg_server: PgServer,
            scratch_db: Callable[[str], str]) -> Restore:
    """Run the SQL tab of each ref (schema-level refs in the hostile schema) in a fresh database."""

    def run(*refs: dict[str, Any]) -> str:
        fresh = pg_server.conninfo(scratch_db("replica"))
        scripts = [ddl(catalog_env, kind="schema", db=hostile_db.name, name=cf.SCHEMA)]
        scripts += [ddl(catalog_env, db=hostile_db.name, schema=cf.SCHEMA, **ref) for ref in refs]
        with psycopg.connect(fresh, autocommit=True) as conn:
            for script in scripts:
                conn.execute(script)
        return fresh

    return run


ENUM = {"kind": "type", "name": cf.ENUM}
TRIGGER_FUNCTION = {"kind": "function", "name": cf.TRIGGER_FUNCTION, "args": ""}
PARENT = {"kind": "table", "name": cf.PARENT}
TABLE = {"kind": "table", "name": cf.TABLE}


def test_table_round_trip(restore: Restore, hostile_db: HostileDb) -> None:
    """Columns (types, defaults, identity, generated, collation), all constraint kinds, indexes, trigger, policy,
    row security, owner, comments and grants."""
    fresh = restore(ENUM, TRIGGER_FUNCTION, PARENT, TABLE)
    original = facts(hostile_db.conninfo, RELATION_FACTS, cf.SCHEMA, cf.TABLE)
    assert facts(fresh, RELATION_FACTS, cf.SCHEMA, cf.TABLE) == original
    assert len(original["constraints"]) == 5 and original["policies"] and original["acl"]
    assert facts(fresh, RELATION_FACTS, cf.SCHEMA, cf.PARENT) == facts(hostile_db.conninfo, RELATION_FACTS,
                                                                       cf.SCHEMA, cf.PARENT)


def test_partitioned_table_round_trip(restore: Restore, hostile_db: HostileDb) -> None:
    fresh = restore({"kind": "table", "name": cf.PARTITIONED},
                    *({"kind": "table", "name": p} for p in cf.PARTITIONS))
    for name in (cf.PARTITIONED, *cf.PARTITIONS):
        assert facts(fresh, RELATION_FACTS, cf.SCHEMA, name) == facts(hostile_db.conninfo, RELATION_FACTS,
                                                                      cf.SCHEMA, name)


@pytest.mark.parametrize("kind", ["view", "materialized_view"])
def test_view_round_trip(restore: Restore, hostile_db: HostileDb, kind: str) -> None:
    name = cf.VIEW if kind == "view" else cf.MATVIEW
    fresh = restore(ENUM, TRIGGER_FUNCTION, PARENT, TABLE, {"kind": kind, "name": name})
    original = facts(hostile_db.conninfo, RELATION_FACTS, cf.SCHEMA, name)
    assert facts(fresh, RELATION_FACTS, cf.SCHEMA, name) == original
    assert original["view"]


def test_function_and_procedure_round_trip(restore: Restore, hostile_db: HostileDb) -> None:
    fresh = restore({"kind": "function", "name": cf.FUNCTION, "args": "a integer, b integer"},
                    {"kind": "function", "name": cf.FUNCTION, "args": "a text, b text"},
                    {"kind": "function", "name": cf.PROCEDURE, "args": "IN n integer"})
    for name in (cf.FUNCTION, cf.PROCEDURE):
        assert facts(fresh, FUNCTION_FACTS, cf.SCHEMA, name) == facts(hostile_db.conninfo, FUNCTION_FACTS,
                                                                      cf.SCHEMA, name)


def test_sequence_round_trip(restore: Restore, hostile_db: HostileDb) -> None:
    fresh = restore({"kind": "sequence", "name": cf.SEQUENCE})
    original = facts(hostile_db.conninfo, SEQUENCE_FACTS, cf.SCHEMA, cf.SEQUENCE)
    assert facts(fresh, SEQUENCE_FACTS, cf.SCHEMA, cf.SEQUENCE) == original
    assert original[:7] == ["bigint", 20, 5, 10, 100000, 2, True]


def test_types_and_domain_round_trip(restore: Restore, hostile_db: HostileDb) -> None:
    names = {"type": (cf.ENUM, cf.COMPOSITE, cf.RANGE), "domain": (cf.DOMAIN,)}
    fresh = restore(*({"kind": kind, "name": n} for kind, group in names.items() for n in group))
    for group in names.values():
        for name in group:
            assert facts(fresh, TYPE_FACTS, cf.SCHEMA, name) == facts(hostile_db.conninfo, TYPE_FACTS,
                                                                      cf.SCHEMA, name), name


def test_sub_object_scripts_recreate_what_was_dropped(catalog_env: CatalogEnv, hostile_db: HostileDb,
                                                     pg_server: PgServer, scratch_db: Callable[[str], str]) -> None:
    """Column, constraint, index, trigger and policy scripts re-add each piece to a table restored without it."""
    fresh = pg_server.conninfo(scratch_db("pieces"))
    table = {"db": hostile_db.name, "schema": cf.SCHEMA, "table": cf.TABLE}
    pieces = [{"kind": "column", "name": "Mixed Case"}, {"kind": "constraint", "name": "uniq select"},
              {"kind": "trigger", "name": cf.TRIGGER}, {"kind": "policy", "name": cf.POLICY}]
    scripts = [ddl(catalog_env, kind="schema", db=hostile_db.name, name=cf.SCHEMA)]
    scripts += [ddl(catalog_env, db=hostile_db.name, schema=cf.SCHEMA, **r) for r in (ENUM, TRIGGER_FUNCTION, PARENT,
                                                                                      TABLE)]
    with psycopg.connect(fresh, autocommit=True) as conn:
        for script in scripts:
            conn.execute(script)
        conn.execute(f'ALTER TABLE "My ""Schema"""."My ""Table""" DROP COLUMN "Mixed Case", '
                     f'DROP CONSTRAINT "uniq select"; DROP INDEX "My ""Schema""".{cf.quoted(cf.INDEX)}; '
                     f'DROP TRIGGER "{cf.TRIGGER}" ON "My ""Schema"""."My ""Table"""; '
                     f'DROP POLICY "{cf.POLICY}" ON "My ""Schema"""."My ""Table"""')
        for piece in pieces:
            conn.execute(ddl(catalog_env, **table, **piece))
        conn.execute(ddl(catalog_env, kind="index", db=hostile_db.name, schema=cf.SCHEMA, name=cf.INDEX))
    restored = facts(fresh, RELATION_FACTS, cf.SCHEMA, cf.TABLE)
    original = facts(hostile_db.conninfo, RELATION_FACTS, cf.SCHEMA, cf.TABLE)
    for key in ("constraints", "indexes", "triggers", "policies"):
        assert restored[key] == original[key], key
    assert {c[0] for c in restored["columns"]} == {c[0] for c in original["columns"]}
