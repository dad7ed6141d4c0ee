import json
import subprocess
import sys

import pytest

from steer_ros.cli import main

GAINS = "0.25,0.4133,0.6173,0.8622,1.148,1.4745,1.8418,2.25"


def run_json(capsys, *extra):
    rc = main(["optimize", "--gains", GAINS, "--p-total", "40", "--json", *extra])
    assert rc == 0
    return json.loads(capsys.readouterr().out)


def test_must_show_sum_mi_within_1e3_of_certified_optimum_and_b1_below_b0(capsys):
    d = run_json(capsys)
    assert d["n"] == 8 and d["mode"] == "default" and len(d["power"]) == 8
    assert abs(d["sum_mi"] - d["optimum"]["sum_mi"]) < 1e-3
    assert d["gap_weighted_mi"] < 1e-6
    assert d["power_used"] <= 40.0 * (1 + 1e-12)
    assert d["baselines"]["b1_sum_mi"] < d["baselines"]["b0_sum_mi"]
    assert sum(d["mi"]) == pytest.approx(d["sum_mi"])


def test_subprocess_entry_point():
    out = subprocess.run(
        [sys.executable, "-m", "steer_ros.cli", "optimize", "--gains", GAINS, "--p-total", "40", "--json"],
        capture_output=True, text=True, check=True,
    ).stdout
    d = json.loads(out)
    assert abs(d["sum_mi"] - d["optimum"]["sum_mi"]) < 1e-3


@pytest.mark.slow  # a few seconds: left out of make test-fast
def test_weights_pga_and_constellation(capsys):
    d = run_json(capsys, "--weights", "0,0,0,0,0,0,1,1", "--constellation", "16qam",
                 "--noise-var", "0.5")
    assert d["weights"][:6] == [0.0] * 6 and d["weights"][6] == pytest.approx(0.5)
    assert d["gap_weighted_mi"] < 1e-6 and max(d["mi"]) <= 4.0
    d = run_json(capsys, "--mode", "pga", "--steps", "50", "--estimator", "table")
    assert d["mode"] == "pga" and d["steps"] == 50 and d["gap_sum_mi"] > 0
    d = run_json(capsys, "--estimator", "mc", "--steps", "3", "--mc-samples", "50")
    assert d["mode"] == "pga" and d["estimator"] == "mc"


def test_human_readable_output(capsys):
    assert main(["optimize", "--gains", "1,2", "--p-total", "3"]) == 0
    out = capsys.readouterr().out
    assert "sum MI" in out and "B1" in out


@pytest.mark.parametrize("argv,flag", [
    (["--gains", "1,2", "--weights", "1"], "--weights"),
    (["--gains", "1,2", "--noise-var", "1,1,1"], "--noise-var"),
    (["--gains", "1,-2"], "--gains"),
    (["--gains", "1,nan"], "--gains"),
    (["--gains", "1,inf"], "--gains"),
    (["--gains", "1,x"], "--gains"),
    (["--gains", "1,2", "--noise-var", "0"], "--noise-var"),
    (["--gains", "1,2", "--weights", "1,-1"], "--weights"),
    (["--gains", "1,2", "--weights", "1,nan"], "--weights"),
    (["--gains", "1,2", "--p-total", "0"], "--p-total"),
    (["--gains", "1,2", "--p-total", "-3"], "--p-total"),
    (["--gains", "1,2", "--p-total", "nan"], "--p-total"),
    (["--gains", "1,2", "--steps", "-1"], "--steps"),
    (["--gains", "1,2", "--estimator", "mc", "--mode", "default"], "--estimator"),
])
def test_errors_exit_2_naming_the_argument(capsys, argv, flag):
    assert main(["optimize", *argv]) == 2
    err = capsys.readouterr().err
    assert flag in err and "error" in err
