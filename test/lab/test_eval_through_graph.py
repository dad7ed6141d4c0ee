"""steer-ros eval --through-graph: ten cases of the public suite through the live
ROS graph (real nodes, DDS, real time) reach the step-locked verdicts."""

from __future__ import annotations

import pytest

from steer_ros.lab.evaluation.suite import load_suite
from steer_ros.lab.evaluation.suite_runner import run_suite
from steer_ros.lab.experiments.options import ExperimentOptions

CASES = ["throughput-plain", "prioritize-7-8", "prioritize-ordinal", "shutdown-weakest-3", "shutdown-listed",
         "power-absolute", "floor-10-bits", "fair-equalize", "decline-vague", "persist-reversal-equalize"]


@pytest.mark.ros
@pytest.mark.slow
@pytest.mark.realtime
def test_ten_cases_through_the_graph_agree_with_step_locked(domain_id, tmp_path):
    from steer_ros.lab.evaluation.graph_runner import graph_case_runner, split_supported

    suite = load_suite().select(CASES)
    graph_suite, skipped = split_supported(suite, "rules")
    assert not skipped and len(graph_suite.cases) == 10
    options = ExperimentOptions(backend="rules", graph_rate_hz=50.0)
    locked = run_suite(suite, options, tmp_path / "locked")
    graph = run_suite(graph_suite, options, tmp_path / "graph", runner=graph_case_runner(domain_id),
                      runner_name="through the live graph")
    a = {e["id"]: e["verdict"] for e in locked["cases"]}
    b = {e["id"]: e["verdict"] for e in graph["cases"]}
    differ = {cid: (a[cid], b[cid], next(e["note"] for e in graph["cases"] if e["id"] == cid))
              for cid in CASES if a[cid] != b[cid]}
    assert not differ, differ
    for e in graph["cases"]:
        assert e["calls"] >= 15, (e["id"], e["calls"])  # 250 steps at 10 per call: about 25
    # the read-back travels through the graph (SteerCommand.readback) unchanged
    rb_locked = {e["id"]: e["readback"] for e in locked["cases"]}
    rb_graph = {e["id"]: e["readback"] for e in graph["cases"]}
    for cid in ("throughput-plain", "prioritize-7-8", "shutdown-weakest-3", "shutdown-listed", "power-absolute"):
        assert rb_graph[cid] == rb_locked[cid] and rb_graph[cid], (cid, rb_graph[cid], rb_locked[cid])
