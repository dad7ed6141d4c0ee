import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steer_ros.defaults import A_MIN, design_gains
from steer_ros.snapshot import SystemSnapshot
from steer_ros.system1.certified_optimum import certified_optimum
from steer_ros.system1.system1 import System1, project_power

RTOL = 1e-12


def assert_feasible(s: System1):
    a = s.amplitude
    assert np.all(np.isfinite(a))
    assert np.sum(a * a) <= s.p_total * (1 + RTOL)
    floor = min(s.a_min, math.sqrt(s.p_total / s.n))
    assert np.all(a >= floor * (1 - 1e-9))
    assert s.a_floor == pytest.approx(floor)


event_st = st.tuples(
    st.sampled_from(["weights", "budget", "halve", "channels", "steps", "tiny_budget"]),
    st.integers(0, 2**31 - 1),
)


def make_weights(kind, n, rng):
    if kind == "zero":
        return np.zeros(n)
    if kind == "onehot":
        w = np.zeros(n)
        w[rng.integers(n)] = 1.0
        return w
    if kind == "equal":
        return np.ones(n)
    if kind == "nan":
        w = rng.uniform(0, 1, n)
        w[0] = np.nan
        return w
    if kind == "neg":
        w = rng.uniform(0, 1, n)
        w[-1] = -0.5
        return w
    if kind == "short":
        return np.ones(n + 1)
    w = rng.uniform(0, 1, n) ** 3
    w[rng.random(n) < 0.3] = 0.0
    return w


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    mode=st.sampled_from(["default", "pga"]),
    n=st.integers(1, 12),
    seed=st.integers(0, 2**31 - 1),
    events=st.lists(event_st, min_size=1, max_size=12),
)
def test_feasible_after_every_step_under_adversarial_inputs(mode, n, seed, events):
    rng = np.random.default_rng(seed)
    gain = 10 ** rng.uniform(-4, 1.5, n)
    gain[rng.random(n) < 0.2] = 0.0  # dead channels
    s = System1(gain, 10 ** rng.uniform(-1, 1, n), None, float(10 ** rng.uniform(-5, 2)),
                mode=mode, estimator="table")
    assert_feasible(s)
    for kind, sub in events:
        r = np.random.default_rng(sub)
        before = (s.weights, s.p_total, s.power)
        if kind == "weights":
            wk = r.choice(["zero", "onehot", "equal", "nan", "neg", "short", "random"])
            w = make_weights(wk, s.n, r)
            if wk in ("nan", "neg", "short"):
                with pytest.raises(ValueError, match="weights"):
                    s.set_command(w, float(r.uniform(0.1, 50)))
                # previous valid state kept
                assert np.array_equal(s.weights, before[0]) and s.p_total == before[1]
                assert np.array_equal(s.power, before[2])
            else:
                s.set_command(w, float(r.choice([math.nan, r.uniform(0.1, 50)])))
        elif kind == "budget":
            bad = r.choice([0.0, -1.0, math.inf])
            with pytest.raises(ValueError, match="p_total"):
                s.set_command(None, bad)
            assert s.p_total == before[1]
            s.set_command(None, float(10 ** r.uniform(-3, 2)))
        elif kind == "halve":
            s.set_command(None, s.p_total / 2)
            assert_feasible(s)  # projected at once, before any step
        elif kind == "tiny_budget":
            s.set_command(None, float(r.uniform(1e-9, 1e-5)))  # below N a_min^2
        elif kind == "channels":
            m = int(r.choice([s.n, max(1, s.n + r.integers(-3, 4))]))
            g = 10 ** r.uniform(-5, 1, m)
            if r.random() < 0.3:
                with pytest.raises(ValueError, match="gain"):
                    s.set_channels(np.append(g[:-1], -1.0), 1.0)
                continue
            s.set_channels(g, float(10 ** r.uniform(-1, 1)))
            assert s.n == m
        for _ in range(int(r.integers(1, 6))):
            s.step()
            assert_feasible(s)


def test_tiny_budget_floor_scaled_down():
    s = System1(np.ones(8), 1.0, None, 8e-8)  # 8 a_min^2 = 8e-6 > budget
    for _ in range(3):
        s.step()
        assert_feasible(s)
    assert s.a_floor == pytest.approx(1e-4)
    assert np.allclose(s.power, 1e-8)
    s.set_command(None, 40.0)
    s.step()
    assert s.a_floor == A_MIN


@pytest.mark.parametrize("n", [8, 300])
def test_default_mode_converges_and_tracks_reversal(n):
    rng = np.random.default_rng(n)
    g = design_gains() if n == 8 else 10 ** rng.uniform(-1.5, 1.5, n)
    p = 40.0 if n == 8 else 5.0 * n
    s = System1(g, 1.0, None, p)
    opt = certified_optimum(g, 1.0, None, p)
    gaps = []
    for _ in range(40):
        s.step()
        gaps.append(opt.total_mi - s.mi().sum())
    assert gaps[-1] < 1e-6 and min(gaps) > -1e-6  # never beats the certificate
    assert gaps[20] < 1e-3
    s.set_channels(g[::-1], 1.0)
    opt = certified_optimum(g[::-1], 1.0, None, p)
    for _ in range(30):
        s.step()
    assert opt.total_mi - s.mi().sum() < 1e-5


def test_default_mode_one_hot_and_zero_weights():
    g = design_gains()
    s = System1(g, 1.0, [0, 0, 0, 0, 0, 0, 1, 1], 40.0)
    for _ in range(60):
        s.step()
    opt = certified_optimum(g, 1.0, s.weights, 40.0)
    assert s.weighted_mi() >= opt.weighted_mi - 1e-6
    assert np.allclose(s.amplitude[:6], A_MIN)
    assert s.mi()[6:].min() > 1.99
    # all-zero: no preference, allocation kept
    before = s.power
    s.set_command(np.zeros(8), math.nan)
    s.step()
    assert np.allclose(s.power, before)
    # zero weight channel comes back when its weight returns
    s.set_command(np.ones(8), math.nan)
    for _ in range(60):
        s.step()
    assert s.power[0] > 1.0


def test_pga_mode_improves_and_matches_paper_update():
    g = design_gains()
    s = System1(g, 1.0, None, 40.0, mode="pga", estimator="table")
    f0 = s.weighted_mi()
    a0 = s.amplitude
    s.step()
    # one plain PGA step by hand: a + eta grad, clamp, l2-ball scaling
    from steer_ros.radio.mutual_information import TableEstimator
    _, d1 = TableEstimator().mi_and_grad(g * a0**2)
    a = np.maximum(a0 + 0.1 * (1 / 8) * d1 * 2 * g * a0, A_MIN)
    a *= math.sqrt(40.0 / np.sum(a * a))
    assert np.allclose(s.amplitude, a, rtol=1e-12)
    for _ in range(200):
        s.step()
    assert s.weighted_mi() > f0 + 0.01


def test_pga_mode_with_mc_estimator_is_seeded():
    g = design_gains()
    runs = []
    for _ in range(2):
        s = System1(g, 1.0, None, 40.0, mode="pga", estimator="mc",
                    estimator_kw={"n_samples": 200, "seed": 3})
        for _ in range(3):
            s.step()
            assert_feasible(s)
        runs.append(s.power)
    assert np.array_equal(runs[0], runs[1])


def test_constructor_validation_and_outputs():
    with pytest.raises(ValueError, match="mode"):
        System1(np.ones(2), mode="newton")
    with pytest.raises(ValueError, match="estimator"):
        System1(np.ones(2), mode="default", estimator="mc")
    with pytest.raises(ValueError, match="noise_var"):
        System1(np.ones(2), noise_var=[1.0, 0.0])
    with pytest.raises(ValueError, match="p_total"):
        System1(np.ones(2), p_total=math.nan)
    with pytest.raises(ValueError, match="p_total"):
        System1(np.ones(2)).set_command(None, "lots")
    s = System1(design_gains(), 1.0, [2, 2, 2, 2, 2, 2, 2, 2], 40.0, constellation="16qam")
    assert np.allclose(s.weights, 1 / 8) and s.n == 8 and s.step_count == 0
    assert np.allclose(s.power, 5.0)
    s.step()
    assert s.step_count == 1
    snap = s.snapshot()
    assert isinstance(snap, SystemSnapshot)
    assert snap.n == 8 and snap.p_total == 40.0
    assert snap.total_mi == pytest.approx(s.mi().sum())
    assert s.weighted_mi() == pytest.approx(snap.total_mi / 8)
    assert np.all(s.mi() <= 4.0)
    # wrong length weights refused, state kept
    with pytest.raises(ValueError, match="weights"):
        s.set_command(np.ones(3), 10.0)
    assert s.p_total == 40.0


def test_project_power_exact():
    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(1, 20))
        p = 10 ** rng.uniform(-8, 2, n)
        floor = float(10 ** rng.uniform(-8, -2))
        budget = max(n * floor, float(10 ** rng.uniform(-4, 2)))
        q = project_power(p, floor, budget)
        assert np.all(np.isfinite(q))
        assert q.sum() <= budget * (1 + RTOL) and np.all(q >= floor * (1 - RTOL))
        if np.maximum(p, floor).sum() > budget:
            assert q.sum() == pytest.approx(budget, rel=1e-9)
            # scaling structure: channels above the floor keep their ratios
            above = q > floor * (1 + 1e-9)
            if above.sum() > 1:
                ratio = q[above] / p[above]
                assert np.ptp(ratio) <= 1e-9 * ratio.max()


@pytest.mark.parametrize("mode", ["default", "pga"])
def test_zero_floor_and_dead_channels(mode):
    s = System1([0.0, 0.0, 1e-9], 1.0, [1, 1, 0], 5.0, mode=mode, a_min=0.0, estimator="table")
    for _ in range(5):
        s.step()
        assert np.all(np.isfinite(s.power)) and s.power.sum() <= 5.0 * (1 + RTOL)
        assert np.all(s.power >= 0)


@pytest.mark.parametrize("name", ["16qam", "64qam"])
def test_default_mode_converges_for_larger_constellations(name):
    rng = np.random.default_rng(7)
    g = 10 ** rng.uniform(-1, 2, 16)
    w = rng.uniform(0, 1, 16)
    s = System1(g, 0.5, w, 60.0, constellation=name)
    for _ in range(60):
        s.step()
    opt = certified_optimum(g, 0.5, s.weights, 60.0, name)
    assert abs(opt.weighted_mi - s.weighted_mi()) < 1e-7


@pytest.mark.parametrize("useful", [0, 6, 7])
def test_one_useful_channel_does_not_drive_the_multiplier_to_nan(useful):
    """All weights but one zero (a stranger's command [0, ..., 0, 1]): lambda -> 0 must
    not underflow into NaN, however many steps run."""
    s = System1(design_gains(8), np.ones(8))
    for _ in range(50):
        s.step()
    w = np.zeros(8)
    w[useful] = 1.0
    s.set_command(w, 40.0)
    for _ in range(400):
        s.step()
    assert np.all(np.isfinite(s.power))
    assert s.power.sum() <= 40.0 * (1 + 1e-12)
    assert s.power[useful] > 39.9
