"""Scorecard pieces: the Wilson interval, majority verdicts over repeats, Ctrl-C
writing a valid partial scorecard, --compare, and the progress bar (TTY only)."""

from __future__ import annotations

import dataclasses
import io
import json

import pytest

from steer_ros.lab.evaluation import case_runner
from steer_ros.lab.evaluation.case_runner import adjustment_kinds
from steer_ros.lab.evaluation.scorecard import compare, majority, read_scorecard, wilson_interval
from steer_ros.lab.evaluation.suite import EvalSchedule, load_suite
from steer_ros.lab.evaluation.suite_runner import Progress, run_suite
from steer_ros.lab.experiments.options import ExperimentOptions


def test_wilson_interval_known_values():
    lo, hi = wilson_interval(8, 10)
    assert lo == pytest.approx(0.4902, abs=1e-4) and hi == pytest.approx(0.9433, abs=1e-4)
    assert wilson_interval(0, 5)[0] == 0.0 and wilson_interval(0, 5)[1] == pytest.approx(0.4345, abs=1e-4)
    assert wilson_interval(5, 5)[1] == 1.0
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_majority_ties_go_to_the_less_favourable_verdict():
    assert majority(["MET", "MET", "MISSED"]) == "MET"
    assert majority(["MET", "MISSED"]) == "MISSED"
    assert majority(["MET", "FALLBACK", "KEPT", "MISSED"]) == "FALLBACK"


def test_adjustment_kinds():
    assert adjustment_kinds("ok: accepted (EMA alpha 0.6)") == []
    assert adjustment_kinds("adjusted: clamped p_total 1e+09 -> 40; clipped 2 negative weights to 0 "
                            "(EMA alpha 0.6)") == ["clamped_p_total", "negative_weights"]
    assert adjustment_kinds("adjusted: all-zero weights -> uniform") == ["all_zero_weights"]


def test_repeats_give_runs_met_rate_and_ci(tmp_path):
    # a scripted backend that is right, wrong, right across the three repeats' fresh
    # backends would need per-repeat scripts; the rules backend is deterministic, so
    # every repeat agrees and the interval is the 3-of-3 one. The public suite holds no
    # case it declines where action is expected, so one case gets a policy it cannot read.
    suite = load_suite().select(["shutdown-weakest-3", "prioritize-ordinal"])
    unread = dataclasses.replace(suite.cases[0], policy="The first two channels are the ones that count")
    suite = dataclasses.replace(suite, cases=(unread, suite.cases[1]))
    card = run_suite(suite, ExperimentOptions(backend="rules", repeats=3), tmp_path)
    a, b = card["cases"]
    assert b["id"] == "shutdown-weakest-3"
    assert b["runs"] == ["MET"] * 3 and b["met_rate"] == 1.0
    assert b["met_ci95"] == [pytest.approx(wilson_interval(3, 3)[0], abs=1e-4), 1.0]
    assert a["runs"] == ["KEPT"] * 3 and a["met_rate"] == 0.0 and a["verdict"] == "KEPT"
    assert "met rate (95% CI)" in (tmp_path / "scorecard.md").read_text()


def test_scripted_backend_repeats_and_mixed_verdicts(tmp_path):
    # one JSONL script: the P4 answer; repeat 2 gets a different seed but the same script
    script = tmp_path / "p4.jsonl"
    script.write_text(json.dumps({"weights": [0, 0, 0, 1, 1, 1, 1, 1], "reasoning": "off"}) + "\n")
    suite = load_suite().select(["shutdown-weakest-3", "throughput-sum-rate"])
    card = run_suite(suite, ExperimentOptions(backend="scripted", script=str(script), repeats=2), None)
    verdicts = {e["id"]: e["runs"] for e in card["cases"]}
    assert verdicts == {"shutdown-weakest-3": ["MET", "MET"], "throughput-sum-rate": ["MISSED", "MISSED"]}
    # a reply that acts and misses is a misread, counted apart; its read-back is in the case
    assert card["summary"]["misread"] == card["summary"]["missed"] == 1
    readbacks = {e["id"]: e["readback"] for e in card["cases"]}
    assert readbacks["throughput-sum-rate"] == "channels 1-3 off; equal weights on 4-8; budget unchanged"


def test_ctrl_c_writes_a_valid_partial_scorecard(tmp_path, monkeypatch):
    suite = load_suite().select(["throughput-plain", "shutdown-weakest-3", "floor-10-bits"])
    calls = []

    def interrupted(case, schedule, options, repeat):
        calls.append(case.id)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return case_runner.run_case(case, schedule, options, repeat)

    card = run_suite(suite, ExperimentOptions(), tmp_path, runner=interrupted)
    assert card["complete"] is False
    written = read_scorecard(tmp_path)
    assert written["complete"] is False
    assert [e["id"] for e in written["cases"]] == ["throughput-plain"]
    assert written["summary"]["total"] == 1 and written["cases_in_suite"] == 3
    assert "Interrupted" in (tmp_path / "scorecard.md").read_text()


def test_compare_side_by_side(tmp_path):
    suite = load_suite().select(["throughput-plain", "prioritize-ordinal", "decline-vague"])
    run_suite(suite, ExperimentOptions(), tmp_path / "a")
    script = tmp_path / "s.jsonl"
    script.write_text('"not json at all"\n')
    run_suite(suite, ExperimentOptions(backend="scripted", script=str(script)), tmp_path / "b")
    text = compare([tmp_path / "a", tmp_path / "b"], tmp_path / "cmp.png")
    assert "| category | rules | scripted |" in text
    assert "| `throughput-plain` | MET | FALLBACK |" in text
    assert "| `prioritize-ordinal` | MET | FALLBACK |" in text
    assert "| misreads (MISSED: acted, target failed) | 0 | 0 |" in text and "| FALLBACK | 0 | 3 |" in text
    assert (tmp_path / "cmp.png").stat().st_size > 1000
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "scorecard.json").write_text("{}")
    with pytest.raises(ValueError, match="not a scorecard"):
        compare([tmp_path / "a", tmp_path / "c"])


def test_progress_only_on_a_terminal():
    quiet = io.StringIO()
    p = Progress(2, stream=quiet)
    p.show("a")
    p.step("a: MET")
    p.close()
    assert quiet.getvalue() == ""  # StringIO is not a TTY
    loud = io.StringIO()
    p = Progress(2, stream=loud, enabled=True)
    p.step("case-1 (1/1): MET")
    p.close()
    assert "[" in loud.getvalue() and "1/2 case-1 (1/1): MET" in loud.getvalue()


def test_short_schedule_is_respected():
    import dataclasses

    suite = dataclasses.replace(load_suite().select(["throughput-plain"]), schedule=EvalSchedule(30, 10))
    card = run_suite(suite, ExperimentOptions(), None)
    assert card["schedule"] == {"steps": 30, "navigator_every": 10}
    assert card["cases"][0]["calls"] == 3
