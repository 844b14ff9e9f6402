"""Faithful JSON encoding of PostgreSQL values: load everything from text, convert only what is exact."""

from __future__ import annotations

import re

import psycopg
from psycopg.adapt import Loader

MAX_SAFE_INT = 2**53
OFFSET_RE = re.compile(r"([+-]\d\d)$")
NON_FINITE = {"NaN": "NaN", "Infinity": "Infinity", "-Infinity": "-Infinity", "inf": "Infinity", "-inf": "-Infinity"}


def _text(data: bytes | bytearray | memoryview) -> str:
    return bytes(data).decode("utf-8", "replace")


class TextLoader(Loader):
    """The server's own text form (numeric keeps every digit, bytea arrives as \\x hex, json as written)."""

    def load(self, data: bytes | bytearray | memoryview) -> str:
        return _text(data)


class IntLoader(Loader):
    def load(self, data: bytes | bytearray | memoryview) -> int:
        return int(data)


class Int8Loader(Loader):
    """JavaScript numbers are exact only up to 2**53; larger values stay strings."""

    def load(self, data: bytes | bytearray | memoryview) -> int | str:
        value = int(data)
        return value if -MAX_SAFE_INT <= value <= MAX_SAFE_INT else str(value)


class FloatLoader(Loader):
    """NaN and infinities are not JSON numbers: they travel as strings."""

    def load(self, data: bytes | bytearray | memoryview) -> float | str:
        text = _text(data)
        return NON_FINITE.get(text) or float(text)


class BoolLoader(Loader):
    def load(self, data: bytes | bytearray | memoryview) -> bool:
        return bytes(data) == b"t"


class TimestampLoader(Loader):
    """ISO 8601 with a 'T' and a full +HH:MM offset; 'infinity' and BC dates pass through as text."""

    def load(self, data: bytes | bytearray | memoryview) -> str:
        text = _text(data)
        if text[:1].isdigit() and " " in text and not text.endswith(" BC"):
            text = text.replace(" ", "T", 1)
        return OFFSET_RE.sub(r"\1:00", text)


class TimeTzLoader(Loader):
    def load(self, data: bytes | bytearray | memoryview) -> str:
        return OFFSET_RE.sub(r"\1:00", _text(data))


SPECIAL = {
    "int2": IntLoader, "int4": IntLoader, "oid": IntLoader, "int8": Int8Loader,
    "float4": FloatLoader, "float8": FloatLoader, "bool": BoolLoader,
    "timestamp": TimestampLoader, "timestamptz": TimestampLoader, "timetz": TimeTzLoader,
}
# Types psycopg would turn into Python objects that are not JSON (or not exact): keep their text.
AS_TEXT = (
    "numeric", "money", "bytea", "date", "time", "interval", "json", "jsonb", "uuid", "inet", "cidr",
    "macaddr", "macaddr8", "xml", "record", "int4range", "int8range", "numrange", "daterange", "tsrange",
    "tstzrange", "int4multirange", "int8multirange", "nummultirange", "datemultirange", "tsmultirange",
    "tstzmultirange", "hstore", "tsvector", "tsquery", "pg_lsn", "bit", "varbit", "point", "line", "lseg",
    "box", "path", "polygon", "circle",
)


def build_adapters() -> psycopg.adapt.AdaptersMap:
    """An adapters map for query-tool connections (arrays reuse these element loaders)."""
    adapters = psycopg.adapt.AdaptersMap(psycopg.adapters)
    for name in AS_TEXT:
        if adapters.types.get(name) is not None:  # extension types (hstore) are unknown until registered
            adapters.register_loader(name, TextLoader)
    for name, loader in SPECIAL.items():
        adapters.register_loader(name, loader)
    return adapters
