"""Statistics of the fading scenarios, measured on long seeded ensembles against their
closed-form references (``steer-ros experiment fading-stats``).

Every measurement is a sample statistic over many independent processes (several
seeds x many channels or taps x several start times); every reference is the textbook
value, not the generator's own formula:

- mean gain: E[gain_i(t)] / gain_i = 1 (jakes and tdl, every profile);
- Rayleigh (jakes): normalized autocovariance of |h|^2 at lag tau against
  J0^2(2 pi f_D tau) (Clarke);
- Rician (jakes, and TDL-E with zero delay spread where H = sum of its taps): K from
  the moments, K = sqrt(1 - g) / (1 - sqrt(1 - g)), g = Var|h|^2 / (E|h|^2)^2
  (Greenstein, Michelson, Erceg, IEEE Commun. Lett. 3(6), 1999);
- tdl: correlation of H between subchannels Delta f apart against
  sum_l p_l exp(-j 2 pi Delta f tau_l) (TDL-A at 100 ns: |R| = 0.856 at 1 MHz, 0.744 at
  2 MHz);
- mu_mimo_zf: the zero-forcing gain g_k = 1 / [(H H^H)^-1]_kk against Gamma(M - K + 1, 1)
  (Tse and Viswanath, ch. 8): mean and variance over M - K + 1 (both 1), and the
  Kolmogorov-Smirnov distance D of one user per draw against the Gamma CDF, within the
  1% critical value; for (M, K) = (16, 8), (8, 8), (64, 16), fading at f_D and frozen
  (f_D = 0); and the autocorrelation of one antenna-user coefficient against
  J0(2 pi f_D tau).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.special import j0

from steer_ros.channels.fading import FadingParams, JakesChannel, MuMimoChannel, TDLChannel
from steer_ros.channels.mu_mimo import gamma_moments
from steer_ros.channels.scenario import ChannelScenario, ScenarioConfig
from steer_ros.channels.tdl_profiles import TDL_NAMES, get_profile

__all__ = ["MU_MIMO_CASES", "StatRow", "fading_statistics", "k_from_moments", "mu_mimo_statistics", "render_table"]

#: (M antennas, K users) of the mu_mimo_zf rows.
MU_MIMO_CASES = ((16, 8), (8, 8), (64, 16))


@dataclass(frozen=True)
class StatRow:
    quantity: str
    condition: str
    measured: float
    reference: float
    tolerance: float

    @property
    def passed(self) -> bool:
        return abs(self.measured - self.reference) <= self.tolerance


def k_from_moments(power: np.ndarray) -> float:
    """Rician K (linear) from the first two moments of |h|^2 samples (any shape)."""
    p = np.asarray(power, dtype=float).ravel()
    gamma = float(p.var() / p.mean() ** 2)
    s = np.sqrt(max(1.0 - gamma, 0.0))
    return float(s / (1.0 - s)) if s < 1 else float("inf")


def autocovariance(power: np.ndarray) -> np.ndarray:
    """Normalized autocovariance of |h|^2 at each lag: ``power`` is (starts, lags,
    processes), lag 0 first; pooled over starts and processes."""
    x0 = power[:, 0, :].ravel()
    out = []
    for k in range(power.shape[1]):
        xk = power[:, k, :].ravel()
        out.append(float(np.mean((x0 - x0.mean()) * (xk - xk.mean())) / x0.var()))
    return np.array(out)


def fading_statistics(scale: int = 1, doppler_hz: float = 10.0) -> list[StatRow]:
    """The measured-vs-reference rows; ``scale`` multiplies the ensemble sizes."""
    rows: list[StatRow] = []
    starts = np.arange(20) * 1.37  # s: far apart against the coherence time 1 / f_D
    # mean gain, through the scenario (large-scale gain x fading)
    for kind, extra in (("jakes", {}), ("jakes", {"k_factor_db": 6.0}),
                        *(("tdl", {"tdl_profile": name}) for name in TDL_NAMES)):
        n = 512 if kind == "jakes" else 64
        ratios = []
        # tdl subchannels 30 kHz apart are strongly correlated (coherence bandwidth ~2 MHz
        # at 100 ns): many more seeds for the same accuracy
        for seed in range(4 * scale if kind == "jakes" else 400 * scale):
            sc = ChannelScenario(ScenarioConfig(scenario=kind, n_channels=n, seed=seed, doppler_hz=doppler_hz,
                                                **extra))
            ratios.append(sc.gains(starts) / sc.base_gain)
        label = kind + "".join(f", {k}={v}" for k, v in extra.items())
        rows.append(StatRow("mean gain / large-scale gain", label, float(np.mean(ratios)), 1.0, 0.03))
    # Rayleigh autocovariance of |h|^2
    lags = np.array([0.05, 0.1, 0.2, 0.3, 0.5, 1.0]) / doppler_hz
    power = np.concatenate([
        np.abs(JakesChannel(4000, FadingParams(doppler_hz=doppler_hz), seed).at(
            (starts[:, None] + np.r_[0.0, lags][None]).ravel())).reshape(starts.size, lags.size + 1, 4000) ** 2
        for seed in range(3 * scale)], axis=2)
    cov = autocovariance(power)[1:]
    for tau, c in zip(lags, cov, strict=True):
        # finite M = 32 biases the fourth-order statistic by ~0.01 (it shrinks as M grows)
        rows.append(StatRow("autocovariance of |h|^2 vs J0^2(2 pi f_D tau)", f"jakes Rayleigh, f_D tau = "
                            f"{doppler_hz * tau:.2f}", c, float(j0(2 * np.pi * doppler_hz * tau) ** 2), 0.03))
    # Rician K from moments
    for k_db in (3.0, 6.0, 10.0):
        p = np.abs(JakesChannel(12000 * scale, FadingParams(doppler_hz=doppler_hz, k_factor_db=k_db), 7).at(
            starts)) ** 2
        rows.append(StatRow("Rician K from moments [dB]", f"jakes, k_factor_db = {k_db:g}",
                            10 * np.log10(k_from_moments(p)), k_db, 0.3))
    # TDL-E at zero delay spread: H = sum of the taps, K = p_LOS / (1 - p_LOS)
    e_rows = get_profile("E").rows
    p_all = 10.0 ** (np.array([p for _, p, _ in e_rows]) / 10.0)
    p_los = float(p_all[[kind == "LOS" for _, _, kind in e_rows]].sum() / p_all.sum())
    p = np.concatenate([np.abs(TDLChannel(1, FadingParams(tdl_profile="E", delay_spread_ns=0.0,
                                                          doppler_hz=doppler_hz), seed).at(starts)) ** 2
                        for seed in range(600 * scale)])
    rows.append(StatRow("Rician K from moments [dB]", "tdl E, delay_spread_ns = 0 (sum of taps)",
                        10 * np.log10(k_from_moments(p)), float(10 * np.log10(p_los / (1 - p_los))), 0.5))
    # TDL frequency correlation
    spacing, ds = 250e3, 100e-9
    for name in ("A", "C"):
        h = np.concatenate([TDLChannel(9, FadingParams(tdl_profile=name, delay_spread_ns=ds * 1e9,
                                                       subchannel_spacing_hz=spacing, doppler_hz=doppler_hz),
                                       seed).at(starts) for seed in range(400 * scale)])
        d = np.array([r[0] for r in get_profile(name).rows])
        pw = 10.0 ** (np.array([r[1] for r in get_profile(name).rows]) / 10.0)
        pw = pw / pw.sum()
        for k in (4, 8):
            r = np.mean(h[:, k:] * np.conj(h[:, :-k])) / np.mean(np.abs(h) ** 2)
            ref = np.sum(pw * np.exp(-2j * np.pi * k * spacing * d * ds))
            rows.append(StatRow("|R(df)| vs |sum_l p_l exp(-j 2 pi df tau_l)|",
                                f"tdl {name}, 100 ns, df = {k * spacing / 1e6:g} MHz", float(abs(r)),
                                float(abs(ref)), 0.03))
            rows.append(StatRow("|R(df) - reference| (complex)", f"tdl {name}, 100 ns, df = {k * spacing / 1e6:g} MHz",
                                float(abs(r - ref)), 0.0, 0.04))
    rows += mu_mimo_statistics(scale, doppler_hz)
    return rows


def mu_mimo_statistics(scale: int = 1, doppler_hz: float = 10.0) -> list[StatRow]:
    """The mu_mimo_zf rows (module docstring). Draws: seeds x 20 starts 1.37 s apart when
    fading, one per seed when frozen; ~3000-4000 independent H per case at scale 1. The
    mean and variance tolerances are four standard errors, estimated from the spread of
    the per-draw averages (the K users of one H are correlated)."""
    rows: list[StatRow] = []
    starts = np.arange(20) * 1.37
    for m, k in MU_MIMO_CASES:
        d, var = gamma_moments(m, k)
        for fd in (doppler_hz, 0.0):
            seeds = (100 if m * k > 500 else 200) * scale if fd > 0 else 3000 * scale
            times = starts if fd > 0 else starts[:1]
            g = np.concatenate([MuMimoChannel(k, FadingParams(doppler_hz=fd, antennas=m), seed).gain_at(times)
                                for seed in range(seeds)])  # (draws, K)
            draws = g.shape[0]
            label = f"mu_mimo_zf M = {m}, K = {k}, " + (f"f_D = {fd:g} Hz" if fd > 0 else "frozen (f_D = 0)")
            se_mean = float(g.mean(axis=1).std() / np.sqrt(draws))
            se_var = float(((g - g.mean()) ** 2).mean(axis=1).std() / np.sqrt(draws))
            rows.append(StatRow("ZF gain mean / (M - K + 1)", label, float(g.mean() / d), 1.0,
                                float(f"{4 * se_mean / d:.2g}")))
            rows.append(StatRow("ZF gain variance / (M - K + 1)", label, float(g.var() / var), 1.0,
                                float(f"{4 * se_var / var:.2g}")))
            one = g[np.arange(draws), np.arange(draws) % k]  # one user per draw: independent samples
            ks = stats.kstest(one, stats.gamma(d).cdf)
            rows.append(StatRow(f"KS distance to Gamma({d:g}, 1), tolerance: 1% critical value", label,
                                float(ks.statistic), 0.0, float(f"{stats.kstwo.ppf(0.99, draws):.3g}")))
    # time correlation of one antenna-user coefficient (E|h|^2 = 1)
    lags = np.array([0.1, 0.25, 0.383, 0.6]) / doppler_hz
    times = starts[:, None] + np.r_[0.0, lags][None]
    h = np.concatenate([MuMimoChannel(8, FadingParams(doppler_hz=doppler_hz, antennas=16), seed).at(times).reshape(
        starts.size, lags.size + 1, -1) for seed in range(16 * scale)], axis=2)
    for i, tau in enumerate(lags, start=1):
        r = np.mean(h[:, i] * np.conj(h[:, 0]))
        rows.append(StatRow("Re E[H_km(t + tau) H_km*(t)] vs J0(2 pi f_D tau)",
                            f"mu_mimo_zf M = 16, K = 8, f_D tau = {doppler_hz * tau:.3f}", float(r.real),
                            float(j0(2 * np.pi * doppler_hz * tau)), 0.03))
    return rows


def render_table(rows: list[StatRow]) -> str:
    """Markdown table of the rows."""
    lines = ["| quantity | condition | measured | reference | tolerance | pass |", "|---|---|---|---|---|---|"]
    lines += [f"| {r.quantity} | {r.condition} | {r.measured:.4f} | {r.reference:.4f} | {r.tolerance:g} | "
              f"{'PASS' if r.passed else '**MISS**'} |" for r in rows]
    return "\n".join(lines)


def main(scale: int = 1) -> tuple[str, bool, float]:
    """(table, all passed, seconds)."""
    t0 = time.monotonic()
    rows = fading_statistics(scale)
    return render_table(rows), all(r.passed for r in rows), time.monotonic() - t0
