"""What an export is called: the one table its statement reads or changes, else the statement's first words."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

IDENT = r'(?:"(?:[^"]|"")+"|[^\W\d][\w$]*)'
QUALIFIED = re.compile(rf"({IDENT})(?:\s*\.\s*({IDENT}))?", re.S)
COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
# The statement's words up to its one table: SELECT … FROM, TABLE, INSERT INTO, UPDATE [ONLY], DELETE FROM.
LEAD = re.compile(r"\s*(?:select\b.*?\bfrom|table|insert\s+into|update|delete\s+from)\s+(?:only\s+)?", re.I | re.S)
# Whatever follows the table in a query that reads one table only (no join, no second FROM item, no set operation).
MORE_TABLES = re.compile(r"\b(?:join|union|intersect|except|from)\b|^\s*(?:(?:as\s+)?\w+\s*)?,", re.I)
FIRST_WORDS = 3
MAX_STEM = 60
UNSAFE = re.compile(r"[^\w-]+")
DEFAULT_TABLE = ("export",)


def source_table(statement: str) -> tuple[str, ...] | None:
    """The (schema, name) or (name,) of the one table a simple statement reads or changes; None if not that simple."""
    text = COMMENTS.sub(" ", statement)
    lead = LEAD.match(text)
    name = QUALIFIED.match(text, lead.end()) if lead is not None else None
    if name is None:
        return None
    rest = text[name.end():]
    if lead.group(0).lstrip()[:6].lower() == "select" and (rest.lstrip().startswith("(") or MORE_TABLES.search(rest)):
        return None  # a function in FROM, a join, a subquery: not one table
    return tuple(_unquote(part) for part in name.groups() if part is not None)


def _unquote(ident: str) -> str:
    """An identifier as PostgreSQL reads it: quoted as written, unquoted folded to lower case."""
    return ident[1:-1].replace('""', '"') if ident.startswith('"') else ident.lower()


def file_stem(statement: str, table: tuple[str, ...] | None) -> str:
    """A file name without extension: the table's name, else the first words; only letters, digits, _ and -."""
    words = table[-1] if table else " ".join(COMMENTS.sub(" ", statement).split()[:FIRST_WORDS]).lower()
    stem = UNSAFE.sub("_", unicodedata.normalize("NFC", words)).strip("_-")[:MAX_STEM]
    return stem or "export"


def content_disposition(filename: str) -> str:
    """An attachment named filename: an ASCII fallback, and the exact name as RFC 6266's filename*."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode() or "export"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
