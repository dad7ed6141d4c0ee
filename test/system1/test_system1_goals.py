"""System 1 tracking goals: its steady state against the certified goal optimum and an
independent SLSQP solver, every step feasible (hypothesis), infeasible goals reported,
weights-only behaviour unchanged."""

from __future__ import annotations

import math

import numpy as np
import pytest
from goal_reference import random_instance, slsqp
from hypothesis import given, settings
from hypothesis import strategies as st

from steer_ros.system1.goal import Goal, GoalError, Objective
from steer_ros.system1.goal_optimum import goal_optimum
from steer_ros.system1.system1 import System1

OBJECTIVES = ["weighted_sum", "max_min", "min_power"]


def _run(gain, w, p_total, goal, steps=200, mode="default"):
    s = System1(gain, 1.0, w, p_total, mode=mode, estimator="exact" if mode == "default" else "table")
    s.set_command(w, p_total, goal=goal)
    excess = 0.0
    for _ in range(steps):
        s.step()
        excess = max(excess, float(s.power.sum()) - p_total)
        assert np.all(s.power >= 0)
    return s, excess


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_steady_state_matches_slsqp_within_1e4_bits(objective):
    rng = np.random.default_rng(41)
    done = 0
    while done < 2:
        gain, w, p_total, goal = random_instance(rng, objective, n=int(rng.integers(5, 10)))
        s, excess = _run(gain, w, p_total, goal)
        assert excess <= 1e-12 * p_total
        opt = s.goal_optimum()
        if not opt.feasible:
            continue
        ref = slsqp(gain, w, p_total, goal, starts=3)
        assert ref is not None
        if objective == "weighted_sum":
            assert abs(s.weighted_mi() - ref[0]) < 1e-4
        elif objective == "max_min":
            assert abs(opt.level - s.optimality_gap(opt) - ref[0]) < 1e-4
        else:
            assert abs(float(s.power.sum()) - ref[0]) < 1e-4 * max(1.0, ref[0])
        assert abs(s.optimality_gap(opt)) < 1e-9
        assert np.max(np.abs(s.mi() - opt.mi)) < 1e-6
        assert s.goals_met and np.all(s.mi_shortfall <= 1e-9)
        done += 1


@pytest.mark.slow
@pytest.mark.parametrize("objective", OBJECTIVES)
def test_steady_state_matches_the_certificate_on_random_instances_up_to_64(objective):
    rng = np.random.default_rng(7)
    infeasible = 0
    for _ in range(25):
        gain, w, p_total, goal = random_instance(rng, objective, tight=bool(rng.random() < 0.3))
        s, excess = _run(gain, w, p_total, goal, steps=150)
        assert excess <= 1e-12 * p_total
        opt = s.goal_optimum()
        assert s.goal_feasible == opt.feasible or objective == "min_power"
        assert abs(s.optimality_gap(opt)) < 1e-6
        assert s.goals_met == opt.goals_met
        infeasible += not opt.feasible
    assert infeasible > 0


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), objective=st.sampled_from(OBJECTIVES), mode=st.sampled_from(["default", "pga"]),
       tight=st.booleans(), cut=st.floats(0.2, 1.0), fade=st.floats(0.05, 1.0))
def test_every_step_is_feasible_through_goal_changes_budget_cuts_and_fades(seed, objective, mode, tight, cut, fade):
    rng = np.random.default_rng(seed)
    gain, w, p_total, goal = random_instance(rng, objective, n=int(rng.integers(5, 20)), tight=tight)
    s = System1(gain, 1.0, w, p_total, mode=mode, estimator="exact" if mode == "default" else "table")
    s.set_command(w, p_total, goal=goal)
    p = p_total
    for k in range(60):
        if k == 20:
            p = p_total * cut
            s.set_command(None, p)
            assert s.power.sum() <= p * (1 + 1e-12)  # at once, not only after a step
        if k == 40:
            s.set_channels(gain * fade, 1.0)
        s.step()
        pw = s.power
        assert pw.sum() <= p * (1 + 1e-12) and np.all(pw >= 0) and np.all(np.isfinite(pw))
        assert np.all(pw[goal.off_mask(len(gain))] == 0.0)
        if s.goal_feasible:  # floors and caps hold at every step once inside the box
            caps = goal.caps(len(gain))
            assert np.all(s.mi() <= caps + 1e-9)


def test_infeasible_floors_after_a_fade_are_reported_and_the_ratio_is_maximized():
    gain = np.array([0.3, 0.5, 1.0, 2.0, 3.0])
    goal = Goal(mi_floor=[1.5, 1.5, 0, 0, 0])
    s, _ = _run(gain, None, 20.0, goal)
    assert s.goals_met and s.goal_feasible
    s.set_channels(gain * np.array([0.1, 0.1, 1, 1, 1]), 1.0)  # a deep fade on the floored channels
    for _ in range(100):
        s.step()
        assert s.power.sum() <= 20.0 * (1 + 1e-12)
    assert not s.goal_feasible and not s.goals_met
    short = s.mi_shortfall
    assert short[0] > 0 and short[1] > 0 and np.all(short[2:] == 0)
    ratio = s.mi()[:2] / 1.5
    assert abs(ratio[0] - ratio[1]) < 1e-6
    opt = s.goal_optimum()
    assert not opt.feasible and abs(s.optimality_gap(opt)) < 1e-6
    s.set_channels(gain, 1.0)  # the fade ends: the floors are met again
    for _ in range(100):
        s.step()
    assert s.goals_met


def test_max_min_equalizes_and_min_power_uses_the_least_budget():
    gain = 10 ** np.linspace(-1, 1, 8)
    s, _ = _run(gain, None, 40.0, Goal(Objective.MAX_MIN))
    assert np.ptp(s.mi()) < 1e-6
    s, _ = _run(gain, None, 40.0, Goal(Objective.MIN_POWER, sum_mi_min=10.0))
    assert abs(s.mi().sum() - 10.0) < 1e-6
    opt = s.goal_optimum()
    assert abs(s.power.sum() - opt.power_used) < 1e-6 and opt.power_used < 40.0


def test_plain_goal_and_old_signature_are_unchanged():
    gain = 10 ** np.linspace(-1, 1, 8)
    a = System1(gain, 1.0, np.arange(1, 9), 30.0)
    b = System1(gain, 1.0, np.arange(1, 9), 30.0)
    b.set_command(np.arange(1, 9), 30.0, goal=Goal())
    for _ in range(50):
        a.step()
        b.step()
    assert np.array_equal(a.power, b.power)
    # a goal, then back to the plain weighted sum
    b.set_command(None, math.nan, goal=Goal(Objective.MAX_MIN))
    b.step()
    assert b.goal is not None
    b.set_command(None, math.nan, goal=Goal())
    assert b.goal is None and b.goals_met and np.all(b.mi_shortfall == 0)


def test_a_malformed_goal_leaves_the_command_in_force():
    s = System1([1.0, 2.0, 3.0], 1.0, None, 10.0)
    s.set_command(None, math.nan, goal=Goal(mi_floor=[0.5, 0, 0]))
    with pytest.raises(GoalError, match="channel 2"):
        s.set_command([1, 1, 1], 5.0, goal=Goal(mi_floor=[0, 1.5, 0], mi_cap=[np.inf, 1.0, np.inf]))
    assert s.p_total == 10.0 and s.goal.floors[0] == 0.5
    s.step()
    assert s.power.sum() <= 10.0


def test_goal_optimum_matches_system1_certificate():
    gain = 10 ** np.linspace(-1, 1, 6)
    goal = Goal(mi_floor=[1.0, 0, 0, 0, 0, 0], mi_cap=[np.inf] * 5 + [1.2])
    s, _ = _run(gain, None, 15.0, goal)
    direct = goal_optimum(gain, 1.0, None, 15.0, goal)
    assert np.allclose(s.goal_optimum().power, direct.power)
