"""``steer-ros optimize`` with goals: --objective, --floor, --cap, --off, --sum-mi-min."""

import json

import pytest

from steer_ros import defaults
from steer_ros.cli import main

GAINS = "0.25,0.4133,0.6173,0.8622,1.148,1.4745,1.8418,2.25"


def run(capsys, *extra, rc=0):
    code = main(["optimize", "--gains", GAINS, "--p-total", "40", "--json", *extra])
    captured = capsys.readouterr()
    assert code == rc, captured.err
    return (json.loads(captured.out) if captured.out else None), captured.err


def test_floors_and_caps_are_met_and_certified(capsys):
    d, _ = run(capsys, "--floor", "1=1.9", "--floor", "4-6=1.5", "--cap", "8=1.0")
    assert d["goals_met"] and d["feasible"] and d["mi_shortfall"] == [0.0] * 8
    assert d["mi"][0] >= 1.9 - 1e-9 and min(d["mi"][3:6]) >= 1.5 - 1e-9 and d["mi"][7] <= 1.0 + 1e-9
    assert abs(d["optimality_gap"]) < 1e-9 and d["optimality_gap_unit"] == "bits"
    assert d["power_used"] <= 40.0 * (1 + 1e-12)
    assert d["optimum"]["mi"] == pytest.approx(d["mi"], abs=1e-6)


def test_overlapping_selectors_take_the_larger_floor_and_the_smaller_cap(capsys):
    d, _ = run(capsys, "--floor", "1-3=1.0", "--floor", "weakest:1=1.5", "--cap", "7-8=1.8", "--cap", "8=1.2")
    assert d["mi_floor"][:3] == [1.5, 1.0, 1.0] and d["mi_cap"][6:] == [1.8, 1.2]


def test_max_min_with_off_channel(capsys):
    d, _ = run(capsys, "--objective", "max_min", "--off", "weakest:1")
    assert d["power"][0] == 0.0
    assert max(d["mi"][1:]) - min(d["mi"][1:]) < 1e-6
    assert d["optimum"]["level"] == pytest.approx(min(d["mi"][1:]), abs=1e-6)


def test_min_power_reports_power_above_the_least(capsys):
    d, _ = run(capsys, "--objective", "min_power", "--sum-mi-min", "12")
    assert d["sum_mi"] == pytest.approx(12.0, abs=1e-6) and d["power_used"] < 40.0
    assert d["optimality_gap_unit"] == "power" and abs(d["optimality_gap"]) < 1e-6


def test_infeasible_goal_exits_nonzero_with_what_it_needs(capsys):
    d, err = run(capsys, "--floor", "1-2=1.9", "--p-total", "20", rc=1)
    assert "infeasible" in err and "floors need P = " in err and "P_max = 20" in err
    assert not d["goals_met"] and not d["feasible"] and d["mi_shortfall"][0] > 0


@pytest.mark.parametrize("extra, match", [
    (["--floor", "9=1.0"], "outside 1..8"),
    (["--floor", "1"], "SEL=BITS"),
    (["--cap", "1=x"], "not a number"),
    (["--floor", "1=1.5", "--cap", "1=1.0"], "above its mi_cap"),
    (["--objective", "min_power"], "min_power needs"),
])
def test_bad_goal_arguments_exit_2_naming_the_problem(capsys, extra, match):
    _, err = run(capsys, *extra, rc=2)
    assert match in err


def test_choice_lists_are_named_once():
    from steer_ros.radio.constellations import CONSTELLATIONS
    from steer_ros.radio.mutual_information import ESTIMATORS
    from steer_ros.system1.goal import Objective
    from steer_ros.system1.system1 import MODES

    assert defaults.CONSTELLATIONS == CONSTELLATIONS and defaults.ESTIMATORS == ESTIMATORS
    assert defaults.OPTIMIZER_MODES == MODES
    assert defaults.OBJECTIVES == tuple(o.name.lower() for o in Objective)
