"""Faithful JSON encoding of PostgreSQL values: load everything from text, convert only what is exact."""

from __future__ import annotations

from functools import cache
from typing import Any

import psycopg
from psycopg.adapt import Loader
from psycopg.types.string import TextLoader

MAX_SAFE_INT = 2**53
NON_FINITE = {"NaN": "NaN", "Infinity": "Infinity", "-Infinity": "-Infinity", "inf": "Infinity", "-inf": "-Infinity"}


class LossyTextLoader(Loader):
    """Text from a SQL_ASCII database, whose bytes need not be UTF-8: undecodable ones become U+FFFD."""

    def load(self, data: bytes | bytearray | memoryview) -> str:
        return str(data, "utf-8", "replace")


class Int8Loader(Loader):
    """JavaScript numbers are exact only up to 2**53; larger values stay strings."""

    def load(self, data: bytes | bytearray | memoryview) -> int | str:
        value = int(data)
        return value if -MAX_SAFE_INT <= value <= MAX_SAFE_INT else str(value)


class FloatLoader(Loader):
    """NaN and infinities are not JSON numbers: they travel as strings."""

    def load(self, data: bytes | bytearray | memoryview) -> float | str:
        text = str(data, "utf-8", "replace")
        return NON_FINITE.get(text) or float(text)


# int2, int4, oid and bool keep psycopg's own (C) loaders: they already give exact ints and booleans.
SPECIAL = {"int8": Int8Loader, "float4": FloatLoader, "float8": FloatLoader}
# Types psycopg would turn into Python objects that are not JSON (or not exact): keep their text.
# Dates and times stay as PostgreSQL prints them (ISO 8601 under the default DateStyle, 'infinity' and BC
# included): no Python call per value, and exactly what psql shows.
AS_TEXT = (
    "numeric", "money", "bytea", "date", "time", "timetz", "timestamp", "timestamptz", "interval", "uuid", "inet",
    "cidr", "macaddr", "macaddr8", "xml", "record", "int4range", "int8range", "numrange", "daterange", "tsrange",
    "tstzrange", "int4multirange", "int8multirange", "nummultirange", "datemultirange", "tsmultirange",
    "tstzmultirange", "hstore", "tsvector", "tsquery", "pg_lsn", "bit", "varbit", "point", "line", "lseg", "box",
    "path", "polygon", "circle",
)
# What psycopg's TextLoader serves besides the types (and arrays) it knows: 'unknown' (705), any other type (oid 0).
UNTYPED_OIDS = (0, 705)
STRICT_TEXT_LOADER = psycopg.adapters.get_loader(0, psycopg.pq.Format.TEXT)  # TextLoader, C when available


def _scalar_adapters() -> psycopg.adapt.AdaptersMap:
    """Faithful loaders of single values (psycopg's array loaders reuse them for the elements)."""
    adapters = psycopg.adapt.AdaptersMap(psycopg.adapters)
    for name in AS_TEXT:
        if adapters.types.get(name) is not None:  # extension types (hstore) are unknown until registered
            adapters.register_loader(name, TextLoader)
    for name, loader in SPECIAL.items():
        adapters.register_loader(name, loader)
    return adapters


def keep_text_forms(adapters: psycopg.adapt.AdaptersMap) -> None:
    """JSON and arrays as the user's rows show them: PostgreSQL's text form, exactly as psql prints it.

    `{1,NULL}`, `{{1,2},{3,4}}`, `[0:1]={a,b}` and `{"x y"}` are what the grid, its copies and the CSV show;
    a JSON list could not say the bounds, the delimiter (box uses `;`) or an element's exact text.
    """
    adapters.register_loader("json", TextLoader)
    adapters.register_loader("jsonb", TextLoader)
    for info in adapters.types:
        if info.array_oid:
            adapters.register_loader(info.array_oid, TextLoader)


def build_adapters() -> psycopg.adapt.AdaptersMap:
    """An adapters map for query-tool connections.

    psycopg's TextLoader is its C one: the server's text form is kept without a Python call per value.
    """
    adapters = _scalar_adapters()
    keep_text_forms(adapters)
    return adapters


def adapt_connection(conn: psycopg.Connection[Any]) -> None:
    """A SQL_ASCII database sends bytes unchecked: decode them leniently there instead of failing the fetch."""
    if conn.info.parameter_status("server_encoding") != "SQL_ASCII":
        return
    adapters = conn.adapters
    known = [oid for info in adapters.types for oid in (info.oid, info.array_oid) if oid]
    for oid in (*UNTYPED_OIDS, *known):
        if adapters.get_loader(oid, psycopg.pq.Format.TEXT) is STRICT_TEXT_LOADER:
            adapters.register_loader(oid, LossyTextLoader)


@cache
def catalog_adapters() -> psycopg.adapt.AdaptersMap:
    """The query tool's faithful loaders, except that json/jsonb and arrays (what our catalog SQL builds) are parsed."""
    return _scalar_adapters()
