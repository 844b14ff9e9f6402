"""The workspace layout document: its shape checked strictly, stored per user in WorkspaceLayout."""

from __future__ import annotations

import re
from typing import Any

from pgadmin_lite.errors import BadRequest
from pgadmin_lite.extensions import db
from pgadmin_lite.models.workspace import WorkspaceLayout

TAB_KINDS = frozenset({"query_tool", "object", "dashboard", "files", "jobs", "servers"})
MAX_TABS = 50
MAX_PARAMS = 16
MAX_TITLE_CHARS = 200
MAX_VALUE_CHARS = 1000
MIN_PANEL_WIDTH, MAX_PANEL_WIDTH = 160, 1200
TAB_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
PARAM_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
EMPTY: dict[str, Any] = {"tabs": [], "active": None, "panel_width": None}


def _text(value: Any, what: str, limit: int, *, allow_newline: bool = False) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise BadRequest(f"{what} must be a string of at most {limit} characters.")
    if _CONTROL.search(value.replace("\n", "") if allow_newline else value):
        raise BadRequest(f"{what} must not contain control characters.")
    return value


def _params(value: Any, where: str) -> dict[str, str | int]:
    if not isinstance(value, dict) or len(value) > MAX_PARAMS:
        raise BadRequest(f"{where}.params must be an object of at most {MAX_PARAMS} fields.")
    params: dict[str, str | int] = {}
    for name, item in value.items():
        if not PARAM_NAME.fullmatch(name):
            raise BadRequest(f"{where}.params: {name[:40]!r} is not a parameter name (a-z, 0-9, _).")
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            raise BadRequest(f"{where}.params.{name} must be a string or an integer.")
        params[name] = item if isinstance(item, int) else _text(item, f"{where}.params.{name}", MAX_VALUE_CHARS,
                                                               allow_newline=True)
    return params


def _tab(value: Any, index: int) -> dict[str, Any]:
    where = f"tabs[{index}]"
    if not isinstance(value, dict) or set(value) - {"id", "kind", "title", "params"}:
        raise BadRequest(f"{where} must be an object with id, kind, title and params only.")
    tab_id = value.get("id")
    if not isinstance(tab_id, str) or not TAB_ID.fullmatch(tab_id):
        raise BadRequest(f"{where}.id must be 1-64 letters, digits, - or _.")
    if value.get("kind") not in TAB_KINDS:
        raise BadRequest(f"{where}.kind must be one of: {', '.join(sorted(TAB_KINDS))}.")
    return {"id": tab_id, "kind": value["kind"], "title": _text(value.get("title"), f"{where}.title", MAX_TITLE_CHARS),
            "params": _params(value.get("params", {}), where)}


def check_layout(body: dict[str, Any]) -> dict[str, Any]:
    """The layout as stored: {"tabs": [...], "active": tab id or null, "panel_width": px or null}; else 400."""
    unknown = set(body) - set(EMPTY)
    if unknown:
        raise BadRequest(f"Unknown field(s): {', '.join(sorted(unknown))[:200]}.")
    raw_tabs = body.get("tabs")
    if not isinstance(raw_tabs, list) or len(raw_tabs) > MAX_TABS:
        raise BadRequest(f"tabs must be a list of at most {MAX_TABS} tabs.")
    tabs = [_tab(tab, index) for index, tab in enumerate(raw_tabs)]
    ids = [tab["id"] for tab in tabs]
    if len(set(ids)) != len(ids):
        raise BadRequest("Each tab id must be unique.")
    active = body.get("active")
    if active is not None and active not in ids:
        raise BadRequest("active must be the id of one of the tabs, or null.")
    width = body.get("panel_width")
    if width is not None and (isinstance(width, bool) or not isinstance(width, int)
                              or not MIN_PANEL_WIDTH <= width <= MAX_PANEL_WIDTH):
        raise BadRequest(f"panel_width must be an integer from {MIN_PANEL_WIDTH} to {MAX_PANEL_WIDTH}, or null.")
    return {"tabs": tabs, "active": active, "panel_width": width}


def get_layout(user_id: int) -> dict[str, Any]:
    """The user's saved layout, or an empty one."""
    row = db.session.get(WorkspaceLayout, user_id)
    if row is None:
        return {**EMPTY, "updated_at": None}
    return {**EMPTY, **row.data, "updated_at": row.updated_at.isoformat()}


def save_layout(user_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Replace the user's layout with a checked one (nothing is written when it is refused)."""
    data = check_layout(body)
    row = db.session.get(WorkspaceLayout, user_id)
    if row is None:
        row = WorkspaceLayout(user_id=user_id, data=data)
        db.session.add(row)
    else:
        row.data = data
    db.session.commit()
    return {**data, "updated_at": row.updated_at.isoformat()}
