"""The fault matrix (docs/failures.md) as CI tests: every row of
steer_ros.lab.faults.catalogue, over real DDS and a real HTTP LLM server.

Rows that share a graph run together once per module (the first test of a group
runs the whole group; the others read its results; a failed row's rerun measures it
again, alone): LLM rows share an in-process graph whose drill server walks through
the faults, message rows another, the node kills a process-per-node graph, the load
row its own. Each row asserts 0 feasibility
violations, >= 95% of System 1's step rate, the expected outcome and detail, and a
measured recovery. Drill settings (navigator period 0.5 s, LLM deadline 1 s, 2 s
fault windows) are in steer_ros.lab.faults.fault_runner.DrillSettings.
"""

from __future__ import annotations

import math

import pytest

from steer_ros.lab.faults import catalogue

pytestmark = [pytest.mark.ros, pytest.mark.slow, pytest.mark.realtime]


class Drills:
    """Row results, measured once per group on first use (rows of a group share a
    graph). A row that fails is forgotten, so its rerun (the realtime marker gives two)
    measures that row again, alone, instead of reading the same numbers back."""

    def __init__(self, runner):
        self.runner = runner
        self.results: dict = {}
        self.groups_run: set[str] = set()

    def __call__(self, fault):
        if fault.category not in self.groups_run:
            self.groups_run.add(fault.category)
            rows = [f for f in catalogue.FAULTS if f.category == fault.category]
        else:
            rows = [] if fault.name in self.results else [fault]
        self.results.update({r.name: r for r in self.runner.run(rows)} if rows else {})
        return self.results[fault.name]

    def forget(self, fault) -> None:
        self.results.pop(fault.name, None)


@pytest.fixture(scope="module")
def drills():
    """A Drills over one domain held for the module."""
    from rosutil import exclusive_domain_id

    from steer_ros.lab.faults.fault_runner import FaultRunner

    with exclusive_domain_id() as domain:
        yield Drills(FaultRunner(domain, log=print))


FLEET_NODE = "steer_ros.ros.nodes.fleet_coordinator_node"
GRAPH_ROWS = [f for f in catalogue.FAULTS if f.category != catalogue.HOST]


@pytest.mark.parametrize("fault", GRAPH_ROWS, ids=[f.name for f in GRAPH_ROWS])
def test_fault_row(drills, fault):
    r = drills(fault)
    context = f"{r.name}: {r.outcome} {r.detail!r}; failures: {r.failures}; extras: {r.extras}"
    try:
        assert r.violations == 0, context
        assert r.allocations >= 2, context
        assert r.rate_kept >= 0.95, context
        assert r.outcome == fault.outcome, context
        assert r.detail.startswith(fault.detail), context
        assert math.isfinite(r.recovery_s), context
        assert r.passed, context
    except AssertionError:
        drills.forget(fault)
        raise


@pytest.mark.parametrize("fault", catalogue.HOST_FAULTS, ids=[f.name for f in catalogue.HOST_FAULTS])
def test_host_row(drills, fault):
    """A fleet on network namespaces: the cap held on every radio's stamped budget in
    force over the whole drill, the expected outcome, and re-convergence. Skipped only
    where the kernel has no netem (its two rows), the namespaces cannot be made
    (failed instead under STEER_REQUIRE_NETNS=1) or the tree has no fleet nodes."""
    import importlib.util
    import os

    from steer_ros.lab.hosts import hosts_missing, netem_missing

    r = drills(fault)
    if r.outcome == "SKIPPED":
        drills.forget(fault)
        if fault.action.startswith("netem") and netem_missing() and r.detail == netem_missing():
            pytest.skip(r.detail)
        if hosts_missing() and os.environ.get("STEER_REQUIRE_NETNS") != "1":
            pytest.skip(r.detail)
        if r.detail.startswith("fleet nodes not built") and importlib.util.find_spec(FLEET_NODE) is None:
            pytest.skip(f"{r.detail} (no {FLEET_NODE} in this tree)")
        pytest.fail(f"{fault.name} skipped: {r.detail}")
    context = f"{r.name}: {r.outcome} {r.detail!r}; failures: {r.failures}; extras: {r.extras}"
    try:
        assert fault.action == "bad_config" or (r.violations == 0 and r.extras["worst_margin"] >= 0.0), context
        assert r.outcome == fault.outcome, context
        assert fault.detail in r.detail, context
        assert math.isfinite(r.recovery_s), context
        assert r.passed, context
    except AssertionError:
        drills.forget(fault)
        raise


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
                     "kill_channel_sim", "kill_channel_mux", "load_1khz_n4096", "llm_goal_infeasible_floors",
                     "llm_goal_floor_above_cap", "llm_goal_selector_out_of_range", "llm_goal_unknown_key",
                     "llm_goal_off_and_floored", "llm_goal_floors_after_fade", "load_1khz_jakes",
                     "host_radio_partition", "host_coordinator_restart", "host_radio_killed",
                     "host_grants_delayed_netem", "host_grants_lost_netem", "host_stranger_grant",
                     "host_malformed_demand", "host_reserves_exceed_cap", "host_coordinator_link_flapping",
                     "fleet_llm_connection_refused", "fleet_llm_hang", "fleet_llm_http_500",
                     "fleet_llm_cap_below_reserves"):
        assert required in names
