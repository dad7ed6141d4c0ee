"""3GPP tapped-delay-line profiles TDL-A .. TDL-E and their mapping onto N subchannels.

Source: 3GPP TR 38.901 V17.0.0 (2022-03), "Study on channel model for frequencies from
0.5 to 100 GHz", section 7.7.2, Tables 7.7.2-1 (TDL-A), 7.7.2-2 (TDL-B), 7.7.2-3
(TDL-C), 7.7.2-4 (TDL-D) and 7.7.2-5 (TDL-E). Delays are *normalized* (tau_n / DS,
the RMS delay spread of each profile is 1); section 7.7.3 scales them:
``tau_n = tau_model,n * DS_desired``. Powers are in dB, as tabulated (not normalized).

TDL-A, B, C are NLOS (every tap Rayleigh). TDL-D and TDL-E are LOS: their first tap is
listed twice, a LOS (specular) component and a Rayleigh component at the same delay,
which together form one Rician tap with the standard's K-factor K_1 (13.3 dB and
22 dB). Here those two rows are merged into one tap of power p_LOS + p_Rayleigh and
K = p_LOS / p_Rayleigh, and the standard's K_1 is kept alongside so a test checks the
two agree.

Frequency response on the subchannel grid (no rounding to a sample grid)::

    H(f_i, t) = sum_l sqrt(p_l) g_l(t) exp(-j 2 pi f_i tau_l),   f_i = i * df, i = 0 .. N-1

with p_l the tap powers normalized to sum 1 and g_l(t) unit-power fading processes, so
E|H(f_i)|^2 = 1 and the correlation between subchannels Delta f apart is
``R(Delta f) = sum_l p_l exp(-j 2 pi Delta f tau_l)`` (for TDL-A at DS = 100 ns:
|R| = 0.856 at 1 MHz, 0.744 at 2 MHz).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from steer_ros.validation import InvalidInput

__all__ = ["PROFILES", "TDLProfile", "TDL_NAMES", "get_profile", "rms_delay_spread", "steering"]

SOURCE = "3GPP TR 38.901 V17.0.0, Tables 7.7.2-1 to 7.7.2-5"


@dataclass(frozen=True)
class TDLProfile:
    """One TDL profile as tabulated.

    rows: (normalized delay, power dB, "Rayleigh" | "LOS") per table row, in table order.
    k_factor_db: the standard's first-tap K-factor K_1 (LOS profiles), None otherwise.
    """

    name: str
    rows: tuple[tuple[float, float, str], ...]
    k_factor_db: float | None = None

    @property
    def los(self) -> bool:
        return any(kind == "LOS" for _, _, kind in self.rows)

    def taps(self) -> tuple[np.ndarray, np.ndarray, float]:
        """(normalized delays (L,), tap powers (L,) linear, summing to 1, first-tap K linear).

        A LOS row is merged with the Rayleigh row at the same delay into one Rician tap
        (first in the output) with K = p_LOS / p_Rayleigh; K = 0 for NLOS profiles."""
        delays = np.array([d for d, _, kind in self.rows if kind == "Rayleigh"])
        powers = 10.0 ** (np.array([p for _, p, kind in self.rows if kind == "Rayleigh"]) / 10.0)
        k = 0.0
        los = [(d, 10.0 ** (p / 10.0)) for d, p, kind in self.rows if kind == "LOS"]
        if los:
            (d_los, p_los), = los
            first = int(np.flatnonzero(delays == d_los)[0])
            k = p_los / powers[first]
            powers[first] += p_los
            order = [first] + [i for i in range(delays.shape[0]) if i != first]
            delays, powers = delays[order], powers[order]
        return delays, powers / powers.sum(), float(k)


_R = "Rayleigh"

PROFILES: dict[str, TDLProfile] = {
    # Table 7.7.2-1: TDL-A
    "A": TDLProfile("A", (
        (0.0000, -13.4, _R), (0.3819, 0.0, _R), (0.4025, -2.2, _R), (0.5868, -4.0, _R), (0.4610, -6.0, _R),
        (0.5375, -8.2, _R), (0.6708, -9.9, _R), (0.5750, -10.5, _R), (0.7618, -7.5, _R), (1.5375, -15.9, _R),
        (1.8978, -6.6, _R), (2.2242, -16.7, _R), (2.1718, -12.4, _R), (2.4942, -15.2, _R), (2.5119, -10.8, _R),
        (3.0582, -11.3, _R), (4.0810, -12.7, _R), (4.4579, -16.2, _R), (4.5695, -18.3, _R), (4.7966, -18.9, _R),
        (5.0066, -16.6, _R), (5.3043, -19.9, _R), (9.6586, -29.7, _R),
    )),
    # Table 7.7.2-2: TDL-B
    "B": TDLProfile("B", (
        (0.0000, 0.0, _R), (0.1072, -2.2, _R), (0.2155, -4.0, _R), (0.2095, -3.2, _R), (0.2870, -9.8, _R),
        (0.2986, -1.2, _R), (0.3752, -3.4, _R), (0.5055, -5.2, _R), (0.3681, -7.6, _R), (0.3697, -3.0, _R),
        (0.5700, -8.9, _R), (0.5283, -9.0, _R), (1.1021, -4.8, _R), (1.2756, -5.7, _R), (1.5474, -7.5, _R),
        (1.7842, -1.9, _R), (2.0169, -7.6, _R), (2.8294, -12.2, _R), (3.0219, -9.8, _R), (3.6187, -11.4, _R),
        (4.1067, -14.9, _R), (4.2790, -9.2, _R), (4.7834, -11.3, _R),
    )),
    # Table 7.7.2-3: TDL-C
    "C": TDLProfile("C", (
        (0.0000, -4.4, _R), (0.2099, -1.2, _R), (0.2219, -3.5, _R), (0.2329, -5.2, _R), (0.2176, -2.5, _R),
        (0.6366, 0.0, _R), (0.6448, -2.2, _R), (0.6560, -3.9, _R), (0.6584, -7.4, _R), (0.7935, -7.1, _R),
        (0.8213, -10.7, _R), (0.9336, -11.1, _R), (1.2285, -5.1, _R), (1.3083, -6.8, _R), (2.1704, -8.7, _R),
        (2.7105, -13.2, _R), (4.2589, -13.9, _R), (4.6003, -13.9, _R), (5.4902, -15.8, _R), (5.6077, -17.1, _R),
        (6.3065, -16.0, _R), (6.6374, -15.7, _R), (7.0427, -21.6, _R), (8.6523, -22.8, _R),
    )),
    # Table 7.7.2-4: TDL-D (first tap: LOS + Rayleigh, K_1 = 13.3 dB)
    "D": TDLProfile("D", (
        (0.000, -0.2, "LOS"), (0.000, -13.5, _R), (0.035, -18.8, _R), (0.612, -21.0, _R), (1.363, -22.8, _R),
        (1.405, -17.9, _R), (1.804, -20.1, _R), (2.596, -21.9, _R), (1.775, -22.9, _R), (4.042, -27.8, _R),
        (7.937, -23.6, _R), (9.424, -24.8, _R), (9.708, -30.0, _R), (12.525, -27.7, _R),
    ), k_factor_db=13.3),
    # Table 7.7.2-5: TDL-E (first tap: LOS + Rayleigh, K_1 = 22 dB)
    "E": TDLProfile("E", (
        (0.0000, -0.03, "LOS"), (0.0000, -22.03, _R), (0.5133, -15.8, _R), (0.5440, -18.1, _R),
        (0.5630, -19.8, _R), (0.5440, -22.9, _R), (0.7112, -22.4, _R), (1.9092, -18.6, _R), (1.9293, -20.8, _R),
        (1.9589, -22.6, _R), (2.6426, -22.3, _R), (3.7136, -25.6, _R), (5.4524, -20.2, _R), (12.0034, -29.8, _R),
        (20.6519, -29.2, _R),
    ), k_factor_db=22.0),
}

TDL_NAMES = tuple(PROFILES)


def get_profile(name: str) -> TDLProfile:
    """The profile called ``name`` ("A" .. "E"; "TDL-A" and lower case accepted)."""
    key = str(name).upper().removeprefix("TDL-")
    if key not in PROFILES:
        raise InvalidInput("tdl_profile", f"must be one of {', '.join(TDL_NAMES)}, got {name!r}")
    return PROFILES[key]


def rms_delay_spread(delays, powers) -> float:
    """Power-weighted RMS delay spread sqrt(E[tau^2] - E[tau]^2), in the unit of ``delays``
    (powers linear, any scale)."""
    d = np.asarray(delays, dtype=float)
    p = np.asarray(powers, dtype=float)
    p = p / p.sum()
    mean = float(np.dot(p, d))
    return float(np.sqrt(max(float(np.dot(p, d * d)) - mean * mean, 0.0)))


def steering(delays_s: np.ndarray, powers: np.ndarray, frequencies_hz: np.ndarray) -> np.ndarray:
    """(L, N) complex matrix sqrt(p_l) exp(-j 2 pi f_i tau_l): H(t) = g(t) @ steering for
    tap processes g (..., L). Delays in seconds, frequencies in Hz (exact, no sample grid)."""
    phase = -2.0 * np.pi * np.outer(np.asarray(delays_s, dtype=float), np.asarray(frequencies_hz, dtype=float))
    return np.sqrt(np.asarray(powers, dtype=float))[:, None] * np.exp(1j * phase)
