"""Navigator overhead per cycle without the LLM round trip: prompt build + reply parse
+ guardrail, at N = 8 and N = 512 (docs/design.md section 4). Baseline: the N = 8 cycle.

Run: ``python bench/bench_navigator.py`` (prints a table, writes out/bench/navigator.json).
"""

from __future__ import annotations

import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from steer_ros.lab.fixtures import design_snapshot
from steer_ros.system2 import build_messages, load_system_template, parse_reply
from steer_ros.system2.guardrail import Guardrail
from steer_ros.system2.steer_decision import SteerDecision

SIZES = (8, 512)
REPEATS = {8: 3000, 512: 300}
POLICY = "Maximize total throughput"


def one_cycle(snapshot, template, reply_text, guardrail, current):
    build_messages(snapshot, POLICY, template)
    parsed = parse_reply(reply_text, snapshot.n)
    raw = SteerDecision(weights=parsed.weights, p_total=parsed.p_total, reasoning=parsed.reasoning)
    return guardrail.apply(raw, current)


def measure(n: int, repeats: int) -> dict:
    snapshot = design_snapshot(n)
    template = load_system_template()
    rng = np.random.default_rng(0)
    reply = {"weights": [round(float(x), 4) for x in rng.random(n)], "P_total": 30.0,
             "reasoning": "favour the strong channels a little"}
    reply_text = "```json\n" + json.dumps(reply) + "\n```"
    guardrail = Guardrail()
    current = SteerDecision(weights=snapshot.weights, p_total=snapshot.p_total)
    stages = {"prompt": [], "parse": [], "guardrail": [], "cycle": []}
    for _ in range(max(repeats // 10, 10)):  # warm-up
        one_cycle(snapshot, template, reply_text, guardrail, current)
    for _ in range(repeats):
        t0 = time.perf_counter()
        build_messages(snapshot, POLICY, template)
        t1 = time.perf_counter()
        parsed = parse_reply(reply_text, n)
        t2 = time.perf_counter()
        guardrail.apply(SteerDecision(weights=parsed.weights, p_total=parsed.p_total,
                                      reasoning=parsed.reasoning), current)
        t3 = time.perf_counter()
        for key, value in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t3 - t0), strict=True):
            stages[key].append(value)
    prompt_chars = sum(len(m["content"]) for m in build_messages(snapshot, POLICY, template))
    out = {"n": n, "repeats": repeats, "prompt_chars": prompt_chars, "reply_chars": len(reply_text)}
    for key, values in stages.items():
        arr = np.array(values) * 1e6
        out[f"{key}_median_us"] = float(np.median(arr))
        out[f"{key}_p99_us"] = float(np.percentile(arr, 99))
    return out


def main() -> int:
    rows = [measure(n, REPEATS[n]) for n in SIZES]
    base = rows[0]["cycle_median_us"]
    print("navigator overhead per cycle (no LLM round trip), microseconds")
    print(f"{'N':>5} {'prompt med':>11} {'parse med':>10} {'guard med':>10} {'cycle med':>10} "
          f"{'cycle p99':>10} {'vs N=8':>7} {'prompt chars':>13}")
    for r in rows:
        print(f"{r['n']:>5} {r['prompt_median_us']:>11.1f} {r['parse_median_us']:>10.1f} "
              f"{r['guardrail_median_us']:>10.1f} {r['cycle_median_us']:>10.1f} {r['cycle_p99_us']:>10.1f} "
              f"{r['cycle_median_us'] / base:>6.1f}x {r['prompt_chars']:>13d}")
    out_dir = Path("out/bench")
    out_dir.mkdir(parents=True, exist_ok=True)
    result = {"benchmark": "navigator", "baseline": "cycle at N=8", "python": platform.python_version(),
              "machine": platform.machine(), "rows": rows}
    (out_dir / "navigator.json").write_text(json.dumps(result, indent=2))
    print(f"wrote {out_dir / 'navigator.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
