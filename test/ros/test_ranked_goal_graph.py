"""A goal by ranked selector through the live graph (real DDS, a real HTTP server as
the LLM): it reaches System 1 as stated, and the off set follows the channels."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("steer_ros.msg", reason="steer_ros messages are not built (make setup)")
from rclpy.parameter import Parameter

from steer_ros import defaults
from steer_ros.lab.fixtures import ScriptedOpenAIServer
from steer_ros.lab.fixtures.monitor_node import MonitorNode
from steer_ros.ros.bringup import Graph

pytestmark = [pytest.mark.ros, pytest.mark.realtime, pytest.mark.slow]

REPLY = {"off": "weakest:1", "floors": [{"channels": "all", "bits": 0.5}], "reasoning": "ranked"}


def test_the_off_set_follows_the_channels(domain_id):
    with ScriptedOpenAIServer([{"reply": json.dumps(REPLY)}]) as server:
        graph = Graph(domain_id=domain_id, backend="openai", llm_base_url=server.base_url, llm_model="m",
                      extra_parameters={"navigator": {"period_s": 30.0}})
        monitor = MonitorNode(context=graph.context)
        graph.add_node(monitor)
        graph.start()
        try:
            gain = defaults.design_gains(8).copy()
            weakest = int(np.argmin(gain))
            monitor.wait_for(lambda m: m.latest_allocation() is not None, 20.0, "the first allocation")
            monitor.publish_policy("Shut down the weakest channel and keep every other one above 0.5 bit")
            cmd = monitor.wait_for(lambda m: next((c for c in m.commands if c.status == 0 and len(c.off)), None),
                                   20.0, "the ranked goal accepted")
            assert "off wins over the floor" in cmd.status_detail
            monitor.wait_for(lambda m: (a := m.latest_allocation()) and a.t > cmd.t and a.power[weakest] == 0.0
                             and a.goals_met, 5.0, "the weakest channel off, the others above 0.5 bit")
            assert graph.nodes["optimizer"].system1.ranked_goal is not None
            # The weakest channel becomes the strongest, channel 6 the weakest: no navigator call
            # (period 30 s), System 1 alone moves the off set.
            gain2 = gain.copy()
            gain2[weakest], gain2[5] = gain.max() * 2, gain.min() / 2
            graph.nodes["channel_sim"].set_parameters([Parameter("gain", value=gain2.tolist())])
            monitor.wait_for(lambda m: (a := m.latest_allocation()) and a.power[5] == 0.0 and a.power[weakest] > 0
                             and a.goals_met and a, 5.0, "the off set moved to channel 6")
        finally:
            graph.shutdown()
