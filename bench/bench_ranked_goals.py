"""Ranked goals on moving channels: how often each allocation is on target, through the
live graph (one process per node, real DDS, a real local HTTP server answering as an
LLM), and System 1's step rate with a goal by ranked selector against a resolved one.

Policy: "Shut down the weakest 10% of subcarriers and keep every other one above 0.5 bit",
answered with the reply ``{"off": "weakest:10%", "floors": {"strongest:90%": 0.5}}`` (the
two ranked sets partition the channels on the ranking of the call, so the reply has one
reading on every build, with or without System 1's tracking).

Each published allocation is judged against the gains it used (noise variance 1):

* strict: exactly the k = round(10% N) weakest channels at <= 0.05 bits, every other one
  >= 0.5 bit (within 1e-3);
* by the stated rule: k channels at <= 0.05 bits, none of them more than
  RANKED_HYSTERESIS_DB stronger than an outsider (docs/design.md 8.11: a member keeps its
  place until an outsider passes it by that margin), every other one >= 0.5 bit.

Cases: config/ofdm4096.yaml as shipped (TDL-A, 5 Hz Doppler, N = 4096) and
config/fading.yaml (Jakes, 10 Hz, N = 8), ``BENCH_RANKED_S`` seconds each (default 60).
``--cases ofdm4096,jakes8`` picks cases; ``--step-rate`` only the ROS-free step-rate
case. Run it under the machine-wide lock (flock /tmp/steer-ros-heavy.lock). The same
file runs against an older build (its steer_ros on PYTHONPATH) for a "before" figure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
POLICY = "Shut down the weakest 10% of subcarriers and keep every other one above 0.5 bit"
REPLY = {"off": "weakest:10%", "floors": [{"channels": "strongest:90%", "bits": 0.5}],
         "reasoning": "bench: the weakest tenth off, the rest above 0.5 bit"}
HYSTERESIS_DB = 0.5
CASES = {"ofdm4096": "ofdm4096.yaml", "jakes8": "fading.yaml"}


def judge(gain: np.ndarray, mi: np.ndarray, hysteresis_db: float = HYSTERESIS_DB) -> tuple[bool, bool]:
    """(strict, by the stated rule) for one allocation."""
    n = gain.shape[0]
    k = max(1, int(np.floor(0.1 * n + 0.5)))
    order = np.argsort(gain, kind="stable")
    def rest_ok(on):
        return bool(np.all(mi[on] >= 0.5 - 1e-3))
    strict = bool(np.all(mi[order[:k]] <= 0.05)) and rest_ok(order[k:])
    off = mi <= 0.05
    rule = False
    if int(off.sum()) == k:
        on = ~off
        margin = 10.0 ** (hysteresis_db / 10.0)
        rule = bool(gain[off].max() <= gain[on].min() * margin) and rest_ok(on)
    return strict, rule


def graph_case(domain_id: int, name: str, seconds: float, backend: str = "openai") -> dict:
    from steer_ros.lab.fixtures import ScriptedOpenAIServer
    from steer_ros.lab.fixtures.monitor_node import standalone_monitor
    from steer_ros.ros.node_processes import ProcessGraph

    with ScriptedOpenAIServer([{"reply": json.dumps(REPLY)}]) as server:
        params = {"navigator": {"backend": "openai", "llm_base_url": server.base_url, "llm_model": "bench-model"}}
        if backend == "rules":  # the offline reader reads the policy itself (its reply is its own)
            params = {"navigator": {"backend": "rules"}}
        with ProcessGraph(domain_id, config=CASES[name], parameters=params) as graph, \
                standalone_monitor(domain_id, node_name="bench_monitor") as monitor:
            monitor.wait_for(lambda m: len(m.allocations) > 5, 120.0, f"the graph\n{graph.logs()}")
            monitor.publish_policy(POLICY)
            monitor.wait_for(lambda m: next((c for c in m.commands if c.status == 0 and len(c.off)), None), 60.0,
                             f"the goal accepted\n{graph.logs()}")
            time.sleep(2.0)  # the burst after the goal's arrival settles
            t0 = time.monotonic()
            time.sleep(seconds)  # a fixed measurement window
            samples = monitor.allocations_since(t0)
            nav = monitor.diagnostic("navigator")
            commands = [c for c in monitor.commands if c.status == 0]
    verdicts = np.array([judge(a.gain, a.mi) for a in samples], dtype=bool).reshape(-1, 2)
    met = np.array([a.goals_met for a in samples], dtype=bool)
    return {"case": name, "config": CASES[name], "n": int(samples[0].gain.shape[0]), "seconds": seconds,
            "allocations": len(samples), "strict_on_target": int(verdicts[:, 0].sum()),
            "rule_on_target": int(verdicts[:, 1].sum()), "goals_met_reported": int(met.sum()),
            "infeasible_all": int(sum(1 for a in samples if not a.feasible)),
            "navigator_calls": nav.get("calls"), "accepted_commands": len(commands), "backend": backend,
            "selectors": {"off": list(commands[-1].off_selectors),
                          "floors": list(commands[-1].floor_selectors)} if commands else {}}


def step_rate_case(n: int = 4096, steps: int = 400) -> dict:
    """System 1 steps per second at N = n over fading channels (one channel update per
    step, the ofdm4096 graph's worst case), with the goal by ranked selector (re-resolved
    at every update) against the same goal resolved once (per-channel arrays)."""
    from steer_ros.channels.selectors import parse_selector
    from steer_ros.system1.goal import Goal
    from steer_ros.system1.ranked_goal import GoalSelectors
    from steer_ros.system1.system1 import System1

    rng = np.random.default_rng(0)
    base = rng.exponential(size=n) * 10.0
    gains = [base * rng.lognormal(0.0, 0.1, n) for _ in range(steps)]
    sel = GoalSelectors(off=("weakest:10%",), floors=(("strongest:90%", 0.5),))
    symbolic = sel.resolve_goal(Goal(selectors=sel), n, base)
    resolved = Goal(mi_floor=symbolic.mi_floor, off=symbolic.off)
    assert parse_selector("weakest:10%").ranked
    out = {}
    for label, goal in (("resolved", resolved), ("symbolic", symbolic)):
        s1 = System1(base, np.ones(n), p_total=5.0 * n)
        s1.set_command(goal=goal)
        for g in gains[:20]:  # warm up
            s1.set_channels(g, np.ones(n))
            s1.step()
        t = time.perf_counter()
        for g in gains:
            s1.set_channels(g, np.ones(n))
            s1.step()
        elapsed = time.perf_counter() - t
        tracker = s1.ranked_goal
        out[label] = {"steps_per_s": steps / elapsed, "us_per_update_and_step": 1e6 * elapsed / steps,
                      "set_changes": tracker.changes if tracker is not None else 0}
    out["ratio_symbolic_to_resolved"] = out["symbolic"]["steps_per_s"] / out["resolved"]["steps_per_s"]
    out["n"] = n
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", default="ofdm4096,jakes8")
    parser.add_argument("--step-rate", action="store_true", help="only the ROS-free step-rate case (the default "
                        "runs the graph cases, then it)")
    parser.add_argument("--backend", default="openai", choices=("openai", "rules"),
                        help="openai: a local server answers the reply above; rules: the offline reader reads the "
                        "policy")
    parser.add_argument("--label", default="after", help="a name for this build's figures (before / after)")
    args = parser.parse_args()
    out = REPO / "out" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    results: dict = {"label": args.label}
    if not args.step_rate:
        from steer_ros.ros.domain_lock import exclusive_domain_id

        seconds = float(os.environ.get("BENCH_RANKED_S", "60"))
        with exclusive_domain_id() as domain_id:
            os.environ["ROS_DOMAIN_ID"] = str(domain_id)
            results["graph"] = [graph_case(domain_id, name, seconds, args.backend) for name in args.cases.split(",")]
        for r in results["graph"]:
            print(f"[{args.label}, {r['backend']}] selectors {r['selectors']}")
            print(f"[{args.label}] {r['config']} (N = {r['n']}): {r['allocations']} allocations in {r['seconds']:g} s; "
                  f"on target strict {r['strict_on_target']} ({100 * r['strict_on_target'] / r['allocations']:.1f}%), "
                  f"by the stated rule {r['rule_on_target']} "
                  f"({100 * r['rule_on_target'] / r['allocations']:.1f}%); goals_met reported "
                  f"{r['goals_met_reported']}; infeasible {r['infeasible_all']}")
    r = results["step_rate"] = step_rate_case()
    print(f"System 1 at N = {r['n']}, one channel update + one step: resolved goal "
          f"{r['resolved']['steps_per_s']:.0f} steps/s, symbolic (ranked, re-resolved) "
          f"{r['symbolic']['steps_per_s']:.0f} steps/s (ratio {r['ratio_symbolic_to_resolved']:.2f}; "
          f"{r['symbolic']['set_changes']} set changes)")
    (out / f"ranked_goals_{args.label}{'_steps' if args.step_rate else ''}.json").write_text(
        json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
