"""Benchmark: System 1 default mode against the paper-faithful optimizer.

Run: ``PYTHONPATH=. python bench/bench_system1.py`` (single core: thread pools pinned
to 1). Writes ``out/bench/system1.json`` and prints a table.

Systems (same machine, same run):
  default -- System 1 mode "default" (KKT-guided step, exact tabulated MI);
  paper   -- mode "pga" (plain projected gradient ascent, eta = PGA_STEP_SIZE) with the
             Monte-Carlo estimator, K = 1000 (the paper's method);
  pga+exact (informative) -- the same plain PGA with the exact tabulated MI, to
             separate the effect of the estimator from that of the step rule.

Cases: N = 8 with the default setup (docs/design.md section 1) (|h_i| = 0.5 + (i-1)/7, sigma^2 = 1,
P_total = 40) and N = 64, 512, 4096 with gains log-uniform over 30 dB
(10^-1.5 .. 10^1.5, seed 1), sigma^2 = 1, P_total = 5 N (the same power per
channel as the defaults). Equal weights throughout.

Timing: wall clock of step() calls only. Default-mode phases are repeated 5 times
from scratch and the fastest kept; steps/s is the best of 5 batches for every system
(timeit practice: the minimum is the least disturbed by other processes).

Gap: certified optimum sum MI minus System 1's sum MI, bits (weights equal, so this
is N times the gap of the weighted objective). Wall time counts step() calls only
(the gap is measured outside the clock). Phases: from equal power until the gap is
<= 1e-3 bits; then every gain is reversed (h_i <-> h_{N+1-i}) and the same again;
then the steady-state gap (max over the last steps of a further run). The slow
baselines have a wall-time cap per phase (printed); if a run never reaches 1e-3 its
noise floor (median gap over the last quarter of the capped run) is reported.
"""

from __future__ import annotations

import os

os.environ.update(dict.fromkeys(("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS"),
                                "1"))

import json
import math
import pathlib
import platform
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from steer_ros import defaults
from steer_ros.radio.mutual_information import get_table
from steer_ros.system1.certified_optimum import certified_optimum
from steer_ros.system1.system1 import System1

TOL = 1e-3
NS = (8, 64, 512, 4096)
# wall-time caps (s) per phase for the slow systems; default mode is never capped
CAP = {"paper": {8: 12.0, 64: 8.0, 512: 8.0, 4096: 8.0},
       "pga+exact": {8: 2.0, 64: 2.0, 512: 2.0, 4096: 2.0}}
DEFAULT_CAP = 10.0  # safety only; never reached
TARGETS = {"n8_steps_per_s": 40_000, "n8_reversal_speedup": 20.0,
           "n4096_steps_per_s": 1_000, "n4096_reconverge_s": 0.2, "steady_gap_bits": 1e-4}


def case(n: int):
    if n == 8:
        return defaults.design_gains(8), 40.0
    rng = np.random.default_rng(1)
    return 10 ** rng.uniform(-1.5, 1.5, n), 5.0 * n


def make(system: str, gain, p_total):
    if system == "default":
        return System1(gain, 1.0, None, p_total, mode="default", estimator="exact")
    if system == "paper":
        return System1(gain, 1.0, None, p_total, mode="pga", estimator="mc",
                       estimator_kw={"n_samples": defaults.MC_SAMPLES, "seed": 0})
    return System1(gain, 1.0, None, p_total, mode="pga", estimator="table")


def gap_of(s: System1, opt_total: float) -> float:
    return opt_total - float(np.sum(s.mi()))


def phase(s: System1, opt_total: float, cap_s: float, max_steps: int = 10**7):
    """Steps until gap <= TOL; returns dict(steps, wall_s, reached, floor, gaps)."""
    wall, steps = 0.0, 0
    gaps = []
    g = gap_of(s, opt_total)
    while g > TOL and wall < cap_s and steps < max_steps:
        t = time.perf_counter()
        s.step()
        wall += time.perf_counter() - t
        steps += 1
        g = gap_of(s, opt_total)
        gaps.append(g)
    reached = g <= TOL
    tail = gaps[-max(1, len(gaps) // 4):] if gaps else [g]
    return {"steps": steps, "wall_s": wall, "reached": bool(reached),
            "final_gap": g, "floor": float(np.median(tail))}


def throughput(s: System1, seconds: float, batches: int = 5) -> tuple[float, float]:
    """Best of ``batches`` batches of about ``seconds / batches`` each (timeit
    practice: the minimum is the least disturbed by other processes): steps per
    second of wall time, and of this process's CPU time (robust to a loaded machine).
    A slow system's batch is a single step."""
    best, best_cpu = math.inf, math.inf
    for _ in range(batches):
        k = 0
        t0, c0 = time.perf_counter(), time.process_time()
        while True:
            s.step()
            k += 1
            el = time.perf_counter() - t0
            if el >= seconds / batches:
                break
        best = min(best, el / k)
        best_cpu = min(best_cpu, max(time.process_time() - c0, 1e-9) / k)
    return 1.0 / best, 1.0 / best_cpu


def run_once(system: str, n: int, cap: float) -> dict:
    gain, p_total = case(n)
    s = make(system, gain, p_total)
    opt = certified_optimum(gain, 1.0, None, p_total)
    start_gap = gap_of(s, opt.total_mi)
    conv = phase(s, opt.total_mi, cap)
    rev_gain = gain[::-1].copy()
    s.set_channels(rev_gain, 1.0)
    opt_r = certified_optimum(rev_gain, 1.0, None, p_total)
    rev_gap0 = gap_of(s, opt_r.total_mi)
    rev = phase(s, opt_r.total_mi, cap)
    return {"s": s, "opt_r": opt_r, "start_gap": start_gap, "converge": conv,
            "reversal_gap0": rev_gap0, "reconverge": rev}


def run_system(system: str, n: int) -> dict:
    gain, p_total = case(n)
    cap = CAP.get(system, {}).get(n, DEFAULT_CAP)
    if system == "default":
        # cheap: repeat 5 times from scratch, keep the fastest wall times
        runs = [run_once(system, n, cap) for _ in range(5)]
        r = runs[0]
        for ph in ("converge", "reconverge"):
            best = min((x[ph] for x in runs), key=lambda p: p["wall_s"])
            r[ph] = dict(best, repeats=5)
        s, opt_r = r["s"], r["opt_r"]
        sps, sps_cpu = throughput(s, 1.0)
        ss = []
        for _ in range(50):
            s.step()
            ss.append(gap_of(s, opt_r.total_mi))
        steady = float(max(ss))
    else:
        r = run_once(system, n, cap)
        s, opt_r = r["s"], r["opt_r"]
        rev = r["reconverge"]
        # steps/s from short batches (the paper's steps are slow: one batch per step)
        sps, sps_cpu = throughput(s, 0.5, batches=3)
        if rev["reached"]:
            ss = []
            t0 = time.perf_counter()
            while time.perf_counter() - t0 < min(cap, 2.0) and len(ss) < 200:
                s.step()
                ss.append(gap_of(s, opt_r.total_mi))
            steady = float(np.median(ss)) if ss else rev["final_gap"]
        else:
            steady = rev["floor"]
    return {"system": system, "n": n, "p_total": p_total, "cap_s": cap,
            "steps_per_s": sps, "cpu_steps_per_s": sps_cpu, "start_gap": r["start_gap"], "converge": r["converge"],
            "reversal_gap0": r["reversal_gap0"], "reconverge": r["reconverge"],
            "steady_gap": steady}


def cost_of_certificate(n: int) -> float:
    gain, p_total = case(n)
    certified_optimum(gain, 1.0, None, p_total)
    reps = max(5, int(2000 / n))
    t = time.perf_counter()
    for _ in range(reps):
        certified_optimum(gain, 1.0, None, p_total)
    return (time.perf_counter() - t) / reps


def fmt_phase(p: dict) -> str:
    if p["reached"]:
        return f"{p['steps']:>7d} {p['wall_s'] * 1e3:>10.2f}"
    return f"{'>' + str(p['steps']):>7} {'>' + format(p['wall_s'] * 1e3, '.0f'):>10}"


def main() -> int:
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # pragma: no cover
        print("torch missing: the paper baseline needs it (pip install torch==2.13.0)")
        return 1
    t_start = time.perf_counter()
    load0 = os.getloadavg()
    get_table("qpsk")  # table build outside the clock
    for system in ("default", "pga+exact", "paper"):  # warm-up: lazy imports, caches
        w = make(system, defaults.design_gains(8), 40.0)
        for _ in range(3):
            w.step()
    results = []
    for n in NS:
        for system in ("default", "pga+exact", "paper"):
            r = run_system(system, n)
            results.append(r)
            print(f"  done N={n:<5d} {system:<10s} ({time.perf_counter() - t_start:5.1f} s)",
                  file=sys.stderr, flush=True)
    cert = {n: cost_of_certificate(n) for n in NS}

    hdr = (f"{'N':>5} {'system':<10} {'steps/s':>10} {'cpu st/s':>10} | {'conv steps':>7} {'ms':>10} | "
           f"{'rev steps':>7} {'ms':>10} | {'steady gap':>10} {'gap@cap':>9}")
    lines = ["System 1 benchmark (one core; gap = certified sum MI - sum MI, bits; "
             f"target gap {TOL:g})", hdr, "-" * len(hdr)]
    by = {(r["n"], r["system"]): r for r in results}
    for r in results:
        floor = "" if r["reconverge"]["reached"] else f"{r['reconverge']['floor']:.2e}"
        lines.append(
            f"{r['n']:>5} {r['system']:<10} {r['steps_per_s']:>10.4g} {r['cpu_steps_per_s']:>10.4g} | "
            f"{fmt_phase(r['converge'])} | "
            f"{fmt_phase(r['reconverge'])} | {r['steady_gap']:>10.2e} {floor:>9}")
    lines.append("steps/s: wall clock; cpu st/s: this process's CPU time (insensitive to "
                 "other processes on the machine).")
    lines.append("'>' = not within 1e-3 bits when the wall-time cap ran out "
                 f"(caps per phase: paper {CAP['paper']}, pga+exact {CAP['pga+exact']} s); "
                 "gap@cap = median gap over the last quarter of the capped run (the Monte-Carlo "
                 "noise floor, or a gap still shrinking for deterministic PGA); steady gap of a "
                 "slow system = median gap over <= 200 further steps, or gap@cap.")
    lines.append("")
    lines.append("Ratios default vs paper (wall time to 1e-3 bits; '>=' where the paper "
                 "never got there, using its capped time):")
    ratios = {}
    for n in NS:
        d, p = by[(n, "default")], by[(n, "paper")]
        rr = {}
        for ph in ("converge", "reconverge"):
            pw, dw = p[ph]["wall_s"], d[ph]["wall_s"]
            rr[ph] = {"ratio": pw / dw if dw > 0 else math.inf, "lower_bound": not p[ph]["reached"]}
        rr["steps_per_s"] = d["steps_per_s"] / p["steps_per_s"]
        ratios[n] = rr
        def fmt(x):
            return "inf" if not math.isfinite(x["ratio"]) else f"{x['ratio']:.3g}x"
        lines.append(
            f"  N={n:<5d} converge {'>=' if rr['converge']['lower_bound'] else ''}"
            f"{fmt(rr['converge'])}, after reversal "
            f"{'>=' if rr['reconverge']['lower_bound'] else ''}{fmt(rr['reconverge'])}, "
            f"steps/s {rr['steps_per_s']:.3g}x")
    lines.append("")
    lines.append("default step cost: " + ", ".join(
        f"N={n}: {1e6 / by[(n, 'default')]['steps_per_s']:.1f} us" for n in NS))
    lines.append("certified_optimum cost: " + ", ".join(f"N={n}: {cert[n] * 1e3:.3f} ms" for n in NS))
    d8, d4k = by[(8, "default")], by[(4096, "default")]
    checks = {
        "N=8 default >= 40,000 steps/s": d8["steps_per_s"] >= TARGETS["n8_steps_per_s"],
        "N=8 reversal >= 20x sooner than paper": ratios[8]["reconverge"]["ratio"] >= TARGETS["n8_reversal_speedup"],
        "N=4096 default >= 1,000 steps/s": d4k["steps_per_s"] >= TARGETS["n4096_steps_per_s"],
        "N=4096 reconverges within 0.2 s": (d4k["reconverge"]["reached"]
                                            and d4k["reconverge"]["wall_s"] <= TARGETS["n4096_reconverge_s"]),
        "default steady-state gap <= 1e-4 bits (all N)": all(
            by[(n, "default")]["steady_gap"] <= TARGETS["steady_gap_bits"] for n in NS),
    }
    lines.append("Targets: " + "; ".join(f"{k}: {'met' if v else 'MISSED'}" for k, v in checks.items()))
    lines.append(f"(load average at start {load0[0]:.1f}, at end {os.getloadavg()[0]:.1f}: other "
                 "processes slow every wall time; default-mode times are the best of 5 "
                 "repeats, steps/s the best of 5 batches)")
    lines.append(f"(bench wall time {time.perf_counter() - t_start:.0f} s, "
                 f"{platform.processor() or platform.machine()}, python {platform.python_version()}, "
                 f"numpy {np.__version__}, torch {torch.__version__})")
    text = "\n".join(lines)
    print(text)
    out = pathlib.Path("out/bench")
    out.mkdir(parents=True, exist_ok=True)
    (out / "system1.json").write_text(json.dumps({
        "benchmark": "system1",
        "baseline": "paper: mode pga + mc estimator, K = 1000",
        "tolerance_bits": TOL,
        "results": results,
        "ratios_default_vs_paper": {str(k): v for k, v in ratios.items()},
        "certified_optimum_s": {str(k): v for k, v in cert.items()},
        "targets": {k: bool(v) for k, v in checks.items()},
        "table": text,
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
