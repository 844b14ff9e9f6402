"""OpenAPI schemas of the object-browser endpoints (registered with web.openapi by endpoint name)."""

from __future__ import annotations

from typing import Any

from pgadmin_lite.browser.data import OPS
from pgadmin_lite.browser.refs import COLLECTIONS, KINDS

STRING = {"type": "string"}
BOOLEAN = {"type": "boolean"}
STRINGS = {"type": "array", "items": STRING}
REF_PROPERTIES: dict[str, Any] = {
    "kind": STRING, "db": STRING, "schema": STRING, "table": STRING, "name": STRING,
    "args": {"type": "string", "description": "a function's identity arguments, as the tree listed them"}}
REF = {"type": "object", "required": ["kind"], "properties": REF_PROPERTIES}
TREE = {"type": "object", "properties": {
    "items": {"type": "array", "items": {"type": "object", "required": ["kind", "name", "label", "has_children", "ref"],
                                         "properties": {"kind": STRING, "name": STRING, "label": STRING,
                                                        "oid": {"type": "integer"}, "has_children": BOOLEAN,
                                                        "is_collection": BOOLEAN, "ref": REF,
                                                        "info": {"type": "object"}}}},
    "total": {"type": "integer"}, "truncated": BOOLEAN, "offset": {"type": "integer"}, "limit": {"type": "integer"}}}
CHANGE_RESULT = {"type": "object", "required": ["sql", "statements", "applied"], "properties": {
    "sql": {"type": "string", "description": "the statements as one script (passwords shown as '********')"},
    "statements": STRINGS, "applied": {"type": "boolean", "description": "false for a preview"},
    "outside_transaction": {"type": "array", "items": {"type": "integer"}, "description":
                            "indexes of the statements PostgreSQL runs only outside a transaction: each runs "
                            "(and commits) alone, after the others' one transaction"},
    "ref": REF, "notes": STRINGS}}
COLUMN_SPEC = {"type": "object", "required": ["name", "type"], "properties": {
    "name": STRING, "type": STRING, "default": {"type": "string", "description": "an SQL expression"},
    "not_null": BOOLEAN, "primary_key": BOOLEAN}}
CREATE_BODY = {"type": "object", "required": ["kind", "name"], "properties": {
    **REF_PROPERTIES, "kind": {"enum": ["database", "role", "schema", "table", "index"]}, "preview": BOOLEAN,
    "owner": STRING, "comment": STRING, "template": STRING, "encoding": STRING, "locale": STRING,
    "lc_collate": STRING, "lc_ctype": STRING, "tablespace": STRING, "connection_limit": {"type": "integer"},
    "allow_connections": BOOLEAN, "is_template": BOOLEAN, "login": BOOLEAN,
    "password": {"type": ["string", "null"], "writeOnly": True}, "superuser": BOOLEAN, "createdb": BOOLEAN,
    "createrole": BOOLEAN, "inherit": BOOLEAN, "replication": BOOLEAN, "bypassrls": BOOLEAN,
    "valid_until": {"type": ["string", "null"]}, "member_of": STRINGS,
    "columns": {"type": "array", "items": {"oneOf": [COLUMN_SPEC, STRING, {"type": "object", "properties": {
        "name": STRING, "descending": BOOLEAN, "nulls": {"enum": ["first", "last"]}}}]}},
    "primary_key": STRINGS, "unlogged": BOOLEAN, "unique": BOOLEAN, "method": STRING, "include": STRINGS,
    "concurrently": BOOLEAN}}
INTEGER = {"type": "integer"}
CONSTRAINT_SPEC = {"type": "object", "required": ["type"], "properties": {
    "name": STRING, "type": {"enum": ["check", "unique", "primary_key", "foreign_key"]}, "columns": STRINGS,
    "expression": {"type": "string", "description": "a check's condition"},
    "references": {"type": "object", "properties": {"schema": STRING, "table": STRING, "columns": STRINGS}},
    "on_delete": {"enum": ["no action", "restrict", "cascade", "set null", "set default"]}}}
PRIVILEGE_SPEC = {"type": "object", "required": ["grantee", "privileges"], "properties": {
    "grantee": {"type": "string", "description": "a role, or PUBLIC"},
    "privileges": {"type": "array", "items": STRING, "description": "ALL, or e.g. SELECT, INSERT"},
    "grantable": BOOLEAN}}
SECTION = {"type": "object", "required": ["type"], "properties": {
    "type": {"enum": ["fields", "table", "code"]}, "title": STRING, "note": STRING, "empty": STRING,
    "items": {"type": "array", "items": {"type": "object", "properties": {"label": STRING, "value": {}}}},
    "columns": STRINGS, "rows": {"type": "array", "items": {"type": "array"}}, "text": STRING}}
CURATED = {"type": "object", "required": ["ref", "kind", "title", "tabs", "values", "choices"], "properties": {
    "ref": REF, "kind": STRING, "name": STRING, "title": {"type": "string", "description": "e.g. Table, Domain"},
    "tabs": {"type": "array", "items": {"type": "object", "properties": {
        "id": {"enum": ["general", "definition", "columns", "constraints", "membership", "security"]},
        "label": STRING, "sections": {"type": "array", "items": SECTION}}}},
    "values": {"type": "object", "description": "current settings an alter dialog starts from (never a password)"},
    "choices": {"type": "object", "properties": {"roles": STRINGS, "all_roles": STRINGS, "schemas": STRINGS,
                                                 "tablespaces": STRINGS}}}}
ALTER_BODY = {"type": "object", "required": ["kind"], "properties": {
    **{k: v for k, v in CREATE_BODY["properties"].items() if k not in ("columns", "primary_key", "unique")},
    "kind": STRING, "add_columns": {"type": "array", "items": COLUMN_SPEC},
    "alter_columns": {"type": "array", "items": {"type": "object", "required": ["name"], "properties": {
        "name": STRING, "type": STRING, "default": {"type": ["string", "null"]}, "not_null": BOOLEAN}}},
    "drop_columns": STRINGS, "new_name": STRING,
    "new_schema": {"type": "string", "description": "SET SCHEMA (tables, views, sequences, functions, types…)"},
    "add_constraints": {"type": "array", "items": CONSTRAINT_SPEC}, "drop_constraints": STRINGS,
    "increment": INTEGER, "min_value": {"type": ["integer", "null"]}, "max_value": {"type": ["integer", "null"]},
    "start": INTEGER, "restart": {"type": ["integer", "boolean"], "description": "true: at its start value"},
    "cache": INTEGER, "cycle": BOOLEAN, "volatility": {"enum": ["immutable", "stable", "volatile"]},
    "is_strict": BOOLEAN, "security_definer": BOOLEAN, "cost": {"type": "number"},
    "type": {"type": "string", "description": "a column's new type"},
    "default": {"type": ["string", "null"], "description": "a column's default expression (null drops it)"},
    "not_null": BOOLEAN,
    "grant": {"type": "array", "items": PRIVILEGE_SPEC}, "revoke": {"type": "array", "items": PRIVILEGE_SPEC}}}
RENAME_BODY = {"type": "object", "required": ["kind", "new_name"],
               "properties": {**REF_PROPERTIES, "new_name": STRING, "preview": BOOLEAN}}
COMMENT_BODY = {"type": "object", "required": ["kind", "comment"],
                "properties": {**REF_PROPERTIES, "comment": {"type": ["string", "null"]}, "preview": BOOLEAN}}
DROP_BODY = {"type": "object", "required": ["kind"],
             "properties": {**REF_PROPERTIES, "cascade": BOOLEAN, "preview": BOOLEAN}}
DROP_IMPACT = {"type": "object", "properties": {
    "ref": REF, "sql": STRING, "cascade_sql": {"type": ["string", "null"]}, "requires_cascade": BOOLEAN,
    "cascades_to": STRINGS, "blocked_by": {"type": ["array", "null"], "items": STRING}, "note": STRING}}
ROWS = {"type": "object", "properties": {
    "columns": {"type": "array", "items": {"type": "object", "properties": {
        "name": STRING, "type": STRING, "is_key": BOOLEAN}}},
    "rows": {"type": "array", "items": {"type": "array"}}, "has_more": BOOLEAN, "offset": {"type": "integer"},
    "limit": {"type": "integer"}, "key_columns": STRINGS, "is_editable": BOOLEAN,
    "read_only_reason": {"type": ["string", "null"]}, "estimated_total": {"type": ["integer", "null"]}}}
ROW_CHANGES = {"type": "object", "required": ["changes"], "properties": {
    **REF_PROPERTIES, "preview": BOOLEAN,
    "changes": {"type": "array", "items": {"type": "object", "required": ["op"], "properties": {
        "op": {"enum": ["insert", "update", "delete"]}, "key": {"type": "object"}, "values": {"type": "object"}}}}}}
ROW_CHANGES_RESULT = {"type": "object", "properties": {
    **CHANGE_RESULT["properties"], "results": {"type": "array", "items": {"type": "object", "properties": {
        "index": {"type": "integer"}, "op": STRING, "rows_affected": {"type": "integer"}}}}}}
SCHEMAS: dict[str, tuple[dict[str, Any] | None, dict[str, Any] | None]] = {
    "browser.tree_children": (None, TREE),
    "browser.object_curated_properties": (None, CURATED),
    "browser.object_sql": (None, {"type": "object", "properties": {"ref": REF, "sql": STRING}}),
    "browser.object_drop_impact": (None, DROP_IMPACT),
    "browser_changes.create_object": (CREATE_BODY, CHANGE_RESULT),
    "browser_changes.alter_object": (ALTER_BODY, CHANGE_RESULT),
    "browser_changes.rename_object": (RENAME_BODY, CHANGE_RESULT),
    "browser_changes.comment_object": (COMMENT_BODY, CHANGE_RESULT),
    "browser_changes.drop_object": (DROP_BODY, CHANGE_RESULT),
    "browser_data.read_rows": (None, ROWS),
    "browser_data.change_rows": (ROW_CHANGES, ROW_CHANGES_RESULT),
}
KIND_ANY = {"enum": sorted({"server", *KINDS, *COLLECTIONS})}


def query(properties: dict[str, Any], required: tuple[str, ...] = ("kind",)) -> dict[str, Any]:
    return {"type": "object", "required": list(required), "properties": properties}


OBJECT_QUERY = query({**REF_PROPERTIES, "kind": {"enum": sorted(KINDS)}})
QUERY: dict[str, dict[str, Any]] = {
    "browser.tree_children": query({**REF_PROPERTIES, "kind": KIND_ANY, "q": STRING, "limit": INTEGER,
                                    "offset": INTEGER, "system": {"enum": ["true", "false"]}}),
    "browser.search_objects": {"type": "object", "required": ["db", "q"], "properties": {
        "db": STRING, "q": STRING, "limit": INTEGER, "system": {"enum": ["true", "false"]}}},
    **{f"browser.{name}": OBJECT_QUERY for name in (
        "object_properties", "object_curated_properties", "object_sql", "object_stats", "object_dependencies",
        "object_drop_impact")},
    "browser.object_options": query({"kind": {"enum": ["database", "role", "schema", "table", "index"]},
                                     "db": STRING}),
    "browser_data.read_rows": query({
        **REF_PROPERTIES, "kind": {"enum": ["table", "view", "materialized_view"]}, "limit": INTEGER,
        "offset": INTEGER, "sort": STRING, "dir": {"enum": ["asc", "desc"]}, "filter": STRING,
        "op": {"enum": sorted(OPS)}, "value": STRING,
        "where": {"type": "string", "description": "a condition as typed, e.g. amount > 10 (run read-only)"}},
        required=("db", "schema", "name")),
}
