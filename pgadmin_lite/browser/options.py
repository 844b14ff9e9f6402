"""What the create dialogs offer: choices read from the server, and the help texts the UI shows."""

from __future__ import annotations

from typing import Any

from pgadmin_lite.browser import catalog, changes, server_objects
from pgadmin_lite.browser.refs import Ref
from pgadmin_lite.errors import BadRequest
from pgadmin_lite.servers import targets

HELP = {
    "database": {
        "templates": server_objects.TEMPLATE_HELP,
        "locale": "Sets both lc_collate (sort order) and lc_ctype (character classes); a value other than "
                  "template1's needs template0.",
        "connection_limit": "-1 means no limit.",
    },
    "role": {
        "login": "A role that can log in is a user; one that cannot is a group.",
        "password": "Hashed by the client with the server's password_encryption before it is sent; never shown.",
        "inherit": "Members automatically use the privileges of the roles they belong to.",
        "valid_until": "The password stops working after this timestamp (null: forever).",
        "member_of": "The roles this role joins (IN ROLE).",
    },
    "table": {
        "type": "Any type the server knows, e.g. integer, text, varchar(40), numeric(10,2), timestamptz, "
                "myschema.mytype[]; it is checked by the server.",
        "default": "An SQL expression, e.g. 0, 'new', now(), gen_random_uuid().",
    },
    "index": {"concurrently": "Builds without blocking writes; slower, and cannot run inside a transaction."},
    "schema": {},
}


def dialog_options(target: catalog.Target, ref: Ref) -> dict[str, Any]:
    """Choices and help for creating a database, role, schema, table or index."""
    if ref.kind not in changes.CREATORS:
        raise BadRequest(f"kind must be one of: {', '.join(sorted(changes.CREATORS))}.", field="kind")
    dbname = ref.db if ref.kind in ("schema", "table", "index") else None
    with targets.connect(target, dbname) as conn:
        choices = catalog.query_one(conn, f"options_{ref.kind}") or {}
    return {"kind": ref.kind, "fields": list(changes.CREATORS[ref.kind][1]), "choices": choices,
            "help": HELP[ref.kind]}
