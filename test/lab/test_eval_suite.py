"""The suite format (steer_ros/lab/evaluation/suite.py): the public suite loads and
covers the issue's categories; a bad suite is refused naming the case and the field."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import yaml

from steer_ros import defaults
from steer_ros.lab.evaluation.suite import SuiteError, default_suite_path, load_suite, parse_suite

CATEGORIES = {"throughput", "prioritization", "shutdown", "power_level", "sum_rate_floor", "rate_floor_cap",
              "fairness", "combination", "paraphrase", "multilingual", "decline", "persistence"}

GOOD = {
    "suite": "tiny",
    "cases": [
        {"id": "p4", "category": "shutdown", "policy": "Shut down the 3 weakest channels",
         "target": ["mi[weakest:3] <= 0.05", "mi[4-8] >= 1.9"]},
        {"id": "vague", "category": "decline", "policy": "Make it better", "target": "decline"},
    ],
}


def with_case(**changes):
    data = copy.deepcopy(GOOD)
    data["cases"][0].update(changes)
    return data


def test_public_suite_loads_with_every_category_and_a_rationale_per_case():
    suite = load_suite()
    assert default_suite_path().name == "suite.yaml"
    assert len(suite.cases) >= 40
    assert {c.category for c in suite.cases} == CATEGORIES
    assert all(c.rationale for c in suite.cases)
    assert len({c.id for c in suite.cases}) == len(suite.cases)
    assert sum(c.decline for c in suite.cases) >= 3
    assert sum(c.event is not None for c in suite.cases) >= 3
    # at least three policies in other languages: non-ASCII or not English words
    assert sum(c.category == "multilingual" for c in suite.cases) >= 3
    assert {c.event.kind for c in suite.cases if c.event} == {"reversal", "fade", "budget_cut"}


def test_explicit_and_generated_channels():
    suite = parse_suite({"cases": [
        {"id": "explicit", "category": "x", "policy": "p", "target": ["sum_mi >= 0"],
         "channels": {"gains": [1, 2, 3], "noise": [1, 1, 2], "p_max": 20, "p_total": 10, "weights": [1, 1, 2]}},
        {"id": "big", "category": "x", "policy": "p", "target": ["mi[weakest:10%] <= 2"],
         "channels": {"n": 4096, "profile": "rayleigh", "seed": 3, "mean": 2.0}},
        {"id": "db", "category": "x", "policy": "p", "target": ["sum_mi >= 0"],
         "channels": {"n": 5, "profile": "linear_db", "lo_db": -10, "hi_db": 10}},
        {"id": "design", "category": "x", "policy": "p", "target": ["sum_mi >= 0"], "channels": {"n": 16}},
    ]})
    explicit, big, db, design = suite.cases
    np.testing.assert_allclose(explicit.channels.weights, [0.25, 0.25, 0.5])
    assert (explicit.channels.p_max, explicit.channels.p_total) == (20.0, 10.0)
    assert big.channels.n == 4096 and np.isclose(big.channels.gain.mean(), 2.0, rtol=0.1)
    np.testing.assert_allclose(db.channels.gain, [0.1, 10 ** -0.5, 1.0, 10 ** 0.5, 10.0])
    np.testing.assert_allclose(design.channels.gain, defaults.design_gains(16))


@pytest.mark.parametrize("changes, words", [
    ({"target": ["mi[1-3] <== 0.05"]}, ["'p4'", "'target'", "mi[1-3] <== 0.05"]),
    ({"target": ["mi[weakest:three] <= 0.05"]}, ["'p4'", "'target'", "selector 'weakest:three'"]),
    ({"target": ["mi[9] <= 0.05"]}, ["'p4'", "'target'", "channel 9 is outside 1..8"]),
    ({"target": ["sum_mi >= least_budget(sum_mi >= 20)"]}, ["'p4'", "'target'", "unreachable"]),
    ({"target": ["throughput >= 3"]}, ["'p4'", "'target'", "unknown quantity 'throughput'"]),
    ({"target": []}, ["'p4'", "'target'"]),
    ({"priority": 3}, ["'p4'", "unknown field 'priority'"]),
    ({"channels": {"gains": [1, 2], "noise_var": 1}}, ["'p4'", "channels", "unknown field 'noise_var'"]),
    ({"channels": {"gains": [1, -2]}}, ["'p4'", "'gains'", "value 2"]),
    ({"channels": {"gains": [1, 2], "n": 2}}, ["'p4'", "'n'", "generated form"]),
    ({"channels": {"n": 8, "profile": "fancy"}}, ["'p4'", "'profile'", "fancy"]),
    ({"channels": {"p_total": 50}}, ["'p4'", "'p_total'"]),
    ({"channels": {"noise": [1, 1]}}, ["'p4'", "'noise'", "needs 8 values"]),
    ({"event": {"kind": "earthquake", "at_call": 3}}, ["'p4'", "event", "'kind'"]),
    ({"event": {"kind": "reversal"}}, ["'p4'", "event", "at_call"]),
    ({"event": {"kind": "reversal", "at_call": 99}}, ["'p4'", "event", "'at_call'"]),
    ({"event": {"kind": "fade", "at_call": 3, "channels": "1-12"}}, ["'p4'", "event", "'channels'", "1-12"]),
    ({"event": {"kind": "fade", "at_call": 3}}, ["'p4'", "event", "needs 'channels'"]),
    ({"event": {"kind": "budget_cut", "at_call": 3, "p_max": 80}}, ["'p4'", "event", "'p_max'"]),
    ({"event": {"kind": "reversal", "at_call": 3, "depth_db": 3}}, ["'p4'", "event", "'depth_db'"]),
    ({"within": 0}, ["'p4'", "'within'"]),
    ({"within": 99}, ["'p4'", "'within'", "exceeds"]),
    ({"policy": "  "}, ["'p4'", "'policy'"]),
    ({"category": None}, ["'p4'", "'category'"]),
])
def test_bad_cases_are_refused_naming_the_case_and_the_field(changes, words):
    with pytest.raises(SuiteError) as info:
        parse_suite(with_case(**changes), "my.yaml")
    text = str(info.value)
    assert text.startswith("my.yaml: case 'p4'")
    for word in words:
        assert word in text


def test_suite_level_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"cases": GOOD["cases"], "extra": 1}))
    with pytest.raises(SuiteError, match=r"bad.yaml: unknown field 'extra'"):
        load_suite(bad)
    dup = copy.deepcopy(GOOD)
    dup["cases"][1]["id"] = "p4"
    with pytest.raises(SuiteError, match=r"case 'p4': field 'id' is used twice"):
        parse_suite(dup)
    with pytest.raises(SuiteError, match=r"case #2: field 'id'"):
        parse_suite({"cases": [GOOD["cases"][0], {"category": "x"}]})
    with pytest.raises(SuiteError, match="decline"):
        parse_suite({"cases": [dict(GOOD["cases"][1], within=3)]})
    with pytest.raises(SuiteError, match="schedule"):
        parse_suite({"cases": GOOD["cases"], "schedule": {"steps": 10, "every": 20}})
    broken = tmp_path / "broken.yaml"
    broken.write_text("cases: [\n")
    with pytest.raises(SuiteError, match="not valid YAML"):
        load_suite(broken)
    with pytest.raises(SuiteError, match="cannot read"):
        load_suite(tmp_path / "missing.yaml")


def test_select_by_ids_and_category():
    suite = load_suite()
    assert [c.id for c in suite.select(["shutdown-weakest-3", "throughput-plain"]).cases] == [
        "throughput-plain", "shutdown-weakest-3"]
    assert {c.category for c in suite.select(category="decline").cases} == {"decline"}
    with pytest.raises(SuiteError, match="no case with id nope"):
        suite.select(["nope"])
    with pytest.raises(SuiteError, match="no category 'nope'"):
        suite.select(category="nope")


def test_p_start_in_a_target_is_the_case_s_initial_budget():
    from steer_ros.lab.evaluation.case_runner import evaluate_trace
    from steer_ros.lab.evaluation.suite import EvalSchedule
    from steer_ros.lab.experiments.trace import NavigatorCall, Trace

    data = with_case(policy="Drop the power by a third", channels={"p_total": 30},
                     target=["p_total in [2/3 * p_start - 0.5, 2/3 * p_start + 0.5]"])
    case = parse_suite(data).cases[0]
    assert case.channels.p_total == 30.0

    def run(p_total):
        n = 8
        rows = 3
        call = NavigatorCall(step=0, status="OK", detail="", reasoning="r", latency_s=0.0,
                             proposed_weights=(1.0,) * n, proposed_p_total=p_total,
                             accepted_weights=(1.0,) * n, accepted_p_total=p_total)
        trace = Trace(label="t", policy=case.policy, step=np.arange(rows),
                      gain=np.tile(defaults.design_gains(), (rows, 1)), noise_var=np.ones((rows, n)),
                      mi=np.ones((rows, n)), power=np.full((rows, n), p_total / n),
                      weights=np.full((rows, n), 1 / n), p_total=np.full(rows, p_total), calls=[call])
        return evaluate_trace(case, trace, EvalSchedule(3, 3)).verdict

    assert run(20.0) == "MET"      # two thirds of the 30 in force
    assert run(26.67) == "MISSED"  # two thirds of P_max = 40 is not what was asked


def test_a_target_naming_p_start_is_checked_on_load():
    with pytest.raises(SuiteError) as info:
        parse_suite(with_case(target=["p_total <= p_start * 3 + mi[9]"]))
    assert "channel 9" in str(info.value)
