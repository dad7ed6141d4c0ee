"""The certified goal optimum against an independent multi-start SLSQP solver, its
feasibility verdicts, and the inverse MI it rests on."""

from __future__ import annotations

import math

import numpy as np
import pytest
from goal_reference import random_instance, slsqp

from steer_ros.radio.mutual_information import get_table
from steer_ros.system1.certified_optimum import certified_optimum, min_budget_for_sum_mi
from steer_ros.system1.goal import Goal, GoalError, Objective
from steer_ros.system1.goal_optimum import equivalent_weights, goal_feasibility, goal_optimum, project_box


@pytest.mark.parametrize("constellation", ["qpsk", "16qam", "64qam"])
def test_inverse_mi_inverts_the_table(constellation):
    t = get_table(constellation)
    bits = np.concatenate([np.linspace(0.0, t.bits, 20001)[:-1], [1e-12, 1e-10, t.bits - 1e-9]])
    snr = t.snr_for_mi(bits)
    assert np.max(np.abs(t.mi(snr) - bits)) < 1e-12
    assert t.snr_for_mi(t.bits) == np.inf and t.snr_for_mi(0.0) == 0.0
    assert np.all(np.diff(snr[:20000]) >= 0)


def _check_against_slsqp(objective, seed, n_range, starts=3, count=3):
    rng = np.random.default_rng(seed)
    checked = 0
    for _ in range(count * 3):
        gain, w, p_total, goal = random_instance(rng, objective, n=int(rng.integers(*n_range)))
        opt = goal_optimum(gain, 1.0, w, p_total, goal)
        if not opt.feasible:
            continue
        ref = slsqp(gain, w, p_total, goal, starts=starts, seed=seed)
        assert ref is not None
        tol = 1e-6 * max(1.0, ref[0]) if objective == "min_power" else 1e-6
        assert opt.value >= ref[0] - tol if objective != "min_power" else opt.value <= ref[0] + tol
        assert abs(opt.value - ref[0]) < (1e-4 if objective != "min_power" else 1e-4 * max(1.0, ref[0]))
        assert float(opt.power.sum()) <= p_total * (1 + 1e-12)
        assert opt.goals_met
        checked += 1
        if checked == count:
            break
    assert checked == count


@pytest.mark.parametrize("objective", ["weighted_sum", "max_min", "min_power"])
def test_certified_goal_optimum_agrees_with_slsqp_small(objective):
    _check_against_slsqp(objective, seed=11, n_range=(5, 10))


@pytest.mark.slow
@pytest.mark.parametrize("objective", ["weighted_sum", "max_min", "min_power"])
def test_certified_goal_optimum_agrees_with_slsqp_up_to_64(objective):
    _check_against_slsqp(objective, seed=23, n_range=(20, 65), count=2, starts=2)


def test_plain_goal_is_the_paper_optimum():
    g = 10 ** np.linspace(-1, 1, 12)
    w = np.linspace(1, 2, 12)
    a = goal_optimum(g, 1.0, w, 30.0, Goal())
    b = certified_optimum(g, 1.0, w, 30.0)
    assert np.max(np.abs(a.power - b.power)) < 1e-9


def test_floors_and_caps_are_met_exactly_and_off_is_zero():
    g = np.array([0.1, 0.5, 1.0, 2.0, 4.0, 0.3])
    goal = Goal(mi_floor=[1.2, 0, 0, 0, 0, 0], mi_cap=[np.inf, np.inf, np.inf, 1.0, np.inf, np.inf],
                off=[False, False, False, False, False, True])
    o = goal_optimum(g, 1.0, None, 20.0, goal)
    assert o.feasible and o.goals_met
    assert abs(o.mi[0] - 1.2) < 1e-9 and o.mi[3] <= 1.0 + 1e-9 and o.power[5] == 0.0
    assert abs(o.power.sum() - 20.0) < 1e-9


def test_infeasible_floors_are_reported_with_the_power_they_need():
    g = np.array([0.1, 0.1, 0.2, 1.0, 1.0])
    goal = Goal(mi_floor=[1.9, 1.9, 1.9, 0, 0])
    floors_need = float(np.sum(get_table("qpsk").snr_for_mi(np.full(3, 1.9)) / g[:3]))
    o = goal_optimum(g, 1.0, None, 10.0, goal)
    assert not o.feasible and not o.goals_met
    assert abs(o.floor_power - floors_need) < 1e-9 * floors_need
    assert "infeasible" in o.reason and f"{floors_need:.6g}" in o.reason
    # best feasible: the whole budget, every floored channel at the same fraction of its floor
    ratio = o.mi[:3] / 1.9
    assert np.ptp(ratio) < 1e-9 and abs(ratio[0] - o.floor_ratio) < 1e-9
    assert np.all(o.power[3:] == 0.0) and abs(o.power.sum() - 10.0) < 1e-9
    assert np.all(o.mi_shortfall[:3] > 0) and np.all(o.mi_shortfall[3:] == 0)
    ok, need, why = goal_feasibility(g, 1.0, goal, 10.0)
    assert not ok and abs(need - floors_need) < 1e-9 * need and why == o.reason
    assert goal_feasibility(g, 1.0, goal, floors_need * 1.001)[0]


def test_a_floor_on_a_dead_channel_is_infeasible_at_any_power():
    o = goal_optimum([0.0, 1.0, 1.0], 1.0, None, 10.0, Goal(mi_floor=[0.5, 1.0, 0]))
    assert not o.feasible and o.needed_power == math.inf and "channel(s) 1" in o.reason
    assert o.mi[1] >= 1.0 - 1e-9  # the meetable floor is still met


def test_max_min_equalizes_caps_leave_the_min_floors_raise():
    g = 10 ** np.linspace(-1, 1, 8)
    o = goal_optimum(g, 1.0, None, 20.0, Goal(Objective.MAX_MIN))
    assert np.ptp(o.mi) < 1e-9 and abs(o.level - o.mi[0]) < 1e-9
    capped = goal_optimum(g, 1.0, None, 20.0, Goal(Objective.MAX_MIN, mi_cap=[0.2] + [np.inf] * 7))
    assert abs(capped.mi[0] - 0.2) < 1e-9 and capped.level > o.level
    assert np.ptp(capped.mi[1:]) < 1e-9
    floored = goal_optimum(g, 1.0, None, 20.0, Goal(Objective.MAX_MIN, mi_floor=[0] * 7 + [1.9]))
    assert abs(floored.mi[7] - 1.9) < 1e-9 and floored.level < o.level and np.ptp(floored.mi[:7]) < 1e-9


def test_max_min_excludes_dead_channels_and_says_so():
    o = goal_optimum([0.0, 0.5, 1.0, 2.0], 1.0, None, 10.0, Goal(Objective.MAX_MIN))
    assert list(o.excluded) == [0] and o.power[0] == 0.0 and np.ptp(o.mi[1:]) < 1e-9 and o.level > 0.5


def test_min_power_reaches_the_sum_floor_at_the_least_budget():
    g = defaults_gains = 10 ** np.linspace(-0.5, 0.5, 8)
    o = goal_optimum(g, 1.0, None, 40.0, Goal(Objective.MIN_POWER, sum_mi_min=10.0))
    assert o.feasible and abs(o.total_mi - 10.0) < 1e-8
    assert abs(o.power_used - min_budget_for_sum_mi(defaults_gains, 1.0, 10.0)) < 1e-6
    # with a floor: more power than without, the floor met, the sum reached
    f = goal_optimum(g, 1.0, None, 40.0, Goal(Objective.MIN_POWER, mi_floor=[1.8] + [0] * 7, sum_mi_min=10.0))
    assert f.power_used > o.power_used and f.mi[0] >= 1.8 - 1e-9 and abs(f.total_mi - 10.0) < 1e-8
    # floors alone: exactly the floor powers
    fl = goal_optimum(g, 1.0, None, 40.0, Goal(Objective.MIN_POWER, mi_floor=[1.0] * 8))
    assert abs(fl.power_used - fl.floor_power) < 1e-12 and np.max(np.abs(fl.mi - 1.0)) < 1e-9
    # out of reach within P_max: infeasible, with the budget it would need
    far = goal_optimum(g, 1.0, None, 5.0, Goal(Objective.MIN_POWER, sum_mi_min=10.0))
    assert not far.feasible and "infeasible" in far.reason and abs(far.needed_power - o.power_used) < 1e-6
    never = goal_optimum(g, 1.0, None, 5.0, Goal(Objective.MIN_POWER, sum_mi_min=15.99, mi_cap=[1.0] + [np.inf] * 7))
    assert not never.feasible and never.needed_power == math.inf


def test_equivalent_weights_reproduce_the_goal_point():
    g = 10 ** np.linspace(-1, 1, 10)
    o = goal_optimum(g, 1.0, None, 25.0, Goal(mi_floor=[1.2] + [0] * 9, mi_cap=[np.inf] * 9 + [1.0]))
    w = equivalent_weights(g, o.power, get_table("qpsk"))
    plain = certified_optimum(g, 1.0, w, 25.0)
    assert np.max(np.abs(plain.mi - o.mi)) < 1e-5  # the inverse-slope table: ~1e-6 bits


def test_project_box_is_feasible_and_a_projection():
    rng = np.random.default_rng(2)
    for _ in range(50):
        n = int(rng.integers(2, 40))
        lo = rng.uniform(0, 1, n) * (rng.random(n) < 0.5)
        hi = lo + rng.uniform(0, 3, n)
        hi[rng.random(n) < 0.3] = np.inf
        budget = float(lo.sum() + rng.uniform(0, n))
        p = project_box(rng.uniform(0, 5, n), lo, hi, budget)
        assert np.all(p >= lo) and np.all(p <= hi) and p.sum() <= budget


def test_off_wins_over_a_floor_and_a_loose_cap_is_dropped_with_notes():
    from steer_ros.system1.goal import check_goal
    rg = check_goal(Goal(mi_floor=[0.5, 0.5, 0.5], mi_cap=[np.inf, 2.0, np.inf], off=[False, False, True]), 3, 2.0)
    np.testing.assert_array_equal(rg.floors, [0.5, 0.5, 0.0])
    assert rg.caps[1] == np.inf and rg.caps[2] == 0.0
    assert rg.notes == ("cap >= 2 bits (log2 M) on channel 2 bound nothing: dropped",
                        "off wins over the floor on channel 3 (floors kept on the channels that are on)")


@pytest.mark.parametrize("goal, match", [
    (Goal(mi_floor=[2.5, 0, 0]), "mi_floor of channel 1"),
    (Goal(mi_floor=[0, 1.5, 0], mi_cap=[np.inf, 1.0, np.inf]), "channel 2: mi_floor"),
    (Goal(Objective.MIN_POWER), "min_power needs"),
    (Goal(mi_floor=[0, 0]), "one value per channel"),
])
def test_malformed_goals_are_refused_by_name(goal, match):
    with pytest.raises(GoalError, match=match):
        goal_optimum([1.0, 1.0, 1.0], 1.0, None, 10.0, goal)
