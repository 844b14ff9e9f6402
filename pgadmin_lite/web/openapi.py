"""GET /api/v1/openapi.json: the API description, built from the live URL map so no route is missed."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify
from flask.typing import ResponseReturnValue

from pgadmin_lite.connections.export_formats import FORMATS
from pgadmin_lite.users.permissions import ANY_USER, blueprint_requires
from pgadmin_lite.web.converters import INT_MAX

bp = Blueprint("openapi", __name__)
blueprint_requires(bp, ANY_USER)
API_PREFIX = "/api/v1"
CONVERTER = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")  # <name>, <int:name>, <int(max=2147483647):name>

ERROR = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["code", "message"],
    "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "hint": {"type": "string"}}}}}
QUERY_RESULT = {"type": "object", "properties": {
    "state": {"enum": ["done", "running"]}, "tx_id": {"type": "string"},
    "columns": {"type": "array", "items": {"type": "object", "properties": {
        "name": {"type": "string"}, "type": {"type": "string"}}}},
    "rows": {"type": "array", "items": {"type": "array"}}, "has_more": {"type": "boolean"},
    "truncated": {"type": "boolean"}, "rows_affected": {"type": ["integer", "null"]},
    "statements": {"type": "array", "items": {"type": "object", "properties": {
        "index": {"type": "integer"}, "offset": {"type": "integer"}, "length": {"type": "integer"},
        "command": {"type": ["string", "null"]}, "row_count": {"type": ["integer", "null"]},
        "duration_ms": {"type": "number"}, "notices": {"type": "array"}, "status": {"enum": ["ok", "error"]},
        "fate": {"enum": ["committed", "in_transaction", "rolled_back", "aborted", "not_run"]},
        "warnings": {"type": "array", "items": {"type": "string"}}, "is_pageable": {"type": "boolean"},
        "columns": {"type": "array"}, "rows": {"type": "array"}}}},
    "fates": {"type": "array", "items": {"type": "string"}}, "summary": {"type": "string"},
    "warnings": {"type": "array", "items": {"type": "string"}},
    "rows_statement_index": {"type": ["integer", "null"]},
    "transaction_status": {"enum": ["idle", "in_transaction", "in_error", "lost", "unknown"]},
    "notices": {"type": "array"}, "duration_ms": {"type": ["number", "null"]},
    "error": {"type": ["object", "null"], "properties": {
        "message": {"type": "string"}, "sqlstate": {"type": ["string", "null"]},
        "position": {"type": ["integer", "null"]}, "line": {"type": ["integer", "null"]},
        "statement_index": {"type": ["integer", "null"]}}}}}
MODES = {name: {"type": "boolean"} for name in ("autocommit", "auto_rollback", "single_transaction")}
SERVER_BODY = {"type": "object", "properties": {
    name: {"type": kind} for name, kind in [
        ("name", "string"), ("group", "string"), ("host", "string"), ("port", "integer"),
        ("maintenance_db", "string"), ("username", "string"), ("password", "string"), ("save_password", "boolean"),
        ("sslmode", "string"), ("connect_params", "object"), ("is_shared", "boolean"),
        ("tls_files", "object"), ("tls_client", "object"), ("service", ["string", "null"]),
        ("passfile", ["string", "null"])]}
    | {"query_modes": {"type": "object", "properties": {name: {"type": ["boolean", "null"]} for name in MODES},
                       "additionalProperties": False},
       "comment": {"type": ["string", "null"]}, "role": {"type": ["string", "null"]},
       "db_restriction": {"type": ["array", "null"], "items": {"type": "string"}},
       "colors": {"type": ["object", "null"], "properties": {
           name: {"type": ["string", "null"], "pattern": "^(#[0-9A-Fa-f]{6})?$"} for name in ("bg", "fg")},
                  "additionalProperties": False},
       "read_only": {"type": "boolean"}, "post_connection_sql": {"type": ["string", "null"]},
       "query_defaults": {"type": ["object", "null"], "properties": {
           "statement_timeout_ms": {"type": ["integer", "null"], "minimum": 0, "maximum": 86_400_000},
           "preview_rows": {"type": ["integer", "null"], "minimum": 1, "maximum": 1_000_000}},
                          "additionalProperties": False}}
    | {"ssh_tunnel": {"type": ["object", "null"], "additionalProperties": False, "properties": {
        "host": {"type": "string"}, "port": {"type": "integer"}, "username": {"type": "string"},
        "auth": {"enum": ["password", "key"]}, "keepalive_s": {"type": "integer", "minimum": 0, "maximum": 3600}}}}
    | {name: {"type": ["string", "null"], "description": description} for name, description in [
        ("ssh_password", "saved in the vault; null erases it"), ("ssh_key", "a private key's text, saved in the vault"),
        ("ssh_key_file", "a private key in your file area, copied into the vault"),
        ("ssh_passphrase", "the private key's passphrase, saved in the vault")]}}
SERVER_TEST_BODY = {**SERVER_BODY, "properties": {**SERVER_BODY["properties"], "server_id": {"type": "integer"}}}
USER_BODY = {"type": "object", "properties": {"email": {"type": "string"}, "password": {"type": "string"},
                                              "is_admin": {"type": "boolean"}, "is_active": {"type": "boolean"},
                                              "unlock": {"type": "boolean"},
                                              "role": {"type": "string", "description": "Administrator, User or a "
                                                                                        "custom role's name"}}}
JOB_BODY = {"type": "object", "required": ["kind", "server_id"], "properties": {
    "kind": {"enum": ["backup", "backup_globals", "restore", "maintenance", "import", "export"]},
    "server_id": {"type": "integer"}, "database": {"type": "string"}, "password": {"type": "string"},
    "output_path": {"type": "string"}, "output_root": {"type": "string"}, "overwrite": {"type": "boolean"},
    "input_path": {"type": "string"}, "input_root": {"type": "string"},
    "format": {"enum": ["custom", "tar", "directory", "plain"]},
    "schemas": {"type": "array", "items": {"type": "string"}},
    "tables": {"type": "array", "items": {"type": "object", "properties": {
        "schema": {"type": "string"}, "name": {"type": "string"}}}},
    **{name: {"type": "boolean"} for name in (
        "data_only", "schema_only", "no_owner", "no_privileges", "clean", "create", "single_transaction",
        "exit_on_error", "full", "freeze", "analyze", "verbose", "header")},
    "compression": {"type": "integer", "minimum": 0, "maximum": 9}, "encoding": {"type": "string"},
    "operation": {"enum": ["vacuum", "analyze", "reindex", "cluster"]}, "schema": {"type": "string"},
    "table": {"type": "string"}, "index": {"type": "string"}, "columns": {"type": "array", "items": {"type": "string"}},
    "delimiter": {"type": "string"}, "quote": {"type": "string"}, "escape": {"type": "string"},
    "null": {"type": "string"}}}
JOB = {"type": "object", "properties": {
    "id": {"type": "integer"}, "kind": {"type": "string"}, "label": {"type": "string"},
    "state": {"enum": ["queued", "running", "succeeded", "failed", "cancelled"]}, "is_active": {"type": "boolean"},
    "server_id": {"type": ["integer", "null"]}, "database": {"type": "string"}, "options": {"type": "object"},
    "server_name": {"type": ["string", "null"]}, "command": {"type": ["string", "null"]},
    "message": {"type": ["string", "null"]}, "exit_code": {"type": ["integer", "null"]},
    "pid": {"type": ["integer", "null"]}, "created_at": {"type": "string"},
    "started_at": {"type": ["string", "null"]}, "ended_at": {"type": ["string", "null"]},
    "elapsed_s": {"type": ["number", "null"]}, "is_cancel_requested": {"type": "boolean"},
    "progress": {"type": "object", "properties": {
        "percent": {"type": ["number", "null"]}, "unit": {"type": "string"}, "done": {"type": "integer"},
        "total": {"type": ["integer", "null"]}, "bytes": {"type": "integer"}, "rows": {"type": ["integer", "null"]}}},
    "output": {"type": ["object", "null"], "properties": {
        "root": {"type": "string"}, "path": {"type": "string"}, "is_dir": {"type": "boolean"},
        "size": {"type": ["integer", "null"]}, "is_saved": {"type": "boolean"}}},
    "input": {"type": ["object", "null"], "properties": {"root": {"type": "string"}, "path": {"type": "string"}}}}}
JOB_LOG = {"type": "object", "properties": {"id": {"type": "integer"}, "state": {"type": "string"},
                                            "text": {"type": "string"}, "is_truncated": {"type": "boolean"}}}
STRING = {"type": "string"}
BOOLEAN = {"type": "boolean"}
STORAGE_ENTRY = {"root": {"type": "string", "description": "home (the default) or a shared folder's name"},
                 "path": {"type": "string", "description": "a virtual path such as /reports/q1.sql"}}
FLAG = {"type": "string", "enum": ["true", "false"]}
EXPORT_FORMAT = {"type": "string", "enum": list(FORMATS), "default": "csv"}
# Request and response schemas of the endpoints whose shapes matter most to API clients.
Schemas = dict[str, tuple[dict[str, Any] | None, dict[str, Any] | None]]  # endpoint: (request, response)
Query = dict[str, dict[str, Any]]  # endpoint: an object schema whose properties are its query parameters
SCHEMAS: Schemas = {
    "auth.account_password_api": ({"type": "object", "required": ["current_password", "new_password"],
                                   "properties": {"current_password": STRING, "new_password": STRING}}, None),
    "workspace.put_layout": ({"type": "object", "required": ["tabs"], "properties": {
        "tabs": {"type": "array", "maxItems": 50, "items": {"type": "object", "required": ["id", "kind", "title"],
                 "properties": {"id": STRING, "kind": STRING, "title": STRING, "params": {"type": "object"}}}},
        "active": {"type": ["string", "null"]}, "panel_width": {"type": ["integer", "null"]}}}, None),
    "drafts.put_draft": ({"type": "object", "required": ["text"], "properties": {"text": STRING}}, None),
    "servers.check_connection": ({"type": "object", "properties": {"password": STRING}}, None),
    "servers.check_draft": (SERVER_TEST_BODY, None),
    "servers.set_credentials": ({"type": "object", "properties": {
        "username": STRING, "password": STRING, "save_password": BOOLEAN,
        **{name: {"type": ["string", "null"]}
           for name in ("ssh_password", "ssh_key", "ssh_key_file", "ssh_passphrase")}}}, None),
    "storage.make_directory": ({"type": "object", "required": ["path"], "properties": STORAGE_ENTRY}, None),
    "storage.rename_entry": ({"type": "object", "required": ["path", "new_path"], "properties": {
        **STORAGE_ENTRY, "new_path": STRING, "overwrite": BOOLEAN}}, None),
    "storage.write_text": ({"type": "object", "required": ["path", "text"], "properties": {
        **STORAGE_ENTRY, "text": STRING, "overwrite": BOOLEAN}}, None),
    "query_tool.export_to_storage": ({"type": "object", "required": ["path"], "properties": {
        **STORAGE_ENTRY, "overwrite": BOOLEAN, "format": EXPORT_FORMAT}}, None),
    "storage.upload": ({"type": "object", "required": ["file"], "properties": {
        "path": {"type": "string", "description": "the target folder, sent before the files"}, "root": STRING,
        "overwrite": {"enum": ["true", "false"]},
        "file": {"type": "string", "contentMediaType": "application/octet-stream"}}}, None),
    "query_tool.open_tool": ({"type": "object", "required": ["server_id"], "properties": {
        "server_id": {"type": "integer"}, "database": {"type": "string"}, "password": {"type": "string"},
        "search_path": {"type": "array", "items": {"type": "string"}, "maxItems": 32}, **MODES}}, None),
    "query_tool.set_modes": ({"type": "object", "properties": MODES}, None),
    "query_tool.execute": ({"type": "object", "required": ["sql"], "properties": {
        "sql": {"type": "string"}, "wait_ms": {"type": "integer"}}}, QUERY_RESULT),
    "query_tool.result": (None, QUERY_RESULT),
    "query_tool.fetch": ({"type": "object", "properties": {"limit": {"type": "integer"}}}, None),
    "query_tool.apply_changes": ({"type": "object", "required": ["run", "statement"], "properties": {
        "run": {"type": "integer"}, "statement": {"type": "integer"}, "preview": BOOLEAN,
        "updates": {"type": "array", "items": {"type": "object", "required": ["key", "set"], "properties": {
            "key": {"type": "object"}, "set": {"type": "object"}}}},
        "inserts": {"type": "array", "items": {"type": "object"}},
        "deletes": {"type": "array", "items": {"type": "object", "required": ["key"],
                                               "properties": {"key": {"type": "object"}}}}}}, None),
    "servers.create_server": (SERVER_BODY, None),
    "servers.update_server": (SERVER_BODY, None),
    "users.create_user": (USER_BODY, None),
    "users.update_user": (USER_BODY, None),
    "jobs.start_job": (JOB_BODY, JOB),
    "jobs.list_jobs": (None, {"type": "array", "items": JOB}),
    "jobs.job_status": (None, JOB),
    "jobs.job_log": (None, JOB_LOG),
    "jobs.cancel_job": (None, JOB),
}
QUERY: Query = {
    "storage.list_dir": {"type": "object", "properties": {**STORAGE_ENTRY, "hidden": FLAG}},
    "storage.delete_entry": {"type": "object", "required": ["path"],
                             "properties": {**STORAGE_ENTRY, "recursive": FLAG}},
    "storage.download": {"type": "object", "required": ["path"], "properties": STORAGE_ENTRY},
    "storage.read_text": {"type": "object", "required": ["path"], "properties": STORAGE_ENTRY},
    "storage.upload": {"type": "object", "properties": {**STORAGE_ENTRY, "overwrite": FLAG}},
    "query_tool.result": {"type": "object", "properties": {"wait_ms": {"type": "integer"}}},
    "query_tool.export_download": {"type": "object", "properties": {"format": EXPORT_FORMAT}},
    "query_tool.export_name": {"type": "object", "properties": {"format": EXPORT_FORMAT}},
    "query_tool.editable": {"type": "object", "required": ["run", "statement"], "properties": {
        "run": {"type": "integer"}, "statement": {"type": "integer"}}},
    "query_tool.history_list": {"type": "object", "properties": {"q": STRING, "limit": {"type": "integer"}}},
}
# URL converters as schemas: our int (web.converters) takes 0 … 2^63-1 or a route's own max=, the default any
# text without a slash.
PATH_TYPES = {"int": {"type": "integer", "minimum": 0, "maximum": INT_MAX}, "path": {"type": "string", "minLength": 1}}
MAX_ARG = re.compile(r"\bmax=(\d+)")
PATH_DEFAULT = {"type": "string", "minLength": 1, "pattern": "^[^/]+$"}
# Request bodies are JSON but for these.
MEDIA_TYPES = {"storage.upload": "multipart/form-data"}
SUCCESS = {"POST": "200", "GET": "200", "PATCH": "200", "PUT": "200", "DELETE": "204"}
# Endpoints that create something answer 201 (a PUT of text answers 201 when the file is new, else 200).
CREATED = frozenset({"servers.create_server", "users.create_user", "roles.create_role", "query_tool.open_tool",
                     "query_tool.export_to_storage", "storage.make_directory",
                     "storage.upload", "storage.write_text", "jobs.start_job",
                     "browser_changes.create_object", "ldap.ldap_add_user"})


def _path_schema(converter: str, args: str) -> dict[str, Any]:
    schema = PATH_TYPES.get(converter, PATH_DEFAULT)
    narrowed = MAX_ARG.search(args)
    return {**schema, "maximum": int(narrowed.group(1))} if narrowed else schema


def _parameters(app: Flask, endpoint: str, rule: str) -> list[dict[str, Any]]:
    """The rule's path arguments (typed by converter), then the endpoint's declared query parameters."""
    path = [{"name": name, "in": "path", "required": True, "schema": _path_schema(converter, args)}
            for converter, args, name in CONVERTER.findall(rule)]
    query = api_query(app).get(endpoint, {})
    required = set(query.get("required", ()))
    query_params = [{"name": name, "in": "query", "required": name in required, "schema": schema}
                    for name, schema in query.get("properties", {}).items()]
    return path + query_params


def _operation(app: Flask, endpoint: str, method: str, rule: str) -> dict[str, Any]:
    view = app.view_functions[endpoint]
    summary = (view.__doc__ or endpoint.split(".")[-1].replace("_", " ")).strip().splitlines()[0]
    request_schema, response_schema = api_schemas(app).get(endpoint, (None, None))
    status = "201" if endpoint in CREATED else SUCCESS[method]
    success: dict[str, Any] = {"description": "Success"}
    if status != "204":
        success["content"] = {"application/json": {"schema": response_schema or {"type": ["object", "array"]}}}
    operation: dict[str, Any] = {
        "operationId": f"{endpoint}.{method.lower()}", "summary": summary, "tags": [endpoint.split(".")[0]],
        "parameters": _parameters(app, endpoint, rule),
        "responses": {status: success, "default": {"description": "Error", "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}},
    }
    if method in {"POST", "PATCH", "PUT"} and request_schema is not None:
        media_type = MEDIA_TYPES.get(endpoint, "application/json")
        operation["requestBody"] = {"required": True, "content": {media_type: {"schema": request_schema}}}
    if method != "GET":
        operation["parameters"].append({"name": "X-CSRFToken", "in": "header", "required": True,
                                        "schema": {"type": "string"}, "description": "From GET /api/v1/session"})
    return operation


def build_spec(app: Flask) -> dict[str, Any]:
    """OpenAPI 3.1 for every rule under /api/v1, with schemas where they are declared above."""
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(API_PREFIX):
            continue
        path = CONVERTER.sub(r"{\3}", rule.rule)[len(API_PREFIX):]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(app, rule.endpoint, method, rule.rule)
    return {
        "openapi": "3.1.0",
        "info": {"title": "pgadmin_lite API", "version": app.config["VERSION"],
                 "description": "Log in with POST /login (form), then send the CSRF token from GET /api/v1/session "
                                "as X-CSRFToken on every state-changing request."},
        "servers": [{"url": API_PREFIX}],
        "paths": paths,
        "components": {"schemas": {"Error": ERROR},
                       "securitySchemes": {"session": {"type": "apiKey", "in": "cookie",
                                                       "name": app.config["SESSION_COOKIE_NAME"]}}},
        "security": [{"session": []}],
    }


@bp.get(f"{API_PREFIX}/openapi.json")
def openapi() -> ResponseReturnValue:
    """This document."""
    return jsonify(build_spec(current_app))


def register_schemas(app: Flask, schemas: Schemas, query: Query | None = None) -> None:
    """A feature declares the request and response schemas and query parameters of its endpoints (any order)."""
    app.extensions.setdefault("api_schemas", dict(SCHEMAS)).update(schemas)
    app.extensions.setdefault("api_query", dict(QUERY)).update(query or {})


def api_schemas(app: Flask) -> Schemas:
    return app.extensions.get("api_schemas", SCHEMAS)


def api_query(app: Flask) -> Query:
    return app.extensions.get("api_query", QUERY)


def init_app(app: Flask) -> None:
    register_schemas(app, {})
    app.register_blueprint(bp)
