"""The fleet's cap invariant, checked on what the radios publish: sum_k a_k B_k(t) <= C
at every instant t of a window, B_k(t) radio k's budget in force at t.

Each radio publishes its budget in force, stamped with the time it took force (on the
radio's clock; the hosts of one machine share one). B_k(t) is the value of the latest
sample stamped at or before t, so B_k is a step function and the sum only changes at a
stamp: the margin C - sum_k a_k B_k(t) is checked at the window's start and at every
stamp inside it, which is every instant. A radio whose budget at the window's start is
unknown (no sample stamped before it) cannot be vouched for: it is named in
``unknown`` and the check fails, unless ``before_first`` gives a value to assume.

A radio numbers its reports from 0 at each start (``started``, ``seq``): a report not
received leaves its radio's budget unknown between the received reports around it
(from ``started`` when the first ones are missing: a restarted radio's budget is not
its previous incarnation's), and a window that meets such a span is not vouched for
either (:func:`missing_reports`, ``gaps`` in :func:`check_cap`): taking the last
received budget as in force there would invent a breach or hide one.

Over a whole run (:func:`check_run`, used by the drills' listeners' samples and by
steer_ros.ros.fleet_monitor) the window opens at the first stamp at which every radio
has a known budget and closes at the last stamp received; the spans where reports are
missing are left out (unknown), and the cap is checked at every other instant.

ROS-free: the drills and the monitor feed it the samples they collected.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, Sequence

#: Slack on the margin: none. The coordinator clips its grants so that their weighted
#: sum rounds to at most C in any order (steer_ros.fleet.coordinator.cap_sum_bound), so
#: the margin computed here is >= 0 exactly whenever the cap holds.
CAP_TOL = 0.0


@dataclass(frozen=True)
class CapCheck:
    """worst_margin: min over the window of C - sum_k a_k B_k(t) (negative: broken);
    t_worst: where it was reached; budgets_worst: each B_k there; held: worst_margin >=
    -tol and no radio unknown; changes: stamps inside the window; unknown: radios with
    no budget known at the window's start; gaps: per radio, the spans inside the
    window where reports are missing (its budget unknown there); breaches: instants
    checked (the window's start and each stamp inside it) where the margin is below
    -tol; sums: (instant, sum_k a_k B_k) at each of them, in time order."""

    cap: float
    worst_margin: float
    t_worst: float
    budgets_worst: dict[str, float]
    held: bool
    changes: int
    unknown: list[str] = field(default_factory=list)
    gaps: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    breaches: int = 0
    sums: tuple[tuple[float, float], ...] = ()

    def describe(self) -> str:
        if self.unknown:
            return f"cap_unknown: no budget in force known at the start for {', '.join(self.unknown)}"
        if self.gaps:
            spans = "; ".join(f"{k} over " + ", ".join(f"[{a:.3f}, {b:.3f}]" for a, b in v)
                              for k, v in self.gaps.items())
            return f"cap_unknown: reports missing ({spans})"
        state = "held" if self.held else "BROKEN"
        parts = ", ".join(f"{k} {v:.4g}" for k, v in self.budgets_worst.items())
        return (f"cap {state}: worst margin {self.worst_margin:.4g} of C = {self.cap:.4g} "
                f"({parts}; {self.changes} changes)")


def missing_reports(reports: Sequence[tuple[float, float, int]]) -> list[tuple[float, float]]:
    """The spans where one radio's budget is unknown, from the reports received of it,
    ``reports = [(stamp, started, seq), ...]`` (any order): each start numbers its
    reports 0, 1, ...; a report received whose predecessor of the same start was not
    leaves (the predecessor's received stamp, or ``started``, its own stamp) unknown."""
    out = []
    by_start: dict[float, list[tuple[int, float]]] = {}
    for stamp, started, seq in reports:
        by_start.setdefault(float(started), []).append((int(seq), float(stamp)))
    for started, got in sorted(by_start.items()):
        got.sort()
        prev_seq, prev_stamp = -1, started
        for seq, stamp in got:
            if seq > prev_seq + 1:
                out.append((prev_stamp, stamp))
            if seq != prev_seq:  # a duplicate changes nothing
                prev_seq, prev_stamp = seq, stamp
    return out


def check_cap(samples: Mapping[str, Sequence[tuple[float, float]]], cap: float, t0: float, t1: float,
              gains: Mapping[str, float] | None = None, before_first: float = math.nan,
              tol: float = CAP_TOL, gaps: Mapping[str, Sequence[tuple[float, float]]] | None = None) -> CapCheck:
    """Check the cap over [t0, t1] on ``samples[radio] = [(stamp, budget), ...]`` (any
    order); ``gains[radio]`` is a_k (1 when absent: a shared power supply); ``gaps[radio]``
    are spans where reports of that radio are missing (:func:`missing_reports`): one
    that meets the window leaves the cap unknown there (not held)."""
    if not (math.isfinite(cap) and t1 >= t0):
        raise ValueError(f"check_cap: cap {cap}, window [{t0}, {t1}]")
    gains = dict(gains or {})
    blind = {k: [(a, b) for a, b in v if a < t1 and b > t0] for k, v in (gaps or {}).items()}
    blind = {k: v for k, v in sorted(blind.items()) if v}
    series = {k: sorted(((float(t), float(b)) for t, b in v), key=lambda s: s[0]) for k, v in samples.items()}
    current: dict[str, float] = {}
    unknown = []
    for radio, points in series.items():
        before = [b for t, b in points if t <= t0]
        if before:
            current[radio] = before[-1]
        elif math.isnan(before_first):
            unknown.append(radio)
            current[radio] = 0.0
        else:
            current[radio] = before_first
    for radio, points in series.items():
        for _, b in points:
            if not math.isfinite(b):
                raise ValueError(f"check_cap: radio {radio} published a non-finite budget {b}")
    events = sorted((t, radio, b) for radio, points in series.items() for t, b in points if t0 < t <= t1)

    def total() -> float:
        return sum(gains.get(k, 1.0) * v for k, v in current.items())

    sums = [(t0, total())]
    worst, t_worst, at_worst = cap - sums[0][1], t0, dict(current)
    breaches = int(worst < -tol)
    i = 0
    while i < len(events):
        t = events[i][0]
        while i < len(events) and events[i][0] == t:  # simultaneous stamps take force together
            current[events[i][1]] = events[i][2]
            i += 1
        sums.append((t, total()))
        m = cap - sums[-1][1]
        breaches += m < -tol
        if m < worst:
            worst, t_worst, at_worst = m, t, dict(current)
    return CapCheck(cap=cap, worst_margin=worst, t_worst=t_worst, budgets_worst=at_worst,
                    held=worst >= -tol and not unknown and not blind, changes=len(events), unknown=sorted(unknown),
                    gaps=blind, breaches=breaches, sums=tuple(sums))


@dataclass(frozen=True)
class RunCheck:
    """The cap over a whole run (:func:`check_run`). state: "waiting" (a radio has not
    reported yet: nothing is vouched for), "broken" (the cap exceeded at an instant
    where every budget is known), "unknown" (not broken where known, but reports are
    missing inside the window), or "held". window: (t0, t1), None while waiting;
    worst_margin, t_worst, budgets_worst, breaches: over the known instants (inf, nan,
    {}, 0 when there are none); instants: how many were checked; sums: (instant,
    sum_k a_k B_k) at each, in time order; gaps: per radio, the missing spans that meet
    the window; waiting: the radios with no report."""

    cap: float
    state: str
    window: tuple[float, float] | None
    worst_margin: float = math.inf
    t_worst: float = math.nan
    budgets_worst: dict[str, float] = field(default_factory=dict)
    breaches: int = 0
    sums: tuple[tuple[float, float], ...] = ()
    gaps: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    waiting: list[str] = field(default_factory=list)

    @property
    def instants(self) -> int:
        return len(self.sums)

    def describe(self) -> str:
        if self.state == "waiting":
            return f"cap_unknown: no budget in force received yet from {', '.join(self.waiting)}"
        label = {"broken": "cap BROKEN", "unknown": "cap_unknown", "held": "cap held"}[self.state]
        text = (f"{label}: worst margin {self.worst_margin:.4g} of C = {self.cap:.4g} over {self.instants} "
                f"known instants ({self.breaches} above the cap)")
        if self.gaps:
            spans = "; ".join(f"{k} over " + ", ".join(f"[{a:.3f}, {b:.3f}]" for a, b in v)
                              for k, v in self.gaps.items())
            text += f"; reports missing ({spans}): unknown there"
        return text


def check_run(reports: Mapping[str, Sequence[tuple[float, float, float, int]]], cap: float,
              gains: Mapping[str, float] | None = None, tol: float = CAP_TOL) -> RunCheck:
    """The cap over every report received, ``reports[radio] = [(stamp, budget, started,
    seq), ...]`` (any order; every radio of the fleet a key, an empty list if it has not
    reported). The window runs from the first stamp at which every radio has a known
    budget to the last stamp; the spans where a radio's reports are missing
    (:func:`missing_reports`) are cut out of it, and :func:`check_cap` checks each
    known piece, so a missing report makes its span unknown, never held or broken."""
    waiting = sorted(k for k, v in reports.items() if not v)
    if waiting or not reports:
        return RunCheck(cap=cap, state="waiting", window=None, waiting=waiting)
    t0 = max(min(float(r[0]) for r in v) for v in reports.values())
    t1 = max(max(float(r[0]) for r in v) for v in reports.values())
    samples = {k: [(r[0], r[1]) for r in v] for k, v in reports.items()}
    gaps = {}
    for radio, v in sorted(reports.items()):
        spans = [(a, b) for a, b in missing_reports([(r[0], r[2], r[3]) for r in v]) if a < t1 and b > t0 and b > a]
        if spans:
            gaps[radio] = spans
    # the known pieces: [t0, t1] less the open spans (a, b); a span's ends are reports received
    pieces, start = [], t0
    for a, b in sorted(s for v in gaps.values() for s in v):
        if a >= start:
            pieces.append((start, a))
        start = max(start, b)
    if start <= t1:
        pieces.append((start, t1))
    worst, t_worst, at_worst, breaches, sums = math.inf, math.nan, {}, 0, []
    for a, b in pieces:
        c = check_cap(samples, cap, a, b, gains=gains, tol=tol)
        breaches += c.breaches
        sums.extend(c.sums)
        if c.worst_margin < worst:
            worst, t_worst, at_worst = c.worst_margin, c.t_worst, c.budgets_worst
    state = "broken" if breaches else "unknown" if gaps else "held"
    return RunCheck(cap=cap, state=state, window=(t0, t1), worst_margin=worst, t_worst=t_worst,
                    budgets_worst=at_worst, breaches=breaches, sums=tuple(sums), gaps=gaps)
