"""The export formats: rows as the API types them (encoding.py) written as CSV, TSV, JSON, NDJSON, SQL or XLSX."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from psycopg import sql

EXPORT_CHUNK_BYTES = 64 * 1024  # rows arrive one at a time; write and send bigger pieces
CSV_SPECIAL = (",", '"', "\n", "\r")
# PostgreSQL's COPY text format (CopyAttributeOutText): the backslash escapes, NULL as \N.
COPY_TEXT_ESCAPES = str.maketrans({"\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
                                   "\v": "\\v"})
Rows = Iterable[Sequence[Any]]


@dataclass(frozen=True)
class Format:
    """One export format: its file, and the COPY that reads a read-only result again in it (None: rows are read)."""

    name: str
    content_type: str
    copy_options: str | None = None

    @property
    def extension(self) -> str:
        return self.name


FORMATS = {f.name: f for f in (
    Format("csv", "text/csv; charset=utf-8", "FORMAT csv, HEADER true"),
    # TSV is PostgreSQL's COPY text format with a header line: lossless, and COPY … FROM / \copy load it back.
    Format("tsv", "text/tab-separated-values; charset=utf-8", "FORMAT text, HEADER true"),
    Format("json", "application/json"),
    Format("ndjson", "application/x-ndjson"),
    Format("sql", "application/sql; charset=utf-8"),
    Format("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
)}


@dataclass(frozen=True)
class Target:
    """Where the rows go: their columns, the table an SQL export inserts into, a private directory for XLSX."""

    columns: list[dict[str, str]]
    table: tuple[str, ...]
    workdir: Path


def pg_text(value: Any) -> str:
    """The server's text form of a value our loaders turned into JSON (booleans, numbers, arrays)."""
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, list):
        return "{" + ",".join(_array_item(item) for item in value) + "}"
    return str(value)


def _array_item(item: Any) -> str:
    if item is None:
        return "NULL"
    text = pg_text(item)
    if isinstance(item, list):
        return text
    if text == "" or text.upper() == "NULL" or any(ch in text for ch in ' {},"\\') or text != text.strip():
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def csv_field(value: Any) -> str:
    """One value as PostgreSQL's CSV writes it: NULL unquoted and empty, the empty string quoted."""
    if value is None:
        return ""
    text = pg_text(value)
    if text == "" or any(ch in text for ch in CSV_SPECIAL) or text == "\\.":
        return '"' + text.replace('"', '""') + '"'
    return text


def copy_text_field(value: Any) -> str:
    """One value as COPY's text format writes it."""
    return "\\N" if value is None else pg_text(value).translate(COPY_TEXT_ESCAPES)


def quote_literal(text: str) -> str:
    """PostgreSQL's quote_literal(): quotes doubled; with a backslash, an E'' string with backslashes doubled."""
    body = text.replace("'", "''")
    if "\\" in text:
        return "E'" + body.replace("\\", "\\\\") + "'"
    return "'" + body + "'"


def sql_value(value: Any) -> str:
    """A value as an SQL constant the column's type accepts (numbers bare, the rest as typed literals' text)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return quote_literal(pg_text(value))


def unique_keys(columns: list[dict[str, str]]) -> list[str]:
    """Object keys for the columns: a repeated name (two `?column?`) gets _2, _3 … so no value is lost."""
    seen: dict[str, int] = {}
    keys = []
    for column in columns:
        name = column["name"]
        seen[name] = seen.get(name, 0) + 1
        keys.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return keys


def chunked(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """Join small pieces into chunks of about EXPORT_CHUNK_BYTES (a bounded buffer)."""
    buffer = bytearray()
    for piece in pieces:
        buffer += piece
        if len(buffer) >= EXPORT_CHUNK_BYTES:
            yield bytes(buffer)
            buffer.clear()
    if buffer:
        yield bytes(buffer)


def _delimited(field: Callable[[Any], str], separator: str) -> Callable[[Target, Rows], Iterator[bytes]]:
    def lines(target: Target, rows: Rows) -> Iterator[bytes]:
        yield (separator.join(field(column["name"]) for column in target.columns) + "\n").encode()
        for row in rows:
            yield (separator.join(field(value) for value in row) + "\n").encode()
    return lines


def _json(target: Target, rows: Rows) -> Iterator[bytes]:
    keys, separator = unique_keys(target.columns), b"[\n"
    for row in rows:
        yield separator + orjson.dumps(dict(zip(keys, row, strict=True)))
        separator = b",\n"
    yield b"]\n" if separator != b"[\n" else b"[]\n"


def _ndjson(target: Target, rows: Rows) -> Iterator[bytes]:
    keys = unique_keys(target.columns)
    for row in rows:
        yield orjson.dumps(dict(zip(keys, row, strict=True)), option=orjson.OPT_APPEND_NEWLINE)


def _inserts(target: Target, rows: Rows) -> Iterator[bytes]:
    names = sql.SQL(", ").join(sql.Identifier(column["name"]) for column in target.columns)
    head = sql.SQL("INSERT INTO {} ({}) VALUES (").format(sql.Identifier(*target.table), names).as_string(None)
    for row in rows:
        yield (head + ", ".join(sql_value(value) for value in row) + ");\n").encode()


def _xlsx(target: Target, rows: Rows) -> Iterator[bytes]:
    """The workbook is built in a private temp file (XlsxWriter's constant_memory: a row at a time), then sent."""
    from pgadmin_lite.connections.export_xlsx import write_workbook  # XlsxWriter loads only for an XLSX export

    target.workdir.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.workdir, prefix="export-", suffix=".xlsx")  # mode 0600
    os.close(fd)
    try:
        write_workbook(name, target, rows)
        with open(name, "rb") as file:
            os.unlink(name)  # the open file is all that is left of it
            yield from iter(lambda: file.read(EXPORT_CHUNK_BYTES), b"")
    finally:
        if os.path.exists(name):
            os.unlink(name)


WRITERS: dict[str, Callable[[Target, Rows], Iterator[bytes]]] = {
    "csv": _delimited(csv_field, ","), "tsv": _delimited(copy_text_field, "\t"), "json": _json,
    "ndjson": _ndjson, "sql": _inserts, "xlsx": _xlsx,
}


def encode(fmt: Format, target: Target, rows: Rows) -> Iterator[bytes]:
    """The rows written in the format, in chunks of about EXPORT_CHUNK_BYTES."""
    pieces = WRITERS[fmt.name](target, rows)
    return pieces if fmt.name == "xlsx" else chunked(pieces)
