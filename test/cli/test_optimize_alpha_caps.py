"""``steer-ros optimize``: --objective alpha_fair, --alpha, --power-cap, and the status,
shadow price and least budget of --json."""

import json

import pytest

from steer_ros.cli import main

GAINS = "0.25,0.4133,0.6173,0.8622,1.148,1.4745,1.8418,2.25"


def run(capsys, *extra, rc=0, p_total="40"):
    code = main(["optimize", "--gains", GAINS, "--p-total", p_total, "--json", *extra])
    captured = capsys.readouterr()
    assert code == rc, captured.err
    return (json.loads(captured.out) if captured.out else None), captured.err


def test_alpha_fair_with_power_caps_converges_to_its_certificate(capsys):
    d, _ = run(capsys, "--objective", "alpha_fair", "--alpha", "2", "--power-cap", "8=3", "--power-cap", "7-8=4")
    assert d["alpha"] == 2.0 and d["power_cap"][6:] == [4.0, 3.0]  # overlapping: the smaller cap
    assert d["power"][7] <= 3.0 * (1 + 1e-12) and d["power"][6] <= 4.0 * (1 + 1e-12)
    assert d["status"] == "CONVERGED" and abs(d["optimality_gap"]) < 1e-9 and d["optimality_gap_unit"] == "utility"
    assert d["least_budget"] == 0.0 and d["shadow_price"] > 0


@pytest.mark.parametrize("extra", [[], ["--objective", "alpha_fair", "--alpha", "0.5"], ["--objective", "max_min"],
                                   ["--floor", "1=1.0", "--power-cap", "all=6"]])
def test_shadow_price_is_the_derivative_of_the_optimal_objective(capsys, extra):
    h = 1e-4
    d, _ = run(capsys, *extra)
    up, _ = run(capsys, *extra, p_total=str(40 + h))
    down, _ = run(capsys, *extra, p_total=str(40 - h))
    key = "weighted_mi" if not extra else "value"
    fd = ((up["optimum"][key] - down["optimum"][key]) / (2 * h))
    assert d["shadow_price"] == pytest.approx(fd, rel=1e-4)


def test_infeasible_floors_report_status_and_least_budget(capsys):
    d, err = run(capsys, "--floor", "all=1.8", rc=1)
    assert d["status"] == "INFEASIBLE" and d["least_budget"] > 40.0
    assert d["least_budget"] == pytest.approx(d["optimum"]["floor_power"])
    ok, _ = run(capsys, "--floor", "all=1.8", p_total=str(d["least_budget"] * (1 + 1e-9)))
    assert ok["status"] == "CONVERGED" and ok["goals_met"]


@pytest.mark.parametrize("extra, message", [
    (["--objective", "alpha_fair", "--alpha", "21"], "bad_alpha: alpha 21 is outside [0, 20]"),
    (["--objective", "alpha_fair", "--alpha", "nan"], "bad_alpha"),
    (["--alpha", "2"], "--alpha: only with --objective alpha_fair"),
    (["--power-cap", "3=-1"], "--power-cap: '3=-1': a power cap must be >= 0"),
    (["--power-cap", "3"], "--power-cap: expected SEL=P"),
    (["--power-cap", "3=lots"], "is not a power"),
])
def test_bad_alpha_and_power_caps_exit_2_naming_the_argument(capsys, extra, message):
    _, err = run(capsys, *extra, rc=2)
    assert message in err
