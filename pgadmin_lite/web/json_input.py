"""The one JSON parser for untrusted input (request bodies, servers.json): bounded, or a clear BadRequest.

No Flask here, so the CLI parses files with the same rules as the API parses bodies. Refused: nesting deeper
than MAX_DEPTH (Python's parser would hit its recursion limit: a 500), integers outside a signed 64-bit
range (every id and count column is at most BIGINT; SQLite overflows on more), NaN and Infinity (not JSON),
and strings or keys holding NUL or a lone surrogate (PostgreSQL, SQLite and UTF-8 encoders reject them later,
after side effects may have happened).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from pgadmin_lite.errors import BadRequest

MAX_DEPTH = 64
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
UNSAFE_TEXT = re.compile("[\x00\ud800-\udfff]")


def _bounded_int(text: str) -> int:
    value = int(text)
    if not INT_MIN <= value <= INT_MAX:
        raise BadRequest(f"The number {text[:30]}{'…' if len(text) > 30 else ''} is outside the 64-bit integer "
                         "range this API accepts.")
    return value


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise BadRequest(f"The number {text[:30]} is too large.")
    return value


def _refuse_constant(name: str) -> Any:
    raise BadRequest(f"{name} is not valid JSON.")


def _check_text(text: str, where: str) -> None:
    match = UNSAFE_TEXT.search(text)
    if match:
        what = "a NUL character" if match.group() == "\x00" else "a lone surrogate (invalid Unicode)"
        raise BadRequest(f"The JSON {where} holds {what}, which cannot be stored; send valid UTF-8 text.")


def _check_tree(document: Any) -> None:
    """Depth and text checks over the parsed value, iteratively (no recursion to exhaust)."""
    pending: list[tuple[Any, int]] = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            _check_text(value, "text")
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_DEPTH:
            raise BadRequest(f"The JSON is nested deeper than {MAX_DEPTH} levels.")
        if isinstance(value, dict):
            for key in value:
                _check_text(key, "key")
            children = value.values()
        else:
            children = value
        pending.extend((child, depth + 1) for child in children)


def parse_json(data: bytes | str) -> Any:
    """The parsed document, or BadRequest saying what is wrong with it."""
    try:
        document = json.loads(data, parse_int=_bounded_int, parse_float=_finite_float,
                              parse_constant=_refuse_constant)
    except RecursionError:
        raise BadRequest(f"The JSON is nested deeper than {MAX_DEPTH} levels.") from None
    except UnicodeDecodeError:
        raise BadRequest("The JSON is not valid UTF-8.") from None
    except json.JSONDecodeError as exc:
        raise BadRequest(f"The text is not valid JSON: {exc}.") from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise BadRequest(f"The JSON holds a value this API does not accept: {exc}.") from None
    _check_tree(document)
    return document
