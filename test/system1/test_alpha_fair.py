"""alpha_fair and per-channel power caps: the certified optimum against an
independent multi-start SLSQP solver, System 1's steady state against the certified
optimum, every step feasible (hypothesis), the shadow price against a finite
difference, and the bad inputs refused with their reason codes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from goal_reference import random_instance, slsqp
from hypothesis import given, settings
from hypothesis import strategies as st

from steer_ros.system1.goal import Goal, GoalError, Objective, check_goal
from steer_ros.system1.goal_optimum import goal_optimum
from steer_ros.system1.system1 import System1

ALPHAS = [0.5, 1.0, 2.0, 5.0]


def _agree(objective, seed, n_range, count, starts=3, alpha=1.0, power_caps=False, floors=True, maxiter=300):
    rng = np.random.default_rng(seed)
    done = 0
    for _ in range(count * 4):
        gain, w, p_total, goal = random_instance(rng, objective, n=int(rng.integers(*n_range)), alpha=alpha,
                                                 power_caps=power_caps, floors=floors)
        opt = goal_optimum(gain, 1.0, w, p_total, goal)
        if not opt.feasible:
            continue
        ref = slsqp(gain, w, p_total, goal, starts=starts, seed=seed, maxiter=maxiter, floor_starts=True)
        assert ref is not None
        scale = max(1.0, abs(ref[0]))
        if objective == "min_power":
            assert opt.value <= ref[0] + 1e-6 * scale
        else:
            assert opt.value >= ref[0] - 1e-6 * scale  # SLSQP never beats the certificate
        assert abs(opt.value - ref[0]) <= 1e-4 * scale
        assert float(opt.power.sum()) <= p_total * (1 + 1e-12)
        assert np.all(opt.power <= goal.power_caps(len(gain)) * (1 + 1e-12))
        assert opt.goals_met
        done += 1
        if done == count:
            break
    assert done == count


@pytest.mark.parametrize("alpha", ALPHAS)
@pytest.mark.parametrize("floors", [False, True])
def test_alpha_fair_agrees_with_slsqp(alpha, floors):
    _agree("alpha_fair", seed=int(alpha * 10) + floors, n_range=(5, 9), count=2, alpha=alpha, floors=floors)


@pytest.mark.parametrize("alpha", ALPHAS)
def test_alpha_fair_with_power_caps_agrees_with_slsqp(alpha):
    _agree("alpha_fair", seed=100 + int(alpha * 10), n_range=(5, 9), count=2, alpha=alpha, power_caps=True)


@pytest.mark.parametrize("objective", ["weighted_sum", "max_min", "min_power"])
def test_power_caps_in_every_objective_agree_with_slsqp(objective):
    _agree(objective, seed=7, n_range=(5, 9), count=2, power_caps=True)


@pytest.mark.slow
@pytest.mark.parametrize("alpha", ALPHAS)
@pytest.mark.parametrize("floors", [False, True])
def test_alpha_fair_and_power_caps_agree_with_slsqp_up_to_64(alpha, floors):
    _agree("alpha_fair", seed=300 + int(alpha * 10) + floors, n_range=(20, 65), count=1, starts=6, alpha=alpha,
           power_caps=True, floors=floors, maxiter=1000)


@pytest.mark.parametrize("alpha", ALPHAS)
def test_system1_reaches_the_certified_alpha_fair_optimum(alpha):
    rng = np.random.default_rng(int(alpha * 7))
    for n in (5, 64):
        gain, w, p_total, goal = random_instance(rng, "alpha_fair", n=n, alpha=alpha, power_caps=True)
        s = System1(gain, 1.0, w, p_total)
        s.set_command(w, p_total, goal=goal)
        for _ in range(80):
            s.step()
        opt = s.goal_optimum()
        if opt.feasible:
            assert abs(s.optimality_gap(opt)) < 1e-9
            assert np.max(np.abs(s.mi() - opt.mi)) < 1e-6
        assert np.all(s.power <= goal.power_caps(n) * (1 + 1e-12))


def test_alpha_zero_is_the_weighted_sum_and_large_alpha_tends_to_max_min():
    g = 10 ** np.linspace(-1, 1, 10)
    w = np.linspace(1.0, 2.0, 10)
    ws = goal_optimum(g, 1.0, w, 12.0, Goal())
    a0 = goal_optimum(g, 1.0, w, 12.0, Goal(Objective.ALPHA_FAIR, alpha=0.0))
    np.testing.assert_allclose(a0.power, ws.power, atol=1e-9)
    mm = goal_optimum(g, 1.0, None, 12.0, Goal(Objective.MAX_MIN))
    a20 = goal_optimum(g, 1.0, None, 12.0, Goal(Objective.ALPHA_FAIR, alpha=20.0))
    assert abs(a20.mi.min() - mm.level) < 0.03 < abs(a0.mi.min() - mm.level)
    spread = [np.ptp(goal_optimum(g, 1.0, None, 12.0, Goal(Objective.ALPHA_FAIR, alpha=a)).mi) for a in ALPHAS]
    assert all(x > y for x, y in zip(spread, spread[1:], strict=False))  # fairer as alpha grows


def test_equal_power_on_every_channel_is_a_flat_power_cap():
    g = 10 ** np.linspace(-1, 1, 8)
    o = goal_optimum(g, 1.0, None, 16.0, Goal(power_cap=np.full(8, 2.0)))
    np.testing.assert_allclose(o.power, 2.0, rtol=1e-12)


@pytest.mark.parametrize("objective", ["weighted_sum", "alpha_fair", "max_min", "min_power_short"])
def test_shadow_price_is_the_derivative_of_the_optimal_value(objective):
    g = 10 ** np.linspace(-1, 1, 9)
    w = np.linspace(1.0, 3.0, 9)
    if objective == "min_power_short":  # sum_mi_min out of reach at P: the most sum MI's slope
        goal = Goal(Objective.MIN_POWER, sum_mi_min=16.0)

        def value(p):
            return goal_optimum(g, 1.0, w, p, goal).total_mi
    else:
        goal = Goal(Objective.parse(objective), mi_floor=np.r_[0.4, np.zeros(8)], power_cap=np.r_[np.inf, 0.5,
                                                                                                  np.full(7, np.inf)])

        def value(p):
            return goal_optimum(g, 1.0, w, p, goal).value
    p, h = 12.0, 1e-5
    opt = goal_optimum(g, 1.0, w, p, goal)
    fd = (value(p + h) - value(p - h)) / (2 * h)
    assert opt.shadow_price == pytest.approx(fd, rel=1e-4)


def test_shadow_price_is_zero_when_the_budget_is_slack():
    o = goal_optimum(np.ones(4), 1.0, None, 10.0, Goal(mi_cap=np.full(4, 1.0)))
    assert o.shadow_price == 0.0
    o = goal_optimum(np.ones(4), 1.0, None, 10.0, Goal(Objective.MIN_POWER, mi_floor=np.full(4, 1.0)))
    assert o.shadow_price == 0.0 and o.power_used < 10.0


@pytest.mark.parametrize("goal, code", [
    (Goal(Objective.ALPHA_FAIR, alpha=-0.5), "bad_alpha"),
    (Goal(Objective.ALPHA_FAIR, alpha=20.5), "bad_alpha"),
    (Goal(Objective.ALPHA_FAIR, alpha=math.nan), "bad_alpha"),
    (Goal(Objective.ALPHA_FAIR, alpha=math.inf), "bad_alpha"),
    (Goal(power_cap=np.r_[1.0, -1.0, 1.0]), "bad_power_cap"),
    (Goal(power_cap=np.r_[1.0, math.nan, 1.0]), "bad_power_cap"),
])
def test_bad_alpha_and_power_caps_are_refused_with_their_code(goal, code):
    with pytest.raises(GoalError) as err:
        check_goal(goal, 3, 2.0)
    assert err.value.code == code and str(err.value).startswith(code + ": ")
    s = System1(np.ones(3), 1.0, None, 3.0)
    s.set_command(goal=Goal(Objective.MAX_MIN))
    with pytest.raises(GoalError):
        s.set_command(np.r_[1.0, 2.0, 3.0], 2.0, goal=goal)
    assert s.objective == Objective.MAX_MIN and s.p_total == 3.0  # nothing changed


def test_a_floor_above_its_power_cap_is_short_not_a_crash():
    g = np.array([0.1, 1.0, 1.0, 1.0])
    goal = Goal(mi_floor=np.r_[1.5, 0, 0, 0], power_cap=np.r_[1.0, np.inf, np.inf, np.inf])
    o = goal_optimum(g, 1.0, None, 20.0, goal)
    assert not o.feasible and "power caps" in o.reason and o.needed_power == math.inf
    s = System1(g, 1.0, None, 20.0)
    s.set_command(goal=goal)
    for _ in range(30):
        s.step()
    assert s.power[0] <= 1.0 and not s.goals_met and s.mi_shortfall[0] > 0


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), alpha=st.sampled_from([0.0, *ALPHAS, 20.0]),
       mode=st.sampled_from(["default", "pga"]), tight=st.booleans(), caps=st.booleans(),
       cut=st.floats(0.2, 1.0), fade=st.floats(0.05, 1.0))
def test_every_alpha_fair_step_is_feasible_through_budget_cuts_and_fades(seed, alpha, mode, tight, caps, cut, fade):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 20))
    gain, w, p_total, goal = random_instance(rng, "alpha_fair", n=n, tight=tight, alpha=alpha, power_caps=caps)
    s = System1(gain, 1.0, w, p_total, mode=mode, estimator="exact" if mode == "default" else "table")
    s.set_command(w, p_total, goal=goal)
    p = p_total
    pcap = goal.power_caps(n)
    for k in range(60):
        if k == 20:
            p = p_total * cut
            s.set_command(None, p)
        if k == 40:
            s.set_channels(gain * fade, 1.0)
        s.step()
        pw = s.power
        assert pw.sum() <= p * (1 + 1e-12) and np.all(pw >= 0) and np.all(np.isfinite(pw))
        assert np.all(pw <= pcap * (1 + 1e-12)) and np.all(pw[goal.off_mask(n)] == 0.0)
