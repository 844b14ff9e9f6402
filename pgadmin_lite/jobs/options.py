"""A job request from the API, checked field by field: every kind has its own allowed options.

Names (databases, schemas, tables, columns) are kept as data: they reach SQL only through psycopg.sql and
programs only as option values built by jobs.commands, so they need no character restrictions beyond
PostgreSQL's own (non-empty, at most 63 bytes, no NUL).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pgadmin_lite.errors import BadRequest

KINDS = ("backup", "backup_globals", "restore", "maintenance", "import", "export")
FORMATS = ("custom", "tar", "directory", "plain")
OPERATIONS = ("vacuum", "analyze", "reindex", "cluster")
PG_NAME_BYTES = 63
ENCODING_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,31}")
COMMON = frozenset({"kind", "server_id", "database", "password"})
OUTPUT = frozenset({"output_path", "output_root", "overwrite"})
INPUT = frozenset({"input_path", "input_root"})
CSV = frozenset({"schema", "table", "columns", "header", "delimiter", "quote", "escape", "null", "encoding"})
ALLOWED: dict[str, frozenset[str]] = {
    "backup": COMMON | OUTPUT | {"format", "schemas", "tables", "data_only", "schema_only", "no_owner",
                                 "no_privileges", "compression", "encoding"},
    "backup_globals": COMMON | OUTPUT,
    "restore": COMMON | INPUT | {"clean", "create", "single_transaction", "no_owner", "no_privileges",
                                 "exit_on_error"},
    "maintenance": COMMON | {"operation", "schema", "table", "full", "freeze", "analyze", "verbose", "index"},
    "import": COMMON | INPUT | CSV,
    "export": COMMON | OUTPUT | CSV,
}


@dataclass
class JobRequest:
    """A checked request: the options to store (no password) and where files come from or go to."""

    kind: str
    server_id: int
    database: str | None
    password: str | None
    options: dict[str, Any] = field(default_factory=dict)
    output_root: str | None = None
    output_path: str | None = None
    overwrite: bool = False
    input_root: str | None = None
    input_path: str | None = None


def _bool(body: Mapping[str, Any], name: str, default: bool = False) -> bool:
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise BadRequest(f"{name} must be true or false.", field=name)
    return value


def pg_name(value: Any, name: str) -> str:
    """A PostgreSQL identifier as data: a non-empty string of at most 63 bytes without NUL."""
    if not isinstance(value, str) or not value or "\x00" in value or len(value.encode("utf-8")) > PG_NAME_BYTES:
        raise BadRequest(f"{name} must be a name of 1 to {PG_NAME_BYTES} bytes.", field=name)
    return value


def _optional_name(body: Mapping[str, Any], name: str) -> str | None:
    value = body.get(name)
    return None if value is None or value == "" else pg_name(value, name)


def _names(body: Mapping[str, Any], name: str) -> list[str]:
    value = body.get(name) or []
    if not isinstance(value, list) or len(value) > 1000:
        raise BadRequest(f"{name} must be a list of names.", field=name)
    return [pg_name(item, f"{name}[{i}]") for i, item in enumerate(value)]


def _tables(body: Mapping[str, Any]) -> list[dict[str, str]]:
    value = body.get("tables") or []
    if not isinstance(value, list) or len(value) > 1000:
        raise BadRequest('tables must be a list of {"schema", "name"} objects.', field="tables")
    tables = []
    for i, item in enumerate(value):
        if not isinstance(item, dict) or set(item) - {"schema", "name"}:
            raise BadRequest(f'tables[{i}] must be an object {{"schema", "name"}}.', field="tables")
        tables.append({"schema": pg_name(item.get("schema", "public"), f"tables[{i}].schema"),
                       "name": pg_name(item.get("name"), f"tables[{i}].name")})
    return tables


def _storage_path(body: Mapping[str, Any], name: str, *, required: bool) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise BadRequest(f"{name} is required: a path in your files, like /backups/sales.dump.", field=name)
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a string.", field=name)
    return value


def _root(body: Mapping[str, Any], name: str) -> str:
    value = body.get(name) or "home"
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a string (home, or a shared folder's name).", field=name)
    return value


def _encoding(body: Mapping[str, Any]) -> str | None:
    value = body.get("encoding")
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not ENCODING_RE.fullmatch(value):
        raise BadRequest("encoding must be an encoding name such as UTF8 or LATIN1.", field="encoding")
    return value


def _single_char(body: Mapping[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) != 1 or value in "\r\n" or len(value.encode("utf-8")) != 1:
        raise BadRequest(f"{name} must be a single one-byte character (not a line break).", field=name)
    return value


def _backup_options(body: Mapping[str, Any]) -> dict[str, Any]:
    fmt = body.get("format", "custom")
    if fmt not in FORMATS:
        raise BadRequest(f"format must be one of {', '.join(FORMATS)}.", field="format")
    options: dict[str, Any] = {"format": fmt, "schemas": _names(body, "schemas"), "tables": _tables(body)}
    for name in ("data_only", "schema_only", "no_owner", "no_privileges"):
        options[name] = _bool(body, name)
    if options["data_only"] and options["schema_only"]:
        raise BadRequest("data_only and schema_only cannot both be set.", field="schema_only")
    compression = body.get("compression")
    if compression is not None:
        if isinstance(compression, bool) or not isinstance(compression, int) or not 0 <= compression <= 9:
            raise BadRequest("compression must be an integer 0-9.", field="compression")
        if fmt == "tar" and compression:
            raise BadRequest("The tar format cannot be compressed; use custom or directory.", field="compression")
    options["compression"] = compression
    options["encoding"] = _encoding(body)
    return options


def _restore_options(body: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _bool(body, name) for name in ALLOWED["restore"] - COMMON - INPUT}


def _maintenance_options(body: Mapping[str, Any]) -> dict[str, Any]:
    operation = body.get("operation")
    if operation not in OPERATIONS:
        raise BadRequest(f"operation must be one of {', '.join(OPERATIONS)}.", field="operation")
    table = _optional_name(body, "table")
    schema = _optional_name(body, "schema") or ("public" if table else None)
    if schema and not table:
        raise BadRequest("table is required with schema (maintenance runs on a database or one table).",
                         field="table")
    index = _optional_name(body, "index")
    if index and (operation != "cluster" or not table):
        raise BadRequest("index applies to cluster on a table only.", field="index")
    options: dict[str, Any] = {"operation": operation, "schema": schema, "table": table, "index": index,
                               "verbose": _bool(body, "verbose", True)}
    for name in ("full", "freeze", "analyze"):
        options[name] = _bool(body, name)
        if options[name] and operation != "vacuum":
            raise BadRequest(f"{name} applies to vacuum only.", field=name)
    return options


def _csv_options(body: Mapping[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {"schema": _optional_name(body, "schema") or "public",
                               "table": pg_name(body.get("table"), "table"), "columns": _names(body, "columns"),
                               "header": _bool(body, "header", True), "delimiter": _single_char(body, "delimiter"),
                               "quote": _single_char(body, "quote"), "escape": _single_char(body, "escape"),
                               "encoding": _encoding(body)}
    null = body.get("null")
    if null is not None and (not isinstance(null, str) or len(null) > 100 or "\n" in null or "\r" in null):
        raise BadRequest("null must be a short string without line breaks (how NULL is written).", field="null")
    options["null"] = null
    if options["delimiter"] and options["delimiter"] == (options["quote"] or '"'):
        raise BadRequest("delimiter and quote must differ.", field="quote")
    return options


PARSERS = {"backup": _backup_options, "backup_globals": lambda body: {}, "restore": _restore_options,
           "maintenance": _maintenance_options, "import": _csv_options, "export": _csv_options}


def parse_request(body: Mapping[str, Any]) -> JobRequest:
    """Check a POST /api/v1/jobs body; unknown fields are refused with the list of allowed ones."""
    kind = body.get("kind")
    if kind not in KINDS:
        raise BadRequest(f"kind must be one of {', '.join(KINDS)}.", field="kind")
    unknown = sorted(set(body) - ALLOWED[kind])
    if unknown:
        raise BadRequest(f"Unknown field(s) for a {kind} job: {', '.join(unknown)}.",
                         hint=f"Allowed: {', '.join(sorted(ALLOWED[kind]))}.")
    server_id = body.get("server_id")
    if isinstance(server_id, bool) or not isinstance(server_id, int):
        raise BadRequest("server_id must be an integer.", field="server_id")
    password = body.get("password")
    if password is not None and (not isinstance(password, str) or len(password) > 1024):
        raise BadRequest("password must be a string of at most 1024 characters.", field="password")
    request = JobRequest(kind, server_id, _optional_name(body, "database"), password or None, PARSERS[kind](body))
    if kind != "backup_globals" and request.database is None:
        raise BadRequest("database is required.", field="database")
    if ALLOWED[kind] & OUTPUT:
        request.output_root = _root(body, "output_root")
        request.output_path = _storage_path(body, "output_path", required=False)
        request.overwrite = _bool(body, "overwrite")
    if ALLOWED[kind] & INPUT:
        request.input_root = _root(body, "input_root")
        request.input_path = _storage_path(body, "input_path", required=True)
    return request
