"""The editor's text actions: the statement under the cursor (psql's boundaries) and Format SQL (PostgreSQL's parser).

Offsets cross the API in UTF-16 code units, as the browser's strings count them; Python counts code points.
"""

from __future__ import annotations

from typing import Any

from pgadmin_lite.connections.splitter import SPACE, split_text
from pgadmin_lite.errors import AppError, BadRequest


class SqlSyntaxError(AppError):
    """PostgreSQL's parser refused the text to format: nothing is changed."""

    code = "syntax_error"


def to_points(text: str, units: int) -> int:
    """The code-point index of a UTF-16 offset into text."""
    count = 0
    for index, char in enumerate(text):
        if count >= units:
            return index
        count += 2 if ord(char) > 0xFFFF else 1
    return len(text)


def to_units(text: str, points: int) -> int:
    """The UTF-16 offset of a code-point index into text."""
    return points + sum(1 for char in text[:points] if ord(char) > 0xFFFF)


def statement_at(text: str, cursor: int) -> tuple[int, int] | None:
    """[from, to) of the statement the cursor is in (UTF-16 offsets, without its semicolon), or None.

    Between statements, the one ended before the cursor wins (a cursor just after `;`), else the next one.
    """
    at = to_points(text, cursor)
    chosen = None
    for statement in split_text(text):
        if statement.offset > at and chosen is not None:
            break
        chosen = statement
        if statement.end >= at:
            break
    if chosen is None:
        return None
    end = chosen.end - 1 if chosen.is_terminated else chosen.end
    to = len(text[:end].rstrip(SPACE))
    return to_units(text, chosen.offset), to_units(text, to)


def format_sql(text: str) -> str:
    """text pretty-printed by pglast, comments kept; a syntax error is a 400 with its position (1-based)."""
    if not text.strip():
        raise BadRequest("There is no SQL to format.")
    from pglast import prettify  # PostgreSQL's parser: loaded by the first Format, not at start-up
    from pglast.parser import ParseError

    try:
        return prettify(text, safety_belt=True, preserve_comments=True,
                        semicolon_after_last_statement=_ends_with_semicolon(text))
    except ParseError as err:
        raise SqlSyntaxError(f"Not formatted: {err.args[0]}.", position=to_units(text, err.args[1]) + 1,
                             hint="Fix the statement (or select only valid SQL), then Format again.") from None
    except Exception as err:  # a statement pglast's printer does not handle: say so, change nothing
        raise BadRequest(f"Not formatted: {err}.", hint="Format a smaller selection.") from None


def _ends_with_semicolon(text: str) -> bool:
    statements = split_text(text)
    return bool(statements) and statements[-1].is_terminated


def check_text(body: dict[str, Any], name: str = "sql") -> str:
    """The body's SQL text, or a clear 400."""
    value = body.get(name)
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a string.", field=name)
    return value
