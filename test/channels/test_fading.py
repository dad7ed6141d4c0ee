"""The jakes and tdl scenarios: reproducible, continuous in time, rate-independent,
multiplying the large-scale gain, and refusing bad parameters by name."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from steer_ros import defaults
from steer_ros.channels.fading import PARAM_RANGES, SPEED_OF_LIGHT, FadingParams, SumOfSinusoids, TDLChannel
from steer_ros.channels.scenario import ChannelScenario, ScenarioConfig
from steer_ros.validation import InvalidInput


def scenario(**kw) -> ChannelScenario:
    return ChannelScenario(ScenarioConfig(**{"scenario": "jakes", "n_channels": 8, **kw}))


@pytest.mark.parametrize("kind", ["jakes", "tdl"])
def test_same_seed_same_h_whatever_the_sampling_rate(kind):
    a, b = scenario(scenario=kind, seed=3), scenario(scenario=kind, seed=3)
    fast = a.gains(np.arange(0, 1000) / 1000.0)  # 1 kHz
    slow = np.stack([b.at(k / 10.0, k)[0] for k in range(10)])  # 10 Hz, one at a time
    np.testing.assert_allclose(fast[::100], slow, rtol=1e-12)
    other = scenario(scenario=kind, seed=4).gains(np.arange(10) / 10.0)
    assert np.max(np.abs(other - slow)) > 0.1


def test_fading_is_continuous_in_time():
    # |h(t + dt) - h(t)| <= dt * max |h'| with |h'| <= 2 pi f_D sum |coef| ~ 2 pi f_D sqrt(2 M)
    s = scenario(doppler_hz=10.0, n_channels=64)
    t = np.arange(0, 2.0, 1e-4)
    h = s.fading.at(t)
    step = np.max(np.abs(np.diff(h, axis=0)))
    assert step < 1e-4 * 2 * np.pi * 10.0 * np.sqrt(2 * 32)
    assert np.max(np.abs(h[-1] - h[0])) > 0.1  # and it does move


def test_fading_multiplies_the_large_scale_gain():
    gain = (0.5, 1.0, 2.0, 4.0)
    s = scenario(gain=gain, seed=1)
    unit = scenario(gain=(1.0,) * 4, seed=1)
    np.testing.assert_allclose(s.at(0.37)[0], np.array(gain) * unit.at(0.37)[0])
    assert s.at(0.37)[1].tolist() == [defaults.NOISE_VAR] * 4


def test_zero_doppler_is_static_and_speed_overrides_doppler():
    s = scenario(doppler_hz=0.0)
    np.testing.assert_array_equal(s.at(0.0)[0], s.at(123.4)[0])
    p = FadingParams(doppler_hz=5.0, speed_mps=30.0, carrier_frequency_hz=3.5e9)
    assert p.effective_doppler_hz == pytest.approx(30.0 * 3.5e9 / SPEED_OF_LIGHT)  # 350.2 Hz
    assert FadingParams(doppler_hz=5.0).effective_doppler_hz == 5.0
    assert scenario(speed_mps=30.0).fading.doppler_hz == pytest.approx(350.2, abs=0.1)


def test_tdl_maps_taps_to_subchannels_with_exact_delays():
    # H(f_i) = sum_l a_l exp(-j 2 pi f_i tau_l) recomputed from the tap processes, at
    # delays that are not multiples of any sample period
    ch = TDLChannel(16, FadingParams(tdl_profile="C", delay_spread_ns=123.0, subchannel_spacing_hz=15e3), seed=2)
    t = np.array([0.0, 0.0137])
    g = ch.taps_at(t)  # (2, L)
    delays, powers, _ = ch.profile.taps()
    f = np.arange(16) * 15e3
    expected = np.einsum("tl,lf->tf", g * np.sqrt(powers), np.exp(-2j * np.pi * np.outer(delays * 123e-9, f)))
    np.testing.assert_allclose(ch.at(t), expected, rtol=1e-12, atol=1e-14)


def test_rician_k_uses_the_los_term_and_rayleigh_below_minus_100_db():
    assert FadingParams(k_factor_db=-100.0).k_factor == 0.0
    assert FadingParams(k_factor_db=10.0).k_factor == pytest.approx(10.0)
    # a strong LOS: |h| stays close to 1 (K = 40 dB: diffuse power 1e-4)
    h = scenario(k_factor_db=40.0, n_channels=256).fading.at(np.linspace(0, 1, 50))
    assert np.max(np.abs(np.abs(h) - 1.0)) < 0.1


def test_sum_of_sinusoids_checks_its_arguments():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="num_sinusoids"):
        SumOfSinusoids(4, 10.0, 0, rng)
    with pytest.raises(ValueError, match="k_factor"):
        SumOfSinusoids(4, 10.0, 8, rng, k_factor=-1.0)


BAD = [("doppler_hz", -1.0), ("doppler_hz", float("nan")), ("speed_mps", -0.5), ("carrier_frequency_hz", 0.0),
       ("k_factor_db", 1e3), ("delay_spread_ns", -10.0), ("subchannel_spacing_hz", 0.0), ("num_sinusoids", 0),
       ("num_sinusoids", 8.5), ("tdl_profile", "F"), ("doppler_hz", "fast")]


@pytest.mark.parametrize("kind", ["jakes", "tdl"])
@pytest.mark.parametrize("name,value", BAD)
def test_bad_fading_parameters_are_refused_naming_them(kind, name, value):
    with pytest.raises(InvalidInput) as err:
        scenario(scenario=kind, **{name: value})
    assert err.value.field == name
    assert name in str(err.value)


def test_fading_parameters_are_not_checked_for_other_scenarios():
    # a static scenario ignores the fading fields: an unused, out-of-range one does not stop it building
    assert scenario(scenario="static", doppler_hz=-1.0).fading is None


def test_every_range_holds_its_default():
    p = FadingParams()
    for name, (lo, hi) in PARAM_RANGES.items():
        assert lo <= getattr(p, name) <= hi, name
    assert dataclasses.replace(p, num_sinusoids=1024).validated().num_sinusoids == 1024
