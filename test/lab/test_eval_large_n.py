"""steer-ros eval at N = 4096 against the project's real OpenAI-compatible HTTP test
server answering by selector (the form the prompt and the structured-output schema
ask for above summary_threshold channels): the group-level policies reach their
targets, every request stays within the prompt bound, and no request asks for N numbers."""

from __future__ import annotations

import dataclasses
import json

import pytest

from steer_ros import defaults
from steer_ros.lab.evaluation.suite import EvalSchedule, load_suite
from steer_ros.lab.evaluation.suite_runner import run_suite
from steer_ros.lab.experiments.options import ExperimentOptions
from steer_ros.lab.fixtures.openai_server import ScriptedOpenAIServer, quoted_policy

IDS = ["ofdm4096-shutdown-weakest-10pct-floor", "ofdm4096-throughput", "ofdm4096-cap-strongest-quarter"]
REPLIES = {
    "ofdm4096-shutdown-weakest-10pct-floor": {
        "weights": [{"channels": "all", "weight": 1}], "off": ["weakest:10%"],
        "floors": [{"channels": "strongest:90%", "bits": 1.0}], "P_total": 20480,
        "reasoning": "the weakest 10% off, a 1-bit floor on the rest"},
    "ofdm4096-throughput": {"weights": [{"channels": "all", "weight": 1}], "P_total": 20480,
                            "reasoning": "equal weights at the full budget"},
    "ofdm4096-cap-strongest-quarter": {
        "weights": [{"channels": "all", "weight": 1}], "caps": [{"channels": "strongest:25%", "bits": 1.5}],
        "reasoning": "cap the strongest quarter"},
}


def test_large_n_cases_in_the_public_suite():
    big = [c for c in load_suite().cases if c.channels.n >= 1024]
    assert len(big) >= 5
    assert {c.channels.n for c in big} >= {1024, 4096}


@pytest.mark.slow  # about 5 s: 36 HTTP calls with N = 4096 states
def test_test_server_answering_by_selector_meets_the_4096_targets(tmp_path):
    suite = dataclasses.replace(load_suite().select(IDS), schedule=EvalSchedule(steps=120, every=10))
    policy = {c.id: c.policy for c in suite.cases}
    cases = {policy[cid]: [reply] for cid, reply in REPLIES.items()}
    for reply in REPLIES.values():
        assert len(json.dumps(reply)) <= defaults.REPLY_SELECTOR_MAX_CHARS
    with ScriptedOpenAIServer(cases=cases) as server:
        options = ExperimentOptions(backend="openai", llm_base_url=server.base_url, llm_model="scripted-model",
                                    timeout_s=5.0)
        card = run_suite(suite, options, tmp_path)
        requests = list(server.requests)
    verdicts = {e["id"]: e["verdict"] for e in card["cases"]}
    assert verdicts == {cid: "MET" for cid in IDS}, [e.get("note") for e in card["cases"]]
    by_id = {e["id"]: e for e in card["cases"]}
    assert by_id["ofdm4096-shutdown-weakest-10pct-floor"]["valid_reply_rate"] == 1.0
    assert len(requests) == 3 * 12
    for r in requests:
        system, user = (m["content"] for m in r["messages"])
        assert len(system) + len(user) <= defaults.PROMPT_MAX_CHARS
        assert user.startswith("State summary of N = 4096 channels")
        assert quoted_policy(r["messages"]) in policy.values()
        weights = r["response_format"]["json_schema"]["schema"]["properties"]["weights"]
        assert weights["items"]["type"] == "object" and "minItems" not in weights


@pytest.mark.ros
@pytest.mark.slow
@pytest.mark.realtime
def test_test_server_answering_by_selector_drives_the_4096_graph_to_the_targets(domain_id, tmp_path):
    """The same replies through the live graph at N = 4096 (real nodes and DDS): the
    navigator node sends the bounded summary, the server answers by selector, the
    optimizer node reaches every target."""
    from steer_ros.lab.evaluation.graph_runner import graph_case_runner, split_supported

    suite = dataclasses.replace(load_suite().select(IDS), schedule=EvalSchedule(steps=120, every=10))
    graph_suite, skipped = split_supported(suite, "openai")
    assert not skipped
    policy = {c.id: c.policy for c in suite.cases}
    with ScriptedOpenAIServer(cases={policy[cid]: [reply] for cid, reply in REPLIES.items()}) as server:
        options = ExperimentOptions(backend="openai", llm_base_url=server.base_url, llm_model="scripted-model",
                                    timeout_s=5.0, graph_rate_hz=50.0)
        card = run_suite(graph_suite, options, tmp_path, runner=graph_case_runner(domain_id),
                         runner_name="through the live graph")
        requests = list(server.requests)
    assert {e["id"]: e["verdict"] for e in card["cases"]} == {cid: "MET" for cid in IDS}, \
        [e.get("note") for e in card["cases"]]
    assert requests and all(quoted_policy(r["messages"]) in policy.values() for r in requests)
    for r in requests:
        system, user = (m["content"] for m in r["messages"])
        assert len(system) + len(user) <= defaults.PROMPT_MAX_CHARS
        assert user.startswith("State summary of N = 4096 channels")
