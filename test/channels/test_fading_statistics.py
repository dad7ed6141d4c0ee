"""Statistics of the jakes and tdl scenarios against closed-form references.

Each check is a sample statistic over a seeded ensemble (independent channels or taps x
seeds x start times 1.37 s apart, f_D = 10 Hz) compared with the textbook value, not the
generator's own formula. Tolerances (absolute) are stated per test and are about three
standard errors of the ensemble plus, for |h|^2 autocovariances, the ~0.015 bias of a
finite number of sinusoids (M = 32)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.special import j0

from steer_ros.channels.fading import FadingParams, JakesChannel, TDLChannel
from steer_ros.channels.scenario import ChannelScenario, ScenarioConfig
from steer_ros.channels.tdl_profiles import TDL_NAMES, get_profile

FD = 10.0
STARTS = np.arange(20) * 1.37


def test_jakes_mean_gain_is_the_large_scale_gain():
    # tolerance 0.02: 4 seeds x 512 channels x 20 starts, std of |h|^2 = 1 -> SE ~ 0.005
    ratios = []
    for seed in range(4):
        sc = ChannelScenario(ScenarioConfig(scenario="jakes", n_channels=512, seed=seed, doppler_hz=FD))
        ratios.append(sc.gains(STARTS) / sc.base_gain)
    ratios = np.array(ratios)
    assert abs(ratios.mean() - 1.0) < 0.02
    # every channel, not just the pool: 80 samples each -> SE 0.11, tolerance 0.5
    assert np.all(np.abs(ratios.mean(axis=(0, 1)) - 1.0) < 0.5)


@pytest.mark.slow
@pytest.mark.parametrize("name", TDL_NAMES)
def test_tdl_mean_gain_is_the_large_scale_gain(name):
    # tolerance 0.04: 300 seeds x 20 starts; the 16 subchannels (30 kHz apart) are nearly
    # fully correlated at 100 ns, so ~6000 effective samples -> SE ~ 0.013
    g = np.concatenate([
        ChannelScenario(ScenarioConfig(scenario="tdl", n_channels=16, seed=seed, tdl_profile=name)).gains(STARTS)
        / ChannelScenario(ScenarioConfig(scenario="static", n_channels=16)).base_gain
        for seed in range(300)])
    assert abs(g.mean() - 1.0) < 0.04


@pytest.mark.slow
def test_rayleigh_power_autocovariance_follows_j0_squared():
    # tolerance 0.03 (SE ~ 0.003 over 2 x 4000 processes x 20 starts; M = 32 bias <= 0.016)
    lags = np.array([0.05, 0.1, 0.2, 0.383, 0.5, 1.0]) / FD  # 0.383: the first zero of J0
    times = (STARTS[:, None] + np.r_[0.0, lags][None]).ravel()
    p = np.concatenate([np.abs(JakesChannel(4000, FadingParams(doppler_hz=FD), seed).at(times)) ** 2
                        for seed in range(2)], axis=1).reshape(STARTS.size, lags.size + 1, -1)
    x0 = p[:, 0].ravel()
    for k, tau in enumerate(lags, start=1):
        xk = p[:, k].ravel()
        measured = np.mean((x0 - x0.mean()) * (xk - xk.mean())) / np.sqrt(x0.var() * xk.var())
        assert measured == pytest.approx(j0(2 * np.pi * FD * tau) ** 2, abs=0.03), f"f_D tau = {FD * tau:.3f}"


def test_rayleigh_field_autocorrelation_follows_j0():
    # E[h(t + tau) h*(t)] = J0(2 pi f_D tau) (second order: no finite-M bias to speak of);
    # tolerance 0.03 over 2000 processes x 20 starts (SE ~ 0.005)
    lags = np.array([0.1, 0.25, 0.6]) / FD
    h = JakesChannel(2000, FadingParams(doppler_hz=FD), 11).at(STARTS[:, None] + np.r_[0.0, lags][None])
    for k, tau in enumerate(lags, start=1):
        r = np.mean(h[:, k] * np.conj(h[:, 0]))
        assert r.real == pytest.approx(j0(2 * np.pi * FD * tau), abs=0.03)
        assert abs(r.imag) < 0.03  # a symmetric Doppler spectrum: real autocorrelation


@pytest.mark.parametrize("k_db", [3.0, 10.0])
def test_rician_k_from_moments(k_db):
    # K = sqrt(1 - g) / (1 - sqrt(1 - g)), g = Var|h|^2 / E[|h|^2]^2 (moment estimator);
    # tolerance 0.3 dB over 8000 processes x 20 starts
    p = np.abs(JakesChannel(8000, FadingParams(doppler_hz=FD, k_factor_db=k_db), 7).at(STARTS)) ** 2
    s = np.sqrt(1.0 - p.var() / p.mean() ** 2)
    assert 10 * np.log10(s / (1.0 - s)) == pytest.approx(k_db, abs=0.3)
    assert p.mean() == pytest.approx(1.0, abs=0.02)


def test_rician_los_rotates_at_0_7_f_d():
    # with K = 40 dB h ~ exp(j (2 pi 0.7 f_D t + phi_0)): the phase slope gives the LOS Doppler
    h = JakesChannel(4, FadingParams(doppler_hz=FD, k_factor_db=40.0), 1).at(np.arange(0, 0.2, 1e-3))
    slope = np.diff(np.unwrap(np.angle(h), axis=0), axis=0).mean() / 1e-3 / (2 * np.pi)
    assert slope == pytest.approx(0.7 * FD, abs=0.05)


@pytest.mark.slow
@pytest.mark.parametrize("name,expected", [("A", {1e6: 0.856, 2e6: 0.744}), ("C", None)])
def test_tdl_frequency_correlation(name, expected):
    # R(df) = E[H(f + df) H*(f)] / E|H|^2 against sum_l p_l exp(-j 2 pi df tau_l), from the
    # raw table rows; tolerance 0.03 on |R| and 0.04 on the complex difference (400 seeds)
    spacing, ds = 250e3, 100e-9
    h = np.concatenate([TDLChannel(9, FadingParams(tdl_profile=name, subchannel_spacing_hz=spacing), seed).at(STARTS)
                        for seed in range(400)])
    rows = get_profile(name).rows
    d = np.array([r[0] for r in rows]) * ds
    p = 10.0 ** (np.array([r[1] for r in rows]) / 10.0)
    p /= p.sum()
    for k in (4, 8):
        df = k * spacing
        r = np.mean(h[:, k:] * np.conj(h[:, :-k])) / np.mean(np.abs(h) ** 2)
        ref = np.sum(p * np.exp(-2j * np.pi * df * d))
        assert abs(r) == pytest.approx(abs(ref), abs=0.03)
        assert abs(r - ref) < 0.04
        if expected:
            assert abs(r) == pytest.approx(expected[df], abs=0.03)


def test_tdl_e_first_tap_k_factor():
    # zero delay spread: H = sum of taps, Rician with K = p_LOS / (1 - p_LOS) (9.27 dB for
    # TDL-E); tolerance 0.5 dB over 500 seeds x 20 starts
    rows = get_profile("E").rows
    pw = 10.0 ** (np.array([r[1] for r in rows]) / 10.0)
    p_los = pw[0] / pw.sum()
    p = np.concatenate([np.abs(TDLChannel(1, FadingParams(tdl_profile="E", delay_spread_ns=0.0), seed).at(STARTS)) ** 2
                        for seed in range(500)])
    s = np.sqrt(1.0 - p.var() / p.mean() ** 2)
    assert 10 * np.log10(s / (1.0 - s)) == pytest.approx(10 * np.log10(p_los / (1 - p_los)), abs=0.5)


def _exp1_checks(p: np.ndarray, what: str):
    """|h|^2 samples (independent processes) against Exp(1): mean and variance 1 (4 SE:
    SE 0.007 and 0.02 over 20,000 samples; the M = 32 sinusoids take 1 / (2M) = 0.016
    off the variance), and the KS test at p > 0.01."""
    p = np.asarray(p).ravel()
    assert p.mean() == pytest.approx(1.0, abs=0.03), what
    assert p.var() == pytest.approx(1.0, abs=0.1), what
    assert stats.kstest(p, "expon").pvalue > 0.01, what


@pytest.mark.parametrize("fd", [FD, 0.0])
def test_rayleigh_is_exponential_at_t0_and_frozen(fd):
    # stationary from the first instant: |h(0)|^2 ~ Exp(1) over 20,000 processes, and at
    # f_D = 0 the frozen channel keeps that law (the same value at every t)
    ch = JakesChannel(20_000, FadingParams(doppler_hz=fd), 21)
    _exp1_checks(ch.gain_at(0.0), f"jakes t = 0, f_D = {fd:g}")
    if fd == 0.0:
        np.testing.assert_array_equal(ch.gain_at(123.4), ch.gain_at(0.0))


@pytest.mark.parametrize("fd", [FD, 0.0])
def test_tdl_taps_are_exponential_at_t0_and_frozen(fd):
    # the unit-power tap processes of TDL-A (all Rayleigh), 1000 seeds x 23 taps at t = 0
    taps = np.concatenate([TDLChannel(1, FadingParams(tdl_profile="A", doppler_hz=fd), 5000 + seed).taps_at(0.0)
                           for seed in range(1000)])
    _exp1_checks(np.abs(taps) ** 2, f"tdl A taps, t = 0, f_D = {fd:g}")


@pytest.mark.parametrize("fd", [FD, 0.0])
def test_rician_diffuse_part_is_exponential_at_t0_and_frozen(fd):
    # h - LOS = X / sqrt(1 + K): (1 + K) |h - LOS|^2 ~ Exp(1) at t = 0 (K = 6 dB); the LOS
    # term at t = 0 is sqrt(K / (1 + K)) exp(j phi_0), recovered from |h| at K = 60 dB
    k_db, n = 6.0, 20_000
    h = JakesChannel(n, FadingParams(doppler_hz=fd, k_factor_db=k_db), 31).at(0.0)
    phi0 = np.angle(JakesChannel(n, FadingParams(doppler_hz=fd, k_factor_db=60.0), 31).at(0.0))
    k = 10.0 ** (k_db / 10.0)
    diffuse = h - np.sqrt(k / (1.0 + k)) * np.exp(1j * phi0)
    _exp1_checks((1.0 + k) * np.abs(diffuse) ** 2, f"rician diffuse, t = 0, f_D = {fd:g}")
