"""The policy experiment (paper section IV-B, docs/design.md section 7): each of P1-P4
from the same initial state (equal weights, P_total = 40), navigator every 10 optimizer
steps, 250 steps of which the last 50 are measured; B0, B1 and the certified optimum as
references."""

from __future__ import annotations

from dataclasses import dataclass, field

from steer_ros import defaults
from steer_ros.lab.experiments.harness import POLICY_SCHEDULE, Schedule, StepLockedHarness
from steer_ros.lab.experiments.metrics import aggregate, policy_metrics, references
from steer_ros.lab.experiments.options import ExperimentOptions
from steer_ros.lab.experiments.targets import policy_targets
from steer_ros.lab.experiments.trace import Trace

#: The paper's Table I.
POLICIES: dict[str, str] = {
    "P1": "Maximize total throughput",
    "P2": "Prioritize channels 7 and 8",
    "P3": "Minimize total power while keeping sum rate above 10 bits",
    "P4": "Shut down the 3 weakest channels and focus power on the rest",
}
#: P3's sum-rate floor, bits (the text of P3).
P3_TARGET_BITS = 10.0


@dataclass
class PolicyResults:
    """``result`` is the JSON section; ``traces`` the first repeat's runs (for figures)."""

    result: dict
    traces: dict[str, Trace] = field(default_factory=dict)


def run_policies(options: ExperimentOptions, schedule: Schedule = POLICY_SCHEDULE,
                 policies: dict[str, str] | None = None) -> PolicyResults:
    policies = policies or POLICIES
    harness_args = dict(gain=defaults.design_gains(), noise_var=defaults.NOISE_VAR, p_total=defaults.P_TOTAL)
    refs = references(harness_args["gain"], [defaults.NOISE_VAR] * defaults.N_CHANNELS, defaults.P_TOTAL,
                      P3_TARGET_BITS)
    runs: dict[str, list[dict]] = {pid: [] for pid in policies}
    traces: dict[str, Trace] = {}
    checks = []
    for repeat in range(options.repeats):
        this_repeat = {}
        for pid, text in policies.items():
            navigator = options.navigator(repeat)
            try:
                trace = StepLockedHarness(navigator, **harness_args).run(text, schedule, label=pid)
            finally:
                navigator.close()
            m = policy_metrics(trace, schedule.warmup)
            runs[pid].append(m)
            this_repeat[pid] = m
            if repeat == 0:
                traces[pid] = trace
        checks += [dict(c.to_json(), repeat=repeat) for c in policy_targets(this_repeat, refs)]
    result = {
        "experiment": "policies",
        "schedule": schedule.to_json(),
        "options": options.to_json(),
        "references": refs,
        "policies": {pid: {"text": text, "aggregate": aggregate(runs[pid]), "runs": runs[pid]}
                     for pid, text in policies.items()},
        "targets": checks,
    }
    return PolicyResults(result, traces)
