"""A query tool's lease: the open page keeps its connection alive; a closed or crashed page lets it go."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

ALIVE, RELEASED, LAPSED = "alive", "released", "lapsed"


@dataclass
class Lease:
    """Renewed by every request naming the session; its page's goodbye (a beacon) shortens it to a grace."""

    seconds: float  # 0: no lease (the session lives until MAX_SESSION_IDLE_TIME unless its page says goodbye)
    grace_s: float
    renewed_at: float = field(default_factory=time.monotonic)
    released_at: float | None = None

    def renew(self, now: float | None = None) -> None:
        self.renewed_at = time.monotonic() if now is None else now
        self.released_at = None

    def release(self, now: float | None = None) -> None:
        """The page went away; a reload comes back within the grace and renews it."""
        if self.released_at is None:
            self.released_at = time.monotonic() if now is None else now

    @property
    def is_released(self) -> bool:
        return self.released_at is not None

    @property
    def expires_at(self) -> float | None:
        """When the lease ends (monotonic), or None when only the idle timeout ends the session."""
        ends = [self.renewed_at + self.seconds] if self.seconds > 0 else []
        if self.released_at is not None:
            ends.append(self.released_at + self.grace_s)
        return min(ends) if ends else None

    def has_lapsed(self, now: float | None = None) -> bool:
        expires = self.expires_at
        return expires is not None and (time.monotonic() if now is None else now) >= expires

    def state(self, now: float | None = None) -> str:
        if self.has_lapsed(now):
            return LAPSED
        return RELEASED if self.is_released else ALIVE

    def remaining_s(self, now: float | None = None) -> float | None:
        expires = self.expires_at
        if expires is None:
            return None
        return round(max(0.0, expires - (time.monotonic() if now is None else now)), 1)

    def to_dict(self) -> dict[str, Any]:
        """For the API: the page renews every third of `seconds`."""
        return {"seconds": self.seconds, "state": self.state(), "expires_in_s": self.remaining_s()}
