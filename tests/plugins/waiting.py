"""Waiting for a condition, never for a fixed time: the one poll loop of the tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
POLL_S = 0.02  # between two looks at the condition; the bound is the timeout, not this


def wait_until(condition: Callable[[], T], what: str | Callable[[], str], timeout: float = 10.0) -> T:
    """Look at `condition` until it is truthy and return its value; past `timeout`, fail saying `what` is missing."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(what() if callable(what) else what)
        time.sleep(POLL_S)
    return value
