"""Synthetic pilot streams with a known channel, and SigMF recordings of them.

The channel: per-subchannel complex amplitude h_i = sqrt(gain_i) e^{j theta_i}
(theta_i uniform, seeded), flat over the subchannel's subcarriers and applied per
OFDM symbol (a channel shorter than the cyclic prefix); white complex Gaussian
noise of variance noise_var per sample (so per-subchannel SNR = gain_i / noise_var,
see ``steer_ros.sdr.frame``); a carrier-frequency offset exp(j 2 pi cfo_hz n / fs)
over the whole stream. An optional gain change switches h from a given frame on.

SigMF recording (``write_recording``): global ``core:sample_rate``, ``core:datatype``
(cf32_le or ci16_le) and the extension fields ``steer_ros:frame`` (the
PilotFrame parameters) and ``steer_ros:sample_scale`` (ci16 samples were
multiplied by it before quantisation; ``sources.open_source("sigmf")`` divides it
out, so estimates are in channel units). The truth is one annotation per channel
segment, label ``channel``, with ``steer_ros:gain``, ``steer_ros:noise_var`` and
``steer_ros:cfo_hz``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from steer_ros import defaults
from steer_ros.sdr.frame import PilotFrame

EXT = "steer_ros"


@dataclass(frozen=True)
class TruthSegment:
    """The channel over samples [start, start + count)."""

    start: int
    count: int
    gain: np.ndarray
    noise_var: float
    cfo_hz: float


@dataclass(frozen=True)
class Synthesized:
    samples: np.ndarray  # complex128
    truth: list[TruthSegment]
    frame_starts: np.ndarray  # absolute index of every frame that starts in the stream
    frame: PilotFrame
    sample_rate: float


def noise_var_for_snr_db(snr_db: float) -> float:
    """Noise variance giving a unit-gain subchannel the SNR snr_db (inf -> 0)."""
    return 0.0 if np.isinf(snr_db) and snr_db > 0 else float(10.0 ** (-snr_db / 10.0))


def synthesize(
    gains,
    noise_var: float = defaults.NOISE_VAR,
    cfo_hz: float = 0.0,
    n_frames: int = 200,
    sample_rate: float = defaults.SDR_SAMPLE_RATE,
    frame: PilotFrame | None = None,
    offset: int = 0,
    seed: int = 0,
    gains_after=None,
    change_at_frame: int | None = None,
    phases=None,
) -> Synthesized:
    """n_frames back-to-back frames; the first ``offset`` samples are dropped (stream
    starts mid-frame). gains_after takes effect from frame change_at_frame on."""
    frame = frame or PilotFrame.contiguous(n_channels=len(np.atleast_1d(gains)))
    rng = np.random.default_rng(seed)
    N = frame.n_channels
    gains = _check_gains(gains, N, "gains")
    if noise_var < 0:
        raise ValueError(f"noise_var must be >= 0, got {noise_var}")
    if not 0 <= offset < frame.frame_len * n_frames:
        raise ValueError(f"offset must be in [0, {frame.frame_len * n_frames}), got {offset}")
    theta = rng.uniform(0, 2 * np.pi, N) if phases is None else np.asarray(phases, float)
    segments = [(0, gains)]
    if gains_after is not None:
        if change_at_frame is None or not 0 < change_at_frame < n_frames:
            raise ValueError(f"change_at_frame must be in (0, {n_frames}) with gains_after")
        segments.append((int(change_at_frame), _check_gains(gains_after, N, "gains_after")))
    fl = frame.frame_len
    parts = []
    for j, (f0, g) in enumerate(segments):
        f1 = segments[j + 1][0] if j + 1 < len(segments) else n_frames
        one = frame.modulate(frame.subcarrier_response(np.sqrt(g) * np.exp(1j * theta)))
        parts.append(np.tile(one, f1 - f0))
    x = np.concatenate(parts)[offset:]
    n = np.arange(x.size)
    x = x * np.exp(2j * np.pi * (cfo_hz / sample_rate) * (n + offset))
    if noise_var > 0:
        x = x + np.sqrt(noise_var / 2) * (rng.standard_normal(x.size) + 1j * rng.standard_normal(x.size))
    truth = []
    for j, (f0, g) in enumerate(segments):
        s0 = max(f0 * fl - offset, 0)
        s1 = (segments[j + 1][0] * fl - offset) if j + 1 < len(segments) else x.size
        truth.append(TruthSegment(int(s0), int(s1 - s0), g, float(noise_var), float(cfo_hz)))
    starts = np.arange(n_frames) * fl - offset
    return Synthesized(x, truth, starts[starts >= 0], frame, float(sample_rate))


def _check_gains(g, n: int, name: str) -> np.ndarray:
    g = np.asarray(g, dtype=float).reshape(-1)
    if g.shape != (n,):
        raise ValueError(f"{name} must have {n} entries, got {g.size}")
    if not np.all(np.isfinite(g)) or np.any(g < 0):
        raise ValueError(f"{name} must be finite and >= 0, got {g.tolist()}")
    return g


def write_recording(
    path: str | Path,
    syn: Synthesized,
    datatype: str = "cf32_le",
    center_freq: float = defaults.SDR_CENTER_FREQ,
    description: str = "steer_ros pilot frames with a known channel",
) -> Path:
    """Write ``syn`` as a SigMF pair; path may end in .sigmf-meta. Returns the meta path."""
    import sigmf
    from sigmf import SigMFFile

    meta_path = Path(path)
    if meta_path.suffix != ".sigmf-meta":
        meta_path = meta_path.with_name(meta_path.name + ".sigmf-meta")
    data_path = meta_path.with_suffix(".sigmf-data")
    x = syn.samples
    if datatype == "cf32_le":
        scale = 1.0
        x.astype("<c8").tofile(data_path)
    elif datatype == "ci16_le":
        peak = max(np.max(np.abs(x.real)), np.max(np.abs(x.imag)), 1e-12)
        scale = 0.5 / peak  # half of full scale; quantisation noise ~ -90 dBFS
        iq = np.empty((x.size, 2), "<i2")
        iq[:, 0] = np.clip(np.rint(x.real * scale * 32768), -32768, 32767)
        iq[:, 1] = np.clip(np.rint(x.imag * scale * 32768), -32768, 32767)
        iq.tofile(data_path)
    else:
        raise ValueError(f"datatype must be cf32_le or ci16_le, got {datatype!r}")
    meta = SigMFFile(
        data_file=data_path,
        global_info={
            sigmf.DATATYPE_KEY: datatype,
            sigmf.SAMPLE_RATE_KEY: syn.sample_rate,
            sigmf.DESCRIPTION_KEY: description,
            sigmf.EXTENSIONS_KEY: [{"name": EXT, "version": "0.1.0", "optional": True}],
            f"{EXT}:frame": syn.frame.to_dict(),
            f"{EXT}:sample_scale": scale,
        },
    )
    meta.add_capture(0, metadata={sigmf.FREQUENCY_KEY: center_freq})
    for seg in syn.truth:
        meta.add_annotation(
            seg.start,
            seg.count,
            metadata={
                sigmf.LABEL_KEY: "channel",
                f"{EXT}:gain": [float(g) for g in seg.gain],
                f"{EXT}:noise_var": seg.noise_var,
                f"{EXT}:cfo_hz": seg.cfo_hz,
            },
        )
    meta.tofile(meta_path, overwrite=True)
    return meta_path


def read_truth(meta_path: str | Path) -> list[TruthSegment]:
    """The channel annotations of a recording written by ``write_recording``."""
    meta = json.loads(Path(meta_path).read_text())
    out = []
    for a in meta.get("annotations", []):
        if a.get("core:label") == "channel" and f"{EXT}:gain" in a:
            out.append(
                TruthSegment(
                    int(a["core:sample_start"]),
                    int(a.get("core:sample_count", 0)),
                    np.asarray(a[f"{EXT}:gain"], float),
                    float(a[f"{EXT}:noise_var"]),
                    float(a[f"{EXT}:cfo_hz"]),
                )
            )
    return out
