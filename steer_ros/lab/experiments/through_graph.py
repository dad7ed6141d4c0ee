"""The experiments through the live ROS graph: the real nodes (channel_sim,
channel_mux, optimizer, navigator, guardrail) in one process, real DDS, real time.

Each condition starts a fresh graph (the same initial state for every policy, as in
the paper), with the optimizer at ``rate_hz`` steps per second and the navigator's
period ``every / rate_hz`` seconds, so the step ratio matches the step-locked
harness. A probe node in its own ROS context (its own DDS participant):

- publishes the condition's policy once on ``steer/policy`` (the operator's way in);
- records every ``steer/allocation`` (step, gains, MI, powers, weights, P_total)
  and every ``steer/command_raw`` / ``steer/command`` pair;
- for the reversal, sets channel_sim's ``reversed`` parameter through the parameter
  service when the optimizer has run ``reverse_at`` steps since the policy;
- the equal-weight baseline runs the graph without navigator and guardrail.

The recorded allocations are put on the optimizer's step grid (last value at or
before each step), so the same metrics apply. Timing is real, hence approximate:
the navigator period and the step rate are independent timers; the report gives
the observed calls and reversal step.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from dataclasses import dataclass

import numpy as np

from steer_ros import defaults
from steer_ros.lab.experiments.harness import Schedule
from steer_ros.lab.experiments.options import ExperimentOptions
from steer_ros.lab.experiments.trace import NavigatorCall, Trace, TraceRecorder

BASE_NODES = ["channel_sim", "channel_mux", "optimizer"]
STEERED_NODES = BASE_NODES + ["navigator", "guardrail"]


@dataclass(frozen=True)
class GraphTiming:
    """rate_hz: optimizer steps per second (allocation published every step);
    timeout_s: longest wait for one condition."""

    rate_hz: float = defaults.EXP_GRAPH_RATE_HZ
    timeout_s: float = defaults.EXP_GRAPH_TIMEOUT_S


class Probe:
    """The experimenter's node: publishes the policy, flips the gains, records."""

    def __init__(self, domain_id: int | None, namespace: str = ""):
        import rclpy
        from rclpy.context import Context
        from rclpy.executors import SingleThreadedExecutor
        from rclpy.parameter_client import AsyncParameterClient
        from std_msgs.msg import String

        from steer_ros.msg import AllocationState, ChannelState, SteerCommand
        from steer_ros.ros import topics

        self._String = String
        self.context = Context()
        rclpy.init(context=self.context, domain_id=domain_id)
        self.node = rclpy.create_node("steer_experiment_probe", namespace=namespace, context=self.context)
        self.lock = threading.Lock()
        self.allocations: list = []
        self.raw: list = []
        self.accepted: list = []
        self.noise_var: np.ndarray | None = None
        self.node.create_subscription(AllocationState, topics.ALLOCATION, self._on_allocation, topics.STREAM)
        self.node.create_subscription(ChannelState, topics.CHANNEL_STATE, self._on_channels, topics.STREAM)
        self.node.create_subscription(SteerCommand, topics.COMMAND_RAW, lambda m: self._on_command(self.raw, m),
                                      topics.COMMAND_QOS)
        self.node.create_subscription(SteerCommand, topics.COMMAND, lambda m: self._on_command(self.accepted, m),
                                      topics.LATCHED_COMMAND_QOS)
        self.policy_pub = self.node.create_publisher(String, topics.POLICY, topics.POLICY_QOS)
        self.channel_sim = AsyncParameterClient(self.node, "channel_sim")
        self.executor = SingleThreadedExecutor(context=self.context)
        self.executor.add_node(self.node)
        self._thread = threading.Thread(target=self._spin, name="steer-probe", daemon=True)
        self._thread.start()

    def _spin(self) -> None:
        from rclpy.executors import ExternalShutdownException

        with contextlib.suppress(ExternalShutdownException):
            self.executor.spin()

    # -- recording ---------------------------------------------------------------------
    def _on_allocation(self, msg) -> None:
        row = (int(msg.step), np.asarray(msg.gain, float), np.asarray(msg.mi, float), np.asarray(msg.power, float),
               np.asarray(msg.weights, float), float(msg.p_total))
        with self.lock:
            self.allocations.append(row)

    def _on_channels(self, msg) -> None:
        with self.lock:
            self.noise_var = np.asarray(msg.noise_var, float)

    def _on_command(self, store: list, msg) -> None:
        with self.lock:
            step = self.allocations[-1][0] if self.allocations else -1
            store.append((step, msg))

    def last_step(self) -> int:
        with self.lock:
            return self.allocations[-1][0] if self.allocations else -1

    # -- acting ------------------------------------------------------------------------
    def wait(self, predicate, timeout_s: float, what: str) -> None:
        deadline = time.monotonic() + timeout_s
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError(f"through-graph run: timed out after {timeout_s:.0f} s waiting for {what}")
            time.sleep(0.005)

    def publish_policy(self, text: str, timeout_s: float) -> None:
        self.wait(lambda: self.policy_pub.get_subscription_count() > 0, timeout_s, "the navigator on steer/policy")
        self.policy_pub.publish(self._String(data=text))

    def set_reversed(self, value: bool, timeout_s: float) -> None:
        from rclpy.parameter import Parameter

        if not self.channel_sim.wait_for_services(timeout_sec=timeout_s):
            raise TimeoutError("through-graph run: channel_sim's parameter service did not appear")
        future = self.channel_sim.set_parameters([Parameter("reversed", value=value)])
        self.wait(future.done, timeout_s, "channel_sim to accept reversed")
        results = future.result().results
        if not results or not results[0].successful:
            raise RuntimeError(f"channel_sim refused reversed={value}: {results[0].reason if results else '?'}")

    def close(self) -> None:
        self.executor.shutdown(timeout_sec=2.0)
        self._thread.join(timeout=5.0)  # the spin loop has left before anything is destroyed
        self.node.destroy_node()
        self.context.try_shutdown()


def _calls_from(raw: list, accepted: list, start_step: int) -> list[NavigatorCall]:
    """Pair each raw proposal with the guardrail's answer to it (the next accepted
    command with the same policy and reasoning), both seen at or after ``start_step``;
    a call's step is when the accepted command arrived."""
    from steer_ros.system2.steer_decision import Status

    raw = [(s, m) for s, m in raw if s >= start_step]
    accepted = [(s, m) for s, m in accepted if s >= start_step]
    calls, j = [], 0
    for _, r in raw:
        k = next((i for i in range(j, len(accepted))
                  if accepted[i][1].policy == r.policy and accepted[i][1].reasoning == r.reasoning), None)
        if k is None:
            continue
        step, a = accepted[k]
        j = k + 1
        calls.append(NavigatorCall(
            step=int(step - start_step), status=Status(a.status).name,
            detail=a.status_detail if a.status == Status.OK else (r.status_detail or a.status_detail),
            reasoning=r.reasoning, latency_s=float(r.latency_s),
            proposed_weights=tuple(float(w) for w in r.weights), proposed_p_total=float(r.p_total),
            accepted_weights=tuple(float(w) for w in a.weights), accepted_p_total=float(a.p_total),
            readback=str(getattr(r, "readback", "") or ""), accepted_readback=str(getattr(a, "readback", "") or ""),
        ))
    return calls


def _on_step_grid(rows: list, start: int, steps: int, noise_var: np.ndarray, label: str, policy: str) -> Trace:
    """Rows (step, gain, mi, power, weights, p_total) resampled to steps start..start+steps-1."""
    rec = TraceRecorder(label, policy)
    rows = sorted(rows, key=lambda r: r[0])
    seen = [r[0] for r in rows]
    missing = 0
    for k in range(steps):
        idx = int(np.searchsorted(seen, start + k, side="right")) - 1
        if idx < 0:
            raise RuntimeError(f"through-graph run: no allocation at or before step {start + k}")
        missing += seen[idx] != start + k
        _, gain, mi, power, weights, p_total = rows[idx]
        rec.record(k, gain, noise_var if noise_var.shape == gain.shape else np.ones_like(gain), mi, power,
                   weights, p_total)
    trace = rec.trace()
    trace.events["steps_filled_from_earlier_allocation"] = missing
    return trace


def quiet_nodes(names=STEERED_NODES) -> None:
    """Only warnings and errors from the graph's nodes (the navigator logs every call)."""
    import rclpy.logging

    for name in names:
        rclpy.logging.set_logger_level(name, rclpy.logging.LoggingSeverity.WARN)


def run_condition(policy: str, schedule: Schedule, options: ExperimentOptions, *, steered: bool = True,
                  label: str = "", domain_id: int | None = None, timing: GraphTiming | None = None,
                  quiet: bool = True) -> Trace:
    """One condition through a fresh graph; returns its trace on the step grid."""
    from steer_ros.ros.bringup import running_graph

    if quiet:
        quiet_nodes()
    timing = timing or GraphTiming(rate_hz=options.graph_rate_hz)
    rate = float(timing.rate_hz)
    extra = {
        "optimizer": {"rate_hz": rate, "publish_hz": rate},
        "channel_sim": {"rate_hz": rate},
        "navigator": {"period_s": schedule.every / rate, "backend": options.backend, "seed": options.seed,
                      "timeout_s": options.timeout_s, "temperature": options.temperature,
                      "llm_base_url": options.llm_base_url, "llm_model": options.llm_model,
                      "script_path": options.script},
    }
    probe = Probe(domain_id)
    wall = time.monotonic()
    try:
        with running_graph(domain_id=domain_id, extra_parameters=extra,
                           nodes=STEERED_NODES if steered else BASE_NODES):
            probe.wait(lambda: probe.last_step() >= 0, timing.timeout_s, "the first steer/allocation")
            if steered:
                probe.publish_policy(policy, timing.timeout_s)
            start = probe.last_step()
            reversal_step = None
            if schedule.reverse_at is not None:
                probe.wait(lambda: probe.last_step() >= start + schedule.reverse_at, timing.timeout_s,
                           f"step {schedule.reverse_at}")
                requested = probe.last_step()
                probe.set_reversed(True, timing.timeout_s)
                first_gain = probe.allocations[0][1]
                probe.wait(lambda: not np.allclose(probe.allocations[-1][1], first_gain), timing.timeout_s,
                           "the reversed gains to reach the optimizer")
                reversal_step = _first_step_with_gain_changed(probe, requested, first_gain)
            probe.wait(lambda: probe.last_step() >= start + schedule.steps, timing.timeout_s,
                       f"{schedule.steps} optimizer steps")
            with probe.lock:
                rows, raw, accepted = list(probe.allocations), list(probe.raw), list(probe.accepted)
                noise = probe.noise_var if probe.noise_var is not None else np.ones(len(rows[-1][1]))
    finally:
        probe.close()
    trace = _on_step_grid(rows, start, schedule.steps, noise, label or policy, policy)
    trace.calls = _calls_from(raw, accepted, start) if steered else []
    trace.events.update(navigator_every=schedule.every, rate_hz=rate, wall_s=round(time.monotonic() - wall, 2))
    if reversal_step is not None:
        trace.events["reverse_at"] = int(reversal_step - start)
        trace.events["reverse_requested_at"] = schedule.reverse_at
    return trace


def _first_step_with_gain_changed(probe: Probe, after: int, old_gain: np.ndarray) -> int:
    with probe.lock:
        for step, gain, *_ in probe.allocations:
            if step >= after and not np.allclose(gain, old_gain):
                return step
    return after


def observed_every(trace: Trace) -> float:
    """Mean optimizer steps between navigator calls actually seen (NaN if < 2 calls)."""
    steps = [c.step for c in trace.calls]
    return float(np.mean(np.diff(steps))) if len(steps) > 1 else math.nan


def _section(traces: list[Trace], schedule: Schedule, rate: float) -> dict:
    every = [observed_every(t) for t in traces if t.calls]
    return {
        "rate_hz": rate, "navigator_period_s": schedule.every / rate,
        "observed_every_mean": float(np.nanmean(every)) if every else math.nan,
        "wall_s": float(sum(t.events.get("wall_s", 0.0) for t in traces)),
        "events": {t.label: dict(t.events) for t in traces},
    }


def graph_policies(policies: dict[str, str], schedule: Schedule, options: ExperimentOptions, refs: dict,
                   domain_id: int | None = None) -> tuple[dict, dict[str, Trace]]:
    """Every policy through a fresh live graph; the JSON section and the traces."""
    from steer_ros.lab.experiments.metrics import policy_metrics
    from steer_ros.lab.experiments.targets import policy_targets

    traces = {pid: run_condition(text, schedule, options, label=pid, domain_id=domain_id)
              for pid, text in policies.items()}
    metrics = {pid: policy_metrics(t, schedule.warmup) for pid, t in traces.items()}
    section = _section(list(traces.values()), schedule, options.graph_rate_hz)
    section.update(policies=metrics, targets=[c.to_json() for c in policy_targets(metrics, refs)])
    return section, traces


def graph_reversal(policy: str, schedule: Schedule, options: ExperimentOptions,
                   domain_id: int | None = None) -> tuple[dict, Trace, Trace]:
    """The reversal run and its equal-weight baseline through fresh live graphs."""
    from steer_ros.lab.experiments.metrics import reversal_metrics
    from steer_ros.lab.experiments.targets import reversal_targets

    steered = run_condition(policy, schedule, options, label="steered (graph)", domain_id=domain_id)
    baseline = run_condition(policy, schedule, options, steered=False, label="equal weights (graph)",
                             domain_id=domain_id)
    metrics = reversal_metrics(steered, baseline, steered.events["reverse_at"])
    section = _section([steered, baseline], schedule, options.graph_rate_hz)
    section.update(metrics=metrics, reverse_requested_at=schedule.reverse_at,
                   targets=[c.to_json() for c in reversal_targets(metrics)])
    return section, steered, baseline
