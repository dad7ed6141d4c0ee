"""Pilot-based per-subchannel channel estimation from a complex sample stream.

Per frame (``steer_ros.sdr.frame``), vectorized over all frames found in a block:

1. **Detection** (Schmidl & Cox 1997): with L = n_fft/4 and W = (sts_reps - 1) L,
   ``P(d) = sum_{m<W} conj(r[d+m]) r[d+m+L]``, ``M(d) = |P|^2 / (R_0(d) R_L(d))`` with
   R the window energies (so M <= 1). M is ~ (snr/(1+snr))^2 on the STS whatever
   the channel and the CFO, ~ 1/W elsewhere. M is smoothed by a centred moving
   average of 2L+1 samples (its hill is ~2W wide; this halves the spread of its
   maximum under noise); candidates are local maxima above ``detect_threshold``,
   at least frame_len/2 apart. Maxima in the last frame_len/2 positions of a block
   are left to the next block, which re-scans them.
2. **Coarse CFO**: ``eps_c = angle(P(d)) n_fft / (2 pi L)`` subcarrier spacings
   (unambiguous for |eps| < 2; documented range +-1.5). **Fine CFO** on the LTS,
   after removing eps_c: ``eps_f = angle(sum_{m<n} conj(r[m]) r[m+n]) / 2 pi``
   (+-0.5) over 2n samples starting n/8 before the first LTS symbol.
3. **Fine timing**: the LTS is n_fft-periodic over its guard, so the FFT of a window
   inside it is exact; a window starting delta samples after a period start
   multiplies bin k by exp(j 2 pi k delta / n), and ``delta = n/(2 pi)
   angle(sum Z_{k+1} conj(Z_k))`` over adjacent subcarriers of one subchannel
   (channel-independent when h is flat across a subchannel). The window sits n/16
   after the nominal period start, so coarse errors in (-9n/16, 7n/16) resolve
   without ambiguity (observed: within +-30 samples at 0 dB). Pilot FFT windows
   then start cp_len/2 into the cyclic prefix (tolerating +-cp_len/2 of error).
4. **Pilots**: ``Z_{s,k} = Y_{s,k} conj(X_{s,k}) = H_k e^{j s phi} + W'_{s,k}``,
   W' ~ CN(0, sigma^2). The residual CFO phase step phi is estimated from adjacent
   symbols, ``angle(sum_{s,k} Z_{s+1,k} conj(Z_{s,k}))``, removed, then refined from
   symbols S/2 apart (4x smaller error). The frame is accepted if the pilot
   coherence ``C = sum_k |sum_s Z_{s,k}|^2 / (S sum_{s,k} |Z_{s,k}|^2)`` (1/S for
   noise, (S g + sigma^2)/(S (g + sigma^2)) for a frame) exceeds
   ``coherence_threshold`` and the pilots' own phase slope puts the timing inside
   the cyclic prefix. Of accepted frames closer than frame_len/2, the most coherent
   is kept.

**Estimates over a window of F frames** (subchannel i, K_i subcarriers, S pilot
symbols): per frame and subcarrier ``Hbar_k = mean_s Z_{s,k}`` ~ CN(H_k, v),
v = sigma^2/S, and the residual sum of squares has K(S-1) complex degrees of
freedom per frame, so

    sigma_i^2_hat = sum_{f,k in i,s} |Z - Hbar|^2 / (F K_i (S-1))      (unbiased)
    g_i_hat       = mean_{f,k in i} |Hbar_k|^2 - sigma_i^2_hat / S      (unbiased)
    Var(g_i_hat)  = [2 g v + v^2 (1 + 1/(S-1))] / (F K_i)              (gain_var)

using Var|Hbar|^2 = 2|H|^2 v + v^2 and Var(sigma^2_hat) = sigma^4/(F K (S-1)); the
reported gain_var plugs in the estimates.

**Cramér–Rao bound for g = |h|^2** from M = F K_i S known unit-modulus pilots,
y_m = h e^{j theta_f} x_m + n_m, n ~ CN(0, sigma^2), with h constant over the
window, every frame's phase theta_f and sigma^2 unknown: the Fisher information of
(Re h, Im h) is (2M/sigma^2) I_2; in polar form (|h|, theta) it is diagonal with
J_|h| = 2M/sigma^2, unaffected by the nuisance phases or by sigma^2 (the Gaussian
mean and variance parameters decouple). With dg/d|h| = 2|h|,

    CRB(g) = (2|h|)^2 sigma^2 / (2M) = 2 g sigma^2 / (F K_i S).

The estimator above reaches Var/CRB = 1 + 1/(2 snr (S-1)) (snr = g/sigma^2): 1.07
at 0 dB and 1.23 at -5 dB with S = 8 — the price of treating each subcarrier's
phase as unknown, which makes it immune to timing offsets inside the prefix and to
frequency-selective phase.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import find_peaks

from steer_ros import defaults
from steer_ros.sdr.frame import PilotFrame


def cramer_rao_gain(gain, noise_var, n_pilots) -> np.ndarray:
    """CRB of |h|^2 from n_pilots known unit-modulus pilots: 2 g sigma^2 / M."""
    return 2.0 * np.asarray(gain, float) * np.asarray(noise_var, float) / np.asarray(n_pilots, float)


@dataclass(frozen=True)
class FrameBatch:
    """Frames accepted in one ``process`` call, F of them, N subchannels.

    start (F,) absolute sample index of each frame; cfo (F,) subcarrier spacings;
    coherence (F,); power (F, N) = sum_{k in i} |Hbar_k|^2; rss (F, N) residual sum of
    squares of the pilots.
    """

    start: np.ndarray
    cfo: np.ndarray
    coherence: np.ndarray
    power: np.ndarray
    rss: np.ndarray

    def __len__(self) -> int:
        return int(self.start.size)


@dataclass(frozen=True)
class ChannelEstimate:
    """Window estimate, arrays of length N: gain |h_i|^2 (linear), noise_var sigma_i^2
    (linear, same units as the samples' power), gain_var (linear^2, the estimator's
    own error variance); n_frames in the window; cfo_hz its mean CFO; last_start the
    absolute sample index of the newest frame."""

    gain: np.ndarray
    noise_var: np.ndarray
    gain_var: np.ndarray
    n_frames: int
    cfo_hz: float
    last_start: int

    @property
    def snr_db(self) -> np.ndarray:
        return 10.0 * np.log10(np.maximum(self.gain, 1e-30) / self.noise_var)

    @property
    def gain_clipped(self) -> np.ndarray:
        """max(gain, 0): the unbiased estimate dips below 0 on a dead subchannel."""
        return np.maximum(self.gain, 0.0)


class PilotEstimator:
    """Streaming estimator: ``process(samples)`` any number of times, ``estimate()``.

    Samples are complex (any length per call; frames may straddle calls). Frame
    starts are absolute sample indices counted from the first sample ever given.
    """

    def __init__(
        self,
        frame: PilotFrame | None = None,
        window_frames: int = defaults.SDR_WINDOW_FRAMES,
        sample_rate: float = defaults.SDR_SAMPLE_RATE,
        detect_threshold: float = defaults.SDR_DETECT_THRESHOLD,
        coherence_threshold: float = defaults.SDR_COHERENCE_THRESHOLD,
        block_samples: int = 1 << 18,
    ) -> None:
        if window_frames < 1:
            raise ValueError(f"window_frames must be >= 1, got {window_frames}")
        if sample_rate <= 0:
            raise ValueError(f"sample_rate must be > 0, got {sample_rate}")
        self.frame = frame or PilotFrame()
        self.window_frames = int(window_frames)
        self.sample_rate = float(sample_rate)
        self.detect_threshold = float(detect_threshold)
        self.coherence_threshold = float(coherence_threshold)
        f = self.frame
        self._block = max(int(block_samples), 4 * f.frame_len)
        self._onehot = (f.used_channel[:, None] == np.arange(f.n_channels)[None, :]).astype(float)
        n = f.n_fft
        # Offsets (relative to a frame start) of the sample windows read per frame.
        self._lts_off = f.lts_start + f.lts_guard - n // 8 + np.arange(2 * n)
        self._timing_at = n // 8 + n // 16  # timing window's offset inside the LTS segment
        sym0 = f.pilot_start + f.cp_len - f.cp_len // 2
        self._pilot_off = (
            sym0 + f.symbol_len * np.arange(f.n_pilot_symbols)[:, None] + np.arange(n)[None, :]
        )
        self._margin = n // 2  # fine timing may move a start this far either way
        self._smooth = f.sts_period  # half-width of the metric's moving average
        self.reset()

    def reset(self) -> None:
        f = self.frame
        # Leading zeros let a frame that starts at the very first sample be found.
        lead = 2 * self.frame.n_fft
        self._buf = np.zeros(lead, np.complex64)
        self._base = -lead  # absolute index of _buf[0]
        self._last_start = -(10**18)
        self._power = np.zeros((self.window_frames, f.n_channels))
        self._rss = np.zeros((self.window_frames, f.n_channels))
        self._cfo = np.zeros(self.window_frames)
        self._count = 0  # frames ever accepted
        self.samples_in = 0
        self.last_start = -1

    @property
    def frames_detected(self) -> int:
        return self._count

    @property
    def samples_since_frame(self) -> int:
        """Samples received after the end of the newest frame (all of them if none):
        the node's "sync lost" diagnostic compares this with a few frame lengths."""
        if self.last_start < 0:
            return self.samples_in
        return max(0, self.samples_in - (self.last_start + self.frame.frame_len))

    # --- streaming ------------------------------------------------------------------
    def process(self, samples: np.ndarray) -> FrameBatch:
        """Consume samples; return the frames completed by them (also added to the window)."""
        x = np.asarray(samples)
        if x.ndim != 1:
            raise ValueError(f"samples must be 1-D, got shape {x.shape}")
        self.samples_in += x.size
        batches = []
        self._buf = np.concatenate([self._buf, x.astype(np.complex64, copy=False)])
        # Each pass drops all but the last frame_len candidate positions, so it ends.
        while self._buf.size > self._need() + self.frame.frame_len:
            b = self._process_block()
            if b is not None and len(b):
                batches.append(b)
        return _concat(batches, self.frame.n_channels)

    def _need(self) -> int:
        return self.frame.frame_len + 2 * self._margin

    def _process_block(self) -> FrameBatch | None:
        f = self.frame
        buf = self._buf[: self._block + self._need()]
        n_pos = buf.size - self._need()  # candidate starts 0 .. n_pos-1
        if n_pos <= 2:
            return None
        batch = self._detect_and_measure(buf, n_pos)
        keep_from = max(0, n_pos - f.frame_len)
        self._buf = self._buf[keep_from:]
        self._base += keep_from
        return batch

    def _detect_and_measure(self, buf: np.ndarray, n_pos: int) -> FrameBatch | None:
        f = self.frame
        L = f.sts_period
        W = (f.sts_reps - 1) * L
        r = buf.astype(np.complex128)
        prod = np.conj(r[: n_pos + W - 1]) * r[L : n_pos + W - 1 + L]
        cs = np.concatenate([[0], np.cumsum(prod)])
        P = cs[W : W + n_pos] - cs[:n_pos]
        e = np.concatenate([[0.0], np.cumsum(r.real**2 + r.imag**2)])
        R0 = e[W : W + n_pos] - e[:n_pos]
        RL = e[W + L : W + L + n_pos] - e[L : L + n_pos]
        metric = (P.real**2 + P.imag**2) / np.maximum(R0 * RL, 1e-300)
        if self._base < 0:  # no frame starts inside the leading zeros
            metric[: min(-self._base, n_pos)] = 0.0
        # Centred moving average over 2B+1 samples: the metric is a broad hill around
        # the frame start; smoothing it sharpens where its maximum lies under noise.
        B = self._smooth
        cm = np.concatenate([[0.0], np.cumsum(metric)])
        smooth = (cm[2 * B + 1 :] - cm[: -2 * B - 1]) / (2 * B + 1)  # index j <-> d = j + B
        peaks, _ = find_peaks(smooth, height=self.detect_threshold, distance=f.frame_len // 2)
        peaks = peaks + B
        # A maximum in the last frame_len/2 positions may belong to a hill that goes
        # on past the block: leave it to the next block, which re-scans this stretch.
        peaks = peaks[peaks < n_pos - f.frame_len // 2]
        if peaks.size == 0:
            return None
        cand = self._measure(r, peaks, np.angle(P[peaks]) * f.n_fft / (2 * np.pi * L))
        return self._accept(cand)

    def _measure(self, r: np.ndarray, d: np.ndarray, eps_c: np.ndarray):
        f = self.frame
        n = f.n_fft
        S = f.n_pilot_symbols
        root_n = np.sqrt(n)
        # Fine CFO on the LTS: lag-n products over 2n samples starting n/8 before the
        # LTS symbol (free of the neighbouring fields for coarse errors in [-n/8 - ..]).
        idx = d[:, None] + self._lts_off[None, :]
        rot = np.exp(-2j * np.pi * eps_c[:, None] * (self._lts_off[None, :]) / n)
        seg = r[idx] * rot
        eps_f = np.angle(np.sum(np.conj(seg[:, :n]) * seg[:, n:], axis=1)) / (2 * np.pi)
        # Fine timing: one FFT window, n/16 after the LTS period start when d is right,
        # so coarse errors in (-n/2 - n/16, n/2 - n/16) are unambiguous.
        t0 = self._timing_at
        win = seg[:, t0 : t0 + n] * np.exp(-2j * np.pi * eps_f[:, None] * np.arange(t0, t0 + n)[None, :] / n)
        Z = np.fft.fft(win, axis=1)[:, f.used_bins] * np.conj(f.lts_values)[None, :]
        p = f.timing_pairs
        if p.size:
            q = np.sum(Z[:, p + 1] * np.conj(Z[:, p]), axis=1)
            delta = np.angle(q) * n / (2 * np.pi)  # window start - true LTS period start
        else:
            delta = np.full(d.size, n / 16)
        start = d + n // 16 - np.rint(delta).astype(np.int64)
        start = np.clip(start, 0, r.size - f.frame_len - 1)
        eps = eps_c + eps_f
        # Pilot symbols.
        idx = start[:, None, None] + self._pilot_off[None, :, :]
        Y = np.fft.fft(r[idx] * np.exp(-2j * np.pi * eps[:, None, None] * self._pilot_off[None] / n), axis=2)
        Z = Y[:, :, f.used_bins] * (np.conj(f.pilot_values)[None] / root_n)
        # Residual CFO: phase step per symbol from adjacent symbols, then refined from
        # symbols S/2 apart (4x less phase error for the same noise; no ambiguity left).
        ramp = np.arange(S)[None, :, None]
        dphi = np.angle(np.sum(Z[:, 1:] * np.conj(Z[:, :-1]), axis=(1, 2)))
        Z = Z * np.exp(-1j * dphi[:, None, None] * ramp)
        h = S // 2
        dphi2 = np.angle(np.sum(Z[:, h:] * np.conj(Z[:, : S - h]), axis=(1, 2))) / h
        Z = Z * np.exp(-1j * dphi2[:, None, None] * ramp)
        dphi = dphi + dphi2
        Hbar = Z.mean(axis=1)
        p_bar = Hbar.real**2 + Hbar.imag**2
        tot = np.sum(Z.real**2 + Z.imag**2, axis=(1, 2))
        coherence = S * p_bar.sum(axis=1) / np.maximum(tot, 1e-300)
        # Timing check: the pilot windows start cp/2 early, a phase slope of -cp/2
        # samples; a frame timed outside the prefix is refused whatever its coherence.
        if p.size:
            slope = np.angle(np.sum(Hbar[:, p + 1] * np.conj(Hbar[:, p]), axis=1)) * n / (2 * np.pi)
            coherence = np.where(np.abs(slope + f.cp_len // 2) <= f.cp_len / 2, coherence, 0.0)
        resid = Z - Hbar[:, None, :]
        rss_k = np.sum(resid.real**2 + resid.imag**2, axis=1)
        cfo = eps + dphi / (2 * np.pi * f.symbol_len / n)
        return start, cfo, coherence, p_bar @ self._onehot, rss_k @ self._onehot

    def _accept(self, cand) -> FrameBatch | None:
        start, cfo, coherence, power, rss = cand
        ok = np.flatnonzero(coherence >= self.coherence_threshold)
        half = self.frame.frame_len // 2
        chosen: list[int] = []
        for j in ok[np.argsort(start[ok], kind="stable")]:
            s_abs = start[j] + self._base
            if s_abs < self._last_start + half:
                continue
            if chosen and s_abs < start[chosen[-1]] + self._base + half:
                if coherence[j] > coherence[chosen[-1]]:
                    chosen[-1] = j
                continue
            chosen.append(j)
        if not chosen:
            return None
        c = np.asarray(chosen)
        batch = FrameBatch(start[c] + self._base, cfo[c], coherence[c], power[c], rss[c])
        self._last_start = int(batch.start[-1])
        self.last_start = self._last_start
        self._push(batch)
        return batch

    def _push(self, batch: FrameBatch) -> None:
        w = self.window_frames
        for i in range(len(batch)):
            slot = self._count % w
            self._power[slot] = batch.power[i]
            self._rss[slot] = batch.rss[i]
            self._cfo[slot] = batch.cfo[i]
            self._count += 1

    # --- window estimate ----------------------------------------------------------------
    def estimate(self) -> ChannelEstimate | None:
        """Estimate over the last ``window_frames`` frames (fewer at start); None if none."""
        F = min(self._count, self.window_frames)
        if F == 0:
            return None
        f = self.frame
        return estimate_from_stats(
            self._power[:F].sum(axis=0),
            self._rss[:F].sum(axis=0),
            F,
            f,
            cfo_hz=float(self._cfo[:F].mean()) * f.subcarrier_spacing_hz(self.sample_rate),
            last_start=self.last_start,
        )


def estimate_from_stats(
    power_sum: np.ndarray,
    rss_sum: np.ndarray,
    n_frames: int,
    frame: PilotFrame,
    cfo_hz: float = 0.0,
    last_start: int = -1,
) -> ChannelEstimate:
    """Gain, noise variance and gain_var from pilot statistics summed over n_frames."""
    S = frame.n_pilot_symbols
    K = frame.subcarriers_per_channel.astype(float)
    FK = n_frames * K
    noise_var = rss_sum / (FK * (S - 1))
    gain = power_sum / FK - noise_var / S
    v = noise_var / S
    gain_var = (2.0 * np.maximum(gain, 0.0) * v + v**2 * (1.0 + 1.0 / (S - 1))) / FK
    return ChannelEstimate(gain, noise_var, gain_var, int(n_frames), float(cfo_hz), int(last_start))


def _concat(batches: list[FrameBatch], n_channels: int) -> FrameBatch:
    if not batches:
        z = np.zeros(0)
        return FrameBatch(z.astype(np.int64), z, z, np.zeros((0, n_channels)), np.zeros((0, n_channels)))
    if len(batches) == 1:
        return batches[0]
    return FrameBatch(
        *(np.concatenate([getattr(b, k) for b in batches]) for k in ("start", "cfo", "coherence", "power", "rss"))
    )
