"""Tracking through the live graph: the fading scenario on real nodes and DDS.

The step-locked tracking experiment (:mod:`.tracking`) drives System 1 directly; this
one runs ``config/fading.yaml`` (jakes, N = 8, 1 kHz channel updates, the optimizer at
1 kHz) one process per node, as ``ros2 launch`` does, and reads every published
AllocationState. Each carries the optimality gap against the certified optimum of the
channel state the optimizer had at that instant (weighted bits; at the equal weights
of "Maximize total throughput", N times that is the gap in sum-MI bits, the step-locked
table's measure). Published allocations come from the 20 Hz timer and from the burst
after each channel update (at most ``max_publish_hz``), so they sample the run more
densely right after changes.
"""

from __future__ import annotations

import time

import numpy as np

from steer_ros import defaults


def run_graph_tracking(doppler_hz: float = 10.0, duration_s: float = 20.0, warmup_s: float = 3.0,
                       config: str = "fading.yaml", domain_id: int | None = None, log=print) -> dict:
    """Run the fading graph for ``warmup_s + duration_s`` and summarize the measured window."""
    from steer_ros.lab.fixtures.monitor_node import standalone_monitor
    from steer_ros.ros.domain_lock import exclusive_domain_id
    from steer_ros.ros.node_processes import ProcessGraph

    params = {"channel_sim": {"doppler_hz": float(doppler_hz)}}
    with exclusive_domain_id(domain_id) as domain:
        with ProcessGraph(domain, config=config, parameters=params) as graph, \
                standalone_monitor(domain, node_name="tracking_monitor") as monitor:
            monitor.wait_for(lambda m: len(m.allocations) > 5, 60.0, f"the fading graph\n{graph.logs()}")
            time.sleep(warmup_s)  # a fixed window of channel time, not an event
            t0 = time.monotonic()
            diag0 = monitor.wait_for(lambda m: m.diagnostic("optimizer"), 5.0, "optimizer diagnostics")
            time.sleep(duration_s)
            t1 = time.monotonic()
            diag1 = monitor.diagnostic("optimizer")
            sim = monitor.diagnostic("channel_sim")
            window = [a for a in monitor.allocations_since(t0) if a.t <= t1]
    if len(window) < 2:
        raise RuntimeError("fewer than two allocations in the measured window")
    n = window[0].gain.shape[0]
    gaps = np.array([a.optimality_gap * n for a in window])  # sum-MI bits at equal weights
    steps = window[-1].step - window[0].step
    rate = steps / (window[-1].stamp - window[0].stamp)
    nominal = float(diag1.get("step_rate_nominal_hz", defaults.OPTIMIZER_RATE_HZ))
    result = {
        "config": config, "doppler_hz": doppler_hz, "n": n, "window_s": t1 - t0,
        "allocations": len(window), "allocations_per_s": len(window) / (t1 - t0),
        "mean_gap_bits": float(np.nanmean(gaps)), "p95_gap_bits": float(np.nanpercentile(gaps, 95)),
        "within_1e-3": float(np.mean(gaps < defaults.EXP_TRACKING_WITHIN_BITS)),
        "step_rate_hz": rate, "step_rate_nominal_hz": nominal, "rate_kept": rate / nominal,
        "event_steps_per_s": (int(diag1.get("event_steps", 0)) - int(diag0.get("event_steps", 0))) / (t1 - t0),
        "channel_sim_published": sim.get("published"),
        "infeasible": sum(not a.feasible for a in window),
    }
    log(f"through the graph ({config}, f_D = {doppler_hz:g} Hz, N = {n}): mean gap {result['mean_gap_bits']:.2e} "
        f"bits, {100 * result['within_1e-3']:.1f}% of {len(window)} allocations within 1e-3 bits; optimizer "
        f"{rate:.0f} of {nominal:.0f} steps/s ({100 * result['rate_kept']:.1f}%), "
        f"{result['event_steps_per_s']:.0f} event steps/s")
    return result
