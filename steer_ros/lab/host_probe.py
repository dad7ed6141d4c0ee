"""A DDS participant for the multi-host tests and drills, run as its own process on a
host of :mod:`steer_ros.lab.hosts` (a network namespace); it reports on stdout, one
JSON object a line, every time stamped on the machine's wall clock (``time.time()``;
the hosts of one machine share it, so times from different hosts compare).

  python -m steer_ros.lab.host_probe talk TYPE TOPIC RATE_HZ
      publish a steer_ros TYPE message on TOPIC at RATE_HZ, ``step`` (where the type
      has one) counting from 1; prints {"event": "ready"} and, once a subscriber
      matched, {"event": "matched"}.
  python -m steer_ros.lab.host_probe publish TYPE TOPIC FIELDS_JSON COUNT
      a stranger: once a subscriber matched (30 s at most), publish COUNT messages
      (10 Hz) whose fields are FIELDS_JSON (nested objects for nested messages; a
      "stamp" field or header.stamp left out is set to now); prints {"event":
      "published", "count"} and exits.
  python -m steer_ros.lab.host_probe listen [--transient-local] TYPE TOPIC [TOPIC ...]
      print {"event": "msg", "topic", "t", "msg": {fields}} for every TYPE message on
      the topics, {"event": "matched", "topic"} when a topic's first publisher is
      seen, {"event": "ready"} once subscribed. --transient-local: also the history a
      transient-local writer kept from before the match (fleet/budget_in_force).

``TYPE`` is a message of steer_ros.msg (e.g. AllocationState) or ``pkg/msg/Name``.
Reliable, keep-last 100, volatile: what the graph's own topics use. Stops on SIGINT or
SIGTERM.
"""

from __future__ import annotations

import importlib
import json
import signal
import sys
import time

USAGE = __doc__.split("\n\n")[1]


def _plain(value):
    """JSON for what json cannot write itself: ``byte`` fields (bytes) as integers."""
    if isinstance(value, (bytes, bytearray)):
        return value[0] if len(value) == 1 else list(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def emit(event: str, **fields) -> None:
    print(json.dumps({"event": event, "t": time.time(), **fields}, default=_plain), flush=True)


def message_type(name: str):
    """steer_ros.msg.<name>, or the type ``pkg/msg/Name`` names."""
    if "/" in name:
        pkg, _, cls = name.split("/")
        return getattr(importlib.import_module(f"{pkg}.msg"), cls)
    return getattr(importlib.import_module("steer_ros.msg"), name)


def to_dict(msg) -> dict:
    """A ROS message as plain JSON-able values (arrays as lists, nested messages as dicts)."""
    out = {}
    for name in msg.get_fields_and_field_types():
        value = getattr(msg, name)
        if hasattr(value, "get_fields_and_field_types"):
            value = to_dict(value)
        elif hasattr(value, "tolist"):
            value = value.tolist()
        elif isinstance(value, (list, tuple)):
            value = [to_dict(v) if hasattr(v, "get_fields_and_field_types") else v for v in value]
        out[name] = value
    return out


def _qos():
    from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy

    return QoSProfile(depth=100, history=HistoryPolicy.KEEP_LAST, reliability=ReliabilityPolicy.RELIABLE)


def talk(type_name: str, topic: str, rate_hz: float) -> None:
    import rclpy

    msg_type = message_type(type_name)
    node = rclpy.create_node("host_probe_talk")
    pub = node.create_publisher(msg_type, topic, _qos())
    state = {"step": 0, "matched": False}

    def tick() -> None:
        if not state["matched"] and pub.get_subscription_count() > 0:
            state["matched"] = True
            emit("matched", topic=topic)
        state["step"] += 1
        msg = msg_type()
        if hasattr(msg, "step"):
            msg.step = state["step"]
        if hasattr(msg, "header"):
            msg.header.stamp = node.get_clock().now().to_msg()
        pub.publish(msg)

    node.create_timer(1.0 / rate_hz, tick)
    emit("ready", topic=topic)
    rclpy.spin(node)


def fill(msg, fields: dict, now) -> None:
    """Set ``msg``'s fields from ``fields`` (nested dicts for nested messages)."""
    for name, value in fields.items():
        if not hasattr(msg, name):
            raise ValueError(f"bad_field: {type(msg).__name__} has no field {name!r}")
        if isinstance(value, dict):
            fill(getattr(msg, name), value, now)
        else:
            setattr(msg, name, value)
    if hasattr(msg, "header") and "header" not in fields:
        msg.header.stamp = now


def publish(type_name: str, topic: str, fields: dict, count: int) -> None:
    import rclpy
    from rclpy.duration import Duration
    from rclpy.qos import LivelinessPolicy

    msg_type = message_type(type_name)
    node = rclpy.create_node("host_probe_stranger")
    # Offering a 1 s deadline and liveliness lease matches subscribers that ask for
    # any deadline or lease of 1 s or more (the fleet topics ask for one), or none.
    qos = _qos()
    qos.deadline = Duration(seconds=1.0)
    qos.liveliness = LivelinessPolicy.AUTOMATIC
    qos.liveliness_lease_duration = Duration(seconds=1.0)
    pub = node.create_publisher(msg_type, topic, qos)
    deadline = time.monotonic() + 30.0
    while pub.get_subscription_count() == 0 and time.monotonic() < deadline:
        rclpy.spin_once(node, timeout_sec=0.05)
    emit("matched" if pub.get_subscription_count() else "unmatched", topic=topic)
    for _ in range(count):
        msg = msg_type()
        fill(msg, fields, node.get_clock().now().to_msg())
        pub.publish(msg)
        rclpy.spin_once(node, timeout_sec=0.1)
    emit("published", topic=topic, count=count)
    time.sleep(0.5)  # a reliable writer's last samples get their acknowledgements


def listen(type_name: str, topics: list[str], transient_local: bool = False) -> None:
    import rclpy
    from rclpy.qos import DurabilityPolicy

    msg_type = message_type(type_name)
    node = rclpy.create_node("host_probe_listen")
    qos = _qos()
    if transient_local:
        qos.durability = DurabilityPolicy.TRANSIENT_LOCAL
    subs = {}
    for topic in topics:
        subs[topic] = node.create_subscription(
            msg_type, topic, lambda m, topic=topic: emit("msg", topic=topic, msg=to_dict(m)), qos)
    seen: set[str] = set()

    def poll() -> None:
        for topic, sub in subs.items():
            if topic not in seen and sub.get_publisher_count() > 0:
                seen.add(topic)
                emit("matched", topic=topic)

    node.create_timer(0.005, poll)
    emit("ready", topics=topics)
    rclpy.spin(node)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the probe as Ctrl-C does


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    transient_local = args[:2] == ["listen", "--transient-local"]
    if transient_local:
        del args[1]
    if (len(args) < 3 or args[0] not in ("talk", "listen", "publish") or (args[0] == "talk" and len(args) != 4)
            or (args[0] == "publish" and len(args) != 5)):
        print(USAGE, file=sys.stderr)
        return 2
    import rclpy
    from rclpy.executors import ExternalShutdownException

    signal.signal(signal.SIGTERM, _interrupt)
    rclpy.init()
    try:
        if args[0] == "talk":
            talk(args[1], args[2], float(args[3]))
        elif args[0] == "publish":
            publish(args[1], args[2], json.loads(args[3]), int(args[4]))
        else:
            listen(args[1], args[2:], transient_local)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        rclpy.try_shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
