"""Benchmark: System 1 step rates per objective, N = 8 and N = 4096.

Run: ``OMP_NUM_THREADS=1 PYTHONPATH=. python bench/bench_objectives.py`` (single core).
Writes ``out/bench/objectives.json`` and prints a table.

Cases as bench_goals.py: N = 8 (the default gains, P_total = 40) and N = 4096 (gains
log-uniform over 30 dB, seed 1, P_total = 5 N), equal weights. Objectives: the plain
weighted sum (the baseline of every ratio), weighted_sum with floors of 1 bit on the
weakest 25% and caps of 1.8 bits on the strongest 25% (bench_goals' goal), max_min,
min_power (sum MI floor at 60% of N log2 M ... capped to what P_total reaches),
alpha_fair at alpha 0.5, 1, 2, 5, and the plain weighted sum under a power cap of
1.5 P_total / N on every channel. Figures: steps/s at steady state (best of 5
batches, wall clock, and this process's CPU time), steps until the gap to the
certified optimum is within 1e-3 (from equal power), and the steady-state gap.
"""

from __future__ import annotations

import os

os.environ.update(dict.fromkeys(("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"), "1"))

import json
import pathlib
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from steer_ros import defaults
from steer_ros.channels.selectors import resolve_selector
from steer_ros.system1.goal import Goal, Objective
from steer_ros.system1.goal_optimum import max_sum_mi
from steer_ros.system1.system1 import System1

TOL = 1e-3


def case(n):
    if n == 8:
        return defaults.design_gains(8), 40.0
    return 10 ** np.random.default_rng(1).uniform(-1.5, 1.5, n), 5.0 * n


def goals(gain, p_total):
    n = gain.shape[0]
    floors, caps = np.zeros(n), np.full(n, np.inf)
    floors[resolve_selector("weakest:25%", n, gain)] = 1.0
    caps[resolve_selector("strongest:25%", n, gain)] = 1.8
    target = min(0.6 * 2.0 * n, 0.95 * max_sum_mi(gain, 1.0, p_total))
    out = {"weighted_sum (plain)": None,
           "weighted_sum floors+caps": Goal(mi_floor=floors, mi_cap=caps),
           "max_min": Goal(Objective.MAX_MIN),
           "min_power": Goal(Objective.MIN_POWER, sum_mi_min=target)}
    for a in (0.5, 1.0, 2.0, 5.0):
        out[f"alpha_fair {a:g}"] = Goal(Objective.ALPHA_FAIR, alpha=a)
    out["weighted_sum power caps"] = Goal(power_cap=np.full(n, 1.5 * p_total / n))
    return out


def rates(s, batch):
    wall = cpu = 0.0
    for _ in range(5):
        t, c = time.perf_counter(), time.process_time()
        for _ in range(batch):
            s.step()
        wall = max(wall, batch / (time.perf_counter() - t))
        cpu = max(cpu, batch / max(time.process_time() - c, 1e-9))
    return wall, cpu


def main():
    rows = []
    for n in (8, 4096):
        gain, p = case(n)
        batch = 2000 if n == 8 else 200
        for name, goal in goals(gain, p).items():
            s = System1(gain, 1.0, None, p)
            if goal is not None:
                s.set_command(None, p, goal=goal)
            opt = s.goal_optimum()
            to = None
            for k in range(1, 501):
                s.step()
                if abs(s.optimality_gap(opt)) <= TOL * max(1.0, abs(opt.value)) and s.goals_met:
                    to = k
                    break
            for _ in range(200):
                s.step()
            wall, cpu = rates(s, batch)
            rows.append({"n": n, "objective": name, "steps_per_s": round(wall), "cpu_steps_per_s": round(cpu),
                         "steps_to_1e-3": to, "steady_gap": s.optimality_gap(opt)})
    base = {r["n"]: r["cpu_steps_per_s"] for r in rows if r["objective"] == "weighted_sum (plain)"}
    for r in rows:
        r["cpu_ratio_to_plain"] = round(r["cpu_steps_per_s"] / base[r["n"]], 3)
    out = pathlib.Path("out/bench")
    out.mkdir(parents=True, exist_ok=True)
    (out / "objectives.json").write_text(json.dumps(rows, indent=1))
    print(f"{'N':>5} {'objective':<26} {'steps/s':>9} {'cpu st/s':>9} {'x plain':>8} {'to 1e-3':>8} {'steady gap':>11}")
    for r in rows:
        print(f"{r['n']:>5} {r['objective']:<26} {r['steps_per_s']:>9} {r['cpu_steps_per_s']:>9} "
              f"{r['cpu_ratio_to_plain']:>8.2f} {str(r['steps_to_1e-3']):>8} {r['steady_gap']:>11.2e}")
    print("(wall steps/s: best of 5 batches; cpu st/s: this process's CPU time, insensitive to other "
          "processes; x plain: cpu rate / the plain weighted sum's in the same run)")


if __name__ == "__main__":
    main()
