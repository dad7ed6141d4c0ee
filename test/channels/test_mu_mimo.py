"""The mu_mimo_zf scenario: zero-forcing gains g_k = 1 / [(H H^H)^-1]_kk checked against
the textbook law Gamma(M - K + 1, 1) (mean, variance, Kolmogorov-Smirnov), the
coefficients' time correlation against the Jakes reference J0(2 pi f_D tau), and the
refusal of a bad ``antennas`` with its reason code. ROS-free.

Ensembles: seeds x start times 1.37 s apart at f_D = 10 Hz (13.7 Doppler periods, so
the draws are independent), or one frozen draw per seed at f_D = 0. Tolerances on the
mean and the variance are four standard errors of the estimate pooled over users and
draws, each estimated from the spread of its per-draw averages (the users of one H are
correlated: corr(g_1, g_2) = 0.33 at M = K = 8, 0.09 at M = 16, K = 8); the KS test
takes one user per draw (independent samples) and requires p > 0.01."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.special import j0

from steer_ros.channels.fading import FadingParams, MuMimoChannel
from steer_ros.channels.mu_mimo import ANTENNAS_RANGE, AntennaError, check_antennas, gamma_moments, zf_gains
from steer_ros.channels.scenario import ChannelScenario, ScenarioConfig
from steer_ros.validation import InvalidInput

FD = 10.0
STARTS = np.arange(20) * 1.37
CASES = [(16, 8), (8, 8), (64, 16)]  # (M antennas, K users)


def cn(rng, shape) -> np.ndarray:
    """i.i.d. CN(0, 1) samples."""
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / np.sqrt(2.0)


def check_gamma_law(g: np.ndarray, m: int, k: int) -> None:
    """g: (draws, K) zero-forcing gains; mean, variance and KS against Gamma(M - K + 1)."""
    d, var = gamma_moments(m, k)
    draws = g.shape[0]
    se_mean = g.mean(axis=1).std() / np.sqrt(draws)
    se_var = ((g - g.mean()) ** 2).mean(axis=1).std() / np.sqrt(draws)
    assert g.mean() == pytest.approx(d, abs=4 * se_mean), f"mean, M={m} K={k}"
    assert g.var() == pytest.approx(var, abs=4 * se_var), f"variance, M={m} K={k}"
    assert se_mean < 0.05 * d and se_var < 0.1 * var  # enough draws for the checks to mean something
    one = g[np.arange(g.shape[0]), np.arange(g.shape[0]) % k]  # one user per draw: independent samples
    result = stats.kstest(one, stats.gamma(d).cdf)
    assert result.pvalue > 0.01, f"KS M={m} K={k}: D = {result.statistic:.4f}, p = {result.pvalue:.4f}"


def test_zf_gains_are_the_inverse_diagonal_and_the_precoder_norms():
    rng = np.random.default_rng(0)
    h = cn(rng, (50, 4, 6))
    g = zf_gains(h)
    a = h @ np.conj(np.swapaxes(h, -1, -2))
    reference = 1.0 / np.real(np.diagonal(np.linalg.inv(a), axis1=-2, axis2=-1))  # the textbook formula
    np.testing.assert_allclose(g, reference, rtol=1e-9)
    v = np.conj(np.swapaxes(h, -1, -2)) @ np.linalg.inv(a)  # ZF precoder V = H^H (H H^H)^-1
    np.testing.assert_allclose(h @ v, np.broadcast_to(np.eye(4), (50, 4, 4)), atol=1e-9)  # H V = I
    np.testing.assert_allclose(1.0 / np.sum(np.abs(v) ** 2, axis=-2), g, rtol=1e-9)  # P_k = q_k ||v_k||^2
    # any leading shape; one H alone; K = M (square H)
    np.testing.assert_allclose(zf_gains(h.reshape(5, 10, 4, 6)).reshape(50, 4), g)
    np.testing.assert_allclose(zf_gains(h[7]), g[7])
    square = cn(rng, (3, 5))
    square = np.concatenate([square, cn(rng, (2, 5))])
    np.testing.assert_allclose(zf_gains(square), 1.0 / np.abs(np.diag(np.linalg.inv(square @ square.conj().T))),
                               rtol=1e-8)


def test_orthogonal_users_keep_their_own_gain_and_a_dependent_user_gets_none():
    h = np.diag([2.0, 3.0, 0.5]).astype(complex)  # orthogonal rows: no interference to null
    np.testing.assert_allclose(zf_gains(h), [4.0, 9.0, 0.25])
    singular = np.array([[[1.0, 0.0, 0.0], [2.0, 0.0, 0.0]], [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]], dtype=complex)
    g = zf_gains(singular)  # the first H: user 2 is user 1 scaled (ZF cannot separate them)
    np.testing.assert_array_equal(g[0], [0.0, 0.0])
    np.testing.assert_allclose(g[1], [1.0, 1.0])
    with pytest.raises(ValueError, match="K <= M"):
        zf_gains(np.ones((3, 2), dtype=complex))


@pytest.mark.parametrize("m,k", CASES)
def test_exact_rayleigh_draws_follow_gamma(m, k):
    check_gamma_law(zf_gains(cn(np.random.default_rng(m * 100 + k), (4000, k, m))), m, k)


@pytest.mark.parametrize("m,k", CASES)
def test_fading_channel_gains_follow_gamma(m, k):
    seeds = 50 if m * k > 500 else 100  # 1000-2000 independent H per case
    g = np.concatenate([MuMimoChannel(k, FadingParams(doppler_hz=FD, antennas=m), seed).gain_at(STARTS)
                        for seed in range(seeds)])
    check_gamma_law(g, m, k)


@pytest.mark.parametrize("m,k", CASES)
def test_frozen_channel_gains_follow_gamma(m, k):
    g = np.concatenate([MuMimoChannel(k, FadingParams(doppler_hz=0.0, antennas=m), 10_000 + seed).gain_at(0.0)[None]
                        for seed in range(1500)])
    check_gamma_law(g, m, k)


def test_coefficient_time_correlation_follows_j0():
    # E[H_km(t + tau) H_km*(t)] = J0(2 pi f_D tau), as test_fading_statistics checks for
    # jakes; 16 seeds x 128 coefficients x 20 starts (SE ~ 0.005), tolerance 0.03
    lags = np.array([0.1, 0.25, 0.383, 0.6]) / FD
    times = STARTS[:, None] + np.r_[0.0, lags][None]
    h = np.concatenate([MuMimoChannel(8, FadingParams(doppler_hz=FD, antennas=16), seed).at(times).reshape(
        STARTS.size, lags.size + 1, -1) for seed in range(16)], axis=2)
    assert np.mean(np.abs(h) ** 2) == pytest.approx(1.0, abs=0.02)
    for i, tau in enumerate(lags, start=1):
        r = np.mean(h[:, i] * np.conj(h[:, 0]))
        assert r.real == pytest.approx(j0(2 * np.pi * FD * tau), abs=0.03), f"f_D tau = {FD * tau:.3f}"
        assert abs(r.imag) < 0.03


def test_the_coefficients_are_gaussian_from_the_first_instant():
    # at t = 0 the raw sum of sinusoids has Var |X|^2 = 2 (every sinusoid in phase);
    # read at t + 100 / f_D the coefficients are CN(0, 1): E|h|^2 = 1, Var |h|^2 = 1
    p = np.concatenate([np.abs(MuMimoChannel(16, FadingParams(doppler_hz=FD, antennas=64), seed).at(0.0)) ** 2
                        for seed in range(10)])
    assert p.mean() == pytest.approx(1.0, abs=0.05) and p.var() == pytest.approx(1.0, abs=0.1)


def scenario(**kw) -> ChannelScenario:
    return ChannelScenario(ScenarioConfig(**{"scenario": "mu_mimo_zf", "n_channels": 8, "antennas": 16, **kw}))


def test_scenario_gain_is_the_large_scale_gain_times_the_zf_gain():
    gain = tuple(np.linspace(0.1, 0.8, 8))
    s, unit = scenario(gain=gain, seed=5), scenario(gain=(1.0,) * 8, seed=5)
    np.testing.assert_allclose(s.at(0.37)[0], np.array(gain) * unit.at(0.37)[0])
    np.testing.assert_allclose(unit.at(0.37)[0], unit.fading.gain_at(0.37))
    np.testing.assert_allclose(s.gains([0.37, 2.0])[0], s.at(0.37)[0])  # vectorized = one by one
    assert s.at(0.37)[1].tolist() == [1.0] * 8
    assert s.n == 8 and s.fading.antennas == 16 and s.fading.users == 8


def test_same_seed_same_channel_and_zero_doppler_freezes_it():
    a, b, c = scenario(seed=3), scenario(seed=3), scenario(seed=4)
    t = np.arange(0, 1.0, 0.01)
    np.testing.assert_array_equal(a.gains(t), b.gains(t))
    assert np.max(np.abs(a.gains(t) - c.gains(t))) > 0.1
    assert np.max(np.abs(a.gains(t)[-1] - a.gains(t)[0])) > 0.1  # 10 Hz: it moves within a second
    frozen = scenario(doppler_hz=0.0, seed=3)
    np.testing.assert_array_equal(frozen.at(0.0)[0], frozen.at(1234.5)[0])
    assert frozen.fading.at([0.0, 7.0]).shape == (2, 8, 16)


@pytest.mark.parametrize("antennas,users", [(4, 8), (7, 8), (8, 9)])
def test_fewer_antennas_than_users_is_refused_naming_both(antennas, users):
    with pytest.raises(AntennaError) as err:
        scenario(antennas=antennas, n_channels=users)
    assert err.value.code == "too_few_antennas" and err.value.field == "antennas"
    assert str(err.value).startswith("too_few_antennas: ")
    assert f"antennas M = {antennas}" in str(err.value) and f"users K = n_channels = {users}" in str(err.value)


def test_users_counted_from_the_gain_list():
    with pytest.raises(AntennaError, match="users K = n_channels = 12"):
        scenario(gain=(1.0,) * 12, n_channels=8, antennas=10)
    assert scenario(gain=(1.0,) * 12, antennas=12).n == 12  # K = M is allowed


@pytest.mark.parametrize("value,code", [
    (16.5, "bad_antennas"), ("16", "bad_antennas"), (True, "bad_antennas"), (None, "bad_antennas"),
    (0, "antennas_out_of_range"), (-4, "antennas_out_of_range"), (ANTENNAS_RANGE[1] + 1, "antennas_out_of_range")])
def test_bad_antennas_is_refused_with_its_reason_code(value, code):
    with pytest.raises(AntennaError) as err:
        scenario(antennas=value)
    assert err.value.code == code and str(err.value).startswith(f"{code}: antennas must be")
    assert isinstance(err.value, InvalidInput)  # the node boundary's error type
    assert repr(value) in str(err.value)


def test_antennas_is_not_checked_against_users_outside_mu_mimo():
    # the static and jakes scenarios ignore antennas (only its own range is checked)
    assert scenario(scenario="static", n_channels=64).n == 64
    assert scenario(scenario="jakes", n_channels=64).n == 64
    assert check_antennas(np.int64(16), users=16) == 16
