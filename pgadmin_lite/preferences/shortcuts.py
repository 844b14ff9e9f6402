"""The query tool's keyboard shortcuts: the one table its keymap, its help overlay and Preferences are built from.

A binding is CodeMirror's key notation ("Mod-Shift-Enter", "Shift-Alt-f", "F5"); `Mod` is Ctrl (Cmd on a Mac).
A user's preference overrides an action's bindings; a key may serve one action only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from pgadmin_lite.errors import BadRequest
from pgadmin_lite.preferences.checks import known_object


class Action(NamedTuple):
    """One thing a shortcut does in the query tool."""

    name: str
    label: str
    keys: tuple[str, ...]  # the defaults


ACTIONS = (
    Action("execute", "Execute the selection, or the whole script", ("F5", "Mod-Enter")),
    Action("execute_statement", "Execute the statement under the cursor", ("Mod-Shift-Enter",)),
    Action("explain", "Explain the selection, or the statement under the cursor", ("F7",)),
    Action("explain_analyze", "Explain Analyze the selection, or the statement under the cursor", ("Shift-F7",)),
    Action("format", "Format SQL: the selection, or the whole text", ("Shift-Alt-f",)),
    Action("find", "Find and replace", ("Mod-f",)),
    Action("toggle_comment", "Comment or uncomment the lines", ("Mod-/",)),
    Action("file_open", "Open a file from your storage", ("Mod-o",)),
    Action("file_save", "Save to the current file", ("Mod-s",)),
    Action("file_save_as", "Save to a new file", ("Mod-Shift-s",)),
    Action("shortcuts_help", "Show these keyboard shortcuts", ("F1",)),
)
BY_NAME = {action.name: action for action in ACTIONS}
MAX_KEYS = 3
MODIFIERS = ("Mod", "Ctrl", "Meta", "Alt", "Shift")
NAMED_KEYS = ("Enter", "Space", "Tab", "Backspace", "Delete", "Insert", "Home", "End", "PageUp", "PageDown",
              "ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight")
FUNCTION_KEY = re.compile(r"F(?:[1-9]|1[0-2])")
PRINTABLE = re.compile(r"[!-~]")  # one ASCII character other than space


def normalize(key: Any, where: str) -> str:
    """key in canonical form (modifiers in MODIFIERS order, a letter lower-case), or a 400 saying what is wrong."""
    if not isinstance(key, str) or not key.strip():
        raise BadRequest(f"{where}: a shortcut must be a key such as \"Mod-Shift-Enter\" or \"F5\".", field=where)
    *mods, base = re.split(r"-(?=.)", key.strip())
    unknown = [mod for mod in mods if mod.capitalize() not in MODIFIERS]
    if unknown or len(set(mods)) != len(mods):
        raise BadRequest(f"{where}: {key!r} has an unknown or repeated modifier; use {', '.join(MODIFIERS)}.",
                         field=where)
    names = {name.lower(): name for name in NAMED_KEYS}
    if FUNCTION_KEY.fullmatch(base.upper()):
        base = base.upper()
    elif base.lower() in names:
        base = names[base.lower()]
    elif PRINTABLE.fullmatch(base):
        base = base.lower()
    else:
        raise BadRequest(f"{where}: {key!r} names no key; use a character, F1 to F12 or {', '.join(NAMED_KEYS)}.",
                         field=where)
    chosen = {mod.capitalize() for mod in mods}
    if not FUNCTION_KEY.fullmatch(base) and not chosen - {"Shift"}:
        raise BadRequest(f"{where}: {key!r} would stop that key from typing; add Mod, Ctrl, Alt or Meta "
                         "(or use F1 to F12).", field=where)
    return "-".join([*(mod for mod in MODIFIERS if mod in chosen), base])


def _conflict_key(key: str) -> str:
    """Mod is Ctrl on Linux and Windows: the two clash."""
    *mods, base = re.split(r"-(?=.)", key)
    return "-".join(sorted({"Ctrl" if mod == "Mod" else mod for mod in mods})) + "|" + base


def check(value: Any, current: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """The overrides after applying value ({action: [keys] or null for the default}); refused whole on any error."""
    known_object(value, "shortcuts", BY_NAME, "shortcut action", "an object of action: [keys]")
    merged = {name: list(keys) for name, keys in current.items() if name in BY_NAME}
    for name, keys in value.items():
        where = f"shortcuts.{name}"
        if keys is None:
            merged.pop(name, None)
            continue
        if not isinstance(keys, list) or len(keys) > MAX_KEYS:
            raise BadRequest(f"{where} must be a list of at most {MAX_KEYS} keys (or null: the default).", field=where)
        merged[name] = list(dict.fromkeys(normalize(key, where) for key in keys))
    _refuse_duplicates(effective(merged))
    return merged


def _refuse_duplicates(table: Mapping[str, list[str]]) -> None:
    seen: dict[str, str] = {}
    for name, keys in table.items():
        for key in keys:
            other = seen.setdefault(_conflict_key(key), name)
            if other != name:
                raise BadRequest(f"{key} is already the shortcut of {BY_NAME[other].label!r}; "
                                 f"choose another key for {BY_NAME[name].label!r}.", field=f"shortcuts.{name}")


def effective(overrides: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Every action's bindings: the user's where set, else the defaults."""
    return {action.name: list(overrides.get(action.name, action.keys)) for action in ACTIONS}


def table(overrides: Mapping[str, list[str]]) -> list[dict[str, Any]]:
    """What the query tool builds its keymap and help from: name, label, keys and defaults of each action."""
    keys = effective(overrides)
    return [{"name": action.name, "label": action.label, "keys": keys[action.name], "defaults": list(action.keys)}
            for action in ACTIONS]
