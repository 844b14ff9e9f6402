"""URL converters: every `<int:…>` in a route is a number from 0 to 2^31-1, or the route does not match (404).

Werkzeug's own int converter accepts any length, so /api/v1/servers/99999999999999999999 reached SQLite, which
cannot bind it (OverflowError: a 500), and /api/v1/users/2147483648 reached a PostgreSQL config DB, whose ids are
INTEGER (a 500 too). Registered before any blueprint, this one is `int` for every route.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

INT_MAX = 2**31 - 1  # INTEGER: every id in a URL is a config-DB id or a backend pid, both int4 on PostgreSQL


class BoundedIntConverter(IntegerConverter):
    """An id in a URL: 0 … 2^31-1 by default; a route may only narrow it.

    Eleven digits or more never match; a 10-digit value past the bound fails conversion, after which Werkzeug
    answers 405 for the route's other methods (it checks methods before converters): never a 500 either way.
    """

    regex = r"\d{1,10}"

    def __init__(self, url_map: Map, fixed_digits: int = 0, min: int = 0,
                 max: int = INT_MAX, signed: bool = False) -> None:
        super().__init__(url_map, fixed_digits, min, max if max < INT_MAX else INT_MAX, signed)


def init_app(app: Flask) -> None:
    """Replace `int` before any route is added, so no route can use the unbounded one."""
    app.url_map.converters["int"] = BoundedIntConverter
