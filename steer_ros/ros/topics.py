"""Topic names and QoS profiles of the graph, in one place.

Names are relative, so a whole graph runs under a namespace (one per radio);
/diagnostics is absolute, as diagnostic aggregators expect.
"""

from __future__ import annotations

from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy

from steer_ros import defaults

CHANNEL_SIM = "steer/channel/sim"
CHANNEL_SDR = "steer/channel/sdr"
CHANNEL_STATE = "steer/channel_state"
ALLOCATION = "steer/allocation"
# A fixed small digest of steer/allocation (AllocationSummary) at a low rate, for
# plots at large N; not under steer/allocation/, which rqt_plot would resolve to the
# parent topic's fields.
SUMMARY = "steer/summary"
POLICY = "steer/policy"
# The navigator's raw proposals. No topic name of the graph is a path prefix of
# another: rqt_plot and other tools that address fields as /topic/field resolve a path
# to a topic that is a prefix of it, so "steer/command/raw" would read as a field
# "raw" of steer/command.
COMMAND_RAW = "steer/command_raw"
# Deprecated alias of COMMAND_RAW, published with the same messages until 0.4.0 so
# subscribers of the old name keep working; the one exception to the prefix rule.
COMMAND_RAW_DEPRECATED = "steer/command/raw"
DEPRECATED_ALIASES = {COMMAND_RAW_DEPRECATED: COMMAND_RAW}
COMMAND = "steer/command"
# Preview and approval (navigator parameter approval: confirm): the navigator's held
# proposals (SteerProposal, latched) and the operator's answers (std_msgs/String:
# "<id>" or "approve <id>" approves, "reject <id>" rejects).
PROPOSAL = "steer/proposal"
APPROVAL = "steer/approval"
DIAGNOSTICS = "/diagnostics"
# The fleet (docs/fleet.md): each radio publishes its demand curve and budget in force
# and receives its grants under its own namespace (/radio3/fleet/grant); the
# coordinator runs outside the radios' namespaces and addresses each radio's topics
# by name (fleet_topic). The fleet navigator's policy is fleet/policy.
FLEET_DEMAND = "fleet/demand"
FLEET_GRANT = "fleet/grant"
FLEET_IN_FORCE = "fleet/budget_in_force"
FLEET_POLICY = "fleet/policy"
# The fleet navigator's command to the coordinator (std_msgs/String, JSON: priorities,
# boxes, radios off, rate floors, cap; steer_ros.fleet.directive), latched.
FLEET_COMMAND = "fleet/command"
# Every outcome of the fleet navigator (std_msgs/String, the same JSON; fallbacks and
# kept policies too, with their status_detail), not latched.
FLEET_DECISION = "fleet/decision"
# fleet_navigator approval: confirm. A directive held for the operator (std_msgs/String,
# JSON: id, state, the directive, its read-back, the coordinator's preview grants;
# steer_ros.fleet.navigator.approval), latched as steer/proposal; the answers
# ("<id>", "approve <id>", "reject <id>") on fleet/approval, as on steer/approval.
FLEET_PROPOSAL = "fleet/proposal"
FLEET_APPROVAL = "fleet/approval"

# Channel estimates and allocations: a stream where only the newest matters; a small
# reliable queue keeps rqt_plot and `ros2 topic echo` (reliable by default) matched.
STREAM = QoSProfile(depth=5, history=HistoryPolicy.KEEP_LAST, reliability=ReliabilityPolicy.RELIABLE,
                    durability=DurabilityPolicy.VOLATILE)
# The graph's own stream subscriptions take best effort: a reliable writer then never
# waits on them, so a reader that dies without saying goodbye (kill -9) cannot stall
# its writer (Fast DDS blocks a reliable write for up to 100 ms per sample on a
# reader that stopped acknowledging, holding the GIL, until the dead participant's
# lease expires). Loopback loses next to nothing, and the next sample supersedes a
# lost one anyway. Tools that want every sample (the recorder, ros2 topic echo)
# still match the reliable writers with reliable readers.
STREAM_IN = QoSProfile(depth=5, history=HistoryPolicy.KEEP_LAST, reliability=ReliabilityPolicy.BEST_EFFORT,
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
# Proposals: latched with a short history, so `ros2 topic echo` or Foxglove started late
# shows the last records (the proposal on display last), and a proposal's answer and
# the next proposal, published within a millisecond, both reach every reader and a
# recording (a depth of 1 let the second overwrite the first before delivery).
PROPOSAL_QOS = QoSProfile(depth=10, history=HistoryPolicy.KEEP_LAST, reliability=ReliabilityPolicy.RELIABLE,
                          durability=DurabilityPolicy.TRANSIENT_LOCAL)
DIAGNOSTICS_QOS = QoSProfile(depth=10, history=HistoryPolicy.KEEP_LAST, reliability=ReliabilityPolicy.RELIABLE,
                             durability=DurabilityPolicy.VOLATILE)
# Watching /diagnostics from inside the graph's tools: best effort, like STREAM_IN.
DIAGNOSTICS_IN = QoSProfile(depth=50, history=HistoryPolicy.KEEP_LAST, reliability=ReliabilityPolicy.BEST_EFFORT,
                            durability=DurabilityPolicy.VOLATILE)


def fleet_topic(radio: str, topic: str) -> str:
    """The absolute name of a radio's fleet topic: fleet_topic("radio3", FLEET_GRANT)
    is /radio3/fleet/grant."""
    return f"/{radio.strip('/')}/{topic}"


def fleet_qos(deadline_s: float) -> QoSProfile:
    """The fleet topics: reliable, the newest few, with a DDS deadline and liveliness
    lease so a peer that goes silent (a lost host, a partition) is reported by the
    middleware (event callbacks -> /diagnostics). Not the budget lease: that is
    timed by the radios themselves (steer_ros.fleet.lease)."""
    from rclpy.duration import Duration
    from rclpy.qos import LivelinessPolicy

    return QoSProfile(depth=5, history=HistoryPolicy.KEEP_LAST, reliability=ReliabilityPolicy.RELIABLE,
                      durability=DurabilityPolicy.VOLATILE, deadline=Duration(seconds=deadline_s),
                      liveliness=LivelinessPolicy.AUTOMATIC, liveliness_lease_duration=Duration(seconds=deadline_s))


def fleet_in_force_qos(deadline_s: float) -> QoSProfile:
    """A radio's writer of fleet/budget_in_force: :func:`fleet_qos`, transient local with
    the newest FLEET_IN_FORCE_HISTORY reports, so a reader that matches after the radio
    (re)started still receives its reports from the first (a checker of the cap needs
    every one: a missed report leaves the previous incarnation's budget standing in its
    view). Volatile readers (the coordinator) match it too and get only new reports."""
    qos = fleet_qos(deadline_s)
    qos.durability = DurabilityPolicy.TRANSIENT_LOCAL
    qos.depth = defaults.FLEET_IN_FORCE_HISTORY
    return qos
