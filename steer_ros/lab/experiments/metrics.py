"""Metrics of recorded runs (:class:`~steer_ros.lab.experiments.trace.Trace`) and the
references they are compared with. Plain dicts of JSON-ready values, so they go
straight into ``results.json``.

References (docs/design.md section 3.6): B0 = System 1 alone with equal weights;
B1 = Gaussian-input weighted water-filling scored under QPSK MI; the certified optimum (mercury/
water-filling, KKT) of the command in force; the smallest budget whose equal-weight
optimum reaches a sum-MI target.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from steer_ros import defaults
from steer_ros.lab.experiments.trace import Trace
from steer_ros.system1.baselines import b0, b1
from steer_ros.system1.certified_optimum import certified_optimum, min_budget_for_sum_mi

#: A channel is re-converged when every channel's MI is this close to the certified optimum.
CONVERGED_BITS = 0.01


def _r(x: float, digits: int = 6) -> float | None:
    x = float(x)
    return round(x, digits) if math.isfinite(x) else None


def _list(a, digits: int = 6) -> list:
    return [_r(x, digits) for x in np.asarray(a, dtype=float).ravel()]


def references(gain, noise_var, p_total: float = defaults.P_TOTAL, target_bits: float = 10.0) -> dict:
    """B0, B1 (equal weights), the certified equal-weight optimum at ``p_total`` and
    the smallest budget reaching ``target_bits`` of sum MI (all certified / exact)."""
    gain = np.asarray(gain, dtype=float)
    noise_var = np.broadcast_to(np.asarray(noise_var, dtype=float), gain.shape)
    n = gain.shape[0]
    base0 = b0(gain, noise_var, p_total)
    base1 = b1(gain, noise_var, defaults.equal_weights(n), p_total)
    opt = certified_optimum(gain, noise_var, None, p_total)
    return {
        "gain": _list(gain), "noise_var": _list(noise_var), "p_total": p_total,
        "b0": {"sum_mi": _r(base0.total_mi), "mi": _list(base0.mi), "power": _list(base0.power)},
        "b1": {"sum_mi": _r(base1.total_mi), "mi": _list(base1.mi), "power": _list(base1.power)},
        "b0_minus_b1_bits": _r(base0.total_mi - base1.total_mi),
        "optimum": {"sum_mi": _r(opt.total_mi), "mi": _list(opt.mi), "power": _list(opt.power)},
        "sum_mi_target_bits": target_bits,
        "min_budget_for_target": _r(min_budget_for_sum_mi(gain, noise_var, target_bits)),
    }


def call_summary(trace: Trace) -> dict:
    counts = Counter(c.status for c in trace.calls)
    latency = [c.latency_s for c in trace.calls]
    return {
        "calls": len(trace.calls),
        "by_status": dict(sorted(counts.items())),
        "latency_s_mean": _r(np.mean(latency)) if latency else None,
        "latency_s_max": _r(np.max(latency)) if latency else None,
    }


def policy_metrics(trace: Trace, warmup: int, initial_p_total: float = defaults.P_TOTAL) -> dict:
    """Final-step values, measurement-window means (steps >= warmup), the first
    navigator call (the paper's Table II), the certified optimum of the final
    command (optimality gap of the weighted objective), and which knobs moved away
    from the initial command (equal weights, ``initial_p_total``)."""
    mi, w, p = trace.mi[-1], trace.weights[-1], float(trace.p_total[-1])
    window = trace.step >= trace.step[0] + warmup
    opt = certified_optimum(trace.gain[-1], trace.noise_var[-1], w, p)
    weighted = float(np.dot(w, mi))
    first = trace.calls[0] if trace.calls else None
    budgets = [c.accepted_p_total for c in trace.calls if c.status == "OK"]
    return {
        "steps": int(trace.step.shape[0]),
        "mi": _list(mi), "sum_mi": _r(mi.sum()), "weights": _list(w), "p_total": _r(p),
        "power": _list(trace.power[-1]), "power_used": _r(trace.power_used[-1]), "spread": _r(np.ptp(mi)),
        "weighted_mi": _r(weighted),
        "optimum_weighted_mi": _r(opt.weighted_mi), "optimality_gap_bits": _r(max(opt.weighted_mi - weighted, 0.0), 9),
        "optimum_mi": _list(opt.mi),
        "window_steps": int(window.sum()),
        "window_sum_mi_mean": _r(trace.sum_mi[window].mean()), "window_sum_mi_std": _r(trace.sum_mi[window].std()),
        "window_p_total_mean": _r(trace.p_total[window].mean()),
        "window_mi_mean": _list(trace.mi[window].mean(axis=0)),
        "max_budget_excess": _r(float(np.max(trace.power_used - trace.p_total)), 12),
        "budget_range": [_r(min(budgets)), _r(max(budgets))] if budgets else None,
        "first_call": first.to_json() if first else None,
        "budget_moved": bool(np.max(np.abs(trace.p_total - initial_p_total)) > 1e-6),
        "weights_moved": bool(np.max(np.abs(trace.weights - 1.0 / trace.n)) > 1e-6),
        **call_summary(trace),
    }


def steps_until_below(values: np.ndarray, start: int, bound: float) -> int | None:
    """Steps after index ``start`` until ``values`` drops below ``bound`` for good
    (None if it is not below at the end)."""
    tail = np.asarray(values[start:])
    if tail.size == 0 or tail[-1] >= bound:
        return None
    above = np.flatnonzero(tail >= bound)
    return int(above[-1] + 1) if above.size else 0


def reversal_metrics(steered: Trace, baseline: Trace, reverse_at: int,
                     recovered_bits: float = defaults.EXP_SPREAD_RECOVERED_BITS) -> dict:
    """Final MI spread against the equal-weight baseline, recovery time, the first
    navigator call after the reversal, and how fast System 1 alone re-converges."""
    s_final, b_final = float(steered.spread[-1]), float(baseline.spread[-1])
    before = reverse_at - 1
    b_at = int(baseline.events.get("reverse_at", reverse_at))  # through the graph it differs by a few steps
    after_calls = [c for c in steered.calls if c.step >= reverse_at]
    first_after = after_calls[0] if after_calls else None
    gain_after = steered.gain[-1]
    weakest_after = int(np.argmin(gain_after))
    flipped = None
    if first_after is not None and first_after.status == "OK":
        flipped = int(np.argmax(first_after.accepted_weights)) == weakest_after
    # the first call whose accepted command gives the now-weakest channel the top weight
    flip = next((k for k, c in enumerate(after_calls)
                 if c.status == "OK" and int(np.argmax(c.accepted_weights)) == weakest_after), None)
    # System 1 alone: steps until every channel is within CONVERGED_BITS of the
    # certified equal-weight optimum at the reversed gains.
    opt_after = certified_optimum(baseline.gain[-1], baseline.noise_var[-1], None, float(baseline.p_total[-1]))
    dev = np.max(np.abs(baseline.mi - opt_after.mi), axis=1)
    w_before = steered.weights[before]
    return {
        "reverse_at": reverse_at,
        "final_spread": _r(s_final), "baseline_final_spread": _r(b_final),
        "reduction": _r(1.0 - s_final / b_final) if b_final > 0 else None,
        "spread_before_reversal": _r(steered.spread[before]),
        "baseline_spread_before_reversal": _r(baseline.spread[b_at - 1]),
        "peak_spread_after_reversal": _r(steered.spread[reverse_at:].max()),
        "recovered_bits": recovered_bits,
        "steps_to_recover": steps_until_below(steered.spread, reverse_at, recovered_bits),
        "weights_before_reversal": _list(w_before),
        "argmax_weight_before": int(np.argmax(w_before)) + 1, "argmin_weight_before": int(np.argmin(w_before)) + 1,
        "first_call_after_reversal": first_after.step if first_after else None,
        "first_call_after_weights": list(first_after.accepted_weights) if first_after else None,
        "weights_flipped_at_first_call": flipped,
        "weights_flipped_at_step": after_calls[flip].step if flip is not None else None,
        "calls_until_flipped": flip + 1 if flip is not None else None,
        "final_weights": _list(steered.weights[-1]),
        "final_mi": _list(steered.mi[-1]), "baseline_final_mi": _list(baseline.mi[-1]),
        "final_sum_mi": _r(steered.sum_mi[-1]), "baseline_final_sum_mi": _r(baseline.sum_mi[-1]),
        "baseline_steps_to_reconverge": steps_until_below(dev, b_at, CONVERGED_BITS),
        "max_budget_excess": _r(float(max(np.max(steered.power_used - steered.p_total),
                                          np.max(baseline.power_used - baseline.p_total))), 12),
        **call_summary(steered),
    }


def aggregate(runs: list[dict]) -> dict:
    """Mean and spread (population std, min, max) of every numeric scalar over repeats."""
    out = {}
    for key in runs[0]:
        values = [r.get(key) for r in runs]
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            a = np.asarray(values, dtype=float)
            out[key] = {"mean": _r(a.mean()), "std": _r(a.std()), "min": _r(a.min()), "max": _r(a.max())}
    return out
