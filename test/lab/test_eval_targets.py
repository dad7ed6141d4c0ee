"""The eval target language (steer_ros/lab/evaluation/targets.py) on hand-made
operating points: each form holds and fails where it should."""

from __future__ import annotations

import numpy as np
import pytest

from steer_ros import defaults
from steer_ros.lab.evaluation.targets import OperatingPoint, TargetError, parse_predicate, parse_target
from steer_ros.system1.certified_optimum import certified_optimum, min_budget_for_sum_mi

GAIN = defaults.design_gains()


def point(mi, power=None, weights=None, p_total=40.0, gain=GAIN, p_max=40.0):
    n = len(mi)
    return OperatingPoint(gain=np.asarray(gain, float), noise_var=np.ones(n), mi=np.asarray(mi, float),
                          power=np.full(n, p_total / n) if power is None else np.asarray(power, float),
                          weights=np.full(n, 1 / n) if weights is None else np.asarray(weights, float),
                          p_total=p_total, p_max=p_max)


P4 = point([0.0, 0.01, 0.04, 1.95, 1.96, 1.97, 1.98, 1.99])


@pytest.mark.parametrize("text, expected", [
    ("mi[1-3] <= 0.05", True),
    ("mi[1-4] <= 0.05", False),          # every entry must hold
    ("mi[weakest:3] <= 0.05", True),     # ranked by the gains: channels 1-3
    ("mi[strongest:3] <= 0.05", False),
    ("mi[4-8] >= 1.9", True),
    ("mi[4-8] > 1.95", False),           # channel 4 is exactly 1.95
    ("sum_mi in [10, 10.5]", False),
    ("sum_mi in [9.85, 9.95]", True),    # 9.9
    ("spread <= 0.05", False),
    ("spread(mi[4-8]) <= 0.05", True),
    ("max(mi[1-3]) == 0.04", True),
    ("mean(mi[even]) >= mean(mi[odd])", True),
    ("mi[1] != 0", False),
])
def test_predicates_on_a_shutdown_point(text, expected):
    assert parse_predicate(text).holds(P4) is expected


def test_argmax_is_a_channel_number_with_ties_to_the_lower_channel():
    p = point(np.ones(8), weights=[1, 1, 1, 1, 1, 1, 4, 4])
    assert parse_predicate("argmax(weights) in {7, 8}").holds(p)
    assert parse_predicate("argmax(weights) == 7").holds(p)
    assert not parse_predicate("argmax(weights) == 8").holds(p)
    assert parse_predicate("argmin(weights[4-8]) == 4").holds(p)  # the channel, not the position
    assert not parse_predicate("argmax(weights) in {1, 2}").holds(p)


def test_power_comparison_and_arithmetic():
    p = point(np.ones(8), power=[9, 1, 3, 1, 1, 1, 1, 1], p_total=18.0)
    assert parse_predicate("power[1] >= power[3]").holds(p)
    assert not parse_predicate("power[2] >= power[3]").holds(p)
    assert parse_predicate("power[1] == 3 * power[3]").holds(p)
    assert parse_predicate("power_used <= p_total").holds(p)
    assert parse_predicate("p_total <= p_max / 2").holds(p)
    assert not parse_predicate("p_total <= p_max / 2 - 2.5").holds(p)
    assert parse_predicate("-power[2] < 0").holds(p)
    assert parse_predicate("(power[1] + power[3]) / 2 == 6").holds(p)


def test_optimum_is_the_certified_equal_weight_maximum_at_the_budget_in_force():
    opt20 = certified_optimum(GAIN, 1.0, None, 20.0).total_mi
    at = point(np.full(8, opt20 / 8), p_total=20.0)
    assert parse_predicate("sum_mi >= optimum - 1e-9").holds(at)
    low = point(np.full(8, (opt20 - 0.02) / 8), p_total=20.0)
    assert not parse_predicate("sum_mi >= optimum - 0.01").holds(low)
    assert parse_predicate("optimum < 11.9").holds(at) and parse_predicate("optimum > 11.8").holds(at)


def test_least_budget_matches_the_certified_solver():
    need = min_budget_for_sum_mi(GAIN, 1.0, 10.0)
    assert 13.0 < need < 13.4
    assert parse_predicate("p_total <= 1.05 * least_budget(sum_mi >= 10)").holds(point(np.ones(8), p_total=need * 1.04))
    assert not parse_predicate("p_total <= 1.05 * least_budget(sum_mi >= 10)").holds(
        point(np.ones(8), p_total=need * 1.06))


def test_measure_reports_the_left_side():
    assert parse_predicate("mi[1-2] <= 1").measure(P4) == [0.0, 0.01]
    assert parse_predicate("sum_mi >= 1").measure(P4) == [pytest.approx(9.9)]


@pytest.mark.parametrize("text, words", [
    ("", ["non-empty"]),
    ("sum_mi", ["expected a comparison"]),
    ("sum_mi >=", ["ends early"]),
    ("foo >= 1", ["unknown quantity 'foo'"]),
    ("mi[weakest:x] <= 1", ["selector 'weakest:x'"]),
    ("mi[0] <= 1", ["selector '0'"]),
    ("sum_mi in 3", ["needs a range"]),
    ("sum_mi in [1, 2", ["']' closing the range"]),
    ("sum_mi >= 1 2", ["unexpected '2'"]),
    ("least_budget(p_total >= 3) > 1", ["least_budget(sum_mi >= X)"]),
    ("sum_mi >= 1 $", ["cannot read '$'"]),
])
def test_parse_errors_name_the_predicate(text, words):
    with pytest.raises(TargetError) as info:
        parse_predicate(text)
    assert f"target {text!r}" in str(info.value) or text == ""
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("text, words", [
    ("mi[9] <= 1", ["'mi[9] <= 1'", "channel 9 is outside 1..8"]),
    ("power[1-2] >= power[1-3]", ["between 2 and 3 values"]),
    ("sum_mi >= least_budget(sum_mi >= 17)", ["unreachable"]),
    ("argmax(sum_mi) == 1", ["needs a channel vector"]),
])
def test_evaluation_errors_name_the_predicate(text, words):
    with pytest.raises(TargetError) as info:
        parse_predicate(text).holds(P4)
    for word in words:
        assert word in str(info.value)


def test_target_forms():
    assert parse_target("decline") == "decline"
    assert len(parse_target(["mi[1] <= 1", "sum_mi >= 0"])) == 2
    assert len(parse_target("mi[1] <= 1")) == 1
    for bad in ([], None, ["decline", "mi[1] <= 1"], 3):
        with pytest.raises(TargetError):
            parse_target(bad)


def test_p_start_is_the_initial_budget_so_a_relative_budget_can_be_judged():
    third_off = "p_total in [2 / 3 * p_start - 0.5, 2 / 3 * p_start + 0.5]"
    at20 = point(np.ones(8), p_total=20.0)
    at20.p_start = 30.0
    assert parse_predicate(third_off).holds(at20)
    assert parse_predicate("p_start == 30").holds(at20)
    at20.p_start = 40.0  # the same budget read against P_max = 40 is a different cut
    assert not parse_predicate(third_off).holds(at20)


def test_p_start_without_a_case_is_refused_naming_it():
    with pytest.raises(TargetError) as info:
        parse_predicate("p_total <= p_start").holds(point(np.ones(8)))
    assert "p_start" in str(info.value) and "initial budget" in str(info.value)
