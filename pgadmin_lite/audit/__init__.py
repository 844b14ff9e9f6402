"""The audit log: append-only events in the config DB, the administrators' page and its export."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

_FILTERS = {"actor": "part of the actor's email", "action": "an action, or a prefix such as user (user.*)",
            "outcome": "ok, refused, locked, failed…", "from": "a date or ISO date-time (UTC unless an offset)",
            "to": "a date (included) or ISO date-time", "target": "exactly this target, e.g. user:7",
            "q": "text in the target or the details"}
_QUERY = {"type": "object", "properties": {name: {"type": "string", "description": text}
                                           for name, text in _FILTERS.items()}}
_EVENT = {"type": "object", "properties": {
    "id": {"type": "integer"}, "at": {"type": "string"}, "actor_id": {"type": ["integer", "null"]},
    "actor_email": {"type": ["string", "null"]}, "action": {"type": "string"}, "outcome": {"type": "string"},
    "target": {"type": ["string", "null"]}, "source": {"type": ["string", "null"]}, "details": {"type": "object"}}}
_PAGE = {"type": "object", "properties": {"items": {"type": "array", "items": _EVENT},
                                          "next": {"type": ["string", "null"]}}}


def _retention_days(config: dict[str, Any]) -> int:
    from pgadmin_lite.errors import ConfigError

    days = config["AUDIT_RETENTION_DAYS"]
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise ConfigError(f"AUDIT_RETENTION_DAYS must be a whole number of days (0 keeps events for ever), "
                          f"got {days!r}.")
    return days


def init_app(app: Flask) -> None:
    """The retention clock (the purge runs lazily, at most once a day per process), the page and the API."""
    from pgadmin_lite.audit.retention import RetentionClock
    from pgadmin_lite.audit.views import bp
    from pgadmin_lite.web.openapi import register_schemas

    app.extensions["audit_retention"] = RetentionClock(_retention_days(app.config))
    page_query = {**_QUERY, "properties": {**_QUERY["properties"], "before": {
        "type": "string", "description": "the next of the previous page"}, "limit": {
        "type": "integer", "minimum": 1, "maximum": 500}}}
    register_schemas(app, {"audit.list_events": (None, _PAGE)},
                     {"audit.list_events": page_query, "audit.export_events": _QUERY})
    app.register_blueprint(bp)
