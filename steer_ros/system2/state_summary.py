"""Hierarchical state summary: what the navigator sees of N channels when N is large
(docs/design.md section 4, "State summary at large N").

Up to ``summary_threshold`` channels the user message is the per-channel table of
:func:`steer_ros.system2.prompt.format_state`. Above it a per-channel table would not
fit a small model's context (about 153,000 characters at N = 4096), so the state is
serialized hierarchically, in a bounded size at any N:

1. global statistics: N, total and weighted MI, power used / budget, quantiles of the
   per-channel MI and SNR, how many channels are dark, whether every goal is met;
2. a table of ``groups`` contiguous bands with per-band ranges of
   c_i = |h_i|^2/sigma_i^2, MI, power and relative weight;
3. the critical channels by index: the weakest and strongest few, and those furthest
   below their floors.

Band k (0-based, G bands) holds the channels floor(k N / G) .. floor((k+1) N / G) - 1
(0-based), so bands differ in size by at most one. :func:`group_statistics` computes
the band statistics once: the prompt's band table and the ``steer/summary`` message
(:mod:`steer_ros.ros.conversions`) both use it. Everything here is vectorized over
channels (no Python loop over N) and memoryless: one snapshot in, text out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from steer_ros import defaults
from steer_ros.snapshot import SystemSnapshot
from steer_ros.system1.goal import Goal, Objective
from steer_ros.system1.status import AllocationStatus

__all__ = ["GlobalStats", "GroupStats", "compact_ranges", "describe_goal_compact", "format_status_line",
           "format_summary", "global_statistics", "group_bounds", "group_statistics"]

#: dB values below this are printed as this (a channel without power has snr 0).
_DB_FLOOR = -100.0
_QUANTILES = (0.1, 0.5, 0.9)


def _db(x: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 10.0 * np.log10(np.asarray(x, dtype=float))
    return np.nan_to_num(np.maximum(out, _DB_FLOOR), nan=_DB_FLOOR, neginf=_DB_FLOOR)


def group_bounds(n: int, groups: int) -> np.ndarray:
    """(G + 1,) 0-based band edges for ``min(groups, n)`` contiguous bands of n channels:
    band k is ``edges[k] .. edges[k+1] - 1``."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    if isinstance(groups, bool) or int(groups) != groups or groups < 1:
        raise ValueError(f"groups must be a whole number >= 1, got {groups!r}")
    g = min(int(groups), int(n))
    return (np.arange(g + 1, dtype=np.int64) * int(n)) // g


@dataclass(frozen=True)
class GroupStats:
    """Statistics of G contiguous bands; every array has shape (G,).

    ``first`` / ``last``: 1-based first and last channel of each band;
    ``strength_db_*``: c_i = |h_i|^2/sigma_i^2 in dB; ``mi_*``: bits;
    ``power_sum``: linear power; ``weight_rel_*``: w_i N / sum_j w_j (1 = uniform);
    ``dark``: channels with MI below ``defaults.SUMMARY_DARK_MI_BITS``;
    ``shortfall_max``: the largest MI shortfall below a floor, bits (0 = all met).
    """

    first: np.ndarray
    last: np.ndarray
    strength_db_min: np.ndarray
    strength_db_max: np.ndarray
    mi_min: np.ndarray
    mi_mean: np.ndarray
    mi_max: np.ndarray
    power_sum: np.ndarray
    weight_rel_min: np.ndarray
    weight_rel_max: np.ndarray
    dark: np.ndarray
    shortfall_max: np.ndarray

    @property
    def count(self) -> int:
        return int(self.first.shape[0])


def _relative_weights(weights: np.ndarray) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    total = float(np.sum(w))
    if not math.isfinite(total) or total <= 0:
        return np.zeros_like(w)
    return w * (w.shape[0] / total)


def _shortfall(snapshot: SystemSnapshot) -> np.ndarray:
    short = snapshot.mi_shortfall
    if short is None or np.asarray(short).shape != (snapshot.n,):
        return np.zeros(snapshot.n)
    return np.maximum(np.nan_to_num(np.asarray(short, dtype=float)), 0.0)


def group_statistics(snapshot: SystemSnapshot, groups: int = defaults.SUMMARY_GROUPS) -> GroupStats:
    """The per-band statistics of a snapshot (``min(groups, N)`` bands)."""
    edges = group_bounds(snapshot.n, groups)
    starts = edges[:-1]
    sizes = np.diff(edges)
    c_db = _db(snapshot.strength)
    mi = np.asarray(snapshot.mi, dtype=float)
    w_rel = _relative_weights(snapshot.weights)
    dark = (mi < defaults.SUMMARY_DARK_MI_BITS).astype(np.int64)
    return GroupStats(
        first=starts + 1, last=edges[1:],
        strength_db_min=np.minimum.reduceat(c_db, starts), strength_db_max=np.maximum.reduceat(c_db, starts),
        mi_min=np.minimum.reduceat(mi, starts), mi_mean=np.add.reduceat(mi, starts) / sizes,
        mi_max=np.maximum.reduceat(mi, starts),
        power_sum=np.add.reduceat(np.asarray(snapshot.power, dtype=float), starts),
        weight_rel_min=np.minimum.reduceat(w_rel, starts), weight_rel_max=np.maximum.reduceat(w_rel, starts),
        dark=np.add.reduceat(dark, starts), shortfall_max=np.maximum.reduceat(_shortfall(snapshot), starts),
    )


@dataclass(frozen=True)
class GlobalStats:
    """Whole-system figures. MI in bits, powers linear, SNR snr_i = c_i P_i in dB.

    ``mi_q`` / ``snr_db_q``: (min, q10, median, q90, max) of the per-channel values;
    ``dark``: channels with MI below ``defaults.SUMMARY_DARK_MI_BITS``;
    ``below_floor``: channels with a positive shortfall, ``shortfall_total`` their sum.
    """

    n: int
    total_mi: float
    weighted_mi: float
    power_used: float
    p_total: float
    mi_q: tuple[float, ...]
    snr_db_q: tuple[float, ...]
    dark: int
    goals_met: bool
    below_floor: int
    shortfall_total: float


def _five(x: np.ndarray) -> tuple[float, ...]:
    """(min, q10, median, q90, max): np.quantile's linear interpolation, from one sort
    (np.quantile itself costs ~100 us of overhead per call)."""
    srt = np.sort(np.asarray(x, dtype=float))
    pos = np.asarray(_QUANTILES) * (srt.size - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, srt.size - 1)
    q = srt[lo] + (srt[hi] - srt[lo]) * (pos - lo)
    return (float(srt[0]), *map(float, q), float(srt[-1]))


def _smallest(key: np.ndarray, k: int) -> np.ndarray:
    """0-based indices of the k smallest keys, ties to the lower index (as the ranked
    selectors order them), in O(N) rather than a full stable sort."""
    k = min(int(k), key.size)
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    kth = np.partition(key, k - 1)[k - 1]
    candidates = np.flatnonzero(key <= kth)  # index order: the stable sort keeps it on ties
    return candidates[np.argsort(key[candidates], kind="stable")[:k]]


def global_statistics(snapshot: SystemSnapshot) -> GlobalStats:
    mi = np.asarray(snapshot.mi, dtype=float)
    w = np.asarray(snapshot.weights, dtype=float)
    w_sum = float(np.sum(w))
    weighted = float(np.dot(w, mi) / w_sum) if math.isfinite(w_sum) and w_sum > 0 else math.nan
    snr_db = _db(snapshot.strength * np.asarray(snapshot.power, dtype=float))
    short = _shortfall(snapshot)
    return GlobalStats(
        n=snapshot.n, total_mi=float(np.sum(mi)), weighted_mi=weighted, power_used=snapshot.power_used,
        p_total=float(snapshot.p_total), mi_q=_five(mi), snr_db_q=_five(snr_db),
        dark=int(np.count_nonzero(mi < defaults.SUMMARY_DARK_MI_BITS)), goals_met=bool(snapshot.goals_met),
        below_floor=int(np.count_nonzero(short > 0)), shortfall_total=float(np.sum(short)),
    )


# -- text ------------------------------------------------------------------------
def compact_ranges(indices, max_parts: int = 6) -> str:
    """0-based indices as at most ``max_parts`` 1-based ranges, then a count of the rest:
    ``"1-409, 411 (+2038 more ranges; 2048 channels)"``. Bounded length at any N."""
    idx = np.asarray(indices, dtype=np.int64).ravel()
    if idx.size > 1 and not bool(np.all(idx[1:] > idx[:-1])):
        idx = np.unique(idx)
    if idx.size == 0:
        return "none"
    breaks = np.flatnonzero(np.diff(idx) != 1)
    lo = np.concatenate(([idx[0]], idx[breaks + 1])) + 1
    hi = np.concatenate((idx[breaks], [idx[-1]])) + 1
    shown = [str(a) if a == b else f"{a}-{b}"
             for a, b in zip(lo[:max_parts].tolist(), hi[:max_parts].tolist(), strict=True)]
    text = ", ".join(shown)
    if lo.size > max_parts:
        text += f" (+{lo.size - max_parts} more ranges; {idx.size} channels)"
    return text


def _values_on(values: np.ndarray, mask: np.ndarray, max_values: int = 3) -> str:
    """``"1.5 bits on 1-256; 0.5 bits on 300"`` for the few most common values, then a count."""
    rounded = np.round(values, 3)
    uniq, counts = np.unique(rounded[mask], return_counts=True)
    order = np.argsort(-counts, kind="stable")[:max_values]
    parts = [f"{uniq[k]:g} bits on {compact_ranges(np.flatnonzero(mask & (rounded == uniq[k])), 4)}"
             for k in order]
    if uniq.size > max_values:
        parts.append(f"+{uniq.size - max_values} more values in {uniq[0]:g}..{uniq[-1]:g} bits")
    return "; ".join(parts)


def describe_goal_compact(goal: Goal) -> str:
    """One bounded line for a goal over many channels (compare
    :func:`steer_ros.system2.goal_text.describe_goal`, exact but unbounded)."""
    parts = [goal.objective.name.lower()]
    if goal.has_floors:
        f = np.asarray(goal.mi_floor, dtype=float)
        parts.append("floors " + _values_on(f, f > 0))
    if goal.has_caps:
        u = np.asarray(goal.mi_cap, dtype=float)
        parts.append("caps " + _values_on(u, np.isfinite(u)))
    if goal.has_off:
        parts.append("off " + compact_ranges(np.flatnonzero(goal.off_mask(len(goal.off)))))
    if not math.isnan(goal.sum_mi_min):
        parts.append(f"sum MI >= {goal.sum_mi_min:g} bits")
    if goal.objective == Objective.ALPHA_FAIR:
        parts[0] += f" (alpha {goal.alpha:g})"
    if goal.has_power_caps:
        pc = np.asarray(goal.power_cap, dtype=float)
        parts.append("power caps " + _values_on(pc, np.isfinite(pc), max_values=2).replace(" bits", ""))
    return "; ".join(parts)


def format_status_line(snapshot: SystemSnapshot) -> str:
    """System 1's status, shadow price and (when INFEASIBLE) least budget, one line
    ("" when the snapshot carries no status), e.g.
    ``System 1: INFEASIBLE, least budget 57.3 > P_total 40; shadow price 0.031``
    (the shadow price: objective per unit power)."""
    status = getattr(snapshot, "status", None)
    if status is None:
        return ""
    try:
        name = AllocationStatus(int(status)).name
    except ValueError:
        return ""
    parts = [f"System 1: {name}"]
    least = float(getattr(snapshot, "least_budget", math.nan))
    if int(status) == AllocationStatus.INFEASIBLE:
        if math.isinf(least):
            parts[0] += ", no budget meets the goal"
        elif math.isfinite(least):
            parts[0] += f", least budget {least:.4g} > P_total {float(snapshot.p_total):.4g}"
    shadow = float(getattr(snapshot, "shadow_price", math.nan))
    if math.isfinite(shadow):
        parts.append(f"shadow price {shadow:.4g}")
    return "; ".join(parts)


def _critical(snapshot: SystemSnapshot, k: int) -> list[str]:
    c = snapshot.strength
    n = snapshot.n
    k = min(int(k), n)
    c_db, mi, p = _db(c), np.asarray(snapshot.mi, dtype=float), np.asarray(snapshot.power, dtype=float)

    def rows(idx: np.ndarray) -> str:
        return "; ".join(f"{i + 1} ({c_db[i]:.1f}, {mi[i]:.3f}, {p[i]:.3g})" for i in idx.tolist())

    weakest = _smallest(c, k)
    strongest = _smallest(-c, k)
    lines = ["Critical channels, ch (c dB, MI bits, P):",
             f"weakest: {rows(weakest)}", f"strongest: {rows(strongest)}"]
    short = _shortfall(snapshot)
    below = np.flatnonzero(short > 0)
    if below.size:
        worst = below[_smallest(-short[below], k)]
        lines.append("furthest below their floors, ch (bits short): "
                     + "; ".join(f"{i + 1} ({short[i]:.2f})" for i in worst.tolist()))
    return lines


def format_summary(snapshot: SystemSnapshot, groups: int = defaults.SUMMARY_GROUPS,
                   critical: int = defaults.SUMMARY_CRITICAL) -> str:
    """The hierarchical state summary (global statistics, band table, critical
    channels, goal status), bounded in size at any N for a bounded ``groups``."""
    g = global_statistics(snapshot)
    b = group_statistics(snapshot, groups)
    def q(values, decimals: int) -> str:
        return "/".join(f"{x:.{decimals}f}" for x in values)

    lines = [
        f"State summary of N = {g.n} channels (grouped: too many for one row each)",
        (f"Total MI = {g.total_mi:.2f} bits, weighted MI = {g.weighted_mi:.4f} bits (weights normalized), "
         f"Power = {g.power_used:.2f} / {g.p_total:.2f}"),
        f"MI per channel, bits, min/q10/median/q90/max: {q(g.mi_q, 3)}",
        f"SNR per channel, dB, min/q10/median/q90/max: {q(g.snr_db_q, 1)}",
        f"Dark channels (MI < {defaults.SUMMARY_DARK_MI_BITS:g} bits): {g.dark}",
        f"Goals met: {'yes' if g.goals_met else 'no'}",
        f"Bands ({b.count} contiguous groups; c = |h|^2/sigma^2 in dB; w_rel = w_i * N / sum(w), 1 = uniform):",
        "band  channels     c_dB min..max  MI min/mean/max      P_sum  w_rel min..max  dark",
    ]
    rows = zip(b.first.tolist(), b.last.tolist(), b.strength_db_min.tolist(), b.strength_db_max.tolist(),
               b.mi_min.tolist(), b.mi_mean.tolist(), b.mi_max.tolist(), b.power_sum.tolist(),
               b.weight_rel_min.tolist(), b.weight_rel_max.tolist(), b.dark.tolist(), strict=True)
    for k, (lo, hi, c0, c1, m0, m1, m2, ps, w0, w1, dk) in enumerate(rows, 1):
        chans = f"{lo}-{hi}" if hi > lo else f"{lo}"
        lines.append(f"{k:<4}  {chans:<11}  {c0:6.1f}..{c1:5.1f}  {m0:.3f}/{m1:.3f}/{m2:.3f}  "
                     f"{ps:9.1f}  {w0:5.2f}..{w1:5.2f}   {dk}")
    lines.extend(_critical(snapshot, critical))
    return "\n".join(lines)


def format_goal_summary(snapshot: SystemSnapshot) -> str:
    """The goal in force and whether it is met, bounded in size (the large-N
    counterpart of :func:`steer_ros.system2.prompt.format_goal_status`)."""
    goal = getattr(snapshot, "goal", None)
    lines = []
    if goal is not None and not goal.is_plain:
        lines.append(f"Goal: {describe_goal_compact(goal)}")
    short = _shortfall(snapshot)
    below = int(np.count_nonzero(short > 0))
    if below:
        lines.append(f"Unmet goals: {below} channels below their floors, {float(np.sum(short)):.2f} bits "
                     "short in all (the worst are listed above)")
    elif not snapshot.goals_met:
        if goal is not None and not math.isnan(goal.sum_mi_min):
            lines.append(f"Unmet goals: total MI {snapshot.total_mi:.2f} < sum_mi_min {goal.sum_mi_min:g} bits")
        else:
            lines.append("Unmet goals: yes (System 1 reports the goal unmet)")
    return "\n".join(lines)
