"""Runs one evaluation case step-locked and takes its verdict.

The run is the step-locked harness of the experiments
(:class:`~steer_ros.lab.experiments.harness.StepLockedHarness`): the real System 1,
Navigator and Guardrail classes, the navigator called before optimizer steps 0,
every, 2 every, ... with the case's policy, the event applied before its step.

When verdicts are taken (:func:`evaluate_trace`, shared with the through-graph
runner): the operating point *after* navigator call j is the last optimizer step
before call j+1 (the state call j+1 is shown), and after the last call the final
step of the run: the settled state. Predicates are evaluated there:

* FALLBACK: no call gave a usable reply (every one FALLBACK or REJECTED), whatever
  the state: an unusable reply is never MET, even where the start met the target;
* MET: every predicate holds on the settled state, and with ``within: K`` they held
  after one of the first K calls, and (with an event) after one of the first K calls
  from the event on;
* KEPT: not met, and the backend declined every call it answered usably (status
  KEPT) where the case expected action;
* MISSED: otherwise.

Target ``decline``: MET when every call was KEPT with a non-empty reasoning (the
command in force never changed); FALLBACK when no reply was usable; else MISSED.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from steer_ros import defaults
from steer_ros.lab.evaluation.suite import Case, EvalSchedule
from steer_ros.lab.evaluation.targets import OperatingPoint, TargetError
from steer_ros.lab.experiments.harness import Schedule, StepLockedHarness
from steer_ros.lab.experiments.options import ExperimentOptions
from steer_ros.lab.experiments.trace import NavigatorCall, Trace
from steer_ros.system2 import Navigator, make_backend
from steer_ros.system2.guardrail import Guardrail
from steer_ros.system2.steer_decision import SteerDecision

__all__ = ["CaseRun", "VERDICTS", "evaluate_trace", "make_navigator", "run_case", "adjustment_kinds"]

VERDICTS = ("MET", "MISSED", "KEPT", "FALLBACK")
_USABLE = ("OK", "KEPT")
_ADJUSTMENT_KINDS = (
    (re.compile(r"^current "), "current_command"),
    (re.compile(r"clamped p_total"), "clamped_p_total"),
    (re.compile(r"negative weight"), "negative_weights"),
    (re.compile(r"all-zero weights"), "all_zero_weights"),
)


@dataclass
class CaseRun:
    """One run (one repeat) of one case and its verdict.

    calls_to_met: the first call (1-based) after which every predicate held (None:
    never); after_event: the same counted from the first call at or after the event;
    checks: each predicate on the settled state (``predicate``, ``holds``, ``value``).
    """

    case_id: str
    verdict: str
    calls: list[NavigatorCall]
    calls_to_met: int | None = None
    after_event: int | None = None
    checks: list[dict] = field(default_factory=list)
    wall_s: float = 0.0
    note: str = ""

    @property
    def met(self) -> bool:
        return self.verdict == "MET"


def adjustment_kinds(detail: str) -> list[str]:
    """The kinds of guardrail adjustment in an accepted command's detail
    ("adjusted: clamped p_total 1e+09 -> 40; ... (EMA alpha 0.6)")."""
    if not detail.startswith("adjusted:"):
        return []
    body = re.sub(r"\s*\(EMA alpha [^)]*\)\s*$", "", detail[len("adjusted:"):])
    kinds = []
    for note in (n.strip() for n in body.split(";")):
        if not note:
            continue
        kind = next((k for rx, k in _ADJUSTMENT_KINDS if rx.search(note)), None)
        kinds.append(kind or "_".join(re.findall(r"[a-z]+", note.lower())[:3]) or "other")
    return kinds


def make_navigator(options: ExperimentOptions, repeat: int, p_max: float) -> Navigator:
    """A fresh navigator for one case run, quoting the case's budget limit. The rules
    backend is built with the same P_max the guardrail enforces."""
    config = options.backend_config(repeat)
    if config.resolved_kind() == "rules":
        from steer_ros.system2.backends.rules_backend import RulesBackend

        backend = RulesBackend(p_max=p_max)
    else:
        backend = make_backend(config)
    return Navigator(backend, deadline_s=options.timeout_s, p_max=p_max)


def _event_action(case: Case, navigator: Navigator, guardrail: Guardrail):
    event = case.event

    def apply(system1, current: SteerDecision) -> SteerDecision | None:
        if event.kind == "budget_cut":
            guardrail.p_max = float(event.p_max)
            navigator.p_max = float(event.p_max)
            if hasattr(navigator.backend, "p_max"):
                navigator.backend.p_max = float(event.p_max)  # the rules backend's limit too
            p = min(float(current.p_total), float(event.p_max))
            system1.set_command(None, p)
            return current.with_(p_total=p)
        system1.set_channels(event.apply_to_gains(system1.gain, system1.noise_var), system1.noise_var)
        return None

    return apply


def run_case(case: Case, schedule: EvalSchedule, options: ExperimentOptions, repeat: int = 0) -> CaseRun:
    """One step-locked run of ``case`` with a fresh navigator (seed + repeat)."""
    start = time.perf_counter()
    ch = case.channels
    navigator = make_navigator(options, repeat, ch.p_max)
    guardrail = Guardrail(p_max=ch.p_max)
    events = {}
    if case.event is not None:
        events[case.event.step(schedule)] = _event_action(case, navigator, guardrail)
    try:
        harness = StepLockedHarness(navigator, gain=ch.gain, noise_var=ch.noise_var, p_total=ch.p_total,
                                    guardrail=guardrail, weights=ch.weights)
        trace = harness.run(case.policy, Schedule(schedule.steps, schedule.every), label=case.id, events=events)
    finally:
        navigator.close()
    run = evaluate_trace(case, trace, schedule)
    run.wall_s = time.perf_counter() - start
    return run


def _p_max_at(case: Case, schedule: EvalSchedule, step: int) -> float:
    ev = case.event
    if ev is not None and ev.kind == "budget_cut" and step >= ev.step(schedule):
        return float(ev.p_max)
    return float(case.channels.p_max)


def point_at(trace: Trace, row: int, p_max: float, p_start: float = math.nan) -> OperatingPoint:
    """The operating point of one recorded step; p_start: the case's initial budget."""
    return OperatingPoint(gain=trace.gain[row], noise_var=trace.noise_var[row], power=trace.power[row],
                          mi=trace.mi[row], weights=trace.weights[row], p_total=float(trace.p_total[row]),
                          p_max=p_max, p_start=p_start)


def _holds(case: Case, point: OperatingPoint) -> bool:
    return all(p.holds(point) for p in case.target)


def evaluate_trace(case: Case, trace: Trace, schedule: EvalSchedule, event_step: int | None = None) -> CaseRun:
    """The verdict of one recorded run (see the module docstring).

    ``event_step``: the step at which the event reached System 1 (default: the
    schedule's; the through-graph runner passes the observed one)."""
    calls = list(trace.calls)
    statuses = [c.status for c in calls]
    usable = [s for s in statuses if s in _USABLE]
    if case.decline:
        if not usable:
            verdict = "FALLBACK"
        elif all(s == "KEPT" for s in statuses) and all(c.reasoning.strip() for c in calls):
            verdict = "MET"
        else:
            verdict = "MISSED"
        note = "" if verdict == "MET" else _decline_note(calls)
        return CaseRun(case.id, verdict, calls, note=note)

    last = len(trace.step) - 1
    if event_step is None and case.event is not None:
        event_step = case.event.step(schedule)
    try:
        p_start = float(case.channels.p_total)
        final = point_at(trace, last, _p_max_at(case, schedule, last), p_start)
        checks = [{"predicate": p.text, "holds": p.holds(final), "value": _rounded(p.measure(final))}
                  for p in case.target]
        # after call j: the last step before call j + 1 (or the end of the run)
        ends = [calls[j + 1].step - 1 if j + 1 < len(calls) else last for j in range(len(calls))]
        held = [e >= 0 and _holds(case, point_at(trace, e, _p_max_at(case, schedule, e), p_start)) for e in ends]
    except TargetError as err:  # e.g. a selector beyond N after an N change: a miss, named
        return CaseRun(case.id, "MISSED" if usable else "FALLBACK", calls, note=str(err))
    calls_to_met = next((j + 1 for j, h in enumerate(held) if h), None)
    after_event = None
    if event_step is not None:
        first = next((j for j, c in enumerate(calls) if c.step >= event_step), None)
        if first is not None:
            after_event = next((j - first + 1 for j in range(first, len(calls)) if held[j]), None)
    ok = all(c["holds"] for c in checks)
    if ok and case.within is not None:
        ok = calls_to_met is not None and calls_to_met <= case.within
        if case.event is not None:
            ok = ok and after_event is not None and after_event <= case.within
    if not usable:  # garbage never scores, even where the start already met the target
        verdict = "FALLBACK"
    elif ok:
        verdict = "MET"
    elif all(s != "OK" for s in statuses):
        verdict = "KEPT"
    else:
        verdict = "MISSED"
    note = ""
    if verdict != "MET":
        failed = [c for c in checks if not c["holds"]]
        if failed:
            note = "; ".join(f"{c['predicate']} (measured {_fmt(c['value'])})" for c in failed[:2])
        elif case.within is not None:
            note = (f"met only after call {calls_to_met}" if calls_to_met else "never met") + f", within {case.within}"
            if case.event is not None:
                note += f"; after the event: {after_event if after_event is not None else 'never'}"
    return CaseRun(case.id, verdict, calls, calls_to_met=calls_to_met, after_event=after_event, checks=checks,
                   note=note)


def _decline_note(calls: list[NavigatorCall]) -> str:
    counts = Counter(c.status for c in calls)
    return ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))


def _rounded(values: list[float]) -> float | list[float]:
    vals = [round(v, 4) if math.isfinite(v) else None for v in values]
    return vals[0] if len(vals) == 1 else vals


def _fmt(value) -> str:
    if isinstance(value, list):
        shown = ", ".join(f"{v:g}" for v in value[:6])
        return f"[{shown}{', ...' if len(value) > 6 else ''}]"
    return f"{value:g}" if value is not None else "n/a"


def call_stats(runs: list[CaseRun]) -> dict:
    """Reply quality, latency and tokens over every call of these runs."""
    calls = [c for r in runs for c in r.calls]
    n = len(calls)
    valid = sum(1 for c in calls if c.status == "OK" and not c.detail.startswith("adjusted:"))
    adjustments = Counter(k for c in calls if c.status == "OK" for k in adjustment_kinds(c.detail))
    fallbacks = Counter(c.detail.split(":", 1)[0] or "unknown" for c in calls if c.status in ("FALLBACK", "REJECTED"))
    lat = np.array([c.latency_s for c in calls], dtype=float)
    prompt = [c.prompt_tokens for c in calls if c.prompt_tokens is not None]
    completion = [c.completion_tokens for c in calls if c.completion_tokens is not None]
    return {
        "calls": n,
        "valid_reply_rate": round(valid / n, 4) if n else None,
        "adjustments": dict(sorted(adjustments.items())),
        "fallbacks": dict(sorted(fallbacks.items())),
        "latency_p50_s": round(float(np.percentile(lat, 50)), 6) if n else None,
        "latency_p95_s": round(float(np.percentile(lat, 95)), 6) if n else None,
        "prompt_tokens": int(sum(prompt)) if prompt else None,
        "completion_tokens": int(sum(completion)) if completion else None,
    }


DEFAULT_SCHEDULE = EvalSchedule(defaults.EVAL_STEPS, defaults.EVAL_NAV_EVERY)
