"""Time-continuous Doppler fading: a sum-of-sinusoids Clarke/Jakes generator, flat
per subchannel (``jakes``), per tap of a 3GPP TDL profile (``tdl``), or per
antenna-user coefficient of a multi-user MIMO downlink (``mu_mimo_zf``).

Generator (Xiao, Zheng, Beaulieu, "Novel sum-of-sinusoids simulation models for
Rayleigh and Rician fading channels", IEEE Trans. Wireless Commun. 5(12), 2006). For
each of L independent processes, with M sinusoids::

    X_c(t) = sqrt(2/M) sum_n cos(psi_n) cos(w_d t cos(alpha_n) + phi)
    X_s(t) = sqrt(2/M) sum_n sin(psi_n) cos(w_d t cos(alpha_n) + phi)
    alpha_n = (2 pi n - pi + theta) / (4 M),  n = 1 .. M

with theta, phi, psi_n i.i.d. uniform on [-pi, pi) and w_d = 2 pi f_D. The diffuse part
X = X_c + j X_s has E|X|^2 = 1 and autocorrelation E[X(t + tau) X*(t)] -> J0(w_d tau)
(Clarke's U-shaped spectrum), so |X|^2 has normalized autocovariance J0^2(w_d tau).
Rician (K > 0): a line-of-sight term with Doppler 0.7 f_D, as TR 38.901 section 7.7.2
gives the LOS tap of TDL-D/E::

    h(t) = X(t) / sqrt(1 + K) + sqrt(K / (1 + K)) exp(j (2 pi 0.7 f_D t + phi_0)).

The random phases are drawn once from the seed; h is then a closed-form function of
t, so the same seed and parameters give the same h(t) whatever instants sample it
(any ``rate_hz``, any jitter). Evaluation is vectorized over times, processes and
sinusoids (chunked over time to bound memory).

Doppler: f_D = ``doppler_hz``, or ``speed_mps * carrier_frequency_hz / c`` when
``speed_mps > 0``.

``mu_mimo_zf`` (:class:`MuMimoChannel`): K = N users, M = ``antennas``; each of the K x M
coefficients of H(t) is a Rayleigh process of the generator above, and the users'
effective gains are the zero-forcing gains g_k = 1 / [(H H^H)^-1]_kk
(:mod:`steer_ros.channels.mu_mimo`). At one instant every sinusoid of a process shares
the phase phi when w_d t = 0, and X(0) = cos(phi) Z is not complex Gaussian (Var |X|^2
= 2, not 1); the generator is therefore read at t + 100 / f_D, where the phases are
spread, so that H has i.i.d. CN(0, 1) entries at every instant from the start. At
f_D = 0 the sinusoids never spread: H is drawn once, i.i.d. CN(0, 1), from the seed
and stays frozen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from steer_ros import defaults
from steer_ros.channels.mu_mimo import ANTENNAS_RANGE, check_antennas, zf_gains
from steer_ros.channels.tdl_profiles import TDL_NAMES, get_profile, steering
from steer_ros.validation import InvalidInput

__all__ = ["FadingParams", "JakesChannel", "MuMimoChannel", "PARAM_RANGES", "SPEED_OF_LIGHT", "SumOfSinusoids",
           "TDLChannel", "make_fading"]

SPEED_OF_LIGHT = 299_792_458.0  # m/s
LOS_DOPPLER_FRACTION = 0.7  # TR 38.901 7.7.2: the LOS component's Doppler is 0.7 f_D
RAYLEIGH_BELOW_DB = -100.0  # k_factor_db at or below this: no LOS term (Rayleigh)
_CHUNK_ELEMENTS = 1 << 20  # times x processes x sinusoids evaluated per chunk
SPREAD_DOPPLER_PERIODS = 100.0  # mu_mimo_zf reads the generator at t + this / f_D (module docstring)

#: Accepted range (inclusive) of every numeric fading parameter; the channel_sim node
#: declares the same ranges.
PARAM_RANGES: dict[str, tuple[float, float]] = {
    "doppler_hz": (0.0, 1.0e5),
    "speed_mps": (0.0, 1.0e4),
    "carrier_frequency_hz": (1.0e6, 3.0e11),
    "k_factor_db": (-100.0, 60.0),
    "delay_spread_ns": (0.0, 1.0e5),
    "subchannel_spacing_hz": (1.0, 1.0e9),
    "num_sinusoids": (1, 1024),
    "antennas": ANTENNAS_RANGE,
}
_INTEGERS = ("num_sinusoids", "antennas")


@dataclass(frozen=True)
class FadingParams:
    """The fading parameters of the ``jakes``, ``tdl`` and ``mu_mimo_zf`` scenarios (units in the names)."""

    doppler_hz: float = defaults.FADING_DOPPLER_HZ
    speed_mps: float = defaults.FADING_SPEED_MPS
    carrier_frequency_hz: float = defaults.FADING_CARRIER_FREQUENCY_HZ
    k_factor_db: float = defaults.FADING_K_FACTOR_DB
    tdl_profile: str = defaults.TDL_PROFILE
    delay_spread_ns: float = defaults.TDL_DELAY_SPREAD_NS
    subchannel_spacing_hz: float = defaults.TDL_SUBCHANNEL_SPACING_HZ
    num_sinusoids: int = defaults.FADING_NUM_SINUSOIDS
    antennas: int = defaults.MU_MIMO_ANTENNAS

    def validated(self) -> "FadingParams":
        """Self, or InvalidInput naming the first parameter out of range (``antennas``:
        :class:`~steer_ros.channels.mu_mimo.AntennaError` with its reason code)."""
        for name, (lo, hi) in PARAM_RANGES.items():
            value = getattr(self, name)
            if name == "antennas":
                check_antennas(value)
                continue
            if name in _INTEGERS:
                if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                    raise InvalidInput(name, f"must be an integer, got {value!r}")
            elif isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
                raise InvalidInput(name, f"must be a number, got {value!r}")
            if not math.isfinite(float(value)):
                raise InvalidInput(name, f"must be finite, got {value!r}")
            if not lo <= value <= hi:
                raise InvalidInput(name, f"must be in [{lo:g}, {hi:g}], got {value!r}")
        if str(self.tdl_profile).upper().removeprefix("TDL-") not in TDL_NAMES:
            raise InvalidInput("tdl_profile", f"must be one of {', '.join(TDL_NAMES)}, got {self.tdl_profile!r}")
        return self

    @property
    def effective_doppler_hz(self) -> float:
        """f_D in Hz: from the speed when ``speed_mps > 0``, else ``doppler_hz``."""
        if self.speed_mps > 0:
            return float(self.speed_mps) * float(self.carrier_frequency_hz) / SPEED_OF_LIGHT
        return float(self.doppler_hz)

    @property
    def k_factor(self) -> float:
        """K (linear) of the jakes scenario; 0 (Rayleigh) at or below -100 dB."""
        return 0.0 if self.k_factor_db <= RAYLEIGH_BELOW_DB else 10.0 ** (self.k_factor_db / 10.0)


class SumOfSinusoids:
    """L independent unit-power fading processes g_l(t) (module docstring).

    Args:
        n_processes: L.
        doppler_hz: f_D >= 0.
        num_sinusoids: M >= 1.
        rng: the generator the random phases are drawn from (once, here).
        k_factor: linear Rician K per process, scalar or (L,) (0 = Rayleigh).
    """

    def __init__(self, n_processes: int, doppler_hz: float, num_sinusoids: int, rng: np.random.Generator,
                 k_factor=0.0):
        n, m = int(n_processes), int(num_sinusoids)
        if n < 1 or m < 1:
            raise ValueError(f"n_processes and num_sinusoids must be >= 1, got {n}, {m}")
        theta = rng.uniform(-np.pi, np.pi, (n, 1))
        self._phi = rng.uniform(-np.pi, np.pi, (n, 1))
        psi = rng.uniform(-np.pi, np.pi, (n, m))
        self._phi_los = rng.uniform(-np.pi, np.pi, n)
        alpha = (2.0 * np.pi * np.arange(1, m + 1) - np.pi + theta) / (4.0 * m)  # (n, m)
        w_d = 2.0 * np.pi * float(doppler_hz)
        self._w = w_d * np.cos(alpha)  # rad/s, (n, m)
        amp = math.sqrt(2.0 / m)
        self._coef = np.stack([amp * np.cos(psi), amp * np.sin(psi)], axis=-1)  # (n, m, 2)
        k = np.broadcast_to(np.asarray(k_factor, dtype=float), (n,))
        if np.any(k < 0) or not np.all(np.isfinite(k)):
            raise ValueError(f"k_factor must be finite and >= 0, got {k_factor!r}")
        self._diffuse = 1.0 / np.sqrt(1.0 + k)
        self._los = np.sqrt(k / (1.0 + k))
        self._has_los = bool(np.any(k > 0))
        self._w_los = LOS_DOPPLER_FRACTION * w_d
        self.n = n
        self.m = m

    def at(self, t) -> np.ndarray:
        """g(t): complex, shape ``np.shape(t) + (L,)``; t in seconds (any instants)."""
        t = np.asarray(t, dtype=float)
        flat = t.reshape(-1)
        out = np.empty((flat.shape[0], self.n), dtype=complex)
        chunk = max(1, _CHUNK_ELEMENTS // (self.n * self.m))
        for s in range(0, flat.shape[0], chunk):  # loop over time chunks only
            tt = flat[s:s + chunk]
            c = np.cos(tt[:, None, None] * self._w[None] + self._phi[None])  # (T, n, m)
            xy = np.einsum("tnm,nmk->tnk", c, self._coef)  # (T, n, 2)
            g = (xy[..., 0] + 1j * xy[..., 1]) * self._diffuse
            if self._has_los:
                g += self._los * np.exp(1j * (tt[:, None] * self._w_los + self._phi_los[None]))
            out[s:s + chunk] = g
        return out.reshape(t.shape + (self.n,))


class JakesChannel:
    """``jakes``: every subchannel fades independently, h_i(t) with E|h_i|^2 = 1."""

    def __init__(self, n: int, params: FadingParams, seed: int):
        p = params.validated()
        rng = np.random.default_rng([int(seed), _STREAM["jakes"]])
        self.params = p
        self.doppler_hz = p.effective_doppler_hz
        self._sos = SumOfSinusoids(n, self.doppler_hz, p.num_sinusoids, rng, p.k_factor)
        self.n = int(n)

    def at(self, t) -> np.ndarray:
        """h(t), complex, shape ``np.shape(t) + (N,)``."""
        return self._sos.at(t)

    def gain_at(self, t) -> np.ndarray:
        """|h(t)|^2 (mean 1), shape ``np.shape(t) + (N,)``."""
        return np.abs(self._sos.at(t)) ** 2


class TDLChannel:
    """``tdl``: H(f_i, t) = sum_l sqrt(p_l) g_l(t) exp(-j 2 pi f_i tau_l), f_i = i * df.

    tau_l = normalized delay x ``delay_spread_ns``; g_l unit-power Jakes processes at
    f_D, the first tap of TDL-D/E Rician with the profile's K (its LOS at 0.7 f_D);
    p_l sum to 1, so E|H(f_i)|^2 = 1 (see :mod:`steer_ros.channels.tdl_profiles`)."""

    def __init__(self, n: int, params: FadingParams, seed: int):
        p = params.validated()
        rng = np.random.default_rng([int(seed), _STREAM["tdl"]])
        self.params = p
        self.profile = get_profile(p.tdl_profile)
        delays, powers, k_first = self.profile.taps()
        self.delays_s = delays * p.delay_spread_ns * 1e-9  # (L,)
        self.powers = powers  # (L,), sum 1
        self.frequencies_hz = np.arange(int(n)) * float(p.subchannel_spacing_hz)  # (N,)
        self.doppler_hz = p.effective_doppler_hz
        k = np.zeros(delays.shape[0])
        k[0] = k_first
        self._sos = SumOfSinusoids(delays.shape[0], self.doppler_hz, p.num_sinusoids, rng, k)
        self._steering = steering(self.delays_s, self.powers, self.frequencies_hz)  # (L, N)
        self.n = int(n)

    def taps_at(self, t) -> np.ndarray:
        """a_l(t) / sqrt(p_l): the unit-power tap processes, shape ``np.shape(t) + (L,)``."""
        return self._sos.at(t)

    def at(self, t) -> np.ndarray:
        """H(f_i, t), complex, shape ``np.shape(t) + (N,)``."""
        return self._sos.at(t) @ self._steering

    def gain_at(self, t) -> np.ndarray:
        """|H(f_i, t)|^2 (mean 1), shape ``np.shape(t) + (N,)``."""
        return np.abs(self.at(t)) ** 2


class MuMimoChannel:
    """``mu_mimo_zf``: H(t) (K users x M antennas), every coefficient a unit-power
    Rayleigh process at f_D (frozen CN(0, 1) draws at f_D = 0), and the users'
    zero-forcing gains g_k(t) = 1 / [(H H^H)^-1]_kk, Gamma(M - K + 1, 1) distributed
    (module docstring; :mod:`steer_ros.channels.mu_mimo`). ``k_factor_db`` does not
    apply: the Gamma law is that of i.i.d. Rayleigh coefficients.

    Raises AntennaError (``too_few_antennas``) when K > M."""

    def __init__(self, n: int, params: FadingParams, seed: int):
        p = params.validated()
        k = int(n)
        m = check_antennas(p.antennas, users=k)
        rng = np.random.default_rng([int(seed), _STREAM["mu_mimo_zf"]])
        self.params = p
        self.doppler_hz = p.effective_doppler_hz
        self.n = self.users = k
        self.antennas = m
        if self.doppler_hz > 0:
            self._sos = SumOfSinusoids(k * m, self.doppler_hz, p.num_sinusoids, rng)
            self._t0 = SPREAD_DOPPLER_PERIODS / self.doppler_hz
            self._frozen = None
        else:
            self._sos = None
            self._frozen = (rng.standard_normal((k, m)) + 1j * rng.standard_normal((k, m))) / np.sqrt(2.0)

    def at(self, t) -> np.ndarray:
        """H(t), complex, shape ``np.shape(t) + (K, M)``; E|H_km|^2 = 1."""
        t = np.asarray(t, dtype=float)
        if self._frozen is not None:
            return np.broadcast_to(self._frozen, t.shape + self._frozen.shape).copy()
        return self._sos.at(t + self._t0).reshape(t.shape + (self.users, self.antennas))

    def gain_at(self, t) -> np.ndarray:
        """g(t) = 1 / diag((H H^H)^-1), shape ``np.shape(t) + (K,)``; mean M - K + 1."""
        return zf_gains(self.at(t))


# seed-sequence keys: the scenarios draw independently
_STREAM = {"jakes": 0x4A4B, "tdl": 0x5444, "mu_mimo_zf": 0x4D55}


def make_fading(kind: str, n: int, params: FadingParams, seed: int) -> JakesChannel | TDLChannel | MuMimoChannel:
    """The fading model of scenario ``kind`` ("jakes", "tdl" or "mu_mimo_zf") for N
    subchannels (N users of ``mu_mimo_zf``)."""
    if kind == "jakes":
        return JakesChannel(n, params, seed)
    if kind == "tdl":
        return TDLChannel(n, params, seed)
    if kind == "mu_mimo_zf":
        return MuMimoChannel(n, params, seed)
    raise ValueError(f"fading kind must be 'jakes', 'tdl' or 'mu_mimo_zf', got {kind!r}")
