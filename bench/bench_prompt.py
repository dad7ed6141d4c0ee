"""Prompt size against N and the navigator cycle cost at N = 4096 (docs/design.md
section 4, "State summary at large N").

1. Characters of system + user message for N = 8 ... 65,536 with the hierarchical
   summary (the default, summary_threshold = 32) and, for comparison, with the
   per-channel table at every N; tokens are ESTIMATED as characters / 4 (no tokenizer
   is available offline).
2. At N = 4096: prompt construction (summary vs per-channel table), reply parsing
   (a reply by selector vs N raw weights) and the guardrail, medians over repeats.
   Targets: prompt construction and reply parsing <= 2 ms each.

Run: ``python bench/bench_prompt.py`` (prints two tables, writes out/bench/prompt.json).
"""

from __future__ import annotations

import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from steer_ros import defaults
from steer_ros.snapshot import SystemSnapshot
from steer_ros.system1.goal import Goal
from steer_ros.system2 import build_messages, load_system_template, parse_reply
from steer_ros.system2.guardrail import Guardrail
from steer_ros.system2.steer_decision import SteerDecision

SIZES = tuple(2**k for k in range(3, 17))  # 8 ... 65,536
TIMED_N = 4096
REPEATS = 200
POLICY = "Shut down the weakest 10% of subcarriers and keep every other one above 1 bit"


def snapshot(n: int, seed: int = 0) -> SystemSnapshot:
    """Rayleigh gains, the budget 5 per channel spread evenly, a goal in force with
    unmet floors (the longest user message the summary writes)."""
    rng = np.random.default_rng(seed)
    gain = rng.exponential(1.0, n)
    power = np.full(n, 5.0)
    mi = np.minimum(2.0, np.log2(1.0 + gain * power))
    floors = np.where(gain > np.quantile(gain, 0.1), 1.0, 0.0)
    off = floors == 0
    shortfall = np.maximum(floors - mi, 0.0)
    return SystemSnapshot(gain=gain, noise_var=np.ones(n), power=power, mi=mi, weights=np.full(n, 1.0 / n),
                          p_total=5.0 * n, goal=Goal(mi_floor=floors, off=off),
                          goals_met=not bool(np.any(shortfall > 0)), mi_shortfall=shortfall)


SELECTOR_REPLY = json.dumps({
    "weights": [{"channels": "all", "weight": 1}], "off": ["weakest:10%"],
    "floors": [{"channels": "strongest:90%", "bits": 1.0}], "P_total": 5.0 * TIMED_N,
    "reasoning": "the weakest tenth off, a 1-bit floor on every other subcarrier"})


def sizes(template: str) -> list[dict]:
    rows = []
    for n in SIZES:
        snap = snapshot(n)
        system, user = (m["content"] for m in build_messages(snap, POLICY, template, p_max=5.0 * n))
        per_channel = sum(len(m["content"]) for m in build_messages(snap, POLICY, template, p_max=5.0 * n,
                                                                       summary_threshold=n))
        total = len(system) + len(user)
        rows.append({"n": n, "system_chars": len(system), "user_chars": len(user), "total_chars": total,
                     "tokens_est": total // 4, "per_channel_chars": per_channel,
                     "per_channel_tokens_est": per_channel // 4})
    return rows


def median_us(fn, repeats: int = REPEATS) -> float:
    for _ in range(max(repeats // 10, 5)):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times) * 1e6)


def timings(template: str) -> dict:
    n = TIMED_N
    snap = snapshot(n)
    strength = snap.strength
    raw_reply = json.dumps({"weights": [round(float(x), 4) for x in np.random.default_rng(1).random(n)],
                            "P_total": 5.0 * n, "reasoning": "N raw weights"})
    guardrail = Guardrail(p_max=5.0 * n)
    current = SteerDecision(weights=snap.weights, p_total=snap.p_total)
    parsed = parse_reply(SELECTOR_REPLY, n, strength=strength)
    raw = SteerDecision(weights=parsed.weights, p_total=parsed.p_total, goal=parsed.goal)
    return {
        "n": n,
        "prompt_summary_us": median_us(lambda: build_messages(snap, POLICY, template, p_max=5.0 * n)),
        "prompt_per_channel_us": median_us(lambda: build_messages(snap, POLICY, template, p_max=5.0 * n,
                                                                  summary_threshold=n)),
        "parse_selector_us": median_us(lambda: parse_reply(SELECTOR_REPLY, n, strength=strength)),
        "parse_raw_weights_us": median_us(lambda: parse_reply(raw_reply, n, strength=strength)),
        "guardrail_us": median_us(lambda: guardrail.apply(raw, current)),
        "selector_reply_chars": len(SELECTOR_REPLY), "raw_reply_chars": len(raw_reply),
    }


def main() -> int:
    template = load_system_template()
    rows = sizes(template)
    print("prompt size (system + user message) against N; tokens ESTIMATED as chars / 4")
    print(f"{'N':>6} {'system':>7} {'user':>6} {'total':>6} {'~tokens':>8} {'per-channel':>12} {'~tokens':>8}")
    for r in rows:
        print(f"{r['n']:>6} {r['system_chars']:>7} {r['user_chars']:>6} {r['total_chars']:>6} "
              f"{r['tokens_est']:>8} {r['per_channel_chars']:>12} {r['per_channel_tokens_est']:>8}")
    worst = max(r["total_chars"] for r in rows)
    print(f"largest prompt {worst} chars (bound {defaults.PROMPT_MAX_CHARS})")
    t = timings(template)
    print(f"\nnavigator stages at N = {t['n']}, median microseconds over {REPEATS} repeats (target <= 2000)")
    for key in ("prompt_summary_us", "prompt_per_channel_us", "parse_selector_us", "parse_raw_weights_us",
                "guardrail_us"):
        print(f"  {key:<24} {t[key]:>9.1f}")
    print(f"  reply chars: by selector {t['selector_reply_chars']}, N raw weights {t['raw_reply_chars']}")
    out_dir = Path("out/bench")
    out_dir.mkdir(parents=True, exist_ok=True)
    result = {"benchmark": "prompt", "tokens": "estimated as chars / 4", "python": platform.python_version(),
              "machine": platform.machine(), "sizes": rows, "timings": t}
    (out_dir / "prompt.json").write_text(json.dumps(result, indent=2))
    print(f"wrote {out_dir / 'prompt.json'}")
    return 0 if worst <= defaults.PROMPT_MAX_CHARS else 1


if __name__ == "__main__":
    sys.exit(main())
