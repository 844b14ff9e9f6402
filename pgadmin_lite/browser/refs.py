"""Object references: which object an API call is about, by name, as the tree hands them to the UI.

A ref is a flat mapping (query parameters for GET, top-level JSON fields otherwise):
``kind`` plus the containers its scope needs (``db``, ``schema``, ``table``), its ``name`` and, for a
function, ``args`` (its identity arguments as the tree listed them). Collections ("tables", "columns"…)
are refs too: expanding any node means sending its ref back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pgadmin_lite.errors import BadRequest
from pgadmin_lite.web.input import check_name

SERVER, DATABASE, SCHEMA, TABLE = "server", "database", "schema", "table"
SCOPE_FIELDS = {SERVER: (), DATABASE: ("db",), SCHEMA: ("db", "schema"), TABLE: ("db", "schema", "table")}


@dataclass(frozen=True)
class Kind:
    """An object kind: where it lives, its SQL keyword, and the collection that lists it."""

    name: str
    scope: str
    keyword: str
    collection: str
    is_owned: bool = True
    can_rename: bool = True


KINDS = {k.name: k for k in (
    Kind("database", SERVER, "DATABASE", "databases"),
    Kind("role", SERVER, "ROLE", "roles", is_owned=False),
    Kind("tablespace", SERVER, "TABLESPACE", "tablespaces"),
    Kind("schema", DATABASE, "SCHEMA", "schemas"),
    Kind("extension", DATABASE, "EXTENSION", "extensions", is_owned=False, can_rename=False),
    Kind("event_trigger", DATABASE, "EVENT TRIGGER", "event_triggers"),
    Kind("table", SCHEMA, "TABLE", "tables"),
    Kind("view", SCHEMA, "VIEW", "views"),
    Kind("materialized_view", SCHEMA, "MATERIALIZED VIEW", "materialized_views"),
    Kind("function", SCHEMA, "FUNCTION", "functions"),
    Kind("sequence", SCHEMA, "SEQUENCE", "sequences"),
    Kind("type", SCHEMA, "TYPE", "types"),
    Kind("domain", SCHEMA, "DOMAIN", "domains"),
    Kind("index", SCHEMA, "INDEX", "indexes", is_owned=False),
    Kind("column", TABLE, "COLUMN", "columns", is_owned=False),
    Kind("constraint", TABLE, "CONSTRAINT", "constraints", is_owned=False),
    Kind("trigger", TABLE, "TRIGGER", "triggers", is_owned=False),
    Kind("policy", TABLE, "POLICY", "policies", is_owned=False),
)}


@dataclass(frozen=True)
class Collection:
    """A folder in the tree: its label, the kind of its items and the scope of its parent."""

    name: str
    label: str
    item_kind: str
    scope: str


COLLECTIONS = {c.name: c for c in (
    Collection("databases", "Databases", "database", SERVER),
    Collection("roles", "Login/Group Roles", "role", SERVER),
    Collection("tablespaces", "Tablespaces", "tablespace", SERVER),
    Collection("schemas", "Schemas", "schema", DATABASE),
    Collection("extensions", "Extensions", "extension", DATABASE),
    Collection("event_triggers", "Event Triggers", "event_trigger", DATABASE),
    Collection("tables", "Tables", "table", SCHEMA),
    Collection("views", "Views", "view", SCHEMA),
    Collection("materialized_views", "Materialized Views", "materialized_view", SCHEMA),
    Collection("functions", "Functions", "function", SCHEMA),
    Collection("sequences", "Sequences", "sequence", SCHEMA),
    Collection("types", "Types", "type", SCHEMA),
    Collection("domains", "Domains", "domain", SCHEMA),
    Collection("columns", "Columns", "column", TABLE),
    Collection("constraints", "Constraints", "constraint", TABLE),
    Collection("indexes", "Indexes", "index", TABLE),
    Collection("triggers", "Triggers", "trigger", TABLE),
    Collection("policies", "RLS Policies", "policy", TABLE),
    Collection("partitions", "Partitions", "table", TABLE),
)}
REF_FIELDS = ("kind", "db", "schema", "table", "name", "args")


@dataclass(frozen=True)
class Ref:
    """One object, collection or the server itself, by name."""

    kind: str
    db: str | None = None
    schema: str | None = None
    table: str | None = None
    name: str | None = None
    args: str | None = None

    @property
    def object_kind(self) -> Kind:
        return KINDS[self.kind]

    @property
    def database(self) -> str | None:
        """The database a connection for this ref goes to (None: the server's maintenance DB)."""
        return self.name if self.kind == "database" else self.db

    @property
    def is_collection(self) -> bool:
        return self.kind in COLLECTIONS

    def params(self, **extra: Any) -> dict[str, Any]:
        """Bind parameters for the catalog SQL files (every ref field, present or None)."""
        return {**{name: getattr(self, name) for name in REF_FIELDS}, **extra}

    def to_json(self) -> dict[str, str]:
        """The ref's set fields (not dataclasses.asdict: its deep copies were 40% of listing 2,000 tables)."""
        return {name: value for name in REF_FIELDS if (value := getattr(self, name)) is not None}


def _required(kind: str) -> tuple[str, ...]:
    if kind == "server":
        return ()
    if kind in COLLECTIONS:
        return SCOPE_FIELDS[COLLECTIONS[kind].scope]
    fields = (*SCOPE_FIELDS[KINDS[kind].scope], "name")
    return (*fields, "args") if kind == "function" else fields


def parse_ref(source: Mapping[str, Any], *, allow: frozenset[str] | None = None) -> Ref:
    """A Ref from query parameters or a JSON body; 400 naming the missing or unknown field."""
    kind = source.get("kind")
    known = {"server", *KINDS, *COLLECTIONS}
    if not isinstance(kind, str) or kind not in known or (allow is not None and kind not in allow):
        choices = sorted(allow if allow is not None else known)
        raise BadRequest(f"kind must be one of: {', '.join(choices)}.", field="kind")
    values: dict[str, str | None] = {}
    for field in REF_FIELDS[1:]:
        value = source.get(field)
        if field == "args":
            if value is not None and not isinstance(value, str):
                raise BadRequest("args must be a string (the identity arguments the tree listed).", field="args")
            values[field] = value
        else:
            values[field] = check_name(value, field, required=False) if value not in (None, "") else None
    for field in _required(kind):
        if values[field] is None and not (field == "args" and kind == "function"):
            raise BadRequest(f"A {kind} ref needs {field}.", field=field)
    if kind == "function" and values["args"] is None:
        values["args"] = ""
    return Ref(kind, **values)
