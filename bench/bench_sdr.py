"""SDR estimator: throughput on one core against the 2 MS/s requirement, and accuracy.

    python bench/bench_sdr.py [--quick]

Prints (1) throughput in MS/s of ``PilotEstimator.process`` on a 16384-sample-block
stream, pinned to one CPU core, for a stream of frames and for noise only, with the
ratio to ``SDR_THROUGHPUT_MSPS``; (2) the accuracy tables of
``steer_ros.sdr.accuracy`` (baseline: the Cramér–Rao bound). Writes
out/bench/sdr.json.
"""

from __future__ import annotations

import os

os.environ.update({v: os.environ.get(v, "1") for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")})

import argparse
import json
import platform
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from steer_ros import defaults
from steer_ros.sdr.accuracy import equal_snr_table, format_table, mixed_snr_table
from steer_ros.sdr.estimator import PilotEstimator
from steer_ros.sdr.frame import PilotFrame
from steer_ros.sdr.synth import synthesize


def throughput(x: np.ndarray, frame: PilotFrame, block: int = defaults.SDR_BLOCK_SAMPLES, repeats: int = 3):
    best = float("inf")
    frames = 0
    for _ in range(repeats):
        est = PilotEstimator(frame, sample_rate=defaults.SDR_SAMPLE_RATE)
        t0 = time.perf_counter()
        for i in range(0, x.size, block):
            est.process(x[i : i + block])
        best = min(best, time.perf_counter() - t0)
        frames = est.frames_detected
    return x.size / best / 1e6, frames


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="fewer Monte-Carlo trials")
    ap.add_argument("--out", default="out/bench/sdr.json")
    a = ap.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    frame = PilotFrame()
    seconds = 1.0 if a.quick else 2.0
    n_frames = int(seconds * defaults.SDR_SAMPLE_RATE / frame.frame_len)
    syn = synthesize(defaults.design_gains(), 0.1, 7000.0, n_frames, defaults.SDR_SAMPLE_RATE, frame, offset=17)
    x = syn.samples.astype(np.complex64)
    rng = np.random.default_rng(0)
    noise = ((rng.standard_normal(x.size) + 1j * rng.standard_normal(x.size)) / np.sqrt(2)).astype(np.complex64)
    msps_frames, found = throughput(x, frame)
    msps_noise, false_alarms = throughput(noise, frame)
    need = defaults.SDR_THROUGHPUT_MSPS
    print(f"SDR estimator throughput, one core ({platform.processor() or platform.machine()}), "
          f"blocks of {defaults.SDR_BLOCK_SAMPLES}, baseline: requirement {need:g} MS/s")
    print("| stream          | MS/s  | x requirement | frames |")
    print("|-----------------|------:|--------------:|-------:|")
    print(f"| pilot frames    | {msps_frames:5.2f} | {msps_frames / need:12.2f}x | {found} / {n_frames - 1} |")
    print(f"| noise only      | {msps_noise:5.2f} | {msps_noise / need:12.2f}x | {false_alarms} |")
    print()
    trials, windows = (30, 60) if a.quick else (200, 300)
    t0 = time.perf_counter()
    eq = equal_snr_table(trials=trials, window=16)
    mx = mixed_snr_table(windows=windows, window=16)
    acc_s = time.perf_counter() - t0
    print(
        format_table(
            eq,
            f"Accuracy, all subchannels at one SNR (sync at that SNR too; {trials} trials x 16-frame "
            f"window, random start offset, CFO uniform in +-{frame.max_cfo_subcarriers:g} subcarriers):",
        )
    )
    print()
    print(format_table(mx, f"Accuracy, subchannels at -5 .. 25 dB in one stream ({windows} windows of 16 frames, "
                           "CFO 0.7 subcarriers):"))
    print()
    print("var/CRB: empirical variance of g_hat over CRB = 2 g sigma^2 / (F K S); gain_var/CRB: the estimator's "
          "own reported variance over the same bound; biases relative to the truth.")
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "requirement_msps": need,
        "throughput_msps": {"pilot_frames": msps_frames, "noise_only": msps_noise},
        "ratio_to_requirement": {"pilot_frames": msps_frames / need, "noise_only": msps_noise / need},
        "frames_found": found, "frames_sent": n_frames, "false_alarms_on_noise": false_alarms,
        "frame": frame.to_dict(), "frame_len": frame.frame_len,
        "accuracy_equal_snr": [asdict(r) for r in eq],
        "accuracy_mixed_snr": [asdict(r) for r in mx],
        "accuracy_seconds": acc_s,
    }, indent=2))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
