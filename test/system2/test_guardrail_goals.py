"""The guardrail's goal checks (ranges, conflicts, feasibility at P_max) and how it
smooths goals; the feasibility helpers against the certified optimum."""

from __future__ import annotations

import math

import numpy as np
import pytest

from steer_ros import defaults
from steer_ros.radio.mutual_information import get_table
from steer_ros.system1.certified_optimum import certified_optimum, min_budget_for_sum_mi
from steer_ros.system1.goal import Goal, Objective
from steer_ros.system1.goal_optimum import floor_power, max_sum_mi
from steer_ros.system2.guardrail import Guardrail
from steer_ros.system2.steer_decision import Status, SteerDecision

N = 8
GAIN = defaults.design_gains(N)
NOISE = np.ones(N)


def current(goal: Goal | None = None, p: float = 40.0) -> SteerDecision:
    return SteerDecision(weights=np.full(N, 1.0 / N), p_total=p, goal=goal if goal is not None else Goal())


def propose(goal: Goal, p: float = math.nan) -> SteerDecision:
    return SteerDecision(weights=np.ones(N), p_total=p, goal=goal)


def floors(**by_channel) -> np.ndarray:
    f = np.zeros(N)
    for key, value in by_channel.items():
        f[int(key[1:]) - 1] = value
    return f


def apply(goal: Goal, alpha=1.0, cur: SteerDecision | None = None, constellation="qpsk", with_channels=True):
    g = Guardrail(alpha=alpha, constellation=constellation)
    kw = dict(gain=GAIN, noise_var=NOISE) if with_channels else {}
    return g.apply(propose(goal), cur or current(), N, **kw)


# -- feasibility helpers ---------------------------------------------------------------
def mi_inverse(bits, constellation="qpsk"):
    """I^-1, the one the guardrail's feasibility check uses (MITable.snr_for_mi)."""
    return get_table(constellation).snr_for_mi(bits)


@pytest.mark.parametrize("constellation", ["qpsk", "16qam"])
def test_mi_inverse_inverts_the_table(constellation):
    table = get_table(constellation)
    bits = np.linspace(0.0, table.bits, 41)[1:-1]
    np.testing.assert_allclose(table.mi(mi_inverse(bits, constellation)), bits, atol=1e-9)
    assert mi_inverse(table.bits, constellation) == np.inf and mi_inverse(0.0, constellation) == 0.0


def test_floor_power_is_the_inverse_over_the_gain_and_zero_where_off():
    f = floors(c1=1.5, c8=1.9)
    need = floor_power(f, GAIN, NOISE)
    assert need[0] == pytest.approx(mi_inverse(1.5) / GAIN[0]) and need[7] == pytest.approx(mi_inverse(1.9) / GAIN[7])
    assert np.all(need[1:7] == 0)
    off = np.zeros(N, dtype=bool)
    off[0] = True
    assert floor_power(f, GAIN, NOISE, off)[0] == 0
    assert floor_power(floors(c2=1.0), np.r_[1.0, 0.0, np.ones(6)], NOISE)[1] == np.inf


def test_max_sum_mi_without_boxes_is_the_certified_equal_weight_optimum():
    best = max_sum_mi(GAIN, NOISE, 40.0, Goal())
    assert best == pytest.approx(certified_optimum(GAIN, NOISE, np.full(N, 1 / N), 40.0).total_mi, abs=1e-6)
    b = min_budget_for_sum_mi(GAIN, NOISE, 10.0)
    assert max_sum_mi(GAIN, NOISE, b, Goal()) == pytest.approx(10.0, abs=1e-6)


def test_max_sum_mi_respects_caps_off_and_floors():
    assert max_sum_mi(GAIN, NOISE, 40.0, Goal(mi_cap=np.full(N, 1.0))) == pytest.approx(8.0, abs=1e-6)
    off = np.zeros(N, dtype=bool)
    off[:2] = True
    assert max_sum_mi(GAIN, NOISE, 40.0, Goal(off=off)) <= 12.0 + 1e-9
    floored = max_sum_mi(GAIN, NOISE, 40.0, Goal(mi_floor=floors(c1=1.9)))
    assert floored < max_sum_mi(GAIN, NOISE, 40.0, Goal())
    assert max_sum_mi(GAIN, NOISE, 40.0, Goal(mi_floor=np.full(N, 1.95))) == -math.inf


# -- checks ----------------------------------------------------------------------------
def test_feasible_floors_pass_and_are_carried():
    out = apply(Goal(mi_floor=floors(c1=1.5)))
    assert out.status == Status.OK, out.status_detail
    np.testing.assert_array_equal(out.goal.mi_floor, floors(c1=1.5))
    assert "goal weighted_sum; floors 1.5 bits on 1" in out.status_detail


@pytest.mark.parametrize("goal,detail", [
    (Goal(mi_floor=np.full(N, 1.9)), "infeasible_goal: floors need P = 58.5 > P_max = 40"),
    (Goal(mi_floor=floors(c1=2.5)), "bad_goal: floor 2.5 bits on channel 1 is outside [0, 2]"),
    (Goal(mi_floor=floors(c2=-0.1)), "bad_goal: floor -0.1 bits on channel 2 is outside [0, 2]"),
    (Goal(mi_floor=np.r_[np.nan, np.zeros(7)]), "bad_goal: floor nan bits on channel 1"),
    (Goal(mi_cap=np.r_[np.full(7, np.inf), -0.5]), "bad_goal: cap -0.5 bits on channel 8 is outside [0, 2]"),
    (Goal(mi_floor=floors(c3=1.5), mi_cap=np.r_[np.inf, np.inf, 1.0, np.full(5, np.inf)]),
     "goal_conflict: floor 1.5 > cap 1 bits on channel 3"),
    (Goal(off=np.ones(N, dtype=bool)), "goal_conflict: every channel (1-8) is off"),
    (Goal(objective=Objective.MIN_POWER), "goal_incomplete: min_power needs floors or sum_mi_min"),
    (Goal(sum_mi_min=17.0), "bad_goal: sum_mi_min 17 bits is outside [0, 16]"),
    (Goal(sum_mi_min=15.0), "infeasible_goal: sum_mi_min 15 bits > 14.48 bits, the most P_max = 40 reaches"),
    (Goal(sum_mi_min=9.0, mi_cap=np.full(N, 1.0)), "infeasible_goal: sum_mi_min 9 bits >= 8"),
    (Goal(mi_floor=np.ones(7)), "wrong_length: mi_floor has 7 entries for 8 channels"),
])
def test_bad_goals_fall_back_with_the_reason(goal, detail):
    cur = current(Goal(mi_floor=floors(c2=0.5)), p=30.0)
    out = apply(goal, cur=cur)
    assert out.status == Status.FALLBACK
    assert out.status_detail.startswith(detail), out.status_detail
    # The command in force, goal included, is kept untouched.
    assert out.p_total == 30.0
    np.testing.assert_array_equal(out.goal.mi_floor, floors(c2=0.5))


@pytest.mark.parametrize("goal,note,floor,cap", [
    # "weakest 10% off, every channel above 0.5 bit": off wins, the floors stay on the rest.
    (Goal(mi_floor=np.full(N, 0.5), off=np.r_[True, np.zeros(7, dtype=bool)]),
     "off wins over the floor on channel 1 (floors kept on the channels that are on)",
     np.r_[0.0, np.full(7, 0.5)], None),
    # A cap at or above log2 M bounds nothing.
    (Goal(mi_cap=np.r_[np.full(6, np.inf), 2.0, 2.5]), "caps >= 2 bits (log2 M) on channels 7-8 bound nothing: dropped",
     None, None),
])
def test_goals_with_one_obvious_reading_are_applied_with_a_note(goal, note, floor, cap):
    out = apply(goal)
    assert out.status == Status.OK
    assert out.status_detail.startswith("adjusted: " + note), out.status_detail
    if floor is None:
        assert out.goal.mi_floor is None
    else:
        np.testing.assert_array_equal(out.goal.mi_floor, floor)
    assert out.goal.mi_cap is None


def test_the_parser_notes_travel_into_the_accepted_detail():
    raw = propose(Goal()).with_(status_detail="adjusted: read the reply as json5 (not strict JSON) | parsed 8 weights")
    out = Guardrail().apply(raw, current(), N)
    assert out.status == Status.OK
    assert out.status_detail.startswith("adjusted: read the reply as json5 (not strict JSON)"), out.status_detail


def test_the_ceiling_follows_the_constellation():
    goal = Goal(mi_floor=floors(c8=3.0))
    assert apply(goal).status == Status.FALLBACK
    out = apply(goal, constellation="16qam")
    assert out.status == Status.OK, out.status_detail


def test_feasibility_needs_the_channel_state():
    out = apply(Goal(mi_floor=np.full(N, 1.9)), with_channels=False)
    assert out.status == Status.OK  # the range checks pass; System 1 reports shortfalls


def test_min_power_with_a_reachable_sum_passes():
    out = apply(Goal(objective=Objective.MIN_POWER, sum_mi_min=12.0))
    assert out.status == Status.OK and out.goal.objective == Objective.MIN_POWER and out.goal.sum_mi_min == 12


# -- smoothing ---------------------------------------------------------------------------
def test_floors_and_caps_are_smoothed_in_bits_objective_and_off_at_once():
    cur = current(Goal(mi_floor=floors(c1=1.0), mi_cap=np.r_[np.full(7, np.inf), 1.5]))
    off = np.r_[np.zeros(6, dtype=bool), True, False]
    new = Goal(objective=Objective.MAX_MIN, mi_floor=floors(c1=1.8, c2=1.0),
               mi_cap=np.r_[np.full(7, np.inf), 1.0], off=off)
    out = apply(new, alpha=0.5, cur=cur)
    assert out.status == Status.OK, out.status_detail
    np.testing.assert_allclose(out.goal.mi_floor, floors(c1=1.4, c2=0.5))
    assert out.goal.mi_cap[7] == pytest.approx(1.25)
    assert out.goal.objective == Objective.MAX_MIN
    np.testing.assert_array_equal(out.goal.off_mask(N), off)


def test_a_cap_that_appears_switches_at_once_and_bounds_the_smoothed_floor():
    cur = current(Goal(mi_floor=floors(c3=1.8)))
    new = Goal(mi_floor=floors(c3=0.9), mi_cap=np.r_[np.inf, np.inf, 1.0, np.full(5, np.inf)])
    out = apply(new, alpha=0.5, cur=cur)
    assert out.goal.mi_cap[2] == 1.0
    assert out.goal.mi_floor[2] == pytest.approx(1.0)  # EMA 1.35, held at the cap


def test_a_removed_floor_decays_then_disappears():
    g = Guardrail(alpha=0.6)
    cmd = g.apply(propose(Goal(mi_floor=floors(c1=1.5))), current(), N, GAIN, NOISE)
    for _ in range(12):
        cmd = g.apply(propose(Goal()), cmd, N, GAIN, NOISE)
    assert cmd.goal.is_plain and cmd.status == Status.OK


def test_smoothed_floors_stay_feasible():
    """L(f) is convex in f: the EMA of two feasible floor sets is feasible."""
    g = Guardrail(alpha=0.6)
    a = Goal(mi_floor=np.r_[1.8, 1.8, np.zeros(6)])
    b = Goal(mi_floor=np.r_[np.zeros(6), 1.95, 1.95])
    cmd = g.apply(propose(a), current(), N, GAIN, NOISE)
    for goal in (b, a, b, a):
        cmd = g.apply(propose(goal), cmd, N, GAIN, NOISE)
        assert cmd.status == Status.OK
        assert np.sum(floor_power(cmd.goal.floors(N), GAIN, NOISE)) <= 40.0


def test_kept_and_fallback_keep_the_goal_in_force():
    cur = current(Goal(objective=Objective.MAX_MIN))
    kept = Guardrail().apply(SteerDecision(weights=np.ones(N), status=Status.KEPT, status_detail="k"), cur, N)
    assert kept.goal.objective == Objective.MAX_MIN


def test_a_current_goal_of_another_length_is_cleared():
    cur = current(Goal(mi_floor=np.ones(4)))
    out = Guardrail(alpha=1.0).apply(propose(Goal()), cur, N)
    assert out.status == Status.OK and out.goal.is_plain
    assert "current goal invalid (wrong_length: mi_floor has 4 entries for 8 channels): cleared" in out.status_detail


def test_enforce_rejects_bad_goals_but_not_run_time_infeasibility():
    g = Guardrail()
    bad = g.enforce(propose(Goal(mi_floor=floors(c1=3.0))), N)
    assert bad.status == Status.REJECTED and bad.status_detail.startswith("bad_goal: floor 3 bits")
    heavy = g.enforce(propose(Goal(mi_floor=np.full(N, 1.9))), N)
    assert heavy.status == Status.OK
