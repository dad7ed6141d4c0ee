"""Recorder: a node that writes the steer topics into a rosbag2-compatible MCAP file.

The file follows the MCAP ``ros2`` profile as rosbag2's MCAP storage plugin writes
it: one schema per message type (encoding ``ros2msg``, the complete definition with
its dependencies, :mod:`steer_ros.ros.recording.definitions`), one channel per topic
(message encoding ``cdr``, metadata ``offered_qos_profiles`` and
``topic_type_hash``), messages as the serialized CDR bytes received (generic
subscriptions, nothing re-encoded), log time = receive time and publish time = the
publisher's source timestamp, and on close a ``rosbag2`` metadata record holding the
bag metadata. So ``ros2 bag info run.mcap`` / ``ros2 bag play run.mcap`` on a ROS 2
install, Foxglove, ``mcap`` and rosbags all open it.

Robustness: the file is flushed (chunk closed) every ``flush_period_s``, so a
recorder killed with SIGKILL leaves every message older than that readable by a
linear scan (:func:`steer_ros.ros.recording.reader.read_messages` does one when the
index is missing); a clean stop (``close()``, Ctrl-C, SIGTERM, duration over)
always writes the summary and index.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import yaml
from mcap.writer import CompressionType, Writer
from rclpy.node import Node
from rclpy.qos import QoSProfile

from steer_ros.ros import topics
from steer_ros.ros.recording import qos as bag_qos
from steer_ros.ros.recording.definitions import (
    MESSAGE_ENCODING,
    SCHEMA_ENCODING,
    full_definition,
    message_class,
    normalize_type,
)

PROFILE = "ros2"
LIBRARY = "steer_ros recorder (mcap python)"

# Every steer topic (relative: resolved in the recorder's namespace), /diagnostics
# (absolute), with their types and the QoS their publishers offer.
STEER_TOPICS: dict[str, tuple[str, QoSProfile]] = {
    topics.CHANNEL_SIM: ("steer_ros/msg/ChannelState", topics.STREAM),
    topics.CHANNEL_SDR: ("steer_ros/msg/ChannelState", topics.STREAM),
    topics.CHANNEL_STATE: ("steer_ros/msg/ChannelState", topics.STREAM),
    topics.ALLOCATION: ("steer_ros/msg/AllocationState", topics.STREAM),
    topics.SUMMARY: ("steer_ros/msg/AllocationSummary", topics.STREAM),
    topics.POLICY: ("std_msgs/msg/String", topics.POLICY_QOS),
    topics.COMMAND_RAW: ("steer_ros/msg/SteerCommand", topics.COMMAND_QOS),
    topics.COMMAND: ("steer_ros/msg/SteerCommand", topics.LATCHED_COMMAND_QOS),
    topics.PROPOSAL: ("steer_ros/msg/SteerProposal", topics.PROPOSAL_QOS),
    topics.APPROVAL: ("std_msgs/msg/String", topics.POLICY_QOS),
    topics.DIAGNOSTICS: ("diagnostic_msgs/msg/DiagnosticArray", topics.DIAGNOSTICS_QOS),
}
DEFAULT_TOPICS = tuple(STEER_TOPICS)
FLUSH_PERIOD_S = 1.0
DISCOVERY_PERIOD_S = 0.5
QUEUE_DEPTH = 100  # receive queue per topic: a writer stall of a few seconds loses nothing


@dataclass
class _Topic:
    name: str  # fully resolved
    type_name: str  # pkg/msg/Type
    channel_id: int | None = None
    count: int = 0
    offered: list[QoSProfile] = field(default_factory=list)
    type_hash: str = ""


@dataclass(frozen=True)
class TopicSummary:
    name: str
    type_name: str
    offered_qos_profiles: str  # rosbag2's YAML string
    type_hash: str
    count: int


def bag_metadata_yaml(file_name: str, topics: list[TopicSummary], start_ns: int, duration_ns: int) -> str:
    """rosbag2's bag metadata (version 8) for the ``rosbag2`` metadata record, as
    rosbag2's MCAP storage writes it on close (``ros2 bag info`` reads it)."""
    total = sum(t.count for t in topics)
    info = {
        "version": bag_qos.BAG_METADATA_VERSION,
        "storage_identifier": "mcap",
        "duration": {"nanoseconds": duration_ns},
        "starting_time": {"nanoseconds_since_epoch": start_ns},
        "message_count": total,
        "topics_with_message_count": [
            {"topic_metadata": {"name": t.name, "type": t.type_name, "serialization_format": MESSAGE_ENCODING,
                                "offered_qos_profiles": t.offered_qos_profiles,
                                "type_description_hash": t.type_hash},
             "message_count": t.count}
            for t in topics
        ],
        "compression_format": "",
        "compression_mode": "",
        "relative_file_paths": [file_name],
        "files": [{"path": file_name, "starting_time": {"nanoseconds_since_epoch": start_ns},
                   "duration": {"nanoseconds": duration_ns}, "message_count": total}],
        "custom_data": {"recorded_by": "steer_ros"},
        "ros_distro": os.environ.get("ROS_DISTRO", "jazzy"),
    }
    return yaml.safe_dump(info, default_flow_style=False, sort_keys=False)


class Recorder(Node):
    """Records ``topics`` (default: every steer topic and /diagnostics) into ``path``.

    Use it as a node in any executor (or ``graph.add_node(recorder)``), and call
    :meth:`close` (or ``destroy_node``) to finalize the file. Topics whose type is not
    known in advance are subscribed once a publisher appears (checked every
    ``DISCOVERY_PERIOD_S``). Thread-safe: callbacks run in one mutually exclusive group
    and the writer is guarded by a lock, so ``close()`` may come from any thread.
    """

    def __init__(self, path: str | os.PathLike, topics: Iterable[str] | None = None, *,
                 node_name: str = "steer_recorder", flush_period_s: float = FLUSH_PERIOD_S,
                 compression: str = "zstd", **node_kwargs):
        super().__init__(node_name, **node_kwargs)
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._file = open(self.path, "wb")
        self._writer = Writer(self._file, compression=CompressionType[compression.upper()])
        self._writer.start(profile=PROFILE, library=LIBRARY)
        self._schemas: dict[str, int] = {}
        self._topics: dict[str, _Topic] = {}
        self._pending: list[str] = []  # resolved names still waiting for a publisher (type unknown)
        self._closed = False
        self.started_ns = time.time_ns()
        self.first_ns: int | None = None
        self.last_ns: int | None = None
        for name in (DEFAULT_TOPICS if topics is None else topics):
            self._add_topic(name)
        self._flush_timer = self.create_timer(flush_period_s, self.flush)
        self._discovery_timer = None
        if self._pending:
            self._discovery_timer = self.create_timer(DISCOVERY_PERIOD_S, self._discover)

    # -- subscriptions ----------------------------------------------------------------
    def _resolve(self, name: str) -> str:
        return self.resolve_topic_name(name)

    def _add_topic(self, name: str) -> None:
        resolved = self._resolve(name)
        known = STEER_TOPICS.get(name)
        if known is None:
            # a steer topic named absolutely (e.g. /radio1/steer/allocation) is still known
            for rel, spec in STEER_TOPICS.items():
                if resolved == self._resolve(rel):
                    known = spec
        if known is None:
            self._pending.append(resolved)
            return
        type_name, offered = known
        self._subscribe(resolved, type_name, bag_qos.adapted_request([offered], QUEUE_DEPTH))

    def _subscribe(self, resolved: str, type_name: str, request: QoSProfile) -> None:
        if resolved in self._topics:
            return
        topic = _Topic(resolved, normalize_type(type_name))
        self._topics[resolved] = topic
        self.create_subscription(message_class(topic.type_name), resolved,
                                 lambda data, info, t=topic: self._on_message(t, data, info),
                                 request, raw=True)

    def _discover(self) -> None:
        if not self._pending:
            return
        types = dict(self.get_topic_names_and_types())
        for resolved in list(self._pending):
            if resolved not in types:
                continue
            offered = [info.qos_profile for info in self.get_publishers_info_by_topic(resolved)]
            if not offered:
                continue
            self._pending.remove(resolved)
            self._subscribe(resolved, types[resolved][0], bag_qos.adapted_request(offered, QUEUE_DEPTH))

    # -- writing ----------------------------------------------------------------------
    def _channel(self, topic: _Topic) -> int:
        """Register the topic's schema and channel at its first message, with the QoS
        its publishers offer now (what rosbag2 stores)."""
        infos = self.get_publishers_info_by_topic(topic.name)
        topic.offered = [info.qos_profile for info in infos]
        if not topic.offered:
            spec = next((s for rel, s in STEER_TOPICS.items() if self._resolve(rel) == topic.name), None)
            topic.offered = [spec[1]] if spec else []
        for info in infos:
            digest = getattr(info, "topic_type_hash", None)
            if digest:
                topic.type_hash = str(digest)
                break
        schema_id = self._schemas.get(topic.type_name)
        if schema_id is None:
            schema_id = self._writer.register_schema(
                topic.type_name, SCHEMA_ENCODING, full_definition(topic.type_name).encode())
            self._schemas[topic.type_name] = schema_id
        metadata = {"offered_qos_profiles": bag_qos.dump_profiles(topic.offered)}
        if topic.type_hash:
            metadata["topic_type_hash"] = topic.type_hash
        return self._writer.register_channel(topic.name, MESSAGE_ENCODING, schema_id, metadata)

    def _on_message(self, topic: _Topic, data: bytes, info) -> None:
        received = self.get_clock().now().nanoseconds
        sent = int(info.get("source_timestamp", 0) or 0) if isinstance(info, dict) else 0
        with self._lock:
            if self._closed:
                return
            if topic.channel_id is None:
                topic.channel_id = self._channel(topic)
            self._writer.add_message(topic.channel_id, log_time=received, data=bytes(data),
                                     publish_time=sent or received, sequence=topic.count)
            topic.count += 1
            self.first_ns = received if self.first_ns is None else self.first_ns
            self.last_ns = received

    def flush(self) -> None:
        """Close the chunk in progress and push it to the file (a kill loses nothing older)."""
        with self._lock:
            if not self._closed:
                self._writer.flush()

    # -- results ----------------------------------------------------------------------
    @property
    def counts(self) -> dict[str, int]:
        """Messages written per resolved topic name (topics heard at least once)."""
        with self._lock:
            return {t.name: t.count for t in self._topics.values() if t.count}

    @property
    def topic_names(self) -> list[str]:
        """Every resolved topic this recorder listens to (or waits for)."""
        return sorted(set(self._topics) | set(self._pending))

    @property
    def closed(self) -> bool:
        return self._closed

    def _bag_metadata(self) -> str:
        start = self.first_ns or self.started_ns
        written = [TopicSummary(t.name, t.type_name, bag_qos.dump_profiles(t.offered), t.type_hash, t.count)
                   for t in self._topics.values() if t.channel_id is not None]
        return bag_metadata_yaml(self.path.name, written, start, max((self.last_ns or start) - start, 0))

    def close(self) -> Path:
        """Finalize the file (metadata, summary, index); idempotent. Returns its path."""
        with self._lock:
            if self._closed:
                return self.path
            self._closed = True
            try:
                self._writer.add_metadata("rosbag2", {"serialized_metadata": self._bag_metadata()})
                self._writer.finish()
            finally:
                self._file.close()
        return self.path

    def destroy_node(self) -> None:
        self.close()
        super().destroy_node()


# -- ways to run one ----------------------------------------------------------------------
def attach(graph, path: str | os.PathLike, topics: Iterable[str] | None = None, **kwargs) -> Recorder:
    """A Recorder in ``graph``'s context and namespace, spun by its executor and listed
    in ``graph.nodes`` (so ``graph.shutdown()`` finalizes and destroys it too).

    Call before ``graph.start()`` to miss nothing; :func:`detach` finalizes the file
    while the graph runs on.
    """
    namespace = next(iter(graph.nodes.values())).get_namespace() if graph.nodes else ""
    recorder = Recorder(path, topics, context=graph.context, namespace=namespace, **kwargs)
    graph.add_node(recorder)
    graph.nodes[recorder.get_name()] = recorder
    return recorder


def detach(graph, recorder: Recorder) -> Path:
    """Finalize ``recorder``'s file now; it ignores what arrives later. The node itself
    stays on the executor (taking a node off a spinning executor races with its wait
    set) and is destroyed by ``graph.shutdown()``."""
    return recorder.close()


@contextlib.contextmanager
def recording(graph, path: str | os.PathLike, topics: Iterable[str] | None = None,
              **kwargs) -> Iterator[Recorder]:
    """``with recording(graph, "run.mcap") as rec: ...``: the file is final after the block."""
    recorder = attach(graph, path, topics, **kwargs)
    try:
        yield recorder
    finally:
        detach(graph, recorder)


def record(path: str | os.PathLike, duration_s: float | None = None, topics: Iterable[str] | None = None,
           namespace: str = "", domain_id: int | None = None, args: list[str] | None = None,
           on_ready=None) -> Recorder:
    """Record in this process until ``duration_s`` passes, Ctrl-C or SIGTERM; the file is
    finalized in every case. Returns the (closed) recorder, for its counts."""
    from steer_ros.ros.node_runtime import spin_alone

    return spin_alone(lambda context: Recorder(path, topics, context=context, namespace=namespace),
                      args=args, domain_id=domain_id, duration_s=duration_s, on_ready=on_ready)


def recorder_command(path: str | os.PathLike, duration_s: float | None = None, topics: Iterable[str] | None = None,
                     namespace: str = "") -> list[str]:
    """The command line of a recorder in its own process (``steer-ros record``)."""
    cmd = [sys.executable, "-m", "steer_ros.cli", "record", "--out", str(path)]
    if duration_s is not None:
        cmd += ["--duration", str(duration_s)]
    if topics:
        cmd += ["--topics", *topics]
    if namespace:
        cmd += ["--namespace", namespace]
    return cmd


def spawn(path: str | os.PathLike, duration_s: float | None = None, topics: Iterable[str] | None = None,
          namespace: str = "", env: dict[str, str] | None = None, **popen_kwargs) -> subprocess.Popen:
    """Start ``steer-ros record`` as a child process; stop it with :func:`stop`."""
    return subprocess.Popen(recorder_command(path, duration_s, topics, namespace), env=env, **popen_kwargs)


def stop(process: subprocess.Popen, timeout_s: float = 10.0) -> int:
    """Stop a spawned recorder as Ctrl-C does (it finalizes its file); kill it if it hangs."""
    from steer_ros.ros.node_processes import stop_process

    return stop_process(process, timeout_s)
