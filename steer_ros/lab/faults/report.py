"""The fault table (what ``make faults`` prints) and ``out/faults/faults.json``."""

from __future__ import annotations

import json
import math
import platform
import time
from pathlib import Path
from typing import Sequence

from steer_ros.lab.faults.metrics import RowResult

COLUMNS = ("fault", "S1 rate kept", "allocs", "viol.", "S1 max gap", "outcome", "recovery", "detail")


def _num(x: float, fmt: str, unit: str = "") -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:{fmt}}{unit}"


def row_cells(r: RowResult) -> list[str]:
    return [
        r.name,
        _num(100.0 * r.rate_kept, ".1f", " %"),
        str(r.allocations),
        str(r.violations),
        _num(1000.0 * r.max_gap_s, ".0f", " ms"),
        r.outcome + ("" if r.passed else " FAIL"),
        _num(r.recovery_s, ".2f", " s"),
        r.detail,
    ]


def format_table(results: Sequence[RowResult], detail_width: int = 72) -> str:
    rows = [list(COLUMNS)] + [row_cells(r) for r in results]
    for row in rows[1:]:
        if len(row[-1]) > detail_width:
            row[-1] = row[-1][: detail_width - 3] + "..."
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS) - 1)]
    right = {1, 2, 3, 4, 6}
    lines = []
    for k, row in enumerate(rows):
        # the detail column, last, is not padded: it ends the line
        cells = [(c.rjust(w) if i in right else c.ljust(w))
                 for i, (c, w) in enumerate(zip(row[:-1], widths, strict=True))]
        lines.append("  ".join(cells + [row[-1]]).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 6)
    return "\n".join(lines)


def format_failures(results: Sequence[RowResult]) -> str:
    lines = []
    for r in results:
        for failure in r.failures or []:
            lines.append(f"FAIL {r.name}: {failure}")
    return "\n".join(lines)


def summary(results: Sequence[RowResult]) -> str:
    failed = [r.name for r in results if not r.passed]
    total_viol = sum(r.violations for r in results)
    worst = min((r.rate_kept for r in results if not math.isnan(r.rate_kept)), default=math.nan)
    return (f"{len(results)} faults, {len(results) - len(failed)} passed; feasibility violations: {total_viol}; "
            f"lowest System 1 rate kept: {_num(100.0 * worst, '.1f', ' %')}"
            + (f"; FAILED: {', '.join(failed)}" if failed else ""))


def write_json(results: Sequence[RowResult], path: Path, settings: dict) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "host": {"machine": platform.machine(), "python": platform.python_version()},
        "settings": settings,
        "summary": summary(results),
        "rows": [r.to_json() for r in results],
    }
    path.write_text(json.dumps(doc, indent=2, default=str) + "\n")
    return path


def format_soak(result: RowResult) -> str:
    """RSS per node at the start and the end of a soak (current and peak), MiB."""
    extras = result.extras or {}
    start, end = extras.get("rss_start_mib") or {}, extras.get("rss_end_mib") or {}
    lines = [f"Soak: {result.name}, {extras.get('window_s', math.nan):.0f} s measured",
             f"{'node':12s} {'RSS start':>10s} {'RSS end':>10s} {'peak start':>11s} {'peak end':>10s}  (MiB)"]
    for node in start:
        s, e = start[node], end.get(node, {})
        lines.append(f"{node:12s} {s.get('VmRSS', math.nan):10.1f} {e.get('VmRSS', math.nan):10.1f} "
                     f"{s.get('VmHWM', math.nan):11.1f} {e.get('VmHWM', math.nan):10.1f}")
    return "\n".join(lines)
