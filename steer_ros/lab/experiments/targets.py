"""The issue's targets (rules backend), checked against metrics. The report lists
them with pass/fail; the tests assert the same numbers independently."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TargetCheck:
    """One target: what it asks, the measured value, the bound, and the verdict."""

    experiment: str
    target: str
    value: str
    bound: str
    passed: bool

    def to_json(self) -> dict:
        return {"experiment": self.experiment, "target": self.target, "value": self.value, "bound": self.bound,
                "passed": self.passed}


def policy_targets(runs: dict[str, dict], refs: dict) -> list[TargetCheck]:
    """Checks on one repeat's per-policy metrics (keys "P1".."P4")."""
    out: list[TargetCheck] = []
    b0, opt, b1 = refs["b0"]["sum_mi"], refs["optimum"]["sum_mi"], refs["b1"]["sum_mi"]
    if "P1" in runs:
        m = runs["P1"]
        w = np.asarray(m["weights"])
        dev = float(np.max(np.abs(w - 1.0 / w.size)))
        out += [
            TargetCheck("P1", "weights equal", f"max |w_i - 1/N| = {dev:.4f}", "<= 0.01", dev <= 0.01),
            TargetCheck("P1", "sum MI = B0", f"|{m['sum_mi']:.4f} - {b0:.4f}| = {abs(m['sum_mi'] - b0):.4f}",
                        "<= 0.01 bits", abs(m["sum_mi"] - b0) <= 0.01),
            TargetCheck("P1", "sum MI = certified optimum",
                        f"|{m['sum_mi']:.4f} - {opt:.4f}| = {abs(m['sum_mi'] - opt):.4f}", "<= 0.01 bits",
                        abs(m["sum_mi"] - opt) <= 0.01),
            TargetCheck("P1", "B1 below B0", f"B0 - B1 = {b0 - b1:.4f} bits", ">= 0.5 bits", b0 - b1 >= 0.5),
        ]
    if "P2" in runs:
        m = runs["P2"]
        top2 = sorted(int(i) + 1 for i in np.argsort(m["weights"])[-2:])
        mi78 = min(m["mi"][6], m["mi"][7])
        out += [
            TargetCheck("P2", "channels 7, 8 carry the two largest weights", f"largest weights on {top2}", "[7, 8]",
                        top2 == [7, 8]),
            TargetCheck("P2", "channels 7, 8 near saturation", f"min(MI_7, MI_8) = {mi78:.4f} bits", ">= 1.9 bits",
                        mi78 >= 1.9),
        ]
    if "P3" in runs:
        m = runs["P3"]
        need = refs["min_budget_for_target"]
        rel = abs(m["p_total"] - need) / need
        out += [
            TargetCheck("P3", "budget lowered", f"P_total = {m['p_total']:.3f}", "< 40", m["p_total"] < 40),
            TargetCheck("P3", "sum MI just above 10 bits", f"sum MI = {m['sum_mi']:.4f} bits", "in [10, 10.5]",
                        10.0 <= m["sum_mi"] <= 10.5),
            TargetCheck("P3", "P_total near the least budget for 10 bits",
                        f"|{m['p_total']:.3f} - {need:.3f}| / {need:.3f} = {100 * rel:.2f}%", "<= 5%", rel <= 0.05),
        ]
    if "P4" in runs:
        m = runs["P4"]
        weak, rest = max(m["mi"][:3]), min(m["mi"][3:])
        out += [
            TargetCheck("P4", "channels 1-3 shut down", f"max MI_1..3 = {weak:.4f} bits", "<= 0.05 bits", weak <= 0.05),
            TargetCheck("P4", "channels 4-8 near saturation", f"min MI_4..8 = {rest:.4f} bits", ">= 1.9 bits",
                        rest >= 1.9),
        ]
    return out


def reversal_targets(m: dict) -> list[TargetCheck]:
    """Checks on one repeat's reversal metrics."""
    red = m["reduction"]
    rec = m["steps_to_recover"]
    return [
        TargetCheck("reversal", "final MI spread vs equal-weight baseline",
                    f"{m['final_spread']:.4f} vs {m['baseline_final_spread']:.4f} bits: "
                    f"{100 * red:.1f}% lower" if red is not None else "n/a", ">= 90% lower (paper: 60%)",
                    red is not None and red >= 0.9),
        TargetCheck("reversal", f"spread back under {m['recovered_bits']:g} bits",
                    f"{rec} steps after the reversal" if rec is not None else "never", "<= 100 steps",
                    rec is not None and rec <= 100),
    ]
