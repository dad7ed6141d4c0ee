"""ChannelScenario: each scenario's gains at (t, step), reproducible from its seed,
and the configuration checks (ROS-free; the channel_sim node only samples these)."""

from __future__ import annotations

import numpy as np
import pytest

from steer_ros import defaults
from steer_ros.channels.scenario import SCENARIOS, ChannelScenario, ScenarioConfig, reversed_gains
from steer_ros.validation import InvalidInput


def scenario(**kwargs) -> ChannelScenario:
    return ChannelScenario(ScenarioConfig(**kwargs))


def db(gain: np.ndarray, base: np.ndarray) -> np.ndarray:
    return 10 * np.log10(gain / base)


def test_every_scenario_is_covered_here():
    # The fading scenarios have files of their own: test_fading.py, test_fading_statistics.py,
    # test_mu_mimo.py.
    assert set(SCENARIOS) == {"static", "reversal", "rayleigh", "random_walk", "schedule", "jakes", "tdl",
                              "mu_mimo_zf"}


def test_static_defaults_to_the_design_gains_and_unit_noise():
    s = scenario()
    assert s.n == defaults.N_CHANNELS
    for t in (0.0, 1e6):
        gain, noise = s.at(t, step=10**6)
        np.testing.assert_array_equal(gain, defaults.design_gains(defaults.N_CHANNELS))
        np.testing.assert_array_equal(noise, np.full(defaults.N_CHANNELS, defaults.NOISE_VAR))


def test_given_gains_set_n_and_the_outputs_are_copies():
    s = scenario(gain=(1.0, 0.0, 3.0), noise_var=(0.5, 1.0, 2.0), n_channels=99)
    assert s.n == 3  # the gains' length wins over n_channels
    gain, noise = s.at(0.0)
    gain[:] = -1
    noise[:] = -1
    gain, noise = s.at(0.0)
    assert gain.tolist() == [1.0, 0.0, 3.0] and noise.tolist() == [0.5, 1.0, 2.0]


def test_reversal_at_a_time():
    s = scenario(scenario="reversal", gain=(1.0, 2.0, 3.0), reversal_time_s=5.0)
    assert s.at(4.999)[0].tolist() == [1.0, 2.0, 3.0]
    assert s.at(5.0)[0].tolist() == [3.0, 2.0, 1.0]  # h_i <-> h_{N+1-i} from t = reversal_time_s on
    assert s.at(1e4)[0].tolist() == [3.0, 2.0, 1.0]


def test_reversal_at_a_step_ignores_the_time():
    s = scenario(scenario="reversal", gain=(1.0, 2.0), reversal_time_s=0.0, reversal_step=3)
    assert s.at(100.0, step=2)[0].tolist() == [1.0, 2.0]
    assert s.at(0.0, step=3)[0].tolist() == [2.0, 1.0]


def test_reversed_gains_is_a_copy():
    gain = np.array([1.0, 2.0, 4.0])
    out = reversed_gains(gain)
    out[0] = 0
    assert gain.tolist() == [1.0, 2.0, 4.0] and reversed_gains(gain).tolist() == [4.0, 2.0, 1.0]


def test_rayleigh_is_constant_within_a_block_and_redrawn_across_blocks():
    s = scenario(scenario="rayleigh", coherence_time_s=0.5, seed=7)
    first = s.at(0.0)[0]
    np.testing.assert_array_equal(s.at(0.499)[0], first)
    second = s.at(0.5)[0]
    assert not np.allclose(second, first)
    assert np.all(first >= 0)


def test_rayleigh_is_reproducible_from_the_seed_and_differs_across_seeds():
    a, b = scenario(scenario="rayleigh", seed=3), scenario(scenario="rayleigh", seed=3)
    times = [0.0, 7.3, 2.1, 100.0]
    for t in times:  # any order, any instance
        np.testing.assert_array_equal(a.at(t)[0], b.at(t)[0])
    assert not np.allclose(a.at(1.0)[0], scenario(scenario="rayleigh", seed=4).at(1.0)[0])


def test_rayleigh_power_is_exponential_around_the_base_gain():
    n, blocks = 8, 4000
    s = scenario(scenario="rayleigh", gain=tuple([2.0] * n), coherence_time_s=1.0, seed=11)
    fading = np.stack([s.at(float(b))[0] for b in range(blocks)]) / 2.0  # E_i ~ Exp(1)
    assert abs(fading.mean() - 1.0) < 0.03  # std of the mean: 1/sqrt(32000) = 0.0056
    assert abs(np.mean(fading < np.log(2.0)) - 0.5) < 0.02  # median of Exp(1) is ln 2
    # Independent across channels: correlation near zero.
    corr = np.corrcoef(fading.T)
    assert np.max(np.abs(corr[~np.eye(n, dtype=bool)])) < 0.08


def test_random_walk_starts_at_the_base_and_moves_per_block():
    base = defaults.design_gains(4)
    s = scenario(scenario="random_walk", n_channels=4, coherence_time_s=2.0, walk_std_db=1.0, seed=5)
    np.testing.assert_array_equal(s.at(0.0)[0], base)
    np.testing.assert_array_equal(s.at(1.99)[0], base)  # block 0
    np.testing.assert_array_equal(s.at(2.0)[0], s.at(3.9)[0])  # one block
    assert not np.allclose(s.at(2.0)[0], base)


def test_random_walk_steps_have_the_configured_spread():
    n, blocks, std = 16, 600, 0.5
    s = scenario(scenario="random_walk", gain=tuple([1.0] * n), walk_std_db=std, walk_range_db=1e3, seed=2)
    offsets = np.stack([db(s.at(float(b))[0], np.ones(n)) for b in range(blocks)])
    steps = np.diff(offsets, axis=0)  # no reflection within 1000 dB: Gaussian steps
    assert abs(steps.std() - std) < 0.03 and abs(steps.mean()) < 0.03


def test_random_walk_is_reproducible_and_independent_of_the_query_order():
    kwargs = dict(scenario="random_walk", n_channels=3, walk_std_db=2.0, walk_range_db=3.0, seed=9)
    forward = scenario(**kwargs)
    path = [forward.at(float(t))[0] for t in range(40)]
    shuffled = scenario(**kwargs)
    for t in np.random.default_rng(0).permutation(40):
        np.testing.assert_array_equal(shuffled.at(float(t))[0], path[t])
    assert not np.allclose(path[20], scenario(**{**kwargs, "seed": 10}).at(20.0)[0])


@pytest.mark.parametrize("std, limit", [(1.0, 3.0), (5.0, 1.0), (50.0, 2.0), (1.0, 0.0)])
def test_random_walk_stays_within_its_range(std, limit):
    """Reflected into [base - range, base + range] dB, even for steps several times the
    range wide, and pinned to the base gain for a zero range."""
    base = defaults.design_gains(8)
    s = scenario(scenario="random_walk", walk_std_db=std, walk_range_db=limit, seed=1)
    offsets = np.stack([db(s.at(float(t))[0], base) for t in range(300)])
    assert np.all(np.abs(offsets) <= limit + 1e-9), np.abs(offsets).max()
    if limit > 0:
        assert np.abs(offsets).max() > 0.5 * limit  # it does move


def test_schedule_is_piecewise_constant():
    s = scenario(scenario="schedule", n_channels=2,
                 schedule=((0.0, (1.0, 2.0)), (10.0, (3.0, 0.0)), (20.0, (5.0, 6.0))))
    assert s.at(0.0)[0].tolist() == [1.0, 2.0]
    assert s.at(9.99)[0].tolist() == [1.0, 2.0]
    assert s.at(10.0)[0].tolist() == [3.0, 0.0]
    assert s.at(1e6)[0].tolist() == [5.0, 6.0]


def test_schedule_before_its_first_time_uses_the_first_entry():
    s = scenario(scenario="schedule", n_channels=2, schedule=((5.0, (1.0, 2.0)), (6.0, (2.0, 1.0))))
    assert s.at(0.0)[0].tolist() == [1.0, 2.0]


@pytest.mark.parametrize("schedule, message", [
    ((), "at least one"),
    (((1.0, (1.0, 2.0)), (0.5, (1.0, 2.0))), "times must increase"),
    (((0.0, (1.0,)),), r"schedule\[0\].gains: expected 2 values"),
    (((0.0, (1.0, 2.0)), (1.0, (1.0, -2.0))), r"schedule\[1\].gains: negative value \[1\] = -2.0"),
    (((0.0, (1.0, float("nan"))),), r"schedule\[0\].gains: non-finite value \[1\] = nan"),
])
def test_schedule_errors_name_the_entry(schedule, message):
    with pytest.raises(ValueError, match=message):
        scenario(scenario="schedule", gain=(1.0, 1.0), schedule=schedule)


def test_a_schedule_is_not_checked_by_other_scenarios():
    assert scenario(scenario="static", schedule=()).at(0.0)[0].shape == (defaults.N_CHANNELS,)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"scenario": "tornado"}, ValueError, "scenario must be one of"),
    ({"n_channels": 0}, ValueError, "n_channels must be >= 1"),
    ({"gain": (1.0, -1.0)}, InvalidInput, r"gain: negative value \[1\] = -1.0"),
    ({"gain": (1.0, 2.0), "noise_var": (1.0, 0.0)}, InvalidInput, r"noise_var: non-positive value \[1\] = 0.0"),
    ({"gain": (1.0, 2.0), "noise_var": (1.0,)}, InvalidInput, "noise_var: expected 2 values, got 1"),
    ({"scenario": "rayleigh", "coherence_time_s": 0.0}, ValueError, "coherence_time_s must be > 0"),
    ({"scenario": "random_walk", "coherence_time_s": -1.0}, ValueError, "coherence_time_s must be > 0"),
])
def test_bad_configurations_are_refused_with_the_field_named(kwargs, error, message):
    with pytest.raises(error, match=message):
        scenario(**kwargs)
