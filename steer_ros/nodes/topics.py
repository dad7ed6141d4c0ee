"""Topic names and QoS profiles of the graph, in one place.

Names are relative, so a whole graph runs under a namespace (one per radio);
/diagnostics is absolute, as diagnostic aggregators expect.
"""

from __future__ import annotations

from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy

CHANNEL_SIM = "steer/channel/sim"
CHANNEL_SDR = "steer/channel/sdr"
CHANNEL_STATE = "steer/channel_state"
ALLOCATION = "steer/allocation"
POLICY = "steer/policy"
COMMAND_RAW = "steer/command/raw"
COMMAND = "steer/command"
DIAGNOSTICS = "/diagnostics"

# Channel estimates and allocations: a stream where only the newest matters; a small
# reliable queue keeps rqt_plot and `ros2 topic echo` (reliable by default) matched.
STREAM = QoSProfile(depth=5, history=HistoryPolicy.KEEP_LAST, reliability=ReliabilityPolicy.RELIABLE,
                    durability=DurabilityPolicy.VOLATILE)
# The operator's intent: `ros2 topic pub` defaults (reliable, volatile, depth 10).
POLICY_QOS = QoSProfile(depth=10, history=HistoryPolicy.KEEP_LAST, reliability=ReliabilityPolicy.RELIABLE,
                        durability=DurabilityPolicy.VOLATILE)
# Commands: every one counts; the accepted command is latched (transient local) so a
# node that (re)starts picks up the command in force instead of a default.
COMMAND_QOS = QoSProfile(depth=10, history=HistoryPolicy.KEEP_LAST, reliability=ReliabilityPolicy.RELIABLE,
                         durability=DurabilityPolicy.VOLATILE)
LATCHED_COMMAND_QOS = QoSProfile(depth=1, history=HistoryPolicy.KEEP_LAST, reliability=ReliabilityPolicy.RELIABLE,
                                 durability=DurabilityPolicy.TRANSIENT_LOCAL)
DIAGNOSTICS_QOS = QoSProfile(depth=10, history=HistoryPolicy.KEEP_LAST, reliability=ReliabilityPolicy.RELIABLE,
                             durability=DurabilityPolicy.VOLATILE)
