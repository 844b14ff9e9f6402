"""The read-only rail of a registration (as pgweb's --readonly): a guard against honest mistakes, not a boundary.

The connection starts with default_transaction_read_only on (opening.Setup); before each statement of the user's
it is set on again (and, inside a transaction, transaction_read_only too: setting it on is allowed at any time),
so a set_config() that turned it off lasts one statement at most. Statements that would switch it off are refused
before anything of the script runs. A read-only role is the security boundary (docs/security.md).
"""

from __future__ import annotations

import re
from typing import Any

import psycopg
from psycopg import pq

SETTINGS = frozenset({"default_transaction_read_only", "transaction_read_only"})
MAY_SWITCH = re.compile(r"read|reset", re.IGNORECASE)  # every statement that can switch it names one of these
TRUE_WORDS = frozenset({"t", "tr", "tru", "true", "y", "ye", "yes", "on", "1"})  # PostgreSQL's parse_bool
IN_SESSION = "SET default_transaction_read_only = on"
IN_TRANSACTION = "SET default_transaction_read_only = on; SET transaction_read_only = on"


def switch_off_reason(statement: str) -> str | None:
    """What in the statement would switch read-only off (None: nothing, or pglast cannot parse it)."""
    if not MAY_SWITCH.search(statement):
        return None
    import pglast  # PostgreSQL's parser: loaded by the first statement that needs it, not at start-up

    try:
        parsed = pglast.parse_sql(statement)
    except pglast.parser.ParseError:
        return None  # the server refuses it, or it is no SET/RESET/BEGIN
    for raw in parsed:
        reason = _reason(raw.stmt)
        if reason is not None:
            return reason
    return None


def _is_on(node: Any) -> bool:
    from pglast import ast

    value = getattr(node, "val", None)
    if isinstance(value, ast.Integer):
        return value.ival == 1
    if isinstance(value, ast.String):
        return value.sval.lower() in TRUE_WORDS
    if isinstance(value, ast.Boolean):
        return bool(value.boolval)
    return False


def _read_write(options: Any) -> bool:
    from pglast import ast

    return any(isinstance(item, ast.DefElem) and item.defname == "transaction_read_only" and not _is_on(item.arg)
               for item in options or ())


def _reason(node: Any) -> str | None:
    from pglast import ast
    from pglast.enums import VariableSetKind

    if isinstance(node, ast.TransactionStmt):
        return "a transaction started READ WRITE" if _read_write(node.options) else None
    if not isinstance(node, ast.VariableSetStmt):
        return None
    if node.kind == VariableSetKind.VAR_RESET_ALL:
        return "RESET ALL (it resets default_transaction_read_only)"
    if node.kind == VariableSetKind.VAR_SET_MULTI:
        return f"SET {node.name} … READ WRITE" if _read_write(node.args) else None
    if (node.name or "").lower() not in SETTINGS:
        return None
    if node.kind == VariableSetKind.VAR_SET_VALUE and all(_is_on(arg) for arg in node.args or ()):
        return None  # setting it on is harmless
    return f"a SET or RESET of {node.name.lower()}"


def reassert(conn: psycopg.Connection[Any]) -> None:
    """Read-only on again before a statement of the user's; nothing in an aborted transaction (no error of ours)."""
    status = conn.info.transaction_status
    if status == pq.TransactionStatus.INTRANS:
        conn.execute(IN_TRANSACTION)
    elif status == pq.TransactionStatus.IDLE:
        conn.execute(IN_SESSION)
