"""OpenAPI schemas of the query tool's catalog snapshot, EXPLAIN runs and history filters (see web.openapi)."""

from __future__ import annotations

from pgadmin_lite.query_tool.explain import OPTIONS as EXPLAIN_OPTIONS
from pgadmin_lite.query_tool.history import STATUSES
from pgadmin_lite.web.openapi import QUERY_RESULT, Query, Schemas

STRING = {"type": "string"}
NAMED = {"schema": STRING, "name": STRING, "kind": STRING}
CATALOG = {"type": "object", "properties": {
    "schemas": {"type": "array", "items": STRING},
    "relations": {"type": "array", "items": {"type": "object", "properties": {**NAMED, "columns": {
        "type": "array", "items": {"type": "object", "properties": {"name": STRING, "type": STRING}}}}}},
    "functions": {"type": "array", "items": {"type": "object", "properties": {
        **NAMED, "arguments": STRING, "result": {"type": ["string", "null"]}}}},
    "types": {"type": "array", "items": {"type": "object", "properties": NAMED}},
    "search_path": STRING, "search_path_schemas": {"type": "array", "items": STRING},
    "search_path_source": {"enum": ["session", "default"]},
    "truncated": {"type": "array", "items": {"enum": ["relations", "functions", "types", "columns"]}}}}
EXECUTE = {"type": "object", "required": ["sql"], "properties": {
    "sql": STRING, "wait_ms": {"type": "integer"},
    "explain": {"type": "object", "description": "Explain the one statement given (FORMAT JSON) with these options"
                                                 " (timing or wal true without analyze: 400, as PostgreSQL refuses)",
                "properties": {name: {"type": "boolean"} for name in EXPLAIN_OPTIONS},
                "additionalProperties": False}}}
SQL_TEXT = {"type": "object", "required": ["sql"], "properties": {"sql": STRING}}
STATEMENT_AT = {"type": "object", "required": ["sql", "cursor"],
                "properties": {"sql": STRING, "cursor": {"type": "integer", "minimum": 0}}}
SPAN = {"type": "object", "description": "UTF-16 offsets of the statement (null, null: none)",
        "properties": {"from": {"type": ["integer", "null"]}, "to": {"type": ["integer", "null"]}}}
SCHEMAS: Schemas = {
    "query_tool.statement_at": (STATEMENT_AT, SPAN),
    "query_tool.format_sql": (SQL_TEXT, SQL_TEXT),
    "query_tool.execute": (EXECUTE, QUERY_RESULT),
    "query_tool.catalog_snapshot": (None, CATALOG),
}
QUERY: Query = {
    "query_tool.history_list": {"type": "object", "properties": {
        "q": STRING, "limit": {"type": "integer"}, "server_id": {"type": "integer"}, "database": STRING,
        "status": {"enum": list(STATUSES)}}},
}
