"""Summaries of repeated measurements: median and p95 (linear interpolation), and the metric record."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Metric:
    """One figure of the table: median and p95 over n runs, and its floor when there is one."""

    key: str
    label: str
    unit: str
    median: float
    p95: float
    n: int
    floor: float | None = None
    floor_label: str = ""
    note: str = ""
    samples: list[float] = field(default_factory=list, repr=False)

    @property
    def ratio(self) -> float | None:
        """How far from the floor (time: ours/floor; rates: floor/ours); > 1 is slower or bigger."""
        if self.floor is None or not self.median or not self.floor:
            return None
        return self.floor / self.median if self.unit.endswith("/s") else self.median / self.floor

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ratio"] = self.ratio
        data["samples"] = [round(v, 4) for v in self.samples[:600]]
        return data


def metric(key: str, label: str, unit: str, samples: list[float], **kw: Any) -> Metric:
    """A Metric from raw samples."""
    return Metric(key, label, unit, percentile(samples, 50), percentile(samples, 95), len(samples),
                  samples=list(samples), **kw)


def ms(seconds: list[float]) -> list[float]:
    return [s * 1000 for s in seconds]
