"""The main job, `make demo`: the live graph through the paper's policies.

Runs the node graph (real DDS, one process) with the default setup (docs/design.md
section 1), sends P1 -> P2 -> P3 -> P4 through steer/policy, then "Equalize MI across all channels"
with a gain reversal part-way, prints a compact table after each phase, and writes
out/demo/summary.json and out/demo/demo.png. The whole run is recorded to
out/demo/demo.mcap (rosbag2-compatible MCAP), checked with an independent reader,
and plotted from the recording into out/demo/plots/.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rclpy.parameter import Parameter

from steer_ros.lab.fixtures.monitor_node import MonitorNode, fmt_float
from steer_ros.ros.bringup import Graph
from steer_ros.ros.recording import attach, detach, independent_counts, plot_recording
from steer_ros.system2.steer_decision import Status

POLICIES = [
    ("P1", "Maximize total throughput"),
    ("P2", "Prioritize channels 7 and 8"),
    ("P3", "Minimize total power while keeping sum rate above 10 bits"),
    ("P4", "Shut down the 3 weakest channels and focus power on the rest"),
]
EQUALIZE = ("EQ", "Equalize MI across all channels")


@dataclass
class PhaseResult:
    label: str
    policy: str
    started: float
    ended: float
    weights: list[float]
    p_total: float
    mi: list[float]
    power: list[float]
    sum_mi: float
    spread: float
    gap: float
    fallbacks: int
    commands: int
    reasoning: str
    backend: str
    feasible: bool


def phase_result(monitor: MonitorNode, label: str, policy: str, t0: float) -> PhaseResult:
    alloc = monitor.latest_allocation()
    commands = monitor.commands_since(t0)
    allocations = monitor.allocations_since(t0)
    last = commands[-1] if commands else None
    return PhaseResult(
        label=label, policy=policy, started=t0, ended=time.monotonic(),
        weights=alloc.weights.tolist(), p_total=alloc.p_total, mi=alloc.mi.tolist(), power=alloc.power.tolist(),
        sum_mi=alloc.total_mi, spread=alloc.mi_spread, gap=alloc.optimality_gap,
        fallbacks=sum(c.status == Status.FALLBACK for c in commands), commands=len(commands),
        reasoning=last.reasoning if last else "", backend=last.backend if last else "",
        feasible=all(a.feasible for a in allocations),
    )


def print_phase(r: PhaseResult) -> None:
    n = len(r.mi)
    print(f"\n== {r.label}: {r.policy!r}  (backend: {r.backend or '?'}, {r.commands} commands, "
          f"{r.fallbacks} fallbacks, every allocation feasible: {'yes' if r.feasible else 'NO'})")
    print("   ch  " + " ".join(f"{i + 1:>6d}" for i in range(n)))
    print("   w   " + " ".join(f"{w:6.3f}" for w in r.weights))
    print("   P_i " + " ".join(f"{p:6.2f}" for p in r.power))
    print("   MI  " + " ".join(f"{m:6.3f}" for m in r.mi))
    print(f"   sum MI {r.sum_mi:.3f} bits | P_total {r.p_total:.2f} (used {sum(r.power):.2f}) | "
          f"spread {r.spread:.3f} bits | optimality gap {fmt_float(r.gap, 5)} bits")
    if r.reasoning:
        print(f"   reasoning: {' '.join(r.reasoning.split())[:200]}")


def run_demo(out_dir: Path = Path("out/demo"), phase_s: float = 15.0, domain_id: int | None = None,
             quiet_nodes: bool = True, **launch_values: str) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    graph = Graph(domain_id=domain_id, **launch_values)
    monitor = MonitorNode(context=graph.context)
    graph.add_node(monitor)
    bag = out_dir / "demo.mcap"
    recorder = attach(graph, bag)  # before start(): the recording misses nothing
    if quiet_nodes:
        for node in graph.nodes.values():
            node.get_logger().set_level(30)  # WARN: the phase tables tell the story
    graph.start()
    phases: list[PhaseResult] = []
    events: list[tuple[float, str]] = []
    start = time.monotonic()
    try:
        monitor.wait_for(lambda m: m.latest_allocation() is not None, 20.0, "the first allocation")
        print(f"steer_ros demo: graph up (nodes: {', '.join(graph.nodes)}); "
              f"{len(POLICIES) + 1} phases of {phase_s:g} s", flush=True)
        for label, policy in POLICIES + [EQUALIZE]:
            t0 = time.monotonic()
            monitor.publish_policy(policy)
            events.append((t0 - start, f"{label}"))
            if label == EQUALIZE[0]:
                time.sleep(phase_s * 0.4)  # the run's timeline: settle, then reverse the gains
                graph.nodes["channel_sim"].set_parameters([Parameter("reversed", value=True)])
                events.append((time.monotonic() - start, "gains reversed"))
                time.sleep(phase_s * 0.6)
            else:
                time.sleep(phase_s)
            result = phase_result(monitor, label, policy, t0)
            phases.append(result)
            print_phase(result)
    finally:
        history = list(monitor.allocations)
        commands = list(monitor.commands)
        detach(graph, recorder)
        graph.shutdown()
    written = dict(recorder.counts)
    read_back = independent_counts(bag)
    figures = plot_recording(bag, out_dir / "plots", title="steer_ros demo (from the recording)")
    summary = {
        "phase_s": phase_s,
        "phases": [r.__dict__ | {"started": r.started - start, "ended": r.ended - start} for r in phases],
        "events": events,
        "allocations_received": len(history),
        "feasibility_violations": sum(not a.feasible for a in history),
        "recording": {"path": str(bag), "written": written, "read_back_by_rosbags": read_back,
                      "counts_match": written == read_back,
                      "plots": sorted(str(p) for p in figures.values())},
    }
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2, default=_json_default))
    plot_demo(history, commands, events, start, out_dir / "demo.png")
    print(f"\nwrote {out_dir / 'summary.json'} and {out_dir / 'demo.png'}; "
          f"{len(history)} allocations received, {summary['feasibility_violations']} infeasible")
    total = sum(written.values())
    print(f"recorded {total} messages on {len(written)} topics to {bag}; read back independently (rosbags): "
          f"{'counts match' if written == read_back else f'COUNTS DIFFER: {read_back}'}; "
          f"plots from the recording in {out_dir / 'plots'}")
    return summary


def _json_default(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    raise TypeError(type(value))


def plot_demo(history, commands, events, start: float, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not history:
        return
    t = np.array([a.t - start for a in history])
    mi = np.array([a.mi for a in history if a.mi.shape == history[-1].mi.shape])
    t_mi = np.array([a.t - start for a in history if a.mi.shape == history[-1].mi.shape])
    weights = np.array([a.weights for a in history if a.weights.shape == history[-1].weights.shape])
    fig, axes = plt.subplots(3, 1, figsize=(11, 9), sharex=True, constrained_layout=True)
    for i in range(mi.shape[1]):
        axes[0].plot(t_mi, mi[:, i], label=f"ch {i + 1}")
    axes[0].set_ylabel("MI per channel [bits]")
    axes[0].legend(ncol=8, fontsize=7, loc="lower left")
    for i in range(weights.shape[1]):
        axes[1].plot(t_mi, weights[:, i])
    axes[1].set_ylabel("weights in force")
    axes[2].plot(t, [a.p_total for a in history], label="P_total (budget)")
    axes[2].plot(t, [a.power_used for a in history], "--", label="power used")
    axes[2].set_ylabel("power")
    axes[2].set_xlabel("time [s]")
    axes[2].legend(fontsize=8)
    fallbacks = [c.t - start for c in commands if c.status == Status.FALLBACK]
    for ax in axes:
        for te, _label in events:
            ax.axvline(te, color="k", lw=0.8, ls=":")
        for tf in fallbacks:
            ax.axvline(tf, color="r", lw=0.6, alpha=0.5)
    for te, label in events:
        axes[0].annotate(label, (te, 2.02), fontsize=8, rotation=0, va="bottom")
    axes[0].set_ylim(-0.05, 2.2)
    fig.suptitle("steer_ros demo: policies P1-P4, then equalize with a gain reversal")
    fig.savefig(path, dpi=110)
    plt.close(fig)
