"""System 1's status through the graph, with a scripted LLM on the real HTTP test
server: a fade (the gains reversed) -> DISTURBED -> CONVERGED; floors out of reach of
the budget in force -> INFEASIBLE with least_budget -> the LLM escalates -> CONVERGED
with the floors met. The times are printed (pytest -s)."""

from __future__ import annotations

import contextlib
import json
import time

import numpy as np
import pytest

pytest.importorskip("steer_ros.msg", reason="steer_ros messages are not built (make setup)")
from rclpy.parameter import Parameter

from steer_ros import defaults
from steer_ros.lab.fixtures import ScriptedOpenAIServer
from steer_ros.lab.fixtures.monitor_node import MonitorNode
from steer_ros.ros.bringup import Graph
from steer_ros.system1.goal_optimum import floor_power
from steer_ros.system1.status import AllocationStatus as S

pytestmark = [pytest.mark.ros, pytest.mark.realtime, pytest.mark.slow]

N = 8
P_START = 20.0
FLOOR = 1.5  # bits on every channel: P = 25.6 on the reversed default gains, > 20, < P_max = 40
REVERSED = defaults.design_gains(N)[::-1]
NEED = float(np.sum(floor_power(np.full(N, FLOOR), REVERSED, np.ones(N))))
TARGET = round(NEED * 1.001, 4)
FLOORS, ESCALATE = "Keep every channel above 1.5 bits", "Keep every channel above 1.5 bits, escalate the budget"


def _reply(**fields) -> dict:
    return {"reply": json.dumps({"weights": [1] * N, "reasoning": "scripted", **fields})}


CASES = {
    defaults.POLICY: [_reply(P_total=P_START)],
    FLOORS: [_reply(P_total=P_START, floors={"all": FLOOR})],
    ESCALATE: [_reply(floors={"all": FLOOR}, escalate={"P_total": TARGET})],
}
# System 1 at 100 Hz without event bursts, so a disturbance lasts several publishes.
PARAMS = {"navigator": {"period_s": 1.0}, "optimizer": {"event_burst_steps": 0, "rate_hz": 100.0,
                                                         "publish_hz": 50.0, "p_total": P_START}}


@contextlib.contextmanager
def graph_with(server, domain_id: int):
    graph = Graph(extra_parameters=PARAMS, backend="openai", llm_base_url=server.base_url, llm_model="scripted",
                  domain_id=domain_id)
    monitor = MonitorNode(context=graph.context)
    graph.add_node(monitor)
    graph.start()
    try:
        yield graph, monitor
    finally:
        graph.shutdown()


def first(monitor, since, pred, timeout_s, what):
    return monitor.wait_for(lambda m: next((a for a in m.allocations_since(since) if pred(a)), None), timeout_s, what)


def test_fade_disturbs_and_infeasible_floors_escalate_to_convergence(domain_id):
    with ScriptedOpenAIServer(cases=CASES) as server, graph_with(server, domain_id) as (graph, monitor):
        t0 = time.monotonic()
        conv = first(monitor, t0, lambda a: a.status == S.CONVERGED and a.p_total == P_START, 30.0,
                     "CONVERGED at the scripted budget")
        # 1. a fade: the gains reversed
        t_fade = time.monotonic()
        assert graph.nodes["channel_sim"].set_parameters([Parameter("reversed", value=True)])[0].successful
        faded = first(monitor, t_fade, lambda a: np.allclose(a.gain, REVERSED), 5.0, "the reversed gains")
        disturbed = first(monitor, t_fade, lambda a: a.status == S.DISTURBED, 5.0, "DISTURBED after the fade")
        settled = first(monitor, disturbed.t, lambda a: a.status == S.CONVERGED, 5.0, "CONVERGED again")
        assert np.allclose(settled.gain, REVERSED)
        assert settled.optimality_gap <= defaults.STATUS_GAP_TOL * max(1.0, settled.total_mi)
        # 2. floors the budget in force cannot meet
        t_floors = time.monotonic()
        monitor.publish_policy(FLOORS)
        infeasible = first(monitor, t_floors, lambda a: a.status == S.INFEASIBLE, 15.0, "INFEASIBLE floors")
        cmd = monitor.latest_command()
        need_now = float(np.sum(floor_power(cmd.mi_floor, REVERSED, np.ones(N))))
        assert infeasible.p_total == P_START and not infeasible.goals_met
        assert infeasible.least_budget > infeasible.p_total
        assert infeasible.least_budget <= NEED * (1 + 1e-9)  # the smoothed floors need at most the final ones
        later = first(monitor, infeasible.t, lambda a: a.t > cmd.t, 5.0, "an allocation under the newest floors")
        assert later.least_budget == pytest.approx(need_now, rel=1e-6) or later.status != S.INFEASIBLE
        assert all(a.feasible for a in monitor.allocations_since(t_floors))
        # 3. the LLM escalates: applied at once (no EMA), then CONVERGED with the floors met
        t_esc = time.monotonic()
        monitor.publish_policy(ESCALATE)
        escalated = monitor.wait_for(
            lambda m: next((c for c in m.commands_since(t_esc) if c.status_detail.startswith("escalated:")), None),
            10.0, "an escalated command")
        assert escalated.p_total == pytest.approx(TARGET)
        done = first(monitor, escalated.t, lambda a: a.status == S.CONVERGED and a.goals_met, 15.0,
                     "CONVERGED with the floors met")
        assert done.p_total == pytest.approx(TARGET) and done.least_budget <= done.p_total
        assert all(a.feasible for a in monitor.allocations_since(t0))
        print(f"\nconverged {conv.t - t0:.2f} s after start; fade -> DISTURBED {disturbed.t - t_fade:.3f} s "
              f"(gains seen {faded.t - t_fade:.3f} s) -> CONVERGED {settled.t - disturbed.t:.3f} s later; "
              f"floors -> INFEASIBLE {infeasible.t - t_floors:.2f} s (least budget {infeasible.least_budget:.3f} > "
              f"P_total {infeasible.p_total:g}); escalate -> command {escalated.t - t_esc:.3f} s "
              f"('{escalated.status_detail[:60]}') -> CONVERGED, floors met {done.t - escalated.t:.3f} s later")
