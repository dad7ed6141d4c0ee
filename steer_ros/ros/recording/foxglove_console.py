"""What a Foxglove client may do to the graph through ``steer-ros foxglove``: publish
on the operator's topics, and get and set the nodes' parameters.

Client publishing (Foxglove's Publish panel): a client may advertise only the
operator's topics (:data:`CLIENT_TOPICS`: ``steer/policy`` and, where the graph has
it, the approval topic), as ``std_msgs/msg/String`` in ``json`` (``{"data": "..."}``)
or ``cdr``. An accepted message is published on the ROS topic by the bridge's own
publisher, with the QoS of ``ros2 topic pub``, so it meets the same checks as any
other publisher of that topic (the navigator ignores an empty policy, cuts a long
one). Everything else is refused, logged and counted (:attr:`ClientGate.refused`),
and shown to the clients as a status message with a ``code: detail`` reason:
``unknown_topic``, ``wrong_schema`` (schema or encoding), ``bad_message`` (not
decodable as that schema), ``too_large`` (over ``FOXGLOVE_MAX_CLIENT_MESSAGE_BYTES``),
``flood`` (over ``FOXGLOVE_CLIENT_RATE_HZ`` per client channel, burst
``FOXGLOVE_CLIENT_BURST``). Data on a channel the client never advertised is dropped
and logged by the SDK itself. A refusal never reaches the graph.

Parameters (Foxglove's Parameters panel): every parameter of the graph's nodes in
the bridge's namespace, named ``<node>.<parameter>`` as the ROS 2 foxglove_bridge
names them (``/channel_sim.reversed``), read and written through the nodes' own
parameter services. A value the node refuses (out of its declared range, read-only,
wrong type) keeps the old value, and the node's own reason goes to the clients as
an error status (``/channel_sim.doppler_hz: ...``). A value that changes by any
other way (``ros2 param set``, the node itself) reaches the clients that follow it,
from the nodes' /parameter_events.

Services (Foxglove's Service Call panel): the graph nodes' services of the std_srvs
types (Trigger, SetBool, Empty), found as the nodes come up, called through the ROS
service in ``cdr`` (the SDK refuses other encodings: "Unsupported encoding"); a
request that does not decode or gets no answer within ``FOXGLOVE_SERVICE_TIMEOUT_S``
fails the client's call with a ``code: detail`` message.
"""

from __future__ import annotations

import importlib
import json
import threading
import time
from dataclasses import dataclass

from rclpy.node import Node
from rclpy.parameter import Parameter as RosParameter
from rclpy.parameter import parameter_value_to_python
from rclpy.parameter_client import AsyncParameterClient
from rclpy.serialization import deserialize_message, serialize_message
from std_msgs.msg import String

from steer_ros import defaults
from steer_ros.ros import topics
from steer_ros.ros.graph import GRAPHS
from steer_ros.ros.recording.definitions import MESSAGE_ENCODING, SCHEMA_ENCODING, full_definition

STRING_SCHEMAS = frozenset({"std_msgs/msg/String", "std_msgs/String"})
CLIENT_ENCODINGS = ("json", "cdr")
# The operator's topics a client may publish on, as topic -> QoS. The approval topic
# joins when the graph has one (topics.APPROVAL).
CLIENT_TOPICS = {topics.POLICY: topics.POLICY_QOS}
if getattr(topics, "APPROVAL", None):
    CLIENT_TOPICS[topics.APPROVAL] = topics.POLICY_QOS
# The graph's node names: whose parameters a client sees.
STEER_NODES = frozenset(spec.name for specs in GRAPHS.values() for spec in specs)
# Parameters of every rclpy node that are not the graph's to steer.
HIDDEN_PREFIXES = ("qos_overrides.", "start_type_description_service", "use_sim_time")
# Services a console needs (approve, reject, trigger, switch): std_srvs only, whose
# requests carry no more than a bool.
BRIDGED_SERVICE_TYPES = frozenset({"std_srvs/srv/Trigger", "std_srvs/srv/SetBool", "std_srvs/srv/Empty"})
LOG_EVERY_S = 5.0  # one log line per refusal code per this many seconds (a flood must not flood the log)


class Refused(Exception):
    """A client's input the bridge will not pass on: ``code: detail``."""

    def __init__(self, code: str, detail: str):
        super().__init__(f"{code}: {detail}")
        self.code = code


@dataclass
class _ClientChannel:
    topic: str  # resolved ROS topic
    encoding: str
    tokens: float
    last_refill: float


class ClientGate:
    """Checks and forwards what Foxglove clients publish; see the module docstring."""

    def __init__(self, node: Node, report):
        self.node = node
        self.report = report  # report(text): a status message to every client
        self.lock = threading.Lock()
        self.channels: dict[tuple[int, int], _ClientChannel | Refused] = {}
        self.publishers = {node.resolve_topic_name(name): node.create_publisher(String, name, qos)
                           for name, qos in CLIENT_TOPICS.items()}
        self.accepted: dict[str, int] = dict.fromkeys(self.publishers, 0)
        self.refused: dict[str, int] = {}
        self._last_log: dict[str, float] = {}

    def refuse(self, error: Refused, client_id: int) -> None:
        with self.lock:
            self.refused[error.code] = self.refused.get(error.code, 0) + 1
            now = time.monotonic()
            quiet = now - self._last_log.get(error.code, -LOG_EVERY_S) < LOG_EVERY_S
            if not quiet:
                self._last_log[error.code] = now
        if not quiet:
            self.node.get_logger().warning(f"foxglove client {client_id}: refused {error}")
            self.report(f"refused: {error}")

    def advertise(self, client_id: int, channel) -> None:
        key = (client_id, channel.id)
        try:
            topic = self._check_channel(channel)
        except Refused as error:
            with self.lock:
                self.channels[key] = error
            self.refuse(error, client_id)
            return
        with self.lock:
            self.channels[key] = _ClientChannel(topic, channel.encoding, float(defaults.FOXGLOVE_CLIENT_BURST),
                                                time.monotonic())
        self.node.get_logger().info(f"foxglove client {client_id} publishes on {topic} ({channel.encoding})")

    def unadvertise(self, client_id: int, channel_id: int) -> None:
        with self.lock:
            self.channels.pop((client_id, channel_id), None)

    def _check_channel(self, channel) -> str:
        name = "/" + str(channel.topic).strip().lstrip("/")
        allowed = sorted(self.publishers)
        if name not in self.publishers:
            raise Refused("unknown_topic", f"{channel.topic!r} is not open to clients; publish on one of {allowed}")
        if channel.schema_name not in STRING_SCHEMAS:
            raise Refused("wrong_schema", f"{name} takes std_msgs/msg/String, not {channel.schema_name!r}")
        if channel.encoding not in CLIENT_ENCODINGS:
            raise Refused("wrong_schema", f"{name}: encoding {channel.encoding!r}; use one of {list(CLIENT_ENCODINGS)}")
        return name

    def message(self, client_id: int, channel_id: int, data: bytes) -> None:
        try:
            topic, text = self._check_message(client_id, channel_id, data)
        except Refused as error:
            self.refuse(error, client_id)
            return
        self.publishers[topic].publish(String(data=text))
        with self.lock:
            self.accepted[topic] += 1

    def _check_message(self, client_id: int, channel_id: int, data: bytes) -> tuple[str, str]:
        with self.lock:
            channel = self.channels.get((client_id, channel_id))
            if channel is None:
                raise Refused("unknown_channel", f"client channel {channel_id} was never advertised")
            if isinstance(channel, Refused):
                raise channel
            now = time.monotonic()
            channel.tokens = min(float(defaults.FOXGLOVE_CLIENT_BURST),
                                 channel.tokens + (now - channel.last_refill) * defaults.FOXGLOVE_CLIENT_RATE_HZ)
            channel.last_refill = now
            if channel.tokens < 1.0:
                raise Refused("flood", f"{channel.topic}: over {defaults.FOXGLOVE_CLIENT_RATE_HZ:g} messages/s")
            channel.tokens -= 1.0
        if len(data) > defaults.FOXGLOVE_MAX_CLIENT_MESSAGE_BYTES:
            raise Refused("too_large", f"{channel.topic}: {len(data)} bytes > "
                                       f"{defaults.FOXGLOVE_MAX_CLIENT_MESSAGE_BYTES}")
        return channel.topic, self._decode(channel, bytes(data))

    @staticmethod
    def _decode(channel: _ClientChannel, data: bytes) -> str:
        if channel.encoding == "cdr":
            try:
                return deserialize_message(data, String).data
            except Exception as exc:  # any decoding failure is the client's bad message
                raise Refused("bad_message", f"{channel.topic}: not CDR of std_msgs/msg/String ({exc})") from None
        try:
            value = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise Refused("bad_message", f"{channel.topic}: not JSON ({exc})") from None
        if not isinstance(value, dict) or set(value) != {"data"} or not isinstance(value["data"], str):
            raise Refused("wrong_schema", f"{channel.topic}: std_msgs/msg/String is {{\"data\": string}}, "
                                          f"got {json.dumps(value)[:80]}")
        return value["data"]


def _to_native(value):
    """A ROS parameter value as Foxglove's parameter value (lists for arrays)."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return list(value)
    return value


class ParameterProxy:
    """The graph nodes' parameters for Foxglove clients; see the module docstring."""

    def __init__(self, node: Node, report, timeout_s: float = defaults.FOXGLOVE_PARAMETER_TIMEOUT_S):
        self.node = node
        self.report = report  # report(text): an error status to every client
        self.timeout_s = timeout_s
        self.lock = threading.Lock()
        self.clients: dict[str, AsyncParameterClient] = {}
        self.refused: list[str] = []  # reasons of the refused sets, newest last
        self.subscribed: set[str] = set()  # names clients follow (Parameters panel)

    def changed(self, event) -> list[tuple[str, object]]:
        """The followed parameters a /parameter_events message changes, with their new
        values: a value set from anywhere (ros2 param set, the node itself) reaches the
        clients without polling."""
        fqn = event.node
        with self.lock:
            followed = set(self.subscribed)
        return [(f"{fqn}.{p.name}", _to_native(parameter_value_to_python(p.value)))
                for p in (*event.new_parameters, *event.changed_parameters) if f"{fqn}.{p.name}" in followed]

    def _wait(self, future):
        done = threading.Event()
        future.add_done_callback(lambda _: done.set())
        if not done.wait(self.timeout_s):
            future.cancel()
            raise TimeoutError(f"no answer within {self.timeout_s:g} s")
        return future.result()

    def nodes(self) -> list[str]:
        """Fully qualified names of the graph's nodes in the bridge's namespace."""
        ns = self.node.get_namespace()
        found = []
        for name, namespace in self.node.get_node_names_and_namespaces():
            if name in STEER_NODES and namespace == ns:
                found.append(f"{namespace.rstrip('/')}/{name}")
        return sorted(found)

    def _client(self, fqn: str) -> AsyncParameterClient:
        with self.lock:
            if fqn not in self.clients:
                self.clients[fqn] = AsyncParameterClient(self.node, fqn)
            return self.clients[fqn]

    def _values(self, fqn: str, names: list[str]) -> dict[str, object]:
        response = self._wait(self._client(fqn).get_parameters(names))
        return {n: parameter_value_to_python(v) for n, v in zip(names, response.values, strict=True)}

    def get(self, names: list[str]) -> list[tuple[str, object]]:
        """(``<node>.<parameter>``, value) for ``names`` (all of them when empty)."""
        wanted = self._by_node(names) if names else None
        out = []
        for fqn in self.nodes():
            if wanted is not None and fqn not in wanted:
                continue
            try:
                if wanted is None:
                    listed = self._wait(self._client(fqn).list_parameters([], 0)).result.names
                    params = sorted(n for n in listed if not n.startswith(HIDDEN_PREFIXES))
                else:
                    params = wanted[fqn]
                values = self._values(fqn, params)
            except (TimeoutError, RuntimeError) as exc:
                self.node.get_logger().warning(f"foxglove: parameters of {fqn} unavailable ({exc})")
                continue
            out.extend((f"{fqn}.{n}", _to_native(v)) for n, v in values.items() if v is not None)
        return out

    @staticmethod
    def _by_node(names: list[str]) -> dict[str, list[str]]:
        by_node: dict[str, list[str]] = {}
        for full in names:
            fqn, _, param = full.partition(".")
            if param:
                by_node.setdefault(fqn, []).append(param)
        return by_node

    def set(self, values: list[tuple[str, object]]) -> list[tuple[str, object]]:
        """Set each (``<node>.<parameter>``, value) through the node; returns every
        name with the value in force afterwards (the old one where refused)."""
        requested = {name: value for name, value in values}
        for fqn, params in self._by_node(list(requested)).items():
            if fqn not in self.nodes():
                for p in params:
                    self._refuse(f"{fqn}.{p}", f"unknown_node: no node {fqn} in the graph")
                continue
            try:
                current = self._values(fqn, params)
            except (TimeoutError, RuntimeError) as exc:
                for p in params:
                    self._refuse(f"{fqn}.{p}", f"unavailable: {exc}")
                continue
            ros_params, names = [], []
            for p in params:
                try:
                    ros_params.append(_coerce(p, current[p], requested[f"{fqn}.{p}"]))
                    names.append(p)
                except Refused as error:
                    self._refuse(f"{fqn}.{p}", str(error))
            if not ros_params:
                continue
            try:
                results = self._wait(self._client(fqn).set_parameters(ros_params)).results
            except (TimeoutError, RuntimeError) as exc:
                for p in names:
                    self._refuse(f"{fqn}.{p}", f"unavailable: {exc}")
                continue
            for p, result in zip(names, results, strict=True):
                if result.successful:
                    self.node.get_logger().info(f"foxglove: set {fqn}.{p} = {requested[f'{fqn}.{p}']!r}")
                else:
                    self._refuse(f"{fqn}.{p}", result.reason or "refused by the node")
        return self.get(list(requested))

    def _refuse(self, name: str, reason: str) -> None:
        text = f"{name}: {reason}"
        with self.lock:
            self.refused.append(text)
            del self.refused[:-100]
        self.node.get_logger().warning(f"foxglove: refused to set {text}")
        self.report(f"parameter not set: {text}")


def _coerce(name: str, current, value) -> RosParameter:
    """``value`` as a ROS parameter of the type ``current`` has (a JSON number that is
    whole arrives as an int: a double parameter takes it as a float)."""
    if current is None:
        raise Refused("unknown_parameter", f"{name} is not declared")
    if isinstance(current, bool):
        ok = isinstance(value, bool)
    elif isinstance(current, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(current, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif isinstance(current, str):
        ok = isinstance(value, str)
    else:
        current = _to_native(current)
        ok = isinstance(value, list)
        if ok and current and isinstance(current[0], float):
            value = [float(v) for v in value]
    if not ok:
        raise Refused("wrong_type", f"{name} is {type(current).__name__}, got {type(value).__name__} {value!r}")
    return RosParameter(name, value=value)


class ServiceBridge:
    """The graph nodes' services of :data:`BRIDGED_SERVICE_TYPES`, offered to Foxglove
    clients (its Service Call panel) under their ROS names; see the module docstring."""

    def __init__(self, node: Node, timeout_s: float = defaults.FOXGLOVE_SERVICE_TIMEOUT_S):
        self.node = node
        self.timeout_s = timeout_s
        self.lock = threading.Lock()
        self.clients: dict[str, object] = {}  # service name -> rclpy client
        self.calls: dict[str, int] = {}
        self.server = None

    def discover(self) -> list:
        """foxglove.Service for each bridged service of the graph's nodes not offered
        yet (the caller adds them to the server)."""
        from foxglove import MessageSchema, Schema, Service, ServiceSchema

        ns = self.node.get_namespace()
        new = []
        for name, namespace in self.node.get_node_names_and_namespaces():
            if name not in STEER_NODES or namespace != ns:
                continue
            try:
                offered = self.node.get_service_names_and_types_by_node(name, namespace)
            except Exception:  # a node that left between the two calls
                continue
            for service, types in offered:
                type_name = next((t for t in types if t in BRIDGED_SERVICE_TYPES), None)
                with self.lock:
                    if type_name is None or service in self.clients:
                        continue
                    srv = service_class(type_name)
                    self.clients[service] = (self.node.create_client(srv, service), srv)
                    self.calls[service] = 0

                def schema(part: str, type_name=type_name) -> MessageSchema:
                    return MessageSchema(encoding=MESSAGE_ENCODING, schema=Schema(
                        name=f"{type_name}_{part}", encoding=SCHEMA_ENCODING,
                        data=full_definition(f"{type_name}_{part}").encode()))

                new.append(Service(service, schema=ServiceSchema(type_name, request=schema("Request"),
                                                                 response=schema("Response")),
                                   handler=self.call))
                self.node.get_logger().info(f"foxglove: offering service {service} ({type_name})")
        return new

    def call(self, request) -> bytes:
        """A client's call, forwarded to the ROS service; the SDK turns an exception into
        the client's call failure with its text."""
        with self.lock:
            client, srv = self.clients.get(request.service_name, (None, None))
        if client is None:
            raise Refused("unknown_service", f"{request.service_name} is not offered")
        try:  # the SDK passes only the encoding each service declares: cdr
            ros_request = deserialize_message(bytes(request.payload), srv.Request)
        except Exception as exc:  # any decoding failure is the client's bad request
            raise Refused("bad_message", f"{request.service_name}: not CDR of its request ({exc})") from None
        if not client.service_is_ready():
            raise Refused("unavailable", f"{request.service_name}: the service is gone")
        future = client.call_async(ros_request)
        done = threading.Event()
        future.add_done_callback(lambda _: done.set())
        if not done.wait(self.timeout_s):
            future.cancel()
            raise Refused("timeout", f"{request.service_name}: no answer within {self.timeout_s:g} s")
        with self.lock:
            self.calls[request.service_name] += 1
        response = future.result()
        self.node.get_logger().info(f"foxglove client {request.client_id} called {request.service_name}")
        return serialize_message(response)


def service_class(type_name: str):
    """The generated class of ``pkg/srv/Type``."""
    pkg, _, name = type_name.split("/")
    return getattr(importlib.import_module(f"{pkg}.srv"), name)
