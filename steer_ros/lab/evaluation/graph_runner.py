"""Evaluation cases through the live ROS graph (``steer-ros eval --through-graph``).

Each case run starts a fresh graph (channel_sim, channel_mux, optimizer, navigator,
guardrail in one process, real DDS, real time) with the case's channels and budget
limit as node parameters, the optimizer at ``options.graph_rate_hz`` steps per
second and the navigator's period ``every / rate``, so the step ratio matches the
step-locked schedule. The experiments' probe node
(:class:`steer_ros.lab.experiments.through_graph.Probe`) publishes the policy,
applies the event through channel_sim's parameters (``reversed`` for a reversal,
``gain`` for a fade) and records every allocation and command; the recording is put
on the optimizer's step grid and scored by the same
:func:`~steer_ros.lab.evaluation.case_runner.evaluate_trace` as a step-locked run,
with the event at the step where the changed gains reached the optimizer.

Not run through the graph (listed under ``skipped`` in the scorecard): budget cuts
(the guardrail's ``p_max`` is read-only at run time), cases with non-equal initial
weights (the optimizer node starts from equal weights). The case's P_total and P_max
are set on the optimizer, the guardrail and the navigator (whose rules backend uses
the node's p_min / p_max).
"""

from __future__ import annotations

import time

import numpy as np

from steer_ros import defaults
from steer_ros.lab.evaluation.case_runner import CaseRun, evaluate_trace
from steer_ros.lab.evaluation.suite import Case, EvalSchedule, Suite
from steer_ros.lab.experiments.options import ExperimentOptions

__all__ = ["graph_case_runner", "run_graph_case", "split_supported", "unsupported_reason"]


def unsupported_reason(case: Case, backend: str = "rules") -> str | None:
    """Why ``case`` cannot run through the graph as it runs step-locked (None: it can)."""
    if case.event is not None and case.event.kind == "budget_cut":
        return "budget cut: the guardrail's p_max is read-only in the graph"
    w = case.channels.weights
    if not np.allclose(w, w[0]):
        return "initial weights: the optimizer node starts from equal weights"
    return None


def split_supported(suite: Suite, backend: str = "rules") -> tuple[Suite, list[dict]]:
    """The suite of the cases the graph can run, and the others with the reason."""
    keep, skipped = [], []
    for case in suite.cases:
        why = unsupported_reason(case, backend)
        if why:
            skipped.append({"id": case.id, "why": why})
        else:
            keep.append(case)
    return Suite(suite.name, tuple(keep), suite.schedule, suite.description, suite.path), skipped


def graph_case_runner(domain_id: int | None = None):
    """A case runner for :func:`~steer_ros.lab.evaluation.suite_runner.run_suite`."""

    def runner(case: Case, schedule: EvalSchedule, options: ExperimentOptions, repeat: int) -> CaseRun:
        return run_graph_case(case, schedule, options, repeat, domain_id)

    return runner


def run_graph_case(case: Case, schedule: EvalSchedule, options: ExperimentOptions, repeat: int = 0,
                   domain_id: int | None = None, timeout_s: float = defaults.EXP_GRAPH_TIMEOUT_S) -> CaseRun:
    """One run of ``case`` through a fresh live graph, scored like a step-locked run."""
    from rclpy.parameter import Parameter

    from steer_ros.lab.experiments.through_graph import STEERED_NODES, Probe, _calls_from, _on_step_grid, quiet_nodes
    from steer_ros.ros.bringup import running_graph

    quiet_nodes()
    start_wall = time.perf_counter()
    ch = case.channels
    rate = float(options.graph_rate_hz)
    gain = [float(g) for g in ch.gain]
    extra = {
        "channel_sim": {"rate_hz": rate, "gain": gain, "noise_var": [float(v) for v in ch.noise_var]},
        "optimizer": {"rate_hz": rate, "publish_hz": rate, "p_total": ch.p_total, "p_max": ch.p_max},
        "guardrail": {"p_max": ch.p_max},
        "navigator": {"period_s": schedule.every / rate, "backend": options.backend, "seed": options.seed + repeat,
                      "timeout_s": options.timeout_s, "temperature": options.temperature,
                      "llm_base_url": options.llm_base_url, "llm_model": options.llm_model,
                      "script_path": options.script, "p_max": ch.p_max},
    }
    probe = Probe(domain_id)
    event_step = None
    try:
        with running_graph(domain_id=domain_id, extra_parameters=extra, nodes=STEERED_NODES):
            probe.wait(lambda: probe.last_step() >= 0, timeout_s, "the first steer/allocation")
            probe.publish_policy(case.policy, timeout_s)
            start = probe.last_step()
            if case.event is not None:
                at = case.event.step(schedule)
                probe.wait(lambda: probe.last_step() >= start + at, timeout_s, f"step {at}")
                requested = probe.last_step()
                before = np.asarray(probe.allocations[-1][1], float)
                if case.event.kind == "reversal":
                    probe.set_reversed(True, timeout_s)
                else:
                    faded = case.event.apply_to_gains(before, ch.noise_var)
                    _set_gain(probe, [float(g) for g in faded], timeout_s, Parameter)
                probe.wait(lambda: not np.allclose(probe.allocations[-1][1], before), timeout_s,
                           "the changed gains to reach the optimizer")
                with probe.lock:
                    event_step = next(s for s, g, *_ in probe.allocations
                                      if s >= requested and not np.allclose(g, before)) - start
            probe.wait(lambda: probe.last_step() >= start + schedule.steps, timeout_s,
                       f"{schedule.steps} optimizer steps")
            with probe.lock:
                rows, raw, accepted = list(probe.allocations), list(probe.raw), list(probe.accepted)
                noise = probe.noise_var if probe.noise_var is not None else np.asarray(ch.noise_var)
    finally:
        probe.close()
    trace = _on_step_grid(rows, start, schedule.steps, noise, case.id, case.policy)
    def ours(items):
        """Only this case's calls: a call made before the policy arrived quotes the default one."""
        return [(s, m) for s, m in items if " ".join(str(m.policy).split()) == case.policy]

    trace.calls = _calls_from(ours(raw), ours(accepted), start)
    run = evaluate_trace(case, trace, schedule, event_step=event_step)
    run.wall_s = time.perf_counter() - start_wall
    if trace.events.get("steps_filled_from_earlier_allocation"):
        run.note = (run.note + "; " if run.note else "") + (
            f"{trace.events['steps_filled_from_earlier_allocation']} steps filled from an earlier allocation")
    return run


def _set_gain(probe, gain: list[float], timeout_s: float, Parameter) -> None:
    if not probe.channel_sim.wait_for_services(timeout_sec=timeout_s):
        raise TimeoutError("through-graph run: channel_sim's parameter service did not appear")
    future = probe.channel_sim.set_parameters([Parameter("gain", value=gain)])
    probe.wait(future.done, timeout_s, "channel_sim to accept the faded gains")
    results = future.result().results
    if not results or not results[0].successful:
        raise RuntimeError(f"channel_sim refused the faded gains: {results[0].reason if results else '?'}")
