"""A goal by ranked selector through SteerCommand: the selectors travel beside the
resolved arrays (older readers keep working), and malformed selector fields are refused."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("steer_ros.msg", reason="steer_ros messages are not built (make setup)")

from steer_ros import defaults
from steer_ros.ros.conversions import decision_from_msg, decision_msg
from steer_ros.system2.reply import parse_reply
from steer_ros.system2.steer_decision import SteerDecision
from steer_ros.validation import InvalidInput

N = 8


def test_selectors_round_trip_beside_the_resolved_arrays():
    c = defaults.design_gains(N)
    goal = parse_reply('{"off": "weakest:1", "floors": {"all": 0.5}}', N, strength=c).goal
    msg = decision_msg(SteerDecision(weights=np.ones(N), p_total=30.0, goal=goal))
    assert list(msg.off_selectors) == ["weakest:1"] and list(msg.floor_selectors) == ["all"]
    assert list(msg.floor_selector_bits) == [0.5] and len(msg.off) == N and len(msg.mi_floor) == N
    back = decision_from_msg(msg)
    assert back.goal.selectors == goal.selectors
    np.testing.assert_array_equal(back.goal.off, goal.off)


def test_a_plain_goal_has_no_selector_fields():
    msg = decision_msg(SteerDecision(weights=np.ones(N), p_total=30.0))
    assert list(msg.off_selectors) == [] and decision_from_msg(msg).goal.selectors is None


@pytest.mark.parametrize("field,value,match", [
    ("floor_selector_bits", [0.5, 0.5], "2 values for 1 floor_selectors"),
    ("floor_selector_bits", [float("nan")], "not a finite number"),
])
def test_malformed_selector_fields_are_refused(field, value, match):
    c = defaults.design_gains(N)
    goal = parse_reply('{"off": "weakest:1", "floors": {"all": 0.5}}', N, strength=c).goal
    msg = decision_msg(SteerDecision(weights=np.ones(N), p_total=30.0, goal=goal))
    setattr(msg, field, value)
    with pytest.raises(InvalidInput, match=match):
        decision_from_msg(msg)


def test_an_unreadable_selector_is_refused():
    c = defaults.design_gains(N)
    goal = parse_reply('{"off": "weakest:1"}', N, strength=c).goal
    msg = decision_msg(SteerDecision(weights=np.ones(N), p_total=30.0, goal=goal))
    msg.off_selectors = ["weakest:zero"]
    with pytest.raises(InvalidInput, match="goal selectors"):
        decision_from_msg(msg)
