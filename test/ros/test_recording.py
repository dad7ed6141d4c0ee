"""Recording, plots and replay over real DDS: a graph run recorded with the mcap writer
and read back with rosbags (an independent reader), the plot command on it, replay
driving a fresh optimizer, and the recorder as its own process (Ctrl-C, --duration,
SIGKILL)."""

from __future__ import annotations

import importlib.util
import signal
import threading
from pathlib import Path

import numpy as np
import pytest
from rosutil import SpunNode, ros_env, stop_process, wait_until

pytestmark = [pytest.mark.ros, pytest.mark.realtime]

P2 = "Prioritize channels 7 and 8"
P4 = "Shut down the 3 weakest channels and focus power on the rest"
STEER_TOPICS = {
    "/steer/channel/sim": "steer_ros/msg/ChannelState",
    "/steer/channel_state": "steer_ros/msg/ChannelState",
    "/steer/allocation": "steer_ros/msg/AllocationState",
    "/steer/summary": "steer_ros/msg/AllocationSummary",
    "/steer/policy": "std_msgs/msg/String",
    "/steer/command_raw": "steer_ros/msg/SteerCommand",
    "/steer/command": "steer_ros/msg/SteerCommand",
    "/diagnostics": "diagnostic_msgs/msg/DiagnosticArray",
}


class Probe:
    """The test's own participant: publishes policies, and keeps what it hears on
    steer/allocation and steer/command (to compare the recording with)."""

    def __init__(self, domain_id: int):
        from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
        from std_msgs.msg import String

        from steer_ros.msg import AllocationState, SteerCommand
        from steer_ros.ros import topics

        self.spun = SpunNode("recording_probe", domain_id)
        node = self.spun.node
        self.lock = threading.Lock()
        self.allocations: list = []
        self.commands: list = []
        deep = QoSProfile(depth=1000, reliability=ReliabilityPolicy.RELIABLE)
        latched = QoSProfile(depth=1000, reliability=ReliabilityPolicy.RELIABLE,
                             durability=DurabilityPolicy.TRANSIENT_LOCAL)
        node.create_subscription(AllocationState, "/steer/allocation", self._keep(self.allocations), deep)
        node.create_subscription(SteerCommand, "/steer/command", self._keep(self.commands), latched)
        self.policy_pub = node.create_publisher(String, "/steer/policy", topics.POLICY_QOS)
        self.String = String
        self.published_policies: list[str] = []

    def _keep(self, store):
        def on_msg(msg):
            with self.lock:
                store.append(msg)
        return on_msg

    def publish_policy(self, text: str, subscribers: int) -> None:
        from rclpy.duration import Duration

        wait_until(lambda: self.policy_pub.get_subscription_count() >= subscribers, 10.0,
                   f"{subscribers} subscribers on /steer/policy")
        self.policy_pub.publish(self.String(data=text))
        assert self.policy_pub.wait_for_all_acked(Duration(seconds=5.0))
        self.published_policies.append(text)

    def command_with(self, policy: str) -> bool:
        with self.lock:
            return any(c.policy == policy for c in self.commands)

    def allocations_after_policy(self, policy: str) -> int:
        with self.lock:
            first = next((c for c in self.commands if c.policy == policy), None)
            if first is None:
                return 0
            t = (first.header.stamp.sec, first.header.stamp.nanosec)
            return sum((a.header.stamp.sec, a.header.stamp.nanosec) > t for a in self.allocations)

    def weakest_shut_down(self) -> bool:
        with self.lock:
            return bool(self.allocations) and max(self.allocations[-1].mi[:3]) < 0.2

    def close(self) -> None:
        self.spun.close()


def _stamp(msg) -> tuple[int, int]:
    return (int(msg.header.stamp.sec), int(msg.header.stamp.nanosec))


def _read_with_rosbags(path: Path):
    """topic -> (msgtype, [(log time, message)]) and the connections, read by rosbags."""
    from rosbags.highlevel import AnyReader

    out: dict[str, tuple[str, list]] = {}
    with AnyReader([path]) as reader:
        connections = {c.topic: c for c in reader.connections}
        for conn in reader.connections:
            out.setdefault(conn.topic, (conn.msgtype, []))
        for conn, timestamp, raw in reader.messages():
            out[conn.topic][1].append((timestamp, reader.deserialize(raw, conn.msgtype)))
    return out, connections


@pytest.fixture(scope="module")
def graph_recording(tmp_path_factory):
    """One recorded graph run shared by the tests below: (path, recorder counts,
    probe, policies published). P2 then P4, each answered by the navigator."""
    from rosutil import exclusive_domain_id

    from steer_ros import defaults
    from steer_ros.ros.bringup import Graph
    from steer_ros.ros.recording.recorder import attach, detach

    path = tmp_path_factory.mktemp("rec") / "run.mcap"
    with exclusive_domain_id() as domain:
        graph = Graph(domain_id=domain, extra_parameters={"navigator": {"period_s": 0.25}})
        probe = None
        try:
            recorder = attach(graph, path)
            probe = Probe(domain)
            # Nothing is published before the recorder and the probe have discovered the graph.
            wait_until(lambda: all(recorder.count_publishers(t) >= 1 for t in
                                   ("/steer/channel/sim", "/steer/channel_state", "/steer/allocation",
                                    "/steer/command_raw", "/steer/command", "/diagnostics")),
                       10.0, "the recorder to see every publisher")
            wait_until(lambda: probe.spun.node.count_publishers("/steer/allocation") >= 1, 10.0,
                       "the probe to see the optimizer")
            graph.start()
            wait_until(lambda: len(probe.allocations) >= 5 and probe.command_with(defaults.POLICY), 10.0,
                       "the first allocations and the answer to the start-up policy")
            probe.publish_policy(P2, subscribers=2)  # the navigator and the recorder
            wait_until(lambda: probe.command_with(P2), 10.0, "a command answering P2")
            probe.publish_policy(P4, subscribers=2)
            wait_until(lambda: probe.allocations_after_policy(P4) >= 10 and probe.weakest_shut_down(), 20.0,
                       "P4 to shut down channels 1-3")
            counts = dict(recorder.counts)
            detach(graph, recorder)
            written = recorder.counts
        finally:
            graph.shutdown()
            if probe is not None:
                probe.close()
    yield path, written, counts, probe


def test_recording_reads_back_with_rosbags_topics_counts_and_content(graph_recording):
    path, written, counts_before_close, probe = graph_recording
    data, connections = _read_with_rosbags(path)

    # Topic list and types: every steer topic that had a publisher, and /diagnostics.
    assert {t: v[0] for t, v in data.items()} == STEER_TOPICS
    # Counts: what the recorder says it wrote, topic by topic, is what rosbags reads.
    from steer_ros.ros.recording.reader import independent_counts

    assert {t: len(v[1]) for t, v in data.items()} == written == independent_counts(path)
    assert all(written[t] >= counts_before_close[t] for t in counts_before_close)

    # What the test published: exactly its two policies, in order, verbatim.
    assert [m.data for _, m in data["/steer/policy"][1]] == probe.published_policies == [P2, P4]

    # What the test observed on steer/allocation: inside the recorded time window, the
    # same messages (by header stamp) and the same content.
    recorded = {(int(m.header.stamp.sec), int(m.header.stamp.nanosec)): m for _, m in data["/steer/allocation"][1]}
    lo, hi = min(recorded), max(recorded)
    observed = {_stamp(m): m for m in probe.allocations if lo <= _stamp(m) <= hi}
    assert observed.keys() == recorded.keys()
    stamps = sorted(recorded)
    for stamp in (stamps[0], stamps[len(stamps) // 2], stamps[-1]):
        a, b = recorded[stamp], observed[stamp]
        assert int(a.step) == b.step
        for name in ("power", "mi", "weights", "gain"):
            np.testing.assert_array_equal(np.asarray(getattr(a, name)), np.asarray(getattr(b, name)))
        for name in ("total_mi", "weighted_mi", "power_used", "p_total", "mi_spread"):
            assert getattr(a, name) == getattr(b, name)

    # Accepted commands: every one the probe saw in the window is recorded, same reasoning.
    cmd_recorded = {(int(m.header.stamp.sec), int(m.header.stamp.nanosec)): m for _, m in data["/steer/command"][1]}
    for cmd in probe.commands:
        if min(cmd_recorded) <= _stamp(cmd) <= max(cmd_recorded):
            rec = cmd_recorded[_stamp(cmd)]
            assert (rec.policy, rec.reasoning, rec.status) == (cmd.policy, cmd.reasoning, cmd.status)
    assert {P2, P4} <= {m.policy for _, m in data["/steer/command_raw"][1]}

    # rosbag2 details: QoS offered (the accepted command is latched), profile, schemas.
    from rosbags.interfaces import QosDurability

    offered = connections["/steer/command"].ext.offered_qos_profiles
    assert offered and offered[0].durability == QosDurability.TRANSIENT_LOCAL
    from mcap.reader import make_reader

    with open(path, "rb") as f:
        reader = make_reader(f)
        assert reader.get_header().profile == "ros2"
        summary = reader.get_summary()
        schemas = {s.name: s for s in summary.schemas.values()}
        assert {s.encoding for s in schemas.values()} == {"ros2msg"}
        assert {c.message_encoding for c in summary.channels.values()} == {"cdr"}
        alloc_schema = schemas["steer_ros/msg/AllocationState"].data.decode()
        assert "=" * 80 + "\nMSG: std_msgs/msg/Header\n" in alloc_schema
        assert "\nMSG: builtin_interfaces/msg/Time\n" in alloc_schema
        assert "rosbag2" in {m.name for m in reader.iter_metadata()}


def test_plot_command_writes_figures_from_the_recording(graph_recording, tmp_path):
    from steer_ros.cli import main
    from steer_ros.ros.recording.plots import load_series

    path, written, _, _ = graph_recording
    assert main(["plot", str(path), "--out", str(tmp_path)]) == 0
    for name in ("overview", "mi_per_channel", "total_mi_gap", "weights", "p_total"):
        png = tmp_path / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000, name
    reasoning = (tmp_path / "reasoning.txt").read_text()
    assert P2 in reasoning and P4 in reasoning
    series = load_series(path)
    assert series.t.size == written["/steer/allocation"]
    assert series.mi.shape == (series.t.size, 8)
    changes = [text for _, text in series.policy_changes]
    assert len(changes) == 3 and changes[1:] == [P2, P4]  # the start-up policy, then the test's two
    # Under P4 the three weakest channels lose most of their MI; the series shows it.
    assert series.mi[-1, :3].sum() < 0.25 * series.mi[0, :3].sum()


def test_replay_drives_a_fresh_optimizer_to_the_recorded_allocation(graph_recording, domain_id):
    from rclpy.qos import QoSProfile, ReliabilityPolicy

    from steer_ros.msg import AllocationState
    from steer_ros.ros.bringup import running_graph
    from steer_ros.ros.recording.reader import Recording
    from steer_ros.ros.recording.replay import Replayer

    path = graph_recording[0]
    # The target: the last recorded allocation made under the command before it, converged.
    with Recording(path) as rec:
        target, command = None, None
        for m in rec.messages(["/steer/allocation", "/steer/command"], decode=True):
            if m.topic == "/steer/command":
                command = m.decoded
            elif command is not None and np.array_equal(m.decoded.weights, command.weights) \
                    and m.decoded.optimality_gap < 1e-6:
                target, target_ns = m.decoded, m.log_time_ns
    assert target is not None
    target_power = np.asarray(target.power)

    seen: list = []
    with running_graph(domain_id=domain_id, nodes=["optimizer"]), SpunNode("replay_probe", domain_id) as probe:
        probe.node.create_subscription(AllocationState, "/steer/allocation", seen.append,
                                       QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE))
        replayer = Replayer(probe.node, path, rate=4.0, topics=["/steer/channel_state", "/steer/command"])
        try:
            assert replayer.wait_for_subscribers(replayer.topics, 10.0), "the optimizer did not subscribe"
            result = replayer.run(until_ns=target_ns)
        finally:
            replayer.close()
        assert result.published["/steer/channel_state"] > 0 and result.published["/steer/command"] > 0
        wait_until(lambda: seen and np.allclose(seen[-1].power, target_power, atol=1e-3), 10.0,
                   f"the fresh optimizer to reach the recorded allocation {target_power}")
        np.testing.assert_allclose(seen[-1].weights, target.weights, atol=1e-12)
        assert seen[-1].p_total == pytest.approx(target.p_total)


# -- the recorder as its own process -----------------------------------------------------------
def _policy_publisher(domain_id: int):
    from std_msgs.msg import String

    from steer_ros.ros import topics

    spun = SpunNode("policy_source", domain_id)
    pub = spun.node.create_publisher(String, "/steer/policy", topics.POLICY_QOS)
    return spun, pub, String


def _publish_all(pub, String, texts) -> None:
    from rclpy.duration import Duration

    wait_until(lambda: pub.get_subscription_count() >= 1, 20.0, "the recorder to subscribe")
    for text in texts:
        pub.publish(String(data=text))
    assert pub.wait_for_all_acked(Duration(seconds=5.0))


def _spawn(path: Path, domain_id: int, *extra: str):
    import subprocess

    from steer_ros.ros.recording.recorder import recorder_command

    return subprocess.Popen(recorder_command(path) + list(extra), env=ros_env(domain_id),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _policies_in(path: Path) -> list[str]:
    data, _ = _read_with_rosbags(path)
    return [m.data for _, m in data.get("/steer/policy", ("", []))[1]]


def test_record_command_finalizes_on_ctrl_c(domain_id, tmp_path):
    path = tmp_path / "ctrl_c.mcap"
    proc = _spawn(path, domain_id)
    spun, pub, String = _policy_publisher(domain_id)
    try:
        _publish_all(pub, String, ["a", "b", "c"])
    finally:
        rc = stop_process(proc)
        spun.close()
    out = proc.stdout.read()
    assert rc == 0, out
    assert "wrote 3 messages" in out and "/steer/policy: 3" in out
    assert _policies_in(path) == ["a", "b", "c"]


def test_record_command_stops_after_duration_with_a_complete_file(domain_id, tmp_path):
    from steer_ros.ros.recording.reader import Recording

    path = tmp_path / "duration.mcap"
    proc = _spawn(path, domain_id, "--duration", "0.5", "--topics", "/steer/policy", "/other/topic")
    try:
        rc = proc.wait(timeout=20)
    finally:
        stop_process(proc)
    out = proc.stdout.read()
    assert rc == 0, out
    assert "recording /other/topic, /steer/policy" in out and "wrote 0 messages" in out
    with Recording(path) as rec:
        assert rec.complete and rec.counts == {} and "rosbag2" in rec.metadata
    assert _policies_in(path) == []


def test_killed_recorder_leaves_a_readable_file(domain_id, tmp_path):
    from steer_ros.ros.recording.reader import Recording

    path = tmp_path / "killed.mcap"
    proc = _spawn(path, domain_id)
    spun, pub, String = _policy_publisher(domain_id)
    try:
        _publish_all(pub, String, ["x", "y"])

        def flushed() -> bool:  # the recorder flushes every second
            if not path.exists():
                return False
            with Recording(path) as rec:
                return rec.counts.get("/steer/policy", 0) == 2
        wait_until(flushed, 10.0, "the recorder to flush the policies", poll_s=0.1)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        stop_process(proc)
        spun.close()
    with Recording(path) as rec:
        assert not rec.complete
        assert [m.decoded.data for m in rec.messages(["/steer/policy"], decode=True)] == ["x", "y"]
    # rosbags (like ros2 bag) needs the index; `steer-ros record --recover` rebuilds it.
    from steer_ros.cli import main

    fixed = tmp_path / "fixed.mcap"
    assert main(["record", "--recover", str(path), "--out", str(fixed)]) == 0
    assert _policies_in(fixed) == ["x", "y"]


@pytest.mark.skipif(importlib.util.find_spec("launch_ros") is None, reason="launch_ros is not installed")
def test_launch_file_starts_the_recorder_when_record_is_true(tmp_path):
    from launch.actions import ExecuteProcess
    from launch.launch_description_sources import PythonLaunchDescriptionSource

    from launch import LaunchContext

    source = PythonLaunchDescriptionSource(str(Path(__file__).resolve().parents[2] / "launch" / "sim.launch.py"))
    description = source.get_launch_description(LaunchContext())
    context = LaunchContext()
    context.launch_configurations.update({"record": "true", "record_out": str(tmp_path / "l.mcap"),
                                          "namespace": "radio1", "config": "sim.yaml", "backend": "",
                                          "llm_base_url": "", "llm_model": "", "policy": ""})
    opaque = description.entities[-1]
    actions = opaque.execute(context)
    recorders = [a for a in actions if isinstance(a, ExecuteProcess)]
    assert len(recorders) == 1
