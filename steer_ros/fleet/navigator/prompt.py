"""The fleet navigator's two messages: the system prompt (the reply format) and the user
message, a hierarchical summary of the fleet.

Up to ``threshold`` radios the user message lists every radio; above, the fleet totals,
sum-MI quantiles, a table of ``groups`` contiguous bands of radios and the critical
radios (weakest, strongest, below their floor, silent), so both messages together stay
within FLEET_PROMPT_MAX_CHARS (8,000) for any K up to FLEET_MAX_RADIOS (1,024) and a
policy of at most FLEET_POLICY_MAX_CHARS. Numbers are rounded to what a decision needs.
"""

from __future__ import annotations

import json
import math

import numpy as np

from steer_ros import defaults
from steer_ros.fleet.navigator.readback import radio_list, readback
from steer_ros.fleet.navigator.snapshot import FleetSnapshot

SYSTEM_PROMPT = """\
You set the policy of a fleet of K radios that share one budget: sum_k a_k P_k <= C.
A coordinator grants each radio k its budget P_k by price; you choose what it weighs.
Answer with ONE JSON object, no prose outside it. Every field is optional; the object
is the whole fleet setting (unlisted radios: priority 1, on, no floor, configured box):
{"reasoning": "one short sentence",
 "priorities": [{"radios": "3", "priority": 4}],
 "off": ["2"],
 "floors": [{"radios": "all", "bits": 8}],
 "budgets": [{"radios": "5-6", "min": 1, "max": 10}],
 "cap_fraction": 0.6}
- priorities: fleet priority rho_k > 0 (default 1; 4 = comes first, 0.25 = comes last).
- off: radios taken off the air (granted 0).
- floors: bits per channel use on the radio's SUM mutual information (all its channels).
- budgets: narrow a radio's budget box [min, max] (linear power; never wider than configured).
- cap (absolute) or cap_fraction (of the configured C); omit both to keep the cap in force.
Radio selectors: "3", "1-4", "1,3", "all", "even", "odd", "weakest:2" / "strongest:2"
(ranked by a radio's sum MI), "weakest:25%". Radios are numbered 1..K.
The reserves (what each radio falls back to when its lease runs out) always fit under
the cap: a cap below them is refused. Do only what the policy asks; if it asks for
nothing you can set, return {"reasoning": "why", "priorities": []}.
"""


def build_fleet_messages(snapshot: FleetSnapshot, policy: str, system_prompt: str = SYSTEM_PROMPT,
                         threshold: int = defaults.FLEET_SUMMARY_THRESHOLD,
                         groups: int = defaults.FLEET_SUMMARY_GROUPS) -> list[dict]:
    """[system, user] chat messages for one call."""
    return [{"role": "system", "content": system_prompt},
            {"role": "user", "content": fleet_summary(snapshot, threshold, groups)
             + f"\nPolicy: {json.dumps(str(policy), ensure_ascii=False)}\nAnswer with the JSON object."}]


def _f(x: float, digits: int = 3) -> str:
    return "-" if not math.isfinite(x) else f"{x:.{digits}g}"


def fleet_summary(s: FleetSnapshot, threshold: int = defaults.FLEET_SUMMARY_THRESHOLD,
                  groups: int = defaults.FLEET_SUMMARY_GROUPS) -> str:
    """The fleet as text: limits, the directive in force, then radios or bands."""
    lim, d, k = s.limits, s.directive, s.k
    cap = lim.cap if math.isnan(d.cap) else d.cap
    a = lim.a
    coeff = f"a_k = {_f(a[0])} for every radio" if np.all(a == a[0]) else \
        f"a_k from {_f(a.min())} to {_f(a.max())}"
    fresh = np.asarray(s.fresh, dtype=bool)
    lines = [
        f"Fleet: K = {k} radios; {coeff}; configured cap C = {_f(lim.cap, 5)}; cap in force {_f(cap, 5)} "
        f"({100 * cap / lim.cap:.3g}% of C); reserves sum a_k R_k = {_f(float(np.dot(a, lim.reserve)), 5)}.",
        f"Directive in force: {readback(d, lim)}",
        f"Reports: {int(fresh.sum())} of {k} radios; fleet sum MI {_f(float(np.nansum(s.sum_mi)), 5)} bits; "
        f"budgets in force sum {_f(float(np.nansum(s.budget)), 5)}.",
    ]
    if k <= threshold:
        lines.append("radio: sum MI bits | budget | power used | channels | priority | floor | box | state")
        for i in range(k):
            lines.append(_radio_line(s, i))
        return "\n".join(lines)
    mi = np.asarray(s.sum_mi, dtype=float)
    known = mi[fresh & np.isfinite(mi)]
    if known.size:
        q = np.quantile(known, [0.0, 0.1, 0.5, 0.9, 1.0])
        lines.append("Sum MI per radio (bits): min {} q10 {} median {} q90 {} max {}.".format(*(_f(x) for x in q)))
    g = min(groups, k)
    edges = np.linspace(0, k, g + 1).round().astype(int)
    lines.append("band: radios | sum MI min/mean/max | budget sum | off | priority max | floor max | silent")
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        sl = slice(lo, hi)
        band = mi[sl][fresh[sl] & np.isfinite(mi[sl])]
        stats = "/".join(_f(x) for x in (band.min(), band.mean(), band.max())) if band.size else "-"
        lines.append(f"{lo + 1}-{hi} | {stats} | {_f(float(np.nansum(s.budget[sl])), 4)} | "
                     f"{int(np.sum(d.off[sl]))} | {_f(float(np.max(d.priority[sl])))} | "
                     f"{_f(float(np.max(d.rate_floor[sl])))} | {int(np.sum(~fresh[sl]))}")
    lines.extend(_critical(s))
    return "\n".join(lines)


def _radio_line(s: FleetSnapshot, i: int) -> str:
    d, lim = s.directive, s.limits
    state = "off" if d.off[i] else "no report" if not s.fresh[i] else \
        ("goals met" if s.goals_met[i] else "goals NOT met")
    box = f"[{_f(d.p_min[i])}, {_f(d.p_max[i]) if math.isfinite(d.p_max[i]) else 'inf'}]"
    if d.p_min[i] == lim.p_min[i] and d.p_max[i] == lim.p_max[i]:
        box = "configured"
    return (f"{i + 1}: {_f(s.sum_mi[i], 4)} | {_f(s.budget[i], 4)} | {_f(s.power_used[i], 4)} | "
            f"{int(s.n_channels[i])} | {_f(d.priority[i])} | {_f(d.rate_floor[i])} | {box} | {state}")


def _critical(s: FleetSnapshot, count: int = defaults.FLEET_SUMMARY_CRITICAL) -> list[str]:
    mi = np.asarray(s.sum_mi, dtype=float)
    fresh = np.asarray(s.fresh, dtype=bool) & np.isfinite(mi)
    idx = np.flatnonzero(fresh)
    lines = []
    if idx.size:
        order = idx[np.argsort(mi[idx], kind="stable")]
        for word, pick in (("Weakest", order[:count]), ("Strongest", order[::-1][:count])):
            lines.append(f"{word}: " + ", ".join(f"radio {i + 1} {_f(mi[i])} bits" for i in pick) + ".")
        below = idx[mi[idx] < s.directive.rate_floor[idx] - 1e-9]
        if below.size:
            worst = below[np.argsort(mi[below] - s.directive.rate_floor[below], kind="stable")][:count]
            lines.append(f"Below their floor: {below.size} radios, worst " + ", ".join(
                f"radio {i + 1} {_f(mi[i])} < {_f(s.directive.rate_floor[i])}" for i in worst) + ".")
    silent = np.flatnonzero(~np.asarray(s.fresh, dtype=bool))
    if silent.size:
        lines.append(f"No report from {silent.size} radios: {radio_list(silent, s.k)}.")
    return lines
