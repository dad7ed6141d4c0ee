"""Preview and approval through the live graph (approval: confirm, real DDS): nothing
applied until approved (service), a rejection (topic) and a timeout keep the command
in force, stale and foreign ids are refused."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

pytest.importorskip("steer_ros.msg", reason="steer_ros messages are not built (make setup)")
from std_msgs.msg import String
from std_srvs.srv import Trigger

from steer_ros.lab.fixtures.monitor_node import MonitorNode
from steer_ros.msg import SteerProposal
from steer_ros.ros import topics
from steer_ros.ros.bringup import Graph
from steer_ros.system2.steer_decision import Status

pytestmark = [pytest.mark.ros, pytest.mark.realtime, pytest.mark.slow]

TIMEOUT_S = 2.0


def call(monitor: MonitorNode, client, timeout_s: float = 10.0):
    assert client.wait_for_service(timeout_sec=timeout_s)
    done = threading.Event()
    future = client.call_async(Trigger.Request())
    future.add_done_callback(lambda _: done.set())
    assert done.wait(timeout_s), "no service response"
    return future.result()


def test_confirm_mode_end_to_end(domain_id):
    graph = Graph(domain_id=domain_id, approval="confirm",
                  extra_parameters={"navigator": {"period_s": 0.5, "approval_timeout_s": TIMEOUT_S}})
    monitor = MonitorNode(context=graph.context)
    proposals: list[SteerProposal] = []
    monitor.create_subscription(SteerProposal, topics.PROPOSAL, proposals.append, topics.PROPOSAL_QOS)
    answers = monitor.create_publisher(String, topics.APPROVAL, topics.POLICY_QOS)
    fake = monitor.create_publisher(SteerProposal, topics.PROPOSAL, topics.PROPOSAL_QOS)
    approve = monitor.create_client(Trigger, "/navigator/approve")
    graph.add_node(monitor)
    graph.start()
    try:
        nonce = graph.nodes["navigator"].gate.nonce
        first = monitor.wait_for(lambda m: next((p for p in proposals if p.state == SteerProposal.STATE_PENDING
                                                 and p.id.startswith(nonce)), None), 20.0, "a first proposal")
        # The preview: the certified operating point on the current channels, and the read-back.
        assert len(first.mi) == 8 and len(first.power) == 8 and first.readback
        assert abs(sum(first.power) - first.power_used) < 1e-6 and first.power_used <= first.p_total + 1e-9
        assert first.command.policy == graph.nodes["navigator"].policy
        time.sleep(1.5)  # three navigator periods: nothing is applied while it waits
        assert not [c for c in monitor.commands if c.status == Status.OK]

        # A stranger's proposal is never pending: approving its id is refused.
        fake.publish(SteerProposal(id="evil-1"))
        answers.publish(String(data="approve evil-1"))
        response = call(monitor, approve)
        assert response.success and response.message.startswith(f"approved {first.id}"), response.message
        ok = monitor.wait_for(lambda m: next((c for c in m.commands if c.status == Status.OK), None), 5.0,
                              "the approved command applied")
        raw = [c for c in monitor.commands_since(0.0, raw=True) if c.status == Status.OK]
        assert raw and raw[0].status_detail.endswith(f"(approved {first.id})"), raw[:1]
        diag = monitor.wait_for(lambda m: (d := m.diagnostic("navigator")) and d.get("proposals_approved") == "1"
                                and d, 5.0, "the approval in /diagnostics")
        assert int(diag["proposals_refused"]) >= 1

        # A new policy: proposed; rejected on the topic; the command in force stays.
        t0 = time.monotonic()
        monitor.publish_policy("Prioritize channels 7 and 8")
        second = monitor.wait_for(lambda m: next((p for p in proposals if p.command.policy.startswith("Prioritize")
                                                  and p.state == SteerProposal.STATE_PENDING), None), 5.0,
                                  "a proposal for the new policy")
        answers.publish(String(data=f"approve {first.id}"))  # stale: refused
        answers.publish(String(data=f"reject {second.id}"))
        monitor.wait_for(lambda m: any(p.id == second.id and p.state == SteerProposal.STATE_REJECTED
                                       for p in proposals), 5.0, "the rejection")
        # Proposed again (still not approved); left unanswered, it times out.
        third = monitor.wait_for(lambda m: next((p for p in proposals if p.command.policy.startswith("Prioritize")
                                                 and p.id != second.id), None), 5.0, "a proposal again")
        monitor.wait_for(lambda m: any(p.id == third.id and p.state == SteerProposal.STATE_TIMED_OUT
                                       for p in proposals), TIMEOUT_S + 3.0, "the timeout")
        applied = [c for c in monitor.commands_since(t0) if c.status == Status.OK and c.policy.startswith("Prior")]
        assert applied == []
        np.testing.assert_allclose(monitor.latest_allocation().weights, ok.weights / ok.weights.sum(), atol=1e-9)
    finally:
        graph.shutdown()
