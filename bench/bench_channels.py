"""Benchmark: the cost of one channel_sim update per fading scenario.

Run: ``PYTHONPATH=. python bench/bench_channels.py`` (single core: thread pools pinned
to 1). Writes ``out/bench/channels.json`` and prints a table.

One update is ``ChannelScenario.at(t)``, what channel_sim calls before every publish.
Baseline: ``jakes`` at N = 8 (the fading.yaml graph, published at 1 kHz), measured in
the same run; every other row is a ratio against it. ``mu_mimo_zf`` evaluates K x M
fading processes and one K x K QR and triangular solve per update
(steer_ros.channels.mu_mimo). Timing: the best of 5 batches of 500 updates (the
minimum is the least disturbed by other processes); the highest sustainable
rate is 1 / (time per update) on one core, before publishing costs.
"""

from __future__ import annotations

import os

os.environ.update(
    dict.fromkeys(("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS"), "1")
)

import json
import pathlib
import platform
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from steer_ros.channels.scenario import ChannelScenario, ScenarioConfig

CASES = [
    ("jakes N = 8 (baseline)", {"scenario": "jakes", "n_channels": 8}),
    ("tdl N = 64", {"scenario": "tdl", "n_channels": 64}),
    ("mu_mimo_zf K = 8, M = 8", {"scenario": "mu_mimo_zf", "n_channels": 8, "antennas": 8}),
    ("mu_mimo_zf K = 8, M = 16 (mu_mimo.yaml)", {"scenario": "mu_mimo_zf", "n_channels": 8, "antennas": 16}),
    ("mu_mimo_zf K = 16, M = 64", {"scenario": "mu_mimo_zf", "n_channels": 16, "antennas": 64}),
    ("mu_mimo_zf K = 64, M = 128", {"scenario": "mu_mimo_zf", "n_channels": 64, "antennas": 128}),
]
BATCHES, PER_BATCH = 5, 500


def time_per_update(config: dict) -> float:
    scenario = ChannelScenario(ScenarioConfig(doppler_hz=10.0, **config))
    best = float("inf")
    for b in range(BATCHES):
        t0 = time.perf_counter()
        for k in range(PER_BATCH):
            scenario.at(1.0 + 1e-3 * (b * PER_BATCH + k), k)
        best = min(best, (time.perf_counter() - t0) / PER_BATCH)
    return best


def main() -> dict:
    rows = []
    for name, config in CASES:
        rows.append({"case": name, "config": config, "us_per_update": 1e6 * time_per_update(config)})
    base = rows[0]["us_per_update"]
    for r in rows:
        r["ratio_vs_baseline"] = r["us_per_update"] / base
        r["max_rate_hz"] = 1e6 / r["us_per_update"]
    print("| case | us per update | x jakes N = 8 | max update rate, one core [Hz] |")
    print("|---|---|---|---|")
    for r in rows:
        print(f"| {r['case']} | {r['us_per_update']:.0f} | {r['ratio_vs_baseline']:.1f} | {r['max_rate_hz']:.0f} |")
    result = {"machine": platform.processor() or platform.machine(), "python": platform.python_version(),
              "rows": rows}
    out = pathlib.Path("out/bench")
    out.mkdir(parents=True, exist_ok=True)
    (out / "channels.json").write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
