"""Reading, validating and saving a user's preferences (one JSON document per user); no Flask globals."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgadmin_lite.errors import BadRequest
from pgadmin_lite.extensions import db
from pgadmin_lite.models.workspace import UserPreferences
from pgadmin_lite.preferences import shortcuts
from pgadmin_lite.preferences.checks import known_object

THEMES = ("system", "light", "dark")
FONT_SIZES = range(10, 25)
MODE_NAMES = ("autocommit", "auto_rollback", "single_transaction")  # servers.fields.QUERY_MODES, by name
EXPLAIN_NAMES = ("analyze", "verbose", "costs", "settings", "buffers", "wal", "timing", "summary")  # explain.OPTIONS
EXPLAIN_DEFAULTS = {name: name in ("costs", "timing", "summary") for name in EXPLAIN_NAMES}  # PostgreSQL's
# null: no preference (the server's query_modes, else the QUERY_* settings; the preview: RESULT_PREVIEW_ROWS).
DEFAULTS: dict[str, Any] = {"theme": "system", "editor_font_size": 13,
                            "default_modes": dict.fromkeys(MODE_NAMES), "result_preview_rows": None,
                            "shortcuts": {},  # the query tool's: overrides only, {action: [keys]}
                            "explain_options": EXPLAIN_DEFAULTS}


def _check_int(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadRequest(f"{name} must be an integer from {low} to {high}.", field=name)
    return value


def _check_modes(value: Any) -> dict[str, bool | None]:
    for name, mode in known_object(value, "default_modes", MODE_NAMES, "transaction mode").items():
        if mode is not None and not isinstance(mode, bool):
            raise BadRequest(f"default_modes.{name} must be true, false or null (the server's default).",
                             field=f"default_modes.{name}")
    return dict(value)


def _check_explain(value: Any) -> dict[str, bool]:
    for name, ticked in known_object(value, "explain_options", EXPLAIN_NAMES, "EXPLAIN option").items():
        if not isinstance(ticked, bool):
            raise BadRequest(f"explain_options.{name} must be true or false.", field=f"explain_options.{name}")
    return dict(value)


def validate(body: Mapping[str, Any], current: Mapping[str, Any], *, max_preview_rows: int) -> dict[str, Any]:
    """The preferences after applying body's keys to current; any unknown key or bad value is a 400."""
    unknown = sorted(set(body) - set(DEFAULTS))
    if unknown:
        raise BadRequest(f"Unknown preference {', '.join(unknown)}; known: {', '.join(DEFAULTS)}.")
    merged = {**current}
    if "theme" in body:
        if body["theme"] not in THEMES:
            raise BadRequest(f"theme must be one of {', '.join(THEMES)}.", field="theme")
        merged["theme"] = body["theme"]
    if "editor_font_size" in body:
        merged["editor_font_size"] = _check_int(body["editor_font_size"], "editor_font_size",
                                                FONT_SIZES.start, FONT_SIZES.stop - 1)
    if "default_modes" in body:
        merged["default_modes"] = {**current["default_modes"], **_check_modes(body["default_modes"])}
    if "explain_options" in body:
        merged["explain_options"] = {**current["explain_options"], **_check_explain(body["explain_options"])}
    if "result_preview_rows" in body:
        rows = body["result_preview_rows"]
        merged["result_preview_rows"] = None if rows is None else _check_int(
            rows, "result_preview_rows", 1, max_preview_rows)
    if "shortcuts" in body:
        merged["shortcuts"] = shortcuts.check(body["shortcuts"], current["shortcuts"])
    return merged


def _stored(user_id: int) -> UserPreferences | None:
    return db.session.get(UserPreferences, user_id)


def load(user_id: int) -> dict[str, Any]:
    """The user's preferences, every key present (a stored document is read through the defaults)."""
    row = _stored(user_id)
    data = row.data if row is not None else {}
    merged = {**DEFAULTS, **{key: value for key, value in data.items() if key in DEFAULTS}}
    stored_modes = data.get("default_modes") or {}
    merged["default_modes"] = {name: stored_modes.get(name) for name in MODE_NAMES}
    merged["shortcuts"] = {name: keys for name, keys in (data.get("shortcuts") or {}).items()
                           if name in shortcuts.BY_NAME}  # an action since removed is forgotten
    stored_explain = data.get("explain_options") or {}
    merged["explain_options"] = {name: stored_explain.get(name, default) for name, default in EXPLAIN_DEFAULTS.items()}
    return merged


def save(user_id: int, body: Mapping[str, Any], *, max_preview_rows: int) -> dict[str, Any]:
    """Validate body against the stored preferences, then store the result (nothing is stored on a 400)."""
    merged = validate(body, load(user_id), max_preview_rows=max_preview_rows)
    row = _stored(user_id)
    if row is None:
        db.session.add(UserPreferences(user_id=user_id, data=merged))
    else:
        row.data = merged
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return merged


def preview_rows(preferences: Mapping[str, Any], max_preview_rows: int, server_rows: int | None = None) -> int:
    """The preview size a new query tool uses: the user's, else the server's default, never above the setting."""
    wanted = preferences.get("result_preview_rows")
    wanted = server_rows if wanted is None else wanted
    return max_preview_rows if wanted is None else min(wanted, max_preview_rows)
