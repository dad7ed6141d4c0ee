"""steer-ros eval against the project's real OpenAI-compatible HTTP test server,
answering per case (matched on the policy the user message quotes, not on call
order): right answers are MET, wrong ones MISSED, garbage FALLBACK, a hung server
FALLBACK within its deadlines, and the scorecard carries the server's token counts."""

from __future__ import annotations

import dataclasses
import json

import pytest

from steer_ros.lab.evaluation.suite import EvalSchedule, load_suite
from steer_ros.lab.evaluation.suite_runner import run_suite
from steer_ros.lab.experiments.options import ExperimentOptions
from steer_ros.lab.fixtures.openai_server import ScriptedOpenAIServer, count_tokens, prompt_tokens, quoted_policy

RIGHT_P1 = {"weights": [1] * 8, "P_total": 40, "reasoning": "equal weights maximize the sum"}
RIGHT_P4 = {"weights": [0, 0, 0, 1, 1, 1, 1, 1], "P_total": 40, "reasoning": "channels 1-3 off"}
WRONG_P2 = {"weights": [4, 4, 1, 1, 1, 1, 1, 1], "P_total": 40, "reasoning": "channels 1 and 2 first"}
GARBAGE = "I would lower the power a bit, maybe."
IDS = ["throughput-from-skewed-start", "shutdown-weakest-3", "prioritize-7-8", "floor-10-bits", "power-absolute"]


@pytest.fixture(scope="module")
def suite():
    # 12 calls per case instead of 25: enough for the guardrail's smoothing to settle
    return dataclasses.replace(load_suite().select(IDS), schedule=EvalSchedule(steps=120, every=10))


def policy_of(suite, cid):
    return next(c.policy for c in suite.cases if c.id == cid)


@pytest.mark.slow  # about 5 s: 60 HTTP calls
def test_right_wrong_garbage_and_mixed_replies(suite, tmp_path):
    cases = {
        policy_of(suite, "throughput-from-skewed-start"): [RIGHT_P1],
        policy_of(suite, "shutdown-weakest-3"): [RIGHT_P4],
        policy_of(suite, "prioritize-7-8"): [WRONG_P2],
        policy_of(suite, "floor-10-bits"): [GARBAGE],
        # the budget is right only every other call; the rest is garbage: still usable
        policy_of(suite, "power-absolute"): [{"weights": [1] * 8, "P_total": 25, "reasoning": "budget 25"},
                                              "```not json```"],
    }
    with ScriptedOpenAIServer(cases=cases) as server:
        options = ExperimentOptions(backend="openai", llm_base_url=server.base_url, llm_model="scripted-model",
                                    timeout_s=5.0)
        card = run_suite(suite, options, tmp_path)
        requests = list(server.requests)
    verdicts = {e["id"]: e["verdict"] for e in card["cases"]}
    assert verdicts == {
        "throughput-from-skewed-start": "MET",
        "shutdown-weakest-3": "MET",
        "prioritize-7-8": "MISSED",
        "floor-10-bits": "FALLBACK",
        "power-absolute": "MET",
    }
    s = card["summary"]
    assert (s["met"], s["missed"], s["kept"], s["fallback"], s["total"]) == (3, 1, 0, 1, 5)
    assert card["backend"] == "openai" and card["model"] == "scripted-model" and card["complete"] is True
    by_id = {e["id"]: e for e in card["cases"]}
    # every request carried its own case's policy, 12 calls per case
    assert len(requests) == 5 * 12
    for e in card["cases"]:
        mine = [r for r in requests if quoted_policy(r["messages"]) == e["policy"]]
        assert len(mine) == 12
        assert e["prompt_tokens"] == sum(prompt_tokens(r["messages"]) for r in mine)
        assert e["prompt_tokens"] > 12 * 100  # the system prompt alone is a few hundred
    assert by_id["shutdown-weakest-3"]["completion_tokens"] == 12 * count_tokens(json.dumps(RIGHT_P4))
    assert by_id["floor-10-bits"]["completion_tokens"] == 12 * count_tokens(GARBAGE)  # garbage costs tokens too
    # reply quality
    assert by_id["throughput-from-skewed-start"]["valid_reply_rate"] == 1.0
    assert by_id["floor-10-bits"]["valid_reply_rate"] == 0.0
    assert by_id["power-absolute"]["valid_reply_rate"] == 0.5
    assert by_id["floor-10-bits"]["fallbacks"] == {"unparsable": 12}
    assert by_id["shutdown-weakest-3"]["reasoning"] == "channels 1-3 off"
    assert by_id["shutdown-weakest-3"]["calls_to_met"] is not None
    assert by_id["prioritize-7-8"]["calls_to_met"] is None
    assert "mi[7-8] >= 1.95" in by_id["prioritize-7-8"]["note"]
    assert by_id["shutdown-weakest-3"]["latency_p95_s"] >= by_id["shutdown-weakest-3"]["latency_p50_s"] > 0
    # the files
    written = json.loads((tmp_path / "scorecard.json").read_text())
    assert written["summary"] == card["summary"]
    assert "| `prioritize-7-8` | prioritization | MISSED |" in (tmp_path / "scorecard.md").read_text()
    assert (tmp_path / "scorecard.png").stat().st_size > 1000


def test_out_of_range_budget_is_an_adjustment_not_a_valid_reply(suite, tmp_path):
    one = suite.select(["throughput-from-skewed-start"])
    reply = {"weights": [1] * 8, "P_total": 1e9, "reasoning": "as much as possible"}
    with ScriptedOpenAIServer(cases={one.cases[0].policy: [reply]}) as server:
        options = ExperimentOptions(backend="openai", llm_base_url=server.base_url, llm_model="m", timeout_s=5.0)
        card = run_suite(one, options, None)
    e = card["cases"][0]
    assert e["verdict"] == "MET"  # clamped to P_max = 40: the right operating point anyway
    assert e["valid_reply_rate"] == 0.0
    assert e["adjustments"] == {"clamped_p_total": 12}


def test_no_usage_gives_null_tokens(suite):
    one = suite.select(["shutdown-weakest-3"])
    with ScriptedOpenAIServer(cases={one.cases[0].policy: [RIGHT_P4]}, report_usage=False) as server:
        options = ExperimentOptions(backend="openai", llm_base_url=server.base_url, llm_model="m", timeout_s=5.0)
        card = run_suite(one, options, None)
    e = card["cases"][0]
    assert e["verdict"] == "MET"
    assert e["prompt_tokens"] is None and e["completion_tokens"] is None


@pytest.mark.slow  # a few seconds: left out of make test-fast
def test_a_hung_server_costs_at_most_the_deadline_per_call_and_the_run_goes_on(suite):
    two = dataclasses.replace(suite.select(["shutdown-weakest-3", "prioritize-7-8"]),
                              schedule=EvalSchedule(steps=40, every=10))
    cases = {policy_of(two, "shutdown-weakest-3"): [{"hang": True}],
             policy_of(two, "prioritize-7-8"): [WRONG_P2]}
    deadline = 0.3
    with ScriptedOpenAIServer(cases=cases, hang_s=30.0) as server:
        options = ExperimentOptions(backend="openai", llm_base_url=server.base_url, llm_model="m",
                                    timeout_s=deadline)
        card = run_suite(two, options, None)
    by_id = {e["id"]: e for e in card["cases"]}
    hung, other = by_id["shutdown-weakest-3"], by_id["prioritize-7-8"]
    assert hung["verdict"] == "FALLBACK" and other["verdict"] == "MISSED"
    assert hung["fallbacks"] == {"timeout": 4}
    assert hung["wall_s"] < 4 * (deadline + 0.5)
    assert hung["latency_p95_s"] < deadline + 0.5
    assert hung["prompt_tokens"] is None
