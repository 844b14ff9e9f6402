"""The bench's verdicts: each of issue 8's targets passes and fails where the issue draws its line."""

from __future__ import annotations

from typing import Any

import pytest

from bench.stats import Metric, metric, percentile
from bench.targets import evaluate, verdict_lines


def verdict(metrics: dict[str, Metric], extra: dict[str, Any], starts: str) -> bool | None:
    found = [v for v in evaluate(metrics, extra) if v["source"] == "issue 8" and v["target"].startswith(starts)]
    assert len(found) == 1, starts
    return found[0]["passed"]  # type: ignore[no-any-return]


def test_median_and_p95_interpolate() -> None:
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.5
    assert percentile([float(v) for v in range(1, 101)], 95) == pytest.approx(95.05)


@pytest.mark.parametrize(("ours", "passed"), [([140.0, 149.0, 400.0], True), ([151.0, 160.0, 140.0], False)])
def test_paging_is_judged_on_the_median_ratio_to_psycopg(ours: list[float], passed: bool) -> None:
    paging = {"big_paging": metric("big_paging", "paging", "ms", ours, floor=100.0)}
    assert verdict(paging, {}, "100,000 rows paged within 1.5x") is passed


def test_select_one_needs_both_the_ratio_and_a_single_request() -> None:
    def select_one(ms: float, requests: list[float]) -> dict[str, Metric]:
        return {"select1": metric("select1", "SELECT 1", "ms", [ms], floor=1.0),
                "select1_requests": metric("select1_requests", "requests", "req", requests)}

    assert verdict(select_one(1.9, [1, 1]), {}, "SELECT 1 within 2x") is True
    assert verdict(select_one(2.1, [1, 1]), {}, "SELECT 1 within 2x") is False
    assert verdict(select_one(1.5, [1, 2]), {}, "SELECT 1 within 2x") is False


def test_paging_memory_must_come_back_after_every_repetition() -> None:
    def runs(*after: float) -> dict[str, Any]:
        return {"paging_runs": [{"before_mib": 60.0, "peak_mib": 61.0, "after_close_mib": 60.0 + a} for a in after]}

    assert verdict({}, runs(0.5, 1.0, 4.9), "paging memory growth") is True
    assert verdict({}, runs(0.5, 5.5, 1.0), "paging memory growth") is False


def test_rates_and_exports() -> None:
    assert verdict({"qps_10": metric("qps_10", "q", "q/s", [359.0])}, {}, "at least 360") is False
    export = {"csv_rate": metric("csv_rate", "csv", "rows/s", [1.0e6], floor=1.9e6),
              "csv_growth": metric("csv_growth", "growth", "MiB", [0.1])}
    assert verdict(export, {}, "CSV export") is True
    export["csv_rate"] = metric("csv_rate", "csv", "rows/s", [0.9e6], floor=1.9e6)
    assert verdict(export, {}, "CSV export") is False


def test_a_figure_not_measured_is_a_skip_not_a_pass() -> None:
    lines = verdict_lines(evaluate({}, {})).splitlines()
    assert lines and all(line.startswith("SKIP") for line in lines)


def test_the_grid_frame_target_is_judged_on_the_p95_interval() -> None:
    def frames(gaps: list[float]) -> bool | None:
        found = [v for v in evaluate({"grid_frame": metric("grid_frame", "frames", "ms", gaps)}, {})
                 if v["target"].startswith("scrolling a screen per frame")]
        return found[0]["passed"]  # type: ignore[no-any-return]

    assert frames([16.7] * 95 + [30.0] * 5) is True
    assert frames([16.7] * 90 + [50.0] * 10) is False  # a smooth median hides one frame in ten dropped
