"""Issues 8 and 16's targets and DESIGN §10's budgets, checked against the measured metrics; the printed table."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.stats import Metric


@dataclass(frozen=True)
class Target:
    """A named check over the metrics: (passed, what was measured) or None when the figure is missing."""

    source: str
    text: str
    check: Callable[[dict[str, Metric], dict[str, Any]], tuple[bool | None, str] | None]


def _below(key: str, limit: float, unit: str) -> Callable[[dict[str, Metric], dict[str, Any]], tuple[bool, str] | None]:
    def check(m: dict[str, Metric], _: dict[str, Any]) -> tuple[bool, str] | None:
        if key not in m:
            return None
        return m[key].median < limit, f"median {m[key].median:.1f} {unit} (p95 {m[key].p95:.1f})"
    return check


def _ratio_within(key: str, limit: float) -> Callable[[dict[str, Metric], dict[str, Any]], tuple[bool, str] | None]:
    def check(m: dict[str, Metric], _: dict[str, Any]) -> tuple[bool, str] | None:
        ratio = m[key].ratio if key in m else None
        if ratio is None:
            return None
        return ratio <= limit, f"{ratio:.2f}x the floor ({m[key].median:.2f} vs {m[key].floor:.2f} {m[key].unit})"
    return check


def _select_one(limit: float) -> Callable[[dict[str, Metric], dict[str, Any]], tuple[bool, str] | None]:
    def check(m: dict[str, Metric], extra: dict[str, Any]) -> tuple[bool, str] | None:
        ratio = _ratio_within("select1", limit)(m, extra)
        if ratio is None or "select1_requests" not in m:
            return None
        requests = m["select1_requests"].samples
        one = max(requests) == 1
        return ratio[0] and one, f"{ratio[1]}; HTTP requests per query: max {max(requests):.0f}"
    return check


def _qps(key: str, minimum: float) -> Callable[[dict[str, Metric], dict[str, Any]], tuple[bool, str] | None]:
    def check(m: dict[str, Metric], _: dict[str, Any]) -> tuple[bool, str] | None:
        if key not in m:
            return None
        return m[key].median >= minimum, f"median {m[key].median:.0f} queries/s"
    return check


def _paging_memory(growth: float, back: float | None) -> Callable[[dict[str, Metric], dict[str, Any]],
                                                                    tuple[bool, str] | None]:
    def check(_: dict[str, Metric], extra: dict[str, Any]) -> tuple[bool, str] | None:
        runs = extra.get("paging_runs")
        if not runs:
            return None
        idle = runs[0]["before_mib"]
        growths = [r["peak_mib"] - r["before_mib"] for r in runs]
        offsets = [r["after_close_mib"] - idle for r in runs]
        ok = max(growths) < growth and (back is None or max(abs(o) for o in offsets) <= back)
        return ok, (f"growth {', '.join(f'{g:.1f}' for g in growths)} MiB; after close vs idle "
                    f"{', '.join(f'{o:+.1f}' for o in offsets)} MiB")
    return check


def _export(rate_share: float, growth: float) -> Callable[[dict[str, Metric], dict[str, Any]],
                                                          tuple[bool, str] | None]:
    def check(m: dict[str, Metric], extra: dict[str, Any]) -> tuple[bool, str] | None:
        if "csv_rate" not in m or m["csv_rate"].floor is None or "csv_growth" not in m:
            return None
        share = m["csv_rate"].median / m["csv_rate"].floor
        grew = max(m["csv_growth"].samples)
        return share >= rate_share and grew < growth, f"{share:.2f} of psql's speed; memory growth max {grew:.1f} MiB"
    return check


def _tree(key: str, limit: float) -> Callable[[dict[str, Metric], dict[str, Any]], tuple[bool | None, str] | None]:
    def check(m: dict[str, Metric], extra: dict[str, Any]) -> tuple[bool | None, str] | None:
        if key not in m:
            return None if "tree_note" not in extra else (None, extra["tree_note"])
        return _below(key, limit, "ms")(m, extra)
    return check


def _p95_below(key: str, limit: float, unit: str) -> Callable[[dict[str, Metric], dict[str, Any]],
                                                               tuple[bool, str] | None]:
    def check(m: dict[str, Metric], _: dict[str, Any]) -> tuple[bool, str] | None:
        if key not in m:
            return None
        return m[key].p95 < limit, f"p95 {m[key].p95:.1f} {unit} (median {m[key].median:.1f}; {m[key].note})"
    return check


ISSUE = "issue 8"
EDITOR = "issue 16"
DESIGN = "DESIGN §10"
TARGETS = (
    Target(ISSUE, "ready in under 0.8 s", _below("ready", 800, "ms")),
    Target(ISSUE, "idle memory under 64 MiB", _below("idle_rss", 64, "MiB")),
    Target(ISSUE, "SELECT 1 within 2x of the bare endpoint, in one HTTP request", _select_one(2.0)),
    Target(ISSUE, "at least 360 queries/s with 10 clients", _qps("qps_10", 360)),
    Target(ISSUE, "first page of the 1,000,000-row result under 60 ms", _below("big_first_page", 60, "ms")),
    Target(ISSUE, "paging memory growth under 20 MiB and back to idle (±5 MiB) after close, every repetition",
           _paging_memory(20, 5)),
    Target(ISSUE, "100,000 rows paged within 1.5x of psycopg alone", _ratio_within("big_paging", 1.5)),
    Target(ISSUE, "CSV export at least half of psql COPY's speed, flat memory (<20 MiB growth)", _export(0.5, 20)),
    Target(ISSUE, "5,000 tables listed (first page of the node) under 50 ms", _tree("tree_5000", 50)),
    Target(EDITOR, "completion popup within 50 ms on a 5,000-table schema", _below("completion_tables", 50, "ms")),
    Target(EDITOR, "completion of an alias's columns within 50 ms", _below("completion_alias", 50, "ms")),
    Target(EDITOR, "100,000 loaded rows: fewer than 500 rows in the DOM", _below("grid_dom_rows", 500, "rows")),
    Target(EDITOR, "100,000 loaded rows (3 columns) in under 100 MiB of JS heap", _below("grid_heap", 100, "MiB")),
    Target(EDITOR, "scrolling a screen per frame: p95 frame interval under 33.4 ms (30 fps)",
           _p95_below("grid_frame", 33.4, "ms")),
    Target(DESIGN, "ready in under 1.5 s", _below("ready", 1500, "ms")),
    Target(DESIGN, "idle memory under 80 MB (76.3 MiB)", _below("idle_rss", 80e6 / 2**20, "MiB")),
    Target(DESIGN, "SELECT 1 within 3x of the bare endpoint", _ratio_within("select1", 3.0)),
    Target(DESIGN, "first page under 150 ms", _below("big_first_page", 150, "ms")),
    Target(DESIGN, "memory growth while paging under 30 MB", _paging_memory(30e6 / 2**20, None)),
    Target(DESIGN, "CSV export at least half of psql COPY's speed", _export(0.5, math.inf)),
    Target(DESIGN, "2,000 tables listed under 200 ms", _tree("tree_2000", 200)),
)


def evaluate(metrics: dict[str, Metric], extra: dict[str, Any]) -> list[dict[str, Any]]:
    """Every target with passed True/False, or None when its figure was not measured."""
    verdicts = []
    for target in TARGETS:
        outcome = target.check(metrics, extra)
        verdicts.append({"source": target.source, "target": target.text,
                         "passed": None if outcome is None else outcome[0],
                         "measured": "not measured" if outcome is None else outcome[1]})
    return verdicts


def _fmt(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


def table(metrics: list[Metric]) -> str:
    """The figures, each with its floor and ratio."""
    rows = [("figure", "unit", "median", "p95", "n", "floor (median)", "ratio")]
    for m in metrics:
        floor = f"{_fmt(m.floor)} {m.floor_label}".strip() if m.floor is not None else ""
        ratio = f"{m.ratio:.2f}x" if m.ratio is not None else ""
        rows.append((m.label, m.unit, _fmt(m.median), _fmt(m.p95), str(m.n), floor, ratio))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) if i in (0, 1, 5) else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths,
                                                                                                 strict=True)))
             for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def verdict_lines(verdicts: list[dict[str, Any]]) -> str:
    marks = {True: "PASS", False: "FAIL", None: "SKIP"}
    return "\n".join(f"{marks[v['passed']]}  [{v['source']}] {v['target']}: {v['measured']}" for v in verdicts)
