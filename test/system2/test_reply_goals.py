"""The reply language's goal fields: every form (map and list, selectors, overlaps,
weights as a map) and every refusal, each naming what was wrong."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from steer_ros.lab.fixtures import design_snapshot
from steer_ros.system1.goal import Objective
from steer_ros.system2 import Navigator, ReplyError, parse_reply
from steer_ros.system2.backends.scripted_backend import ScriptedBackend, ScriptStep
from steer_ros.system2.steer_decision import Status

N = 8
#: c_i increasing with i (the design gains): weakest = channel 1, strongest = channel 8.
STRENGTH = np.arange(1.0, N + 1)


def parse(obj, n=N, strength=STRENGTH):
    return parse_reply(json.dumps(obj), n, strength=strength)


def test_the_papers_reply_is_unchanged_and_has_the_plain_goal():
    r = parse({"weights": [1] * N, "P_total": 30, "reasoning": "r", "mood": "ignored"})
    assert r.goal.is_plain and r.p_total == 30
    np.testing.assert_allclose(r.weights, 1)


def test_floors_map_and_list_forms_agree():
    as_map = parse({"weights": [1] * N, "floors": {"1-3": 1.5, "weakest:2": 0.8}})
    as_list = parse({"weights": [1] * N, "floors": [{"channels": "1-3", "bits": 1.5},
                                                     {"channels": "weakest:2", "bits": 0.8}]})
    np.testing.assert_array_equal(as_map.goal.mi_floor, [1.5, 1.5, 1.5, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(as_list.goal.mi_floor, as_map.goal.mi_floor)


def test_overlaps_take_the_larger_floor_and_the_smaller_cap():
    r = parse({"weights": [1] * N, "floors": {"all": 0.5, "2-3": 1.2}, "caps": {"even": 1.8, "1-2": 1.0}})
    np.testing.assert_array_equal(r.goal.mi_floor, [0.5, 1.2, 1.2, 0.5, 0.5, 0.5, 0.5, 0.5])
    np.testing.assert_array_equal(r.goal.mi_cap, [1.0, 1.0, np.inf, 1.8, np.inf, 1.8, np.inf, 1.8])


@pytest.mark.parametrize("off,expected", [
    ("8", [7]), (["1-2", "strongest:1"], [0, 1, 7]), (3, [2]), ("odd", [0, 2, 4, 6]), ([], []),
])
def test_off_as_selector_or_list(off, expected):
    r = parse({"weights": [1] * N, "off": off})
    assert list(np.flatnonzero(r.goal.off_mask(N))) == expected


def test_objective_and_sum_floor_without_weights_means_uniform_weights():
    r = parse({"objective": "min_power", "sum_mi_min": "12.5"})
    assert r.goal.objective == Objective.MIN_POWER and r.goal.sum_mi_min == 12.5
    np.testing.assert_allclose(r.weights, 1)
    assert parse({"objective": "MAX_MIN"}).goal.objective == Objective.MAX_MIN


def test_weights_map_unlisted_one_and_last_key_wins():
    r = parse({"weights": {"7-8": 4, "8": 2}})
    np.testing.assert_array_equal(r.weights, [1, 1, 1, 1, 1, 1, 4, 2])
    assert r.goal.is_plain


def test_structured_output_shape_with_empty_goal_fields_is_plain():
    r = parse({"reasoning": "r", "weights": [1] * N, "P_total": 40, "objective": "weighted_sum",
               "floors": [], "caps": [], "off": [], "sum_mi_min": None})
    assert r.goal.is_plain and math.isnan(r.goal.sum_mi_min)


def test_ranked_selectors_follow_the_strength_given():
    reverse = STRENGTH[::-1].copy()
    r = parse({"weights": [1] * N, "floors": {"weakest:25%": 1.0}}, strength=reverse)
    np.testing.assert_array_equal(np.flatnonzero(r.goal.floors(N)), [6, 7])


@pytest.mark.parametrize("obj,code,detail", [
    ({"floors": [{"channels": "1", "bitz": 1}]}, "bad_goal", "floors: key 'bitz' unknown"),
    ({"caps": [{"channels": "1"}]}, "bad_goal", "caps[0]: missing 'bits'"),
    ({"caps": [3]}, "bad_goal", "caps[0]: must be an object"),
    ({"floors": "1=1.5"}, "bad_goal", "floors: must be a map"),
    ({"floors": {"1": "lots"}}, "bad_goal", "floors '1': bits 'lots' is not a number"),
    ({"floors": {"1": -0.5}}, "bad_goal", "floors '1': -0.5 bits is negative"),
    ({"caps": {"1": "nan"}}, "bad_goal", "caps '1': bits nan is not finite"),
    ({"sum_mi_min": "x"}, "bad_goal", "sum_mi_min: bits 'x' is not a number"),
    ({"sum_mi_min": -1}, "bad_goal", "sum_mi_min: -1 bits is negative"),
    ({"off": [True]}, "bad_goal", "off: must be a selector"),
    ({"off": {"1": 1}}, "bad_goal", "off: must be a selector"),
    ({"objective": "fair"}, "bad_objective", "'fair' is not one of weighted_sum, max_min, min_power"),
    ({"objective": 1}, "bad_objective", "objective must be a string"),
    ({"floors": {"9": 1}}, "bad_selector", "floors: selector '9': channel 9 is outside 1..8"),
    ({"caps": {"3-12": 1}}, "bad_selector", "caps: selector '3-12': range 3-12 is outside 1..8"),
    ({"off": "weakest:9"}, "bad_selector", "off: selector 'weakest:9'"),
    ({"floors": {"bits": 1}}, "bad_selector", "floors: selector 'bits': cannot read"),
    ({"weights": {"0": 1}}, "bad_selector", "weights: selector '0'"),
    ({"weights": {"1": "x"}}, "not_a_number", "weight of '1' is"),
    ({"weights": {"1": 1e400}}, "non_finite", "weight of '1' is inf"),
])
def test_bad_goals_are_refused_by_name(obj, code, detail):
    obj = {"weights": [1] * N, **obj} if "weights" not in obj else obj
    with pytest.raises(ReplyError) as info:
        parse(obj)
    assert info.value.code == code
    assert detail in str(info.value), str(info.value)


def test_ranked_selector_without_strength_is_refused():
    with pytest.raises(ReplyError, match="bad_selector: floors: selector 'weakest:2': ranking"):
        parse({"weights": [1] * N, "floors": {"weakest:2": 1}}, strength=None)


def test_navigator_resolves_selectors_against_the_calls_snapshot():
    snap = design_snapshot()  # design gains increase with the index
    reply = json.dumps({"objective": "max_min", "off": "weakest:2", "caps": {"strongest:1": 1.5}})
    decision = Navigator(ScriptedBackend([ScriptStep(reply=reply)]), system_prompt="x").decide(snap, "p")
    assert decision.status == Status.OK, decision.status_detail
    assert list(np.flatnonzero(decision.goal.off_mask(N))) == [0, 1]
    assert decision.goal.caps(N)[7] == 1.5 and np.isinf(decision.goal.caps(N)[:7]).all()
    assert "and a goal (max_min; caps 1.5 bits on 8; off 1-2)" in decision.status_detail


def test_navigator_bad_goal_is_a_fallback_with_the_reason():
    reply = json.dumps({"weights": [1] * N, "floors": [{"channels": "1", "bitz": 1}]})
    decision = Navigator(ScriptedBackend([ScriptStep(reply=reply)]), system_prompt="x").decide(design_snapshot(), "p")
    assert decision.status == Status.FALLBACK
    assert decision.status_detail.startswith("bad_goal: floors: key 'bitz' unknown")
