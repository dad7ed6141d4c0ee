"""The max-min reversal: System 1 tracking the goal recovers equal MI far faster than
the weights-only steering of the paper's reversal experiment."""

from steer_ros.lab.experiments.maxmin_reversal import run_maxmin_reversal
from steer_ros.lab.experiments.options import ExperimentOptions
from steer_ros.lab.experiments.reversal import run_reversal


def test_max_min_goal_recovers_the_spread_faster_than_weights_only():
    weights = run_reversal(ExperimentOptions()).result["runs"][0]
    r = run_maxmin_reversal(weights_only=weights)
    assert r["steps_to_recover"] is not None and r["steps_to_recover"] < 20
    assert r["steps_to_recover"] < r["weights_only_steps_to_recover"]
    assert r["final_spread"] < 1e-6 and r["max_budget_excess"] <= 1e-12
