"""Split a SQL script into statements the way psql does: on semicolons outside quotes and comments."""

from __future__ import annotations

import re
from dataclasses import dataclass

DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$")


@dataclass(frozen=True)
class Statement:
    """One statement and where it starts in the script (for error positions)."""

    sql: str
    offset: int


def _skip_quoted(script: str, i: int, quote: str, backslash_escapes: bool) -> int:
    """Return the index after the closing quote; doubled quotes stay inside."""
    i += 1
    while i < len(script):
        ch = script[i]
        if backslash_escapes and ch == "\\":
            i += 2
            continue
        if ch == quote:
            if i + 1 < len(script) and script[i + 1] == quote:
                i += 2
                continue
            return i + 1
        i += 1
    return i


def _skip_block_comment(script: str, i: int) -> int:
    """Block comments nest in PostgreSQL."""
    depth, i = 1, i + 2
    while i < len(script) and depth:
        if script.startswith("/*", i):
            depth, i = depth + 1, i + 2
        elif script.startswith("*/", i):
            depth, i = depth - 1, i + 2
        else:
            i += 1
    return i


def _skip_token(script: str, i: int) -> int:
    """Return the index after a quoted string, identifier, comment or dollar quote at i, else i."""
    ch = script[i]
    if ch == "'":
        escaped = i > 0 and script[i - 1] in "eE" and (i < 2 or not (script[i - 2].isalnum() or script[i - 2] == "_"))
        return _skip_quoted(script, i, "'", escaped)
    if ch == '"':
        return _skip_quoted(script, i, '"', False)
    if script.startswith("--", i):
        end = script.find("\n", i)
        return len(script) if end < 0 else end + 1
    if script.startswith("/*", i):
        return _skip_block_comment(script, i)
    if ch == "$" and (i == 0 or not (script[i - 1].isalnum() or script[i - 1] == "_")):
        match = DOLLAR_TAG.match(script, i)
        if match:
            end = script.find(match.group(0), match.end())
            return len(script) if end < 0 else end + len(match.group(0))
    return i


def is_blank(sql: str) -> bool:
    """True if sql holds only whitespace and comments."""
    i = 0
    while i < len(sql):
        if sql[i].isspace():
            i += 1
        elif sql.startswith(("--", "/*"), i):
            i = _skip_token(sql, i)
        else:
            return False
    return True


def split_statements(script: str) -> list[Statement]:
    """Statements in order, without their terminating semicolons; blank ones are dropped."""
    statements: list[Statement] = []
    start = i = 0
    while i < len(script):
        after = _skip_token(script, i)
        if after != i:
            i = after
            continue
        if script[i] == ";":
            _append(statements, script, start, i)
            start = i + 1
        i += 1
    _append(statements, script, start, len(script))
    return statements


def _append(statements: list[Statement], script: str, start: int, end: int) -> None:
    text = script[start:end]
    if is_blank(text):
        return
    lead = len(text) - len(text.lstrip())
    statements.append(Statement(text.strip(), start + lead))


def first_keyword(sql: str) -> str:
    """The statement's first word, upper-cased, after leading comments and parentheses."""
    i = 0
    while i < len(sql):
        if sql[i].isspace() or sql[i] == "(":
            i += 1
        elif sql.startswith(("--", "/*"), i):
            i = _skip_token(sql, i)
        else:
            break
    match = re.match(r"[A-Za-z_]+", sql[i:])
    return match.group(0).upper() if match else ""


def words(sql: str) -> set[str]:
    """Upper-cased words outside strings, identifiers and comments."""
    found: set[str] = set()
    i = 0
    while i < len(sql):
        after = _skip_token(sql, i)
        if after != i:
            i = after
            continue
        match = re.match(r"[A-Za-z_]+", sql[i:])
        if match:
            found.add(match.group(0).upper())
            i += len(match.group(0))
        else:
            i += 1
    return found


STREAMABLE_FIRST = frozenset({"SELECT", "VALUES", "TABLE", "WITH"})
NOT_DECLARABLE = frozenset({"INSERT", "UPDATE", "DELETE", "MERGE", "INTO"})


def is_streamable(sql: str) -> bool:
    """A read-only query that a server-side cursor can page (DECLARE accepts it)."""
    return first_keyword(sql) in STREAMABLE_FIRST and not (words(sql) & NOT_DECLARABLE)
