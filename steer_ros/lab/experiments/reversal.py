"""The resilience experiment (paper section IV-D, docs/design.md section 7): policy
"Equalize MI across all channels"; before step 150 of 300 every gain is reversed
(h_i <-> h_{N+1-i}); navigator every 20 steps, told nothing of the schedule. Compared
with the same run under fixed equal weights (System 1 alone)."""

from __future__ import annotations

from dataclasses import dataclass, field

from steer_ros import defaults
from steer_ros.lab.experiments.harness import REVERSAL_SCHEDULE, Schedule, StepLockedHarness
from steer_ros.lab.experiments.metrics import aggregate, reversal_metrics
from steer_ros.lab.experiments.options import ExperimentOptions
from steer_ros.lab.experiments.targets import reversal_targets
from steer_ros.lab.experiments.trace import Trace

POLICY = defaults.EXP_REVERSAL_POLICY


@dataclass
class ReversalResults:
    """``result`` is the JSON section; ``steered`` the first repeat's run, ``baseline``
    the equal-weight run (deterministic, run once)."""

    result: dict
    steered: Trace | None = None
    baseline: Trace | None = None
    extra: dict = field(default_factory=dict)


def run_reversal(options: ExperimentOptions, schedule: Schedule = REVERSAL_SCHEDULE,
                 policy: str = POLICY) -> ReversalResults:
    if schedule.reverse_at is None:
        raise ValueError("the reversal experiment needs a schedule with reverse_at")
    harness_args = dict(gain=defaults.design_gains(), noise_var=defaults.NOISE_VAR, p_total=defaults.P_TOTAL)
    baseline = StepLockedHarness(None, **harness_args).run(policy, schedule, label="equal weights (System 1 alone)")
    runs, checks, first = [], [], None
    for repeat in range(options.repeats):
        navigator = options.navigator(repeat)
        try:
            steered = StepLockedHarness(navigator, **harness_args).run(policy, schedule, label="steered")
        finally:
            navigator.close()
        m = reversal_metrics(steered, baseline, schedule.reverse_at)
        runs.append(m)
        checks += [dict(c.to_json(), repeat=repeat) for c in reversal_targets(m)]
        first = first or steered
    result = {
        "experiment": "reversal",
        "policy": policy,
        "schedule": schedule.to_json(),
        "options": options.to_json(),
        "aggregate": aggregate(runs),
        "runs": runs,
        "first_calls": [c.to_json() for c in first.calls],
        "targets": checks,
    }
    return ReversalResults(result, first, baseline)
