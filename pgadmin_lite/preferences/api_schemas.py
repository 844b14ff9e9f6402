"""OpenAPI schemas of the preferences API (clients and the schemathesis run build requests from them)."""

from __future__ import annotations

from typing import Any

from pgadmin_lite.preferences.service import EXPLAIN_NAMES, FONT_SIZES, MODE_NAMES, THEMES
from pgadmin_lite.preferences.shortcuts import BY_NAME, MAX_KEYS

KEYS = {"type": ["array", "null"], "maxItems": MAX_KEYS, "items": {"type": "string"}}
MODE = {"type": ["boolean", "null"], "description": "null: the server's default"}
PREFERENCES: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": {
    "theme": {"enum": list(THEMES)},
    "editor_font_size": {"type": "integer", "minimum": FONT_SIZES.start, "maximum": FONT_SIZES.stop - 1},
    "default_modes": {"type": "object", "additionalProperties": False,
                      "properties": dict.fromkeys(MODE_NAMES, MODE)},
    "result_preview_rows": {"type": ["integer", "null"], "minimum": 1,
                            "description": "at most RESULT_PREVIEW_ROWS; null: that setting"},
    "shortcuts": {"type": "object", "additionalProperties": False, "description": "the query tool's keys per action "
                  "(CodeMirror notation, Mod = Ctrl or Cmd); null: the default; a key serves one action only",
                  "properties": {name: KEYS for name in BY_NAME}},
    "explain_options": {"type": "object", "additionalProperties": False, "description": "the query tool's Explain",
                        "properties": {name: {"type": "boolean"} for name in EXPLAIN_NAMES}},
}}
SCHEMAS = {"preferences.get_preferences": (None, PREFERENCES),
           "preferences.put_preferences": (PREFERENCES, PREFERENCES)}
