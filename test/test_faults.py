"""The fault matrix of issue 8 as CI tests: every row of steer_ros.faults.catalogue,
over real DDS and a real HTTP LLM server.

Rows that share a graph run together once per module (the first test of a group
runs the whole group; the others read its results): LLM rows share an in-process
graph whose drill server walks through the faults, message rows another, the node
kills a process-per-node graph, the load row its own. Each row asserts 0 feasibility
violations, >= 95% of System 1's step rate, the expected outcome and detail, and a
measured recovery. Drill settings (navigator period 0.5 s, LLM deadline 1 s, 2 s
fault windows) are in steer_ros.faults.runner.DrillSettings.
"""

from __future__ import annotations

import math

import pytest

from steer_ros.faults import catalogue

pytestmark = [pytest.mark.ros, pytest.mark.slow, pytest.mark.realtime]


@pytest.fixture(scope="module")
def drills():
    """Runs each group of rows once (on first use) in a domain held for the module."""
    from rosutil import exclusive_domain_id

    from steer_ros.faults.runner import FaultRunner

    cache: dict[str, dict] = {}
    with exclusive_domain_id() as domain:
        runner = FaultRunner(domain, log=print)

        def result(fault):
            if fault.category not in cache:
                rows = [f for f in catalogue.FAULTS if f.category == fault.category]
                cache[fault.category] = {r.name: r for r in runner.run(rows)}
            return cache[fault.category][fault.name]

        yield result


@pytest.mark.parametrize("fault", catalogue.FAULTS, ids=[f.name for f in catalogue.FAULTS])
def test_fault_row(drills, fault):
    r = drills(fault)
    context = f"{r.name}: {r.outcome} {r.detail!r}; failures: {r.failures}; extras: {r.extras}"
    assert r.violations == 0, context
    assert r.allocations >= 2, context
    assert r.rate_kept >= 0.95, context
    assert r.outcome == fault.outcome, context
    assert r.detail.startswith(fault.detail), context
    assert math.isfinite(r.recovery_s), context
    assert r.passed, context


def test_node_drills_never_leak_the_api_key(drills):
    """The key (a canary in the environment variable named by api_key_env) reached the
    LLM server, and no log line, diagnostic or parameter of the run contains it."""
    last = drills(catalogue.BY_NAME["kill_channel_mux"])
    extras = last.extras or {}
    assert extras.get("api_key_sent_to_server") is True, extras
    assert extras.get("parameter_dump_chars", 0) > 1000 and extras.get("log_chars", 0) > 1000, extras
    assert extras.get("api_key_leaks") == 0, extras


def test_catalogue_covers_the_matrix():
    names = set(catalogue.BY_NAME)
    assert len(names) == len(catalogue.FAULTS)
    for required in ("llm_connection_refused", "llm_hang", "llm_reply_after_30s", "llm_http_429", "llm_http_500",
                     "llm_empty_body", "llm_1mb_body", "llm_truncated_json", "llm_wrong_length", "llm_nan_weights",
                     "llm_infinity_weights", "llm_string_weights", "llm_negative_weights", "llm_zero_weights",
                     "llm_budget_1e9", "llm_budget_negative", "llm_prompt_injection", "llm_server_dies_and_returns",
                     "msg_mismatched_lengths", "msg_nan_gain", "msg_negative_gain", "msg_negative_noise",
                     "msg_empty_arrays", "msg_n_changes", "msg_stranger_command", "kill_navigator", "kill_guardrail",
                     "kill_channel_sim", "kill_channel_mux", "load_1khz_n4096"):
        assert required in names
