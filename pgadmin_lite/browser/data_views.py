"""View-data HTTP API: paged rows of a table or view, and all-or-nothing edits of a table with a primary key."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, request
from flask.typing import ResponseReturnValue

from pgadmin_lite.browser import data
from pgadmin_lite.browser.refs import parse_ref
from pgadmin_lite.servers.targets import SERVER_API, request_target
from pgadmin_lite.users.permissions import ANY_USER, blueprint_requires
from pgadmin_lite.web.input import json_body

bp = Blueprint("browser_data", __name__)
blueprint_requires(bp, ANY_USER)
RELATION_KINDS = frozenset({"table", "view", "materialized_view"})


def _json(body: dict[str, Any]) -> Response:
    """Rows are plain JSON values already (the query tool's encoding): dump them directly."""
    return current_app.response_class(json.dumps(body, ensure_ascii=False, default=str, allow_nan=False),
                                      mimetype="application/json")


def _relation_ref(source: Any) -> Any:
    return parse_ref({"kind": "table", **source} if "kind" not in source else source, allow=RELATION_KINDS)


@bp.get(f"{SERVER_API}/rows")
def read_rows(server_id: int) -> ResponseReturnValue:
    """Rows of a table or view: limit, offset, sort, dir, filter, op, value."""
    target = request_target(server_id)
    ref = _relation_ref(request.args.to_dict())
    return _json(data.read_rows(target, ref, data.parse_row_query(request.args)))


@bp.post(f"{SERVER_API}/rows/changes")
def change_rows(server_id: int) -> ResponseReturnValue:
    """Apply (or preview) inserts, updates and deletes in one transaction."""
    target = request_target(server_id)
    body = json_body()
    ref = _relation_ref(body)
    return _json(data.apply_changes(target, ref, body))
