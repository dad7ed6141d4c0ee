"""A fleet over real DDS in one process: two radios (channel_sim, channel_mux, optimizer
in the fleet) and the coordinator. Grants flow, System 1 is held to them, the cap holds
on the stamped budgets in force, a stranger's grants (stale epoch, above the box) are
refused and reported, and without the coordinator the radios fall back to their
reserves once their leases run out (the DDS deadline reports it lost)."""

from __future__ import annotations

import contextlib
import importlib.util
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("steer_ros.msg", reason="steer_ros messages are not built (make setup)")

from rosutil import wait_until

from steer_ros import defaults
from steer_ros.msg import BudgetGrant, DemandCurve
from steer_ros.ros import topics
from steer_ros.ros.bringup import Graph
from steer_ros.ros.fleet_bringup import fleet_params, write_fleet_params
from steer_ros.ros.fleet_monitor import FleetMonitor

pytestmark = [pytest.mark.ros, pytest.mark.realtime, pytest.mark.slow]

CAP = 30.0


@contextlib.contextmanager
def fleet(domain_id, tmp_path, params_out: list):
    params = write_fleet_params(fleet_params(2, None, CAP, radio_nodes={"rate_hz": 100.0},
                                             coordinator_params={"lease_s": 1.0}), tmp_path)
    params_out.append(params)
    graphs, late = [], []  # late: nodes added while the fleet runs, destroyed after it
    try:
        for name in ("radio1", "radio2"):
            graphs.append(Graph("radio", config=params, namespace=name, domain_id=domain_id,
                                nodes=["channel_sim", "channel_mux", "optimizer"]))
        coordinator = Graph("coordinator", config=params, domain_id=domain_id)
        graphs.append(coordinator)
        monitor = FleetMonitor(2, CAP, context=graphs[0].context)  # outlives the coordinator
        graphs[0].add_node(monitor)
        for g in graphs:
            g.start()
        yield graphs, monitor, late
    finally:
        for g in graphs:
            g.shutdown()
        for node in [monitor, *late]:
            node.destroy_node()


def test_fleet_grants_hold_the_cap_and_refuse_strangers(domain_id, tmp_path):
    params_list: list = []
    with fleet(domain_id, tmp_path, params_list) as (graphs, monitor, late):
        params = params_list[0]
        radio1 = graphs[0].nodes["optimizer"]
        wait_until(lambda: np.all(monitor.snapshot()["epoch"] > 0), 30.0, "both radios holding a grant")
        wait_until(lambda: abs(float(np.nansum(monitor.snapshot()["budget"])) - CAP) < 1e-6, 30.0,
                   "the fleet spending its cap")
        s = monitor.snapshot()
        assert s["violations"] == 0 and s["worst_margin"] >= 0.0 and s["cap"] == "held", s["unknown"]
        assert s["budget"][0] > s["budget"][1]  # radio 1 has the better channels: it gets more
        assert radio1.system1.p_total == pytest.approx(s["budget"][0])
        # a monitor started now still receives each radio's reports from its first (seq 0), from the
        # radios' transient-local history, and vouches for the cap from the first stamp on
        late.append(FleetMonitor(2, CAP, context=graphs[0].context))
        graphs[0].add_node(late[0])
        wait_until(lambda: late[0].snapshot()["cap"] == "held", 10.0, "the late monitor vouching for the cap")
        assert [late[0].samples[n][0][3] for n in late[0].names] == [0, 0]
        assert late[0].cap_check().window[0] == monitor.cap_check().window[0]
        # a stranger: a stale epoch, and a budget above the radio's box
        stranger = graphs[2].nodes["fleet_coordinator"].create_publisher(
            BudgetGrant, topics.fleet_topic("radio1", topics.FLEET_GRANT),
            topics.fleet_qos(defaults.FLEET_PEER_DEADLINE_S))
        lease = radio1.fleet.lease
        now = graphs[2].nodes["fleet_coordinator"].get_clock().now()
        for epoch, budget in ((1, 5.0), (lease.epoch + 10**9, 10 * CAP)):
            msg = BudgetGrant(radio="radio1", epoch=epoch, budget=budget, lease_s=3.0)
            msg.header.stamp = now.to_msg()
            msg.expires.sec = now.to_msg().sec + 3
            stranger.publish(msg)
        wait_until(lambda: lease.refused.get("stale_epoch", 0) >= 1 and lease.refused.get("above_box", 0) >= 1,
                   10.0, "both strangers' grants refused")
        assert monitor.snapshot()["violations"] == 0
        # a malformed demand curve on radio 2's topic: refused with its code, the cap kept
        coordinator_node = graphs[2].nodes["fleet_coordinator"]
        bad = coordinator_node.create_publisher(DemandCurve, topics.fleet_topic("radio2", topics.FLEET_DEMAND),
                                                topics.fleet_qos(defaults.FLEET_PEER_DEADLINE_S))
        bad.publish(DemandCurve(radio="radio2", price=[1.0, 2.0, 3.0], budget=[5.0, float("nan"), 1.0]))
        wait_until(lambda: coordinator_node.core.refused_curves.get("not_finite", 0) >= 1, 10.0,
                   "the NaN curve refused")
        assert monitor.snapshot()["violations"] == 0
        # the coordinator goes away: each radio keeps its lease, then falls back to its reserve
        epoch_before = lease.epoch
        graphs[2].shutdown()
        reserve = lease.reserve
        wait_until(lambda: np.all(monitor.snapshot()["epoch"] == 0), 10.0, "both radios on their reserves")
        assert radio1.system1.p_total == pytest.approx(reserve)
        wait_until(lambda: "coordinator_lost" in radio1.diagnostics._problems, 10.0, "coordinator_lost reported")
        assert monitor.snapshot()["violations"] == 0
        # a new coordinator: it learns what the radios hold, then grants the cap again
        graphs.append(Graph("coordinator", config=params, domain_id=domain_id).start())
        wait_until(lambda: abs(float(np.nansum(monitor.snapshot()["budget"])) - CAP) < 1e-6, 30.0,
                   "the restarted coordinator's grants")
        assert lease.epoch > epoch_before  # time-based epochs: the new run's grants are not stale
        s = monitor.snapshot()
        assert s["violations"] == 0 and s["cap"] == "held" and len(monitor.history) > 2, s["unknown"]


@pytest.mark.skipif(importlib.util.find_spec("launch_ros") is None, reason="launch_ros is not installed")
def test_fleet_launch_file_starts_k_radios_and_the_coordinator():
    from launch.launch_description_sources import PythonLaunchDescriptionSource

    from launch import LaunchContext

    source = PythonLaunchDescriptionSource(str(Path(__file__).resolve().parents[2] / "launch" / "fleet.launch.py"))
    description = source.get_launch_description(LaunchContext())
    context = LaunchContext()
    context.launch_configurations.update({"radios": "3", "config": "fleet.yaml"})
    actions = description.entities[-1].execute(context)
    assert len(actions) == 3 * 5 + 1  # the radio graph's five nodes per radio, and the coordinator
