"""Secrets out of a statement shown to others: a password literal is replaced as the object browser shows it."""

from __future__ import annotations

import re

MASK = "'********'"
# PASSWORD 'x', ENCRYPTED PASSWORD E'x', PASSWORD $$x$$ / $tag$x$tag$ (as ALTER/CREATE ROLE and USER MAPPING take).
PASSWORD_LITERAL = re.compile(
    r"(\bpassword\b\s*)(?:[eE]?'(?:[^']|'')*'?|(\$[A-Za-z_]*\$).*?(?:\2|$))", re.IGNORECASE | re.DOTALL)
# password 'x' in OPTIONS (...) of a server or user mapping, or a conninfo string: key=value / key 'value'.
CONNINFO_PASSWORD = re.compile(r"(\b(?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s']+)", re.IGNORECASE)


def mask_secrets(sql: str) -> str:
    """Never show a password someone typed into a statement (quotes left unbalanced are masked to the end)."""
    return CONNINFO_PASSWORD.sub(r"\1********", PASSWORD_LITERAL.sub(lambda m: m.group(1) + MASK, sql))


def preview(sql: str | None, limit: int = 200) -> str | None:
    """One line of at most `limit` characters, secrets masked first (a cut never reveals half a password)."""
    if sql is None:
        return None
    text = " ".join(mask_secrets(sql).split())
    return text if len(text) <= limit else text[:limit - 1] + "\N{HORIZONTAL ELLIPSIS}"
