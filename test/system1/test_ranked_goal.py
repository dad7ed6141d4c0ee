"""Ranked goals tracked by System 1 (steer_ros.system1.ranked_goal): re-resolved at
every channel update, with hysteresis where ranks cross."""

from __future__ import annotations

import numpy as np
import pytest

from steer_ros import defaults
from steer_ros.system1.goal import Goal
from steer_ros.system1.ranked_goal import GoalSelectors, RankedGoalTracker
from steer_ros.system1.system1 import System1
from steer_ros.system2.reply import parse_reply

N = 8
WEAKEST_OFF = GoalSelectors(off=("weakest:2",), floors=(("all", 0.5),))


def goal_of(selectors: GoalSelectors, c) -> Goal:
    return selectors.resolve_goal(Goal(selectors=selectors), len(c), c)


def test_resolution_combines_as_a_reply_and_off_wins():
    c = np.array([5.0, 1.0, 3.0, 0.5, 4.0, 6.0, 7.0, 8.0])
    goal = goal_of(WEAKEST_OFF, c)
    np.testing.assert_array_equal(np.flatnonzero(goal.off), [1, 3])
    np.testing.assert_array_equal(goal.mi_floor, np.full(8, 0.5))  # as stated; the goal check drops 2 and 4
    from steer_ros.system1.goal import check_goal
    rg = check_goal(goal, 8, 2.0)
    np.testing.assert_array_equal(rg.floors, [0.5, 0, 0.5, 0, 0.5, 0.5, 0.5, 0.5])
    assert rg.notes and rg.notes[0].startswith("off wins over the floor on channels 2, 4")
    caps = GoalSelectors(caps=(("strongest:1", 1.0), ("8", 0.5)))
    np.testing.assert_array_equal(goal_of(caps, c).mi_cap, [np.inf] * 7 + [0.5])


def test_hysteresis_keeps_a_member_until_an_outsider_passes_it_by_the_margin():
    c = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0])
    tracker = RankedGoalTracker(goal_of(WEAKEST_OFF, c), N, c, hysteresis_db=1.0)  # 1 dB = x1.259
    np.testing.assert_array_equal(np.flatnonzero(tracker.current.off), [0, 1])
    # Channel 3 dips below member channel 2 (2.0), but by less than 1 dB: no change.
    assert tracker.update(np.array([1.0, 2.0, 1.8, 4, 5, 6, 7, 8])) is None
    # ... by more than 1 dB (2.0 / 1.259 = 1.59): channel 3 takes channel 2's place.
    goal = tracker.update(np.array([1.0, 2.0, 1.5, 4, 5, 6, 7, 8]))
    np.testing.assert_array_equal(np.flatnonzero(goal.off), [0, 2])
    assert tracker.changes == 1


def test_without_hysteresis_the_set_is_the_exact_ranking():
    rng = np.random.default_rng(1)
    c = rng.exponential(size=64)
    sel = GoalSelectors(off=("weakest:10%",), floors=(("all", 0.5),))
    tracker = RankedGoalTracker(goal_of(sel, c), 64, c, hysteresis_db=0.0)
    for _ in range(50):
        c = c * rng.lognormal(0, 0.3, 64)
        tracker.update(c)
        np.testing.assert_array_equal(np.flatnonzero(tracker.current.off), np.sort(np.argsort(c)[:6]))


def test_the_reply_keeps_ranked_selectors_and_drops_static_ones():
    c = defaults.design_gains(N)
    parsed = parse_reply('{"off": "weakest:1", "floors": {"all": 0.5}}', N, strength=c)
    assert parsed.goal.selectors == GoalSelectors(off=("weakest:1",), floors=(("all", 0.5),))
    assert parse_reply('{"off": "1", "floors": {"all": 0.5}}', N, strength=c).goal.selectors is None


def test_system1_re_resolves_at_every_channel_update_and_reports_a_shortfall():
    gain = defaults.design_gains(N).copy()
    s1 = System1(gain, np.ones(N), p_total=40.0)
    s1.ranked_hysteresis_db = 0.0
    sel = GoalSelectors(off=("weakest:1",), floors=(("all", 1.0),))
    s1.set_command(goal=goal_of(sel, gain))
    weakest = int(np.argmin(gain))
    for _ in range(300):
        s1.step()
    assert s1.power[weakest] == 0.0 and s1.goals_met
    # The weakest channel becomes the strongest and another fades: the off set follows.
    gain2 = gain.copy()
    gain2[weakest] = gain.max() * 2
    gain2[5] = gain.min() / 2
    s1.set_channels(gain2, np.ones(N))
    for _ in range(300):
        s1.step()
    assert s1.power[5] == 0.0 and s1.power[weakest] > 0 and s1.goals_met
    # A fade that no floor set fits: a shortfall, not a refusal; the budget holds.
    s1.set_channels(gain2 * 1e-3, np.ones(N))
    for _ in range(50):
        s1.step()
    assert not s1.goals_met and s1.power.sum() <= 40.0 + 1e-9


def test_a_bad_hysteresis_is_refused():
    with pytest.raises(ValueError, match="hysteresis_db"):
        RankedGoalTracker(goal_of(WEAKEST_OFF, np.ones(N)), N, np.ones(N), hysteresis_db=-1)
