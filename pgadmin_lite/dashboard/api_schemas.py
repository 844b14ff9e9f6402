"""OpenAPI schemas of the dashboard endpoints (registered with web.openapi by endpoint name)."""

from __future__ import annotations

from typing import Any

NUMBER_OR_NULL = {"type": ["number", "null"]}
STRING_OR_NULL = {"type": ["string", "null"]}
PIDS = {"type": ["array", "null"], "items": {"type": "integer"}}
SESSIONS = {"type": "object", "properties": {
    "me": {"type": "object", "properties": {"role": {"type": "string"}, "is_superuser": {"type": "boolean"},
                                            "has_signal_backend": {"type": "boolean"}}},
    "items": {"type": "array", "items": {"type": "object", "properties": {
        "pid": {"type": "integer"}, "user": STRING_OR_NULL, "database": STRING_OR_NULL,
        "application_name": {"type": "string"}, "client": STRING_OR_NULL, "backend_type": {"type": "string"},
        "state": STRING_OR_NULL, "wait_event_type": STRING_OR_NULL, "wait_event": STRING_OR_NULL,
        "query": STRING_OR_NULL, "xact_start": STRING_OR_NULL, "query_start": STRING_OR_NULL,
        "transaction_age_s": NUMBER_OR_NULL, "query_age_s": NUMBER_OR_NULL, "blocked_by": PIDS,
        "can_signal": {"type": "boolean", "description": "whether this role may cancel or terminate it"},
        "can_cancel": {"type": "boolean", "description": "can_signal, and the console role may (another's: "
                                                         "dashboard.cancel)"},
        "can_terminate": {"type": "boolean", "description": "likewise with dashboard.terminate"}}}}}}
SIGNAL = {"type": "object", "properties": {"pid": {"type": "integer"}, "action": {"enum": ["cancel", "terminate"]},
                                           "signalled": {"type": "boolean"}}}
LOCKS = {"type": "object", "properties": {
    "items": {"type": "array", "items": {"type": "object"}},
    "blocking": {"type": "array", "items": {"type": "object", "properties": {
        "pid": {"type": "integer"}, "blocked_by": PIDS, "chain": PIDS, "head": {"type": "integer"}}}}}}
COUNTER = {"type": "integer"}
STATS = {"type": "object", "properties": {
    "timestamp": {"type": "string"}, "epoch": {"type": "number"}, "database": STRING_OR_NULL,
    "sessions": {"type": "object", "properties": {k: COUNTER for k in (
        "total", "active", "idle", "idle_in_transaction", "other")}},
    **{k: COUNTER for k in ("xact_commit", "xact_rollback", "tup_inserted", "tup_updated", "tup_deleted",
                            "tup_fetched", "tup_returned", "tuples_in", "tuples_out", "blks_read", "blks_hit")}}}
SCHEMAS: dict[str, tuple[dict[str, Any] | None, dict[str, Any] | None]] = {
    "dashboard.sessions": (None, SESSIONS),
    "dashboard.cancel_session": (None, SIGNAL),
    "dashboard.terminate_session": (None, SIGNAL),
    "dashboard.locks": (None, LOCKS),
    "dashboard.stats": (None, STATS),
}
DB = {"type": "object", "properties": {"db": {"type": "string",
                                             "description": "one database instead of the whole server"}}}
QUERY: dict[str, dict[str, Any]] = {
    **{f"dashboard.{name}": DB for name in ("sessions", "locks", "prepared", "stats")},
    "dashboard.settings": {"type": "object", "properties": {
        "q": {"type": "string"}, "pending_restart": {"enum": ["true", "false"]}}},
}
