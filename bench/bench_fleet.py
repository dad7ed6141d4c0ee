"""Benchmark: a fleet of radios sharing one budget (docs/fleet.md), against the
certified central optimum and a static equal split.

Run: ``PYTHONPATH=. python bench/bench_fleet.py`` (offline part, ROS-free) and, with
the environment sourced, the live part too (``--live``; start it under the machine's
heavy lock on a shared machine: ``flock /tmp/steer-ros-heavy.lock python
bench/bench_fleet.py --live``). Writes ``out/bench/fleet.json`` and prints tables.

Offline (same run, same machine):
  coordinator -- the price-directed solve on the radios' demand curves (64 points,
                 half in a window around each radio's multiplier), three rounds of
                 re-centring (as the live radios do after each grant);
  central     -- the certified central optimum over all K x N channels (the certificate);
  equal split -- every radio at C / K, each with its own certified optimum.
  Cases: K = 4, 16 radios, N = 8, 64 channels; radio k's gains log-uniform over 30 dB
  (10^-1.5 .. 10^1.5, seed 100 + k) times 10^(-2k/(K-1)) (radio k farther away: 20 dB from
  the first radio to the last), sigma^2 = 1,
  C = N K (one unit of power per channel), reserves 0.25 C / K, a_k = rho_k = 1.
  Solve time at K = 1024 radios (synthetic curves: one radio's curve scaled by a random
  price factor each): median of 30 solves, against the central KKT solve of 1024 x 8
  channels as the named baseline.

Live (--live): K = 4 and 16 radios as processes (channel_sim, channel_mux, optimizer
each, N = 8, the coordinator in its own), real DDS on this host. Steady-state fleet
sum MI against the central optimum; then radio 1's gains are reversed and every
radio's sum MI is watched until it is within 1e-3 bits of its share of the new fleet
optimum (time from the parameter change); memory (VmRSS) and CPU per radio process
over 5 s at steady state; the cap invariant over the run from the radios' stamped
budgets in force.
"""

from __future__ import annotations

import os

os.environ.update(dict.fromkeys(("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"), "1"))

import argparse
import json
import math
import pathlib
import time

import numpy as np

from steer_ros.fleet.config import fleet_config
from steer_ros.fleet.demand import DemandCurve, demand_curve
from steer_ros.fleet.solve import RadioProblem, allocate, central_optimum, curve_set, radio_value
from steer_ros.system1.certified_optimum import certified_optimum

OUT = pathlib.Path("out/bench")
GOAL_BITS = 1e-3


def radio_gains(k: int, n: int, big_k: int) -> np.ndarray:
    rng = np.random.default_rng(100 + k)
    return 10 ** rng.uniform(-1.5, 1.5, n) * 10 ** (-2.0 * k / max(big_k - 1, 1))


def offline_case(big_k: int, n: int) -> dict:
    radios = [RadioProblem(radio_gains(k, n, big_k)) for k in range(big_k)]
    cap = 1.0 * n * big_k
    cfg = fleet_config(big_k, cap=cap, p_max=cap)
    opt = central_optimum(radios, cfg)
    one = certified_optimum(np.concatenate([r.gain for r in radios]), 1.0, np.ones(big_k * n), cap)
    grants = np.full(big_k, cap / big_k)
    t_solve = []
    per_round = []
    for _ in range(3):
        centers = [certified_optimum(r.gain, 1.0, None, float(g)).multiplier * n for r, g in zip(radios, grants,
                                                                                                  strict=True)]
        curves = [demand_curve(r.gain, 1.0, None, budget_max=cap, center=c) for r, c in zip(radios, centers,
                                                                                            strict=True)]
        t0 = time.perf_counter()
        _, grants = allocate(curve_set(curves), cfg)
        t_solve.append(time.perf_counter() - t0)
        vals = np.array([radio_value(r, g) for r, g in zip(radios, grants, strict=True)])
        per_round.append(float(np.max(np.abs(vals - opt.sum_mi))))
    equal = np.array([radio_value(r, cap / big_k) for r in radios])
    return {
        "K": big_k, "N": n, "cap": cap,
        "central_sum_mi": float(opt.sum_mi.sum()), "one_solve_sum_mi": float(one.total_mi),
        "fleet_sum_mi": float(vals.sum()), "equal_split_sum_mi": float(equal.sum()),
        "gap_per_radio_bits": float((opt.sum_mi.sum() - vals.sum()) / big_k),
        "worst_radio_dev_bits_by_round": per_round,
        "gain_over_equal_split_bits": float(vals.sum() - equal.sum()),
        "gain_over_equal_split_pct": float(100 * (vals.sum() / equal.sum() - 1)),
        "solve_ms": 1e3 * float(np.median(t_solve)),
    }


def solve_time_1024(repeats: int = 30) -> dict:
    k, n = 1024, 8
    rng = np.random.default_rng(7)
    base = demand_curve(np.linspace(0.2, 3.0, n), 1.0, None, budget_max=100.0, center=0.05)
    scale = rng.uniform(0.3, 3.0, k)
    curves = [DemandCurve(base.price * s, base.budget) for s in scale]
    cfg = fleet_config(k, cap=8.0 * k, p_max=100.0, reserve=1.0)
    cs = curve_set(curves)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        allocate(cs, cfg)
        times.append(time.perf_counter() - t0)
    gains = np.concatenate([np.linspace(0.2, 3.0, n) * s for s in scale])
    central = []
    for _ in range(max(3, repeats // 3)):
        t0 = time.perf_counter()
        certified_optimum(gains, 1.0, np.ones(k * n), 8.0 * k)
        central.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    curve_set(curves)
    pad = time.perf_counter() - t0
    return {"K": k, "points": int(base.price.size), "solve_ms_median": 1e3 * float(np.median(times)),
            "solve_ms_max": 1e3 * float(np.max(times)), "curve_set_ms": 1e3 * pad,
            "central_kkt_1024x8_ms_median": 1e3 * float(np.median(central))}


# --------------------------------------------------------------------------------------
# live
# --------------------------------------------------------------------------------------
def _proc_stats(pid: int) -> tuple[float, float]:
    """(RSS MiB, CPU seconds) of a process."""
    rss = 0.0
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = float(line.split()[1]) / 1024
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return rss, cpu


def live_case(big_k: int, n: int = 8, settle_s: float = 90.0) -> dict:
    import rclpy
    from rcl_interfaces.msg import Parameter as ParamMsg
    from rcl_interfaces.msg import ParameterType, ParameterValue
    from rcl_interfaces.srv import SetParameters
    from rclpy.context import Context
    from rclpy.executors import SingleThreadedExecutor

    from steer_ros.ros.fleet_bringup import fleet_params, start_fleet, stop_fleet, write_fleet_params
    from steer_ros.ros.fleet_monitor import FleetMonitor

    gains = [radio_gains(k, n, big_k) for k in range(big_k)]
    cap = 1.0 * n * big_k
    cfg = fleet_config(big_k, cap=cap, p_max=cap)
    data = fleet_params(big_k, None, cap, gains=gains,
                        radio_nodes={"p_total": cap, "p_max": cap, "rate_hz": 100.0, "publish_hz": 10.0},
                        coordinator_params={"p_max": [cap]})
    params = write_fleet_params(data)
    procs = start_fleet(params, big_k, nodes="channel_sim,channel_mux,optimizer")
    context = Context()
    rclpy.init(context=context)
    monitor = FleetMonitor(big_k, cap, context=context)
    executor = SingleThreadedExecutor(context=context)
    executor.add_node(monitor)
    out: dict = {"K": big_k, "N": n, "cap": cap}

    def spin_until(pred, timeout):
        t_end = time.monotonic() + timeout
        while time.monotonic() < t_end:
            executor.spin_once(timeout_sec=0.02)
            if pred():
                return True
        return False

    def within(target):
        s = monitor.snapshot()["sum_mi"]
        return bool(np.all(np.isfinite(s)) and np.all(np.abs(s - target) <= GOAL_BITS))

    try:
        opt = central_optimum([RadioProblem(g) for g in gains], cfg)
        t0 = time.monotonic()
        ok = spin_until(lambda: within(opt.sum_mi), settle_s)
        out["startup_to_optimum_s"] = time.monotonic() - t0 if ok else math.nan
        spin_until(lambda: False, 3.0)
        s = monitor.snapshot()
        out["steady_fleet_sum_mi"] = float(np.sum(s["sum_mi"]))
        out["central_sum_mi"] = float(opt.sum_mi.sum())
        out["steady_gap_per_radio_bits"] = float((opt.sum_mi.sum() - np.sum(s["sum_mi"])) / big_k)
        out["steady_worst_radio_dev_bits"] = float(np.max(np.abs(s["sum_mi"] - opt.sum_mi)))
        equal = np.array([radio_value(RadioProblem(g), cap / big_k) for g in gains])
        out["equal_split_sum_mi"] = float(equal.sum())
        # memory and CPU per radio over 5 s
        before = {name: _proc_stats(p.pid) for name, p in procs.items()}
        spin_until(lambda: False, 5.0)
        after = {name: _proc_stats(p.pid) for name, p in procs.items()}
        radios = [nm for nm in procs if nm != "coordinator"]
        out["rss_mib_per_radio"] = float(np.mean([after[nm][0] for nm in radios]))
        out["cpu_pct_per_radio"] = float(np.mean([100 * (after[nm][1] - before[nm][1]) / 5.0 for nm in radios]))
        out["coordinator_rss_mib"] = after["coordinator"][0]
        out["coordinator_cpu_pct"] = 100 * (after["coordinator"][1] - before["coordinator"][1]) / 5.0
        # channel change on radio 1: its gains reversed
        new = list(gains)
        new[0] = gains[0][::-1] * 0.25
        client = monitor.create_client(SetParameters, "/radio1/channel_sim/set_parameters")
        spin_until(lambda: client.service_is_ready(), 10.0)
        req = SetParameters.Request(parameters=[ParamMsg(name="gain", value=ParameterValue(
            type=ParameterType.PARAMETER_DOUBLE_ARRAY, double_array_value=[float(x) for x in new[0]]))])
        opt2 = central_optimum([RadioProblem(g) for g in new], cfg)
        t0 = time.monotonic()
        client.call_async(req)
        ok = spin_until(lambda: within(opt2.sum_mi), 30.0)
        out["reconverge_s"] = time.monotonic() - t0 if ok else math.nan
        s = monitor.snapshot()
        out["after_change_worst_radio_dev_bits"] = float(np.max(np.abs(s["sum_mi"] - opt2.sum_mi)))
        out["cap_worst_margin"] = s["worst_margin"]
        out["cap_violations"] = s["violations"]
        out["cap_state"] = s["cap"]  # held / broken / unknown (reports missed) / waiting
        out["budget_reports"] = s["reports"]
    finally:
        stop_fleet(procs)
        executor.shutdown()
        monitor.destroy_node()
        context.try_shutdown()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--live", action="store_true", help="also run the live fleets (ROS 2, real DDS)")
    parser.add_argument("--live-radios", default="4,16", help="radio counts of the live part")
    args = parser.parse_args()
    result: dict = {"offline": [offline_case(k, n) for k in (4, 16) for n in (8, 64)],
                    "solve_1024": solve_time_1024()}
    print(f"{'K':>4} {'N':>4} {'central':>10} {'fleet':>10} {'gap/radio':>10} {'worst radio':>12} "
          f"{'equal split':>12} {'gain':>8} {'solve ms':>9}")
    for r in result["offline"]:
        print(f"{r['K']:4d} {r['N']:4d} {r['central_sum_mi']:10.4f} {r['fleet_sum_mi']:10.4f} "
              f"{r['gap_per_radio_bits']:10.2e} {r['worst_radio_dev_bits_by_round'][-1]:12.2e} "
              f"{r['equal_split_sum_mi']:12.4f} {r['gain_over_equal_split_pct']:7.2f}% {r['solve_ms']:9.3f}")
    s = result["solve_1024"]
    print(f"solve at K = 1024 ({s['points']} points each): median {s['solve_ms_median']:.2f} ms, max "
          f"{s['solve_ms_max']:.2f} ms; central KKT over 1024 x 8 channels: {s['central_kkt_1024x8_ms_median']:.2f} ms")
    if args.live:
        result["live"] = []
        for k in (int(x) for x in args.live_radios.split(",")):
            r = live_case(k)
            result["live"].append(r)
            print(json.dumps(r, indent=1))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "fleet.json").write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
