"""The pilot frame: an OFDM sounding frame for N parallel subchannels.

Layout of one frame in time (defaults: n_fft = 64, cp_len = 16, S = 8; 960 samples)::

    | short training (STS)     | long training (LTS)         | S pilot symbols          |
    | 10 x n_fft/4 samples     | n_fft/2 guard + 2 x n_fft   | S x (cp_len + n_fft)     |
    |   160                    |   32 + 128                  |   8 x 80                 |

* STS: non-zero only on used subcarriers k = 0 (mod 4) (signed index), so it repeats
  every n_fft/4 samples. Its lag-(n_fft/4) autocorrelation (Schmidl & Cox, IEEE Trans.
  Commun. 45(12), 1997) detects the frame whatever the channel and gives the coarse
  carrier-frequency offset, unambiguous for |CFO| < 2 subcarrier spacings; the
  documented operating range is ``MAX_CFO_SUBCARRIERS`` (1.5 spacings by default,
  23.4 kHz at 1 MS/s).
* LTS: one known QPSK symbol on every used subcarrier, sent twice after a guard of
  its last n_fft/2 samples (as in IEEE 802.11a). Its lag-n_fft autocorrelation gives
  the fine CFO (+-0.5 spacing), and the phase slope between adjacent subcarriers of
  one subchannel gives the fine timing.
* Pilot symbols: S OFDM symbols with cyclic prefix, a known QPSK value on every used
  subcarrier. They carry the channel estimate (``steer_ros.sdr.estimator``).

Subcarrier k (signed, -n_fft/2 .. n_fft/2 - 1) belongs to subchannel
``subchannel_of[k mod n_fft]`` (-1: unused). :meth:`PilotFrame.contiguous` maps
subchannel i to K adjacent subcarriers, lowest frequency first, skipping DC.

Normalisation: unitary DFT, ``x = sqrt(n_fft) * ifft(X)``, with |X_k| = 1 on used
subcarriers (STS tones scaled to the same mean power). A receiver FFT ``Y =
fft(y) / sqrt(n_fft)`` then sees ``Y_k = H_k X_k + W_k`` with W_k ~ CN(0, sigma^2),
where sigma^2 is the complex noise variance per time sample: the per-subchannel
SNR is |h_i|^2 / sigma^2 exactly, with the noise variance in the same units as the
samples.

Known sequences come from SHA-256 of (seed, name, counter), not from numpy's random
generators, so every process (the venv, GNU Radio's system python with numpy 1.x)
builds bit-identical frames.

This module imports numpy only; ``tools/gr_pilot_stream.py`` imports it under
/usr/bin/python3.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from steer_ros import defaults

QPSK = np.array([1 + 1j, -1 + 1j, 1 - 1j, -1 - 1j], dtype=np.complex128) / np.sqrt(2.0)


def seeded_qpsk(seed: int, name: str, n: int) -> np.ndarray:
    """n unit-energy QPSK symbols, a pure function of (seed, name): SHA-256 counter mode."""
    out = bytearray()
    counter = 0
    while len(out) * 4 < n:
        out += hashlib.sha256(f"steer_ros/sdr/{seed}/{name}/{counter}".encode()).digest()
        counter += 1
    b = np.frombuffer(bytes(out), dtype=np.uint8)
    two_bit = np.stack([(b >> s) & 3 for s in (0, 2, 4, 6)], axis=1).reshape(-1)[:n]
    return QPSK[two_bit]


def contiguous_map(n_channels: int, subcarriers_per_channel: int, n_fft: int) -> np.ndarray:
    """subchannel_of (n_fft,): subchannel i on K adjacent subcarriers, DC unused.

    Used signed subcarriers are -U/2 .. -1, 1 .. U/2 with U = n_channels * K (U even),
    assigned in ascending frequency: subchannel 0 the lowest K of them.
    """
    used = n_channels * subcarriers_per_channel
    if n_channels < 1 or subcarriers_per_channel < 1:
        raise ValueError("n_channels and subcarriers_per_channel must be >= 1")
    if used % 2:
        raise ValueError(f"n_channels * subcarriers_per_channel must be even, got {used}")
    if used > n_fft - 4:
        raise ValueError(f"{used} used subcarriers do not fit n_fft={n_fft} with DC and guards")
    signed = np.concatenate([np.arange(-used // 2, 0), np.arange(1, used // 2 + 1)])
    subchannel_of = np.full(n_fft, -1, dtype=np.int64)
    subchannel_of[signed % n_fft] = np.arange(used) // subcarriers_per_channel
    return subchannel_of


@dataclass(frozen=True)
class PilotFrame:
    """A pilot frame; all derived arrays are computed once in ``__post_init__``.

    Parameters: n_fft (FFT size), cp_len (pilot cyclic prefix, samples), subchannel_of
    ((n_fft,) int, subchannel of each FFT bin, -1 unused), n_pilot_symbols (S),
    sts_reps (repetitions of the n_fft/4-sample short training), seed.
    """

    n_fft: int = defaults.SDR_N_FFT
    cp_len: int = defaults.SDR_CP_LEN
    subchannel_of: np.ndarray = field(
        default_factory=lambda: contiguous_map(
            defaults.N_CHANNELS, defaults.SDR_SUBCARRIERS_PER_CHANNEL, defaults.SDR_N_FFT
        )
    )
    n_pilot_symbols: int = defaults.SDR_PILOT_SYMBOLS
    sts_reps: int = defaults.SDR_STS_REPS
    seed: int = defaults.SDR_PILOT_SEED

    @classmethod
    def contiguous(
        cls,
        n_channels: int = defaults.N_CHANNELS,
        subcarriers_per_channel: int = defaults.SDR_SUBCARRIERS_PER_CHANNEL,
        **fields,
    ) -> "PilotFrame":
        """A frame whose subchannels are contiguous blocks of subcarriers; ``fields`` are
        the other fields (n_fft, cp_len, n_pilot_symbols, sts_reps, seed), defaulted as above."""
        n_fft = fields.get("n_fft", cls.n_fft)
        return cls(subchannel_of=contiguous_map(n_channels, subcarriers_per_channel, n_fft), **fields)

    def __post_init__(self) -> None:
        n = self.n_fft
        sub = np.asarray(self.subchannel_of, dtype=np.int64).copy()
        if n < 16 or n % 4:
            raise ValueError(f"n_fft must be a multiple of 4 and >= 16, got {n}")
        if sub.shape != (n,):
            raise ValueError(f"subchannel_of must have shape ({n},), got {sub.shape}")
        if not 0 < self.cp_len < n:
            raise ValueError(f"cp_len must be in (0, n_fft), got {self.cp_len}")
        if self.n_pilot_symbols < 2:
            raise ValueError(f"n_pilot_symbols must be >= 2, got {self.n_pilot_symbols}")
        if self.sts_reps < 4:
            raise ValueError(f"sts_reps must be >= 4, got {self.sts_reps}")
        if sub[0] != -1:
            raise ValueError("subchannel_of[0] (DC) must be -1")
        ids = np.unique(sub[sub >= 0])
        if ids.size == 0 or not np.array_equal(ids, np.arange(ids.size)):
            raise ValueError("subchannel_of must use subchannels 0..N-1, each at least once")
        sub.setflags(write=False)
        object.__setattr__(self, "subchannel_of", sub)

        signed = np.fft.fftfreq(n, 1.0 / n).astype(np.int64)
        used = np.flatnonzero(sub >= 0)
        # Used bins in ascending frequency (a subchannel's bins stay adjacent).
        used = used[np.argsort(signed[used], kind="stable")]
        sts_bins = used[signed[used] % 4 == 0]
        if sts_bins.size == 0:
            raise ValueError("no used subcarrier is a multiple of 4: the STS would be empty")
        self._set("used_bins", used)
        self._set("used_channel", sub[used])
        self._set("n_channels", int(ids.size))
        self._set("subcarriers_per_channel", np.bincount(sub[used], minlength=ids.size))
        self._set("sts_bins", sts_bins)
        # Adjacent used bins of one subchannel: the pairs the fine timing uses.
        adj = (np.diff(signed[used]) == 1) & (np.diff(sub[used]) == 0)
        self._set("timing_pairs", np.flatnonzero(adj))
        self._set("signed_used", signed[used])

        sts_values = seeded_qpsk(self.seed, "sts", sts_bins.size) * np.sqrt(used.size / sts_bins.size)
        X_sts = np.zeros(n, complex)
        X_sts[sts_bins] = sts_values
        self._set("lts_values", seeded_qpsk(self.seed, "lts", used.size))
        self._set(
            "pilot_values",
            seeded_qpsk(self.seed, "pilots", self.n_pilot_symbols * used.size).reshape(
                self.n_pilot_symbols, used.size
            ),
        )
        self._set("sts_spectrum", X_sts)

    def _set(self, name: str, value) -> None:
        if isinstance(value, np.ndarray):
            value.setflags(write=False)
        object.__setattr__(self, name, value)

    # --- geometry (samples) ---------------------------------------------------------
    @property
    def sts_period(self) -> int:
        return self.n_fft // 4

    @property
    def sts_len(self) -> int:
        return self.sts_reps * self.sts_period

    @property
    def lts_guard(self) -> int:
        return self.n_fft // 2

    @property
    def lts_start(self) -> int:
        """Offset of the LTS guard from the frame start."""
        return self.sts_len

    @property
    def lts_len(self) -> int:
        return self.lts_guard + 2 * self.n_fft

    @property
    def symbol_len(self) -> int:
        return self.cp_len + self.n_fft

    @property
    def pilot_start(self) -> int:
        """Offset of the first pilot symbol's cyclic prefix from the frame start."""
        return self.sts_len + self.lts_len

    @property
    def frame_len(self) -> int:
        return self.pilot_start + self.n_pilot_symbols * self.symbol_len

    @property
    def max_cfo_subcarriers(self) -> float:
        """Documented CFO range (+- subcarrier spacings); the STS aliases at +-2."""
        return defaults.SDR_MAX_CFO_SUBCARRIERS

    def subcarrier_spacing_hz(self, sample_rate: float) -> float:
        return sample_rate / self.n_fft

    # --- building the signal ----------------------------------------------------------
    def subcarrier_response(self, h: np.ndarray) -> np.ndarray:
        """(n_fft,) complex response from per-subchannel complex amplitudes h (N,)."""
        h = np.asarray(h, dtype=complex)
        if h.shape != (self.n_channels,):
            raise ValueError(f"h must have shape ({self.n_channels},), got {h.shape}")
        H = np.zeros(self.n_fft, complex)
        H[self.used_bins] = h[self.used_channel]
        return H

    def modulate(self, H: np.ndarray | None = None) -> np.ndarray:
        """One frame (frame_len,) complex128 through the per-subcarrier response H.

        H (n_fft,) is applied to every OFDM symbol (STS, LTS and pilots) before the
        cyclic extension, i.e. a channel shorter than the cyclic prefix; None = 1.
        """
        n = self.n_fft
        H = np.ones(n, complex) if H is None else np.asarray(H, dtype=complex)
        root_n = np.sqrt(n)
        sts = np.fft.ifft(self.sts_spectrum * H) * root_n  # period n/4 since bins = 0 mod 4
        sts = np.resize(sts[: self.sts_period], self.sts_len)
        X_lts = np.zeros(n, complex)
        X_lts[self.used_bins] = self.lts_values
        lts = np.fft.ifft(X_lts * H) * root_n
        lts = np.concatenate([lts[-self.lts_guard :], lts, lts])
        X = np.zeros((self.n_pilot_symbols, n), complex)
        X[:, self.used_bins] = self.pilot_values
        sym = np.fft.ifft(X * H, axis=1) * root_n
        sym = np.concatenate([sym[:, -self.cp_len :], sym], axis=1).reshape(-1)
        return np.concatenate([sts, lts, sym])

    # --- serialisation (SigMF global metadata) ------------------------------------
    def to_dict(self) -> dict:
        return {
            "n_fft": int(self.n_fft),
            "cp_len": int(self.cp_len),
            "subchannel_of": [int(v) for v in self.subchannel_of],
            "n_pilot_symbols": int(self.n_pilot_symbols),
            "sts_reps": int(self.sts_reps),
            "seed": int(self.seed),
        }

    @classmethod
    def from_dict(cls, d: dict) -> "PilotFrame":
        return cls(
            n_fft=int(d["n_fft"]),
            cp_len=int(d["cp_len"]),
            subchannel_of=np.asarray(d["subchannel_of"], dtype=np.int64),
            n_pilot_symbols=int(d["n_pilot_symbols"]),
            sts_reps=int(d["sts_reps"]),
            seed=int(d["seed"]),
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PilotFrame) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(str(self.to_dict()))
