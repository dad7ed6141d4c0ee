"""Benchmark: System 1 tracking floors and caps against weights-only, same run.

Run: ``OMP_NUM_THREADS=1 PYTHONPATH=. python bench/bench_goals.py`` (single core).
Writes ``out/bench/goals.json`` and prints a table.

Cases: N = 8 (DESIGN gains, P_total = 40) and N = 4096 (gains log-uniform over 30 dB,
seed 1, P_total = 5 N), equal weights. Goal: floors of 1.0 bit on the weakest 25%,
caps of 1.8 bits on the strongest 25%. Figures: steps/s at steady state (best of 5
batches of step() calls), and steps until the gap to the certified optimum is below
1e-3 bits after the command changes (from the weights-only steady state to the goal,
and, for weights-only, after a weights change to 1..N)."""

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
from steer_ros.system1.goal import Goal
from steer_ros.system1.system1 import System1

TOL = 1e-3


def case(n):
    if n == 8:
        return defaults.design_gains(8), 40.0
    return 10 ** np.random.default_rng(1).uniform(-1.5, 1.5, n), 5.0 * n


def goal_for(gain):
    n = gain.shape[0]
    floors, caps = np.zeros(n), np.full(n, np.inf)
    floors[resolve_selector("weakest:25%", n, gain)] = 1.0
    caps[resolve_selector("strongest:25%", n, gain)] = 1.8
    return Goal(mi_floor=floors, mi_cap=caps)


def steps_per_s(s, batch):
    best = 0.0
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(batch):
            s.step()
        best = max(best, batch / (time.perf_counter() - t))
    return best


def steps_to(s, limit=500):
    opt = s.goal_optimum()
    for k in range(1, limit + 1):
        s.step()
        if abs(s.optimality_gap(opt)) <= TOL and s.goals_met:
            return k
    return None


def main():
    rows = []
    for n in (8, 4096):
        gain, p = case(n)
        batch = 2000 if n == 8 else 200
        plain = System1(gain, 1.0, None, p)
        for _ in range(300):
            plain.step()
        plain.set_command(np.arange(1, n + 1), p)
        plain_steps = steps_to(plain)
        plain_rate = steps_per_s(plain, batch)
        g = System1(gain, 1.0, None, p)
        for _ in range(300):
            g.step()
        t = time.perf_counter()
        g.set_command(None, p, goal=goal_for(gain))
        set_ms = (time.perf_counter() - t) * 1e3
        goal_steps = steps_to(g)
        goal_rate = steps_per_s(g, batch)
        rows.append({"n": n, "weights_only_steps_per_s": round(plain_rate), "goal_steps_per_s": round(goal_rate),
                     "weights_only_steps_to_1e-3": plain_steps, "goal_steps_to_1e-3": goal_steps,
                     "goal_set_command_ms": round(set_ms, 3), "goal_gap_bits": g.optimality_gap()})
    out = pathlib.Path("out/bench")
    out.mkdir(parents=True, exist_ok=True)
    (out / "goals.json").write_text(json.dumps(rows, indent=1))
    for r in rows:
        print(r)


if __name__ == "__main__":
    main()
