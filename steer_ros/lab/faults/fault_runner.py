"""The fault runner: starts the graph, injects one fault at a time, measures.

Rows run in groups that share a graph, in catalogue order, one mixin per group over
the harness (:mod:`~steer_ros.lab.faults.drill_harness`):

- ``llm`` (:mod:`.llm_drills`): one in-process graph whose navigator talks to a real
  HTTP server; the server's script is switched to each fault in turn;
- ``message`` (:mod:`.message_drills`): one in-process graph; a stranger node
  publishes malformed inputs, changes N, and publishes on steer/command;
- ``node`` (:mod:`.node_drills`): one process per node; each is killed and restarted;
- ``approval`` (:mod:`.approval_drills`): one in-process graph with the navigator in
  ``approval: confirm``; a graph whose LLM server lists no model;
- ``load`` (:mod:`.load_drills`): one process per node, N = 4096 at 1 kHz (a load
  generator), or the real channel_sim fading at 1 kHz;
- ``host`` (:mod:`.host_drills`): a fleet on network namespaces as hosts, the
  coordinator and each radio in a process of its own;
- ``fleet_llm`` (:mod:`.fleet_nav_drills`): a radio graph and the fleet navigator in one
  process, the fleet navigator talking to a real HTTP server switched to each fault.
"""

from __future__ import annotations

from typing import Sequence

from steer_ros.lab.faults.approval_drills import ApprovalDrills
from steer_ros.lab.faults.catalogue import APPROVAL, FLEET_LLM, HOST, LLM, LOAD, MESSAGE, NODE, Fault
from steer_ros.lab.faults.drill_harness import DrillSettings, settings_dict
from steer_ros.lab.faults.fleet_nav_drills import FleetNavDrills
from steer_ros.lab.faults.host_drills import HostDrills
from steer_ros.lab.faults.llm_drills import LlmDrills
from steer_ros.lab.faults.load_drills import LoadDrills
from steer_ros.lab.faults.message_drills import MessageDrills
from steer_ros.lab.faults.metrics import RowResult
from steer_ros.lab.faults.node_drills import NodeDrills

__all__ = ["DrillSettings", "FaultRunner", "settings_dict"]


class FaultRunner(LlmDrills, MessageDrills, NodeDrills, LoadDrills, ApprovalDrills, HostDrills, FleetNavDrills):
    """Runs fault rows over real DDS in ROS domain ``domain_id``."""

    def run(self, faults: Sequence[Fault]) -> list[RowResult]:
        """All rows, grouped by the graph they need, in catalogue order."""
        groups = {LLM: self.run_llm, MESSAGE: self.run_message, NODE: self.run_node, LOAD: self.run_load,
                  APPROVAL: self.run_approval, HOST: self.run_host, FLEET_LLM: self.run_fleet_llm}
        results: dict[str, RowResult] = {}
        for category, run in groups.items():
            rows = [f for f in faults if f.category == category]
            if rows:
                for result in run(rows):
                    results[result.name] = result
        return [results[f.name] for f in faults if f.name in results]
