"""The reversal experiment with the goal instead of the weights: System 1 is given
``objective: max_min`` directly (no navigator, no weights to guess) and tracks equal
MI itself; before step ``reverse_at`` every gain is reversed. Compared with the
weights-only steering of :func:`run_reversal` (rules backend, navigator every 20
steps). Step-locked and deterministic."""

from __future__ import annotations

import numpy as np

from steer_ros import defaults
from steer_ros.channels.scenario import reversed_gains
from steer_ros.lab.experiments.harness import REVERSAL_SCHEDULE, Schedule
from steer_ros.lab.experiments.metrics import steps_until_below
from steer_ros.system1.goal import Goal, Objective
from steer_ros.system1.system1 import System1


def run_maxmin_reversal(schedule: Schedule = REVERSAL_SCHEDULE,
                        recovered_bits: float = defaults.EXP_SPREAD_RECOVERED_BITS,
                        weights_only: dict | None = None) -> dict:
    """Spread (max - min MI, bits) per step of System 1 tracking max_min through the
    gain reversal. Returns steps until the spread is back under ``recovered_bits``
    after the reversal, the final spread, the largest budget excess, and, if
    ``weights_only`` (a :func:`run_reversal` run's metrics) is given, its figures."""
    if schedule.reverse_at is None:
        raise ValueError("the reversal experiment needs a schedule with reverse_at")
    gain = defaults.design_gains()
    s = System1(gain, defaults.NOISE_VAR, None, defaults.P_TOTAL)
    s.set_command(None, defaults.P_TOTAL, goal=Goal(Objective.MAX_MIN))
    spread = np.empty(schedule.steps)
    excess = 0.0
    for k in range(schedule.steps):
        if k == schedule.reverse_at:
            s.set_channels(reversed_gains(s.gain), s.noise_var)
        s.step()
        mi = s.mi()
        spread[k] = float(mi.max() - mi.min())
        excess = max(excess, float(s.power.sum()) - s.p_total)
    out = {
        "experiment": "maxmin_reversal", "objective": "max_min", "schedule": schedule.to_json(),
        "recovered_bits": recovered_bits,
        "steps_to_recover": steps_until_below(spread, schedule.reverse_at, recovered_bits),
        "peak_spread_after_reversal": float(spread[schedule.reverse_at:].max()),
        "final_spread": float(spread[-1]), "final_sum_mi": float(np.sum(s.mi())),
        "max_budget_excess": excess,
    }
    if weights_only is not None:
        out["weights_only_steps_to_recover"] = weights_only.get("steps_to_recover")
        out["weights_only_final_spread"] = weights_only.get("final_spread")
    return out
