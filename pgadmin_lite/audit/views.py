"""The audit log page, its API and the JSON-lines export: for roles with "users.manage" only."""

from __future__ import annotations

import json
from collections.abc import Iterator

from flask import Blueprint, Response, current_app, jsonify, render_template, request, stream_with_context
from flask.typing import ResponseReturnValue

from pgadmin_lite.audit import service
from pgadmin_lite.audit.log import record
from pgadmin_lite.audit.retention import maybe_purge
from pgadmin_lite.models.columns import utcnow
from pgadmin_lite.users.permissions import require_permission

bp = Blueprint("audit", __name__)
API = "/api/v1/audit"


@bp.before_request
def require_manager() -> None:
    """The whole blueprint: the audit log shows every user's actions and addresses."""
    require_permission("users.manage")


@bp.get("/audit")
def audit_page() -> ResponseReturnValue:
    """The page; its query string (?action=…) presets the filters."""
    maybe_purge(current_app._get_current_object())  # type: ignore[attr-defined]
    return render_template("audit.html", actions=service.known_actions(), outcomes=service.OUTCOMES,
                           max_page=service.MAX_PAGE)


@bp.get(API)
def list_events() -> ResponseReturnValue:
    """{"items": events newest first, "next": pass it as ?before= for the older ones, null on the last page}."""
    filters = service.parse_filters(request.args, allowed=service.FILTER_NAMES + service.PAGE_NAMES)
    cursor, limit = service.parse_page(request.args)
    maybe_purge(current_app._get_current_object())  # type: ignore[attr-defined]
    return jsonify(service.page(filters, cursor, limit))


@bp.get(f"{API}/export")
def export_events() -> ResponseReturnValue:
    """The matching events as JSON lines (one per line, newest first), streamed as a download."""
    filters = service.parse_filters(request.args)
    record("audit.export", details={"filters": {name: value for name, value in request.args.items() if value}})
    name = f"audit-{utcnow().strftime('%Y%m%d-%H%M%S')}.jsonl"

    def lines() -> Iterator[str]:
        for event in service.iter_events(filters):
            yield json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n"

    return Response(stream_with_context(lines()), content_type="application/x-ndjson; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "X-Accel-Buffering": "no",
                             "Cache-Control": "no-store"})
