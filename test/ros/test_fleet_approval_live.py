"""Fleet approval over real DDS: the fleet_navigator executable (rules backend,
approval: confirm) holds a new fleet directive on fleet/proposal with the coordinator's
preview grants (from two radios' demand curves published by the test on
/radio<k>/fleet/demand) and leaves fleet/command as it is; /fleet_navigator/approve
applies it (a new fleet/command); `steer-ros reject --fleet ID` (fleet/approval)
rejects the next one and the directive in force stays."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import numpy as np
import pytest

pytest.importorskip("steer_ros.msg", reason="steer_ros messages are not built (make setup)")

from steer_ros.fleet.demand import demand_curve
from steer_ros.fleet.navigator.directive import FleetDirective
from steer_ros.ros.graph import default_config
from steer_ros.ros.node_processes import NodeProcess

pytestmark = [pytest.mark.ros, pytest.mark.slow]

K = 2


class FleetWatcher:
    """fleet/command, fleet/decision and fleet/proposal as received; publishes policies and curves."""

    def __init__(self, domain_id: int):
        from rosutil import SpunNode
        from std_msgs.msg import String

        from steer_ros.msg import DemandCurve
        from steer_ros.ros import topics

        self.spun = SpunNode("fleet_approval_watcher", domain_id)
        node = self.spun.node
        self.lock = threading.Lock()
        self.commands: list[FleetDirective] = []
        self.decisions: list[FleetDirective] = []
        self.proposals: list[dict] = []
        node.create_subscription(String, topics.FLEET_COMMAND, self._keep(self.commands, True),
                                 topics.LATCHED_COMMAND_QOS)
        node.create_subscription(String, topics.FLEET_DECISION, self._keep(self.decisions, True), topics.COMMAND_QOS)
        node.create_subscription(String, topics.FLEET_PROPOSAL, self._keep(self.proposals, False),
                                 topics.PROPOSAL_QOS)
        self.policy_pub = node.create_publisher(String, topics.FLEET_POLICY, topics.POLICY_QOS)
        self.demand_pubs = [node.create_publisher(DemandCurve, topics.fleet_topic(f"radio{i + 1}", topics.FLEET_DEMAND),
                                                  topics.STREAM_IN) for i in range(K)]
        self.String, self.DemandCurve = String, DemandCurve

    def _keep(self, into: list, directive: bool):
        def on(msg) -> None:
            item = FleetDirective.from_json(msg.data, K) if directive else json.loads(msg.data)
            with self.lock:
                into.append(item)
        return on

    def publish_curves(self) -> None:
        rng = np.random.default_rng(3)
        for i, pub in enumerate(self.demand_pubs):
            gain = rng.rayleigh(1.0, 16)
            curve = demand_curve(gain, np.full(16, 10.0 ** i), budget_max=40.0)
            msg = self.DemandCurve(radio=f"radio{i + 1}", price=curve.price.tolist(), budget=curve.budget.tolist(),
                                   curve_sum_mi=curve.sum_mi.tolist(), shadow_price=float(curve.price[0]),
                                   budget_in_force=20.0, sum_mi=float(np.interp(20.0, curve.budget[::-1],
                                                                                curve.sum_mi[::-1])))
            pub.publish(msg)

    def wait_for(self, items: list, predicate, timeout_s: float, what: str):
        from rosutil import wait_until

        found = []

        def check():
            with self.lock:
                hits = [c for c in items if predicate(c)]
            found[:] = hits[-1:]
            return bool(hits)

        wait_until(check, timeout_s, what)
        return found[0]


def _call(spun, verb: str):
    from rosutil import wait_until
    from std_srvs.srv import Trigger

    client = spun.node.create_client(Trigger, f"/fleet_navigator/{verb}")
    assert client.wait_for_service(timeout_sec=20.0), f"no /fleet_navigator/{verb}"
    future = client.call_async(Trigger.Request())
    wait_until(future.done, 10.0, f"the {verb} response")
    return future.result()


def test_a_fleet_policy_in_confirm_is_proposed_then_applied_once_approved_and_a_rejected_one_is_not(domain_id):
    params = {"radios": K, "cap": 80.0, "reserve": [5.0], "p_max": [40.0], "period_s": 3600.0,
              "summary_stale_s": 600.0, "backend": "rules", "approval": "confirm", "approval_timeout_s": 60.0}
    watcher = FleetWatcher(domain_id)
    proc = NodeProcess("fleet_navigator", default_config("fleet_navigator"), domain_id, parameters=params).start()
    try:
        # the default policy sets nothing beyond the configuration: applied without asking
        first = watcher.wait_for(watcher.commands, lambda c: c.epoch >= 1, 30.0, "the configuration's directive")
        assert not first.off.any() and not watcher.proposals

        from rosutil import wait_until

        wait_until(lambda: all(p.get_subscription_count() for p in watcher.demand_pubs), 20.0, "the demand readers")
        watcher.publish_curves()
        wait_until(lambda: watcher.policy_pub.get_subscription_count() > 0, 20.0, "the policy reader")
        policy = "Take radio 2 off the air for maintenance"
        watcher.policy_pub.publish(watcher.String(data=policy))
        proposal = watcher.wait_for(watcher.proposals, lambda p: p["state_name"] == "pending", 20.0, "a proposal")
        watcher.wait_for(watcher.decisions, lambda d: d.policy == policy, 10.0, "the policy's decision")
        view = proposal["preview"]
        print(f"\nproposal {proposal['id']}: {proposal['readback']!r}; preview {view}")
        assert proposal["directive"]["off"] == [False, True] and proposal["readback"].startswith("radio 2 off")
        assert view["source"] == "coordinator" and view["radios_with_curves"] == K and view["grants"][1] == 0.0
        assert 0 < view["grants"][0] <= 40.0
        with watcher.lock:
            assert [c.epoch for c in watcher.commands] == [first.epoch]  # held: fleet/command as it was

        response = _call(watcher.spun, "approve")
        assert response.success and response.message.startswith(f"approved {proposal['id']}")
        applied = watcher.wait_for(watcher.commands, lambda c: c.off.tolist() == [False, True], 10.0,
                                   "the approved directive on fleet/command")
        assert applied.epoch > first.epoch and applied.policy == policy

        # the next policy is proposed again (another class) and rejected through the CLI (fleet/approval)
        second = "Cap the fleet at 50%"
        watcher.policy_pub.publish(watcher.String(data=second))
        pending = watcher.wait_for(watcher.proposals, lambda p: p["state_name"] == "pending" and p["id"] !=
                                   proposal["id"], 20.0, "the second proposal")
        assert pending["directive"]["policy"] == second
        argv = [sys.executable, "-m", "steer_ros.cli", "reject", "--fleet", pending["id"], "--wait", "20"]
        cli = subprocess.run(argv, env=_env(domain_id), capture_output=True, text=True, timeout=60)
        assert cli.returncode == 0, cli.stderr
        assert cli.stdout.startswith(f"rejected {pending['id']}: rejected via topic")
        with watcher.lock:
            assert watcher.commands[-1].epoch == applied.epoch and watcher.commands[-1].off.tolist() == [False, True]
        refused = _call(watcher.spun, "approve")
        assert not refused.success and refused.message.startswith("nothing_pending:")
    finally:
        proc.stop()
        watcher.spun.close()


def _env(domain_id: int) -> dict:
    from rosutil import ros_env

    return ros_env(domain_id)
