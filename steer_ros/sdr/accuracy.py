"""Monte-Carlo accuracy of the pilot estimator against known truth (the closing-note table).

Two experiments, both through the full receiver (detection, CFO, timing, pilots):

* ``equal_snr_table``: every subchannel at the same SNR, so synchronisation works at
  that SNR too (the hardest case). Each trial: a stream starting at a random offset
  (anywhere in a frame), a random CFO uniform in the documented range, fresh channel
  phases and noise; the estimate is taken over its first ``window`` frames. Rows:
  SNR, detection rate (frames found with timing within +-cp_len/2 / frames
  present), gain bias (relative), Var(g_hat)/CRB, mean gain_var/CRB, noise-variance
  bias (relative).
* ``mixed_snr_table``: one long stream whose subchannels span SNRs (default -5 ..
  25 dB); windows of ``window`` consecutive frames are the trials. This is the
  per-subchannel accuracy when synchronisation is carried by the whole signal.

CRB(g) = 2 g sigma^2 / (F K S) (see ``steer_ros.sdr.estimator``), with F the frames in
that trial's window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from steer_ros.sdr.estimator import PilotEstimator, cramer_rao_gain, estimate_from_stats
from steer_ros.sdr.frame import PilotFrame
from steer_ros.sdr.synth import synthesize


@dataclass(frozen=True)
class AccuracyRow:
    snr_db: float
    detection_rate: float
    gain_bias: float  # mean(g_hat - g) / g
    var_over_crb: float  # Var(g_hat) / CRB
    reported_over_crb: float  # mean(gain_var) / CRB
    noise_bias: float  # mean(sigma2_hat) / sigma2 - 1
    samples: int  # estimates behind the row


def _row(snr_db, det, g_true, nv_true, est_g, est_nv, est_gv, crb) -> AccuracyRow:
    est_g, est_nv, est_gv, crb = map(np.asarray, (est_g, est_nv, est_gv, crb))
    if est_g.size == 0:
        return AccuracyRow(snr_db, det, float("nan"), float("nan"), float("nan"), float("nan"), 0)
    z = (est_g - g_true) / np.sqrt(crb)  # unit variance at the bound
    return AccuracyRow(
        float(snr_db),
        float(det),
        float(np.mean(est_g - g_true) / g_true),
        float(np.var(z, ddof=1)) if z.size > 1 else float("nan"),
        float(np.mean(est_gv / crb)),
        float(np.mean(est_nv) / nv_true - 1.0),
        int(est_g.size),
    )


def equal_snr_table(
    snrs_db=(-5, 0, 5, 10, 15, 20, 25),
    trials: int = 100,
    window: int = 16,
    frame: PilotFrame | None = None,
    seed: int = 0,
) -> list[AccuracyRow]:
    frame = frame or PilotFrame()
    N, fl = frame.n_channels, frame.frame_len
    K = frame.subcarriers_per_channel
    S = frame.n_pilot_symbols
    rng = np.random.default_rng(seed)
    rows = []
    for snr in snrs_db:
        g = 10.0 ** (snr / 10.0)
        found = present = 0
        est_g, est_nv, est_gv, crb = [], [], [], []
        for _ in range(trials):
            offset = int(rng.integers(0, fl))
            cfo = rng.uniform(-1, 1) * frame.max_cfo_subcarriers * frame.subcarrier_spacing_hz(1.0)
            syn = synthesize(np.full(N, g), 1.0, cfo, window + 2, 1.0, frame, offset=offset,
                             seed=int(rng.integers(2**31)))
            est = PilotEstimator(frame, window_frames=window, sample_rate=1.0)
            batch = est.process(syn.samples)
            true = syn.frame_starts[syn.frame_starts + fl + fl // 8 <= syn.samples.size]
            ok = _matched(batch.start, true, frame.cp_len // 2)
            present += true.size
            found += int(ok.sum())
            e = est.estimate()
            if e is not None:
                est_g.append(e.gain)
                est_nv.append(e.noise_var)
                est_gv.append(e.gain_var)
                crb.append(cramer_rao_gain(g, 1.0, e.n_frames * K * S))
        rows.append(_row(snr, found / max(present, 1), g, 1.0, est_g, est_nv, est_gv, crb))
    return rows


def mixed_snr_table(
    snrs_db=(-5, 0, 5, 10, 15, 20, 25),
    windows: int = 200,
    window: int = 16,
    cfo_subcarriers: float = 0.7,
    seed: int = 1,
) -> list[AccuracyRow]:
    snrs = np.asarray(snrs_db, float)
    frame = PilotFrame.contiguous(n_channels=snrs.size + (snrs.size % 2))
    N = frame.n_channels
    gains = np.full(N, 10.0 ** (snrs[-1] / 10.0))
    gains[: snrs.size] = 10.0 ** (snrs / 10.0)
    K = frame.subcarriers_per_channel
    S = frame.n_pilot_symbols
    n_frames = windows * window + 2
    syn = synthesize(gains, 1.0, cfo_subcarriers / frame.n_fft, n_frames, 1.0, frame,
                     offset=frame.frame_len // 3, seed=seed)
    est = PilotEstimator(frame, window_frames=window, sample_rate=1.0)
    batch = est.process(syn.samples)
    true = syn.frame_starts[syn.frame_starts + frame.frame_len + frame.frame_len // 8 <= syn.samples.size]
    det = _matched(batch.start, true, frame.cp_len // 2).sum() / true.size
    W = len(batch) // window
    p = batch.power[: W * window].reshape(W, window, N).sum(axis=1)
    r = batch.rss[: W * window].reshape(W, window, N).sum(axis=1)
    rows = []
    for i, snr in enumerate(snrs):
        e = [estimate_from_stats(p[w], r[w], window, frame) for w in range(W)]
        crb = cramer_rao_gain(gains[i], 1.0, window * K[i] * S)
        rows.append(_row(snr, det, gains[i], 1.0, [x.gain[i] for x in e], [x.noise_var[i] for x in e],
                         [x.gain_var[i] for x in e], np.full(W, crb)))
    return rows


def _matched(found: np.ndarray, true: np.ndarray, tol: int) -> np.ndarray:
    """For each true start, whether a found start lies within +-tol of it."""
    if found.size == 0:
        return np.zeros(true.size, bool)
    found = np.sort(found)
    j = np.clip(np.searchsorted(found, true), 1, found.size - 1) if found.size > 1 else np.zeros(true.size, int)
    near = np.minimum(np.abs(found[j] - true), np.abs(found[np.maximum(j - 1, 0)] - true))
    return near <= tol


def format_table(rows: list[AccuracyRow], title: str) -> str:
    lines = [
        title,
        "| SNR dB | detection | gain bias | var/CRB | gain_var/CRB | noise-var bias | n |",
        "|-------:|----------:|----------:|--------:|-------------:|---------------:|--:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.snr_db:6.1f} | {100 * r.detection_rate:8.2f}% | {100 * r.gain_bias:+8.2f}% | "
            f"{r.var_over_crb:7.3f} | {r.reported_over_crb:12.3f} | {100 * r.noise_bias:+13.2f}% | {r.samples} |"
        )
    return "\n".join(lines)
