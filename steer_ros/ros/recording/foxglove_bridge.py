"""A live Foxglove view of the graph: a Foxglove WebSocket server (``foxglove-sdk``)
fed by a node that subscribes to the steer topics.

Encoding: each topic is advertised with its ROS 2 schema (``ros2msg``, the same
complete definition a recording embeds) and its messages are forwarded as the CDR
bytes received from DDS (generic subscriptions). Chosen over JSON because (1)
nothing is decoded or re-encoded in Python per message, so the bridge costs a
memcpy whatever the rate; (2) Foxglove decodes ``cdr`` + ``ros2msg`` natively and
shows the true ROS types (message paths like ``/steer/allocation.mi[:]`` are the
ones rqt_plot and ``ros2 topic echo`` use); (3) live view and recordings advertise
identical channels, so one saved layout (config/foxglove/steer_ros_layout.json,
:func:`layout`) works on both. The server binds to 127.0.0.1 by default: the
WebSocket protocol has no authentication, so exposing it is the user's explicit
choice (``--host 0.0.0.0``).

Both ways: a client may also publish a policy (and, where the graph has one, an
approval) and get and set the nodes' parameters, through the checks of
:mod:`steer_ros.ros.recording.foxglove_console`; bad client input is refused, logged
and shown to the clients as a status message, and never reaches the graph.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Iterable

import foxglove
from rclpy.node import Node

from steer_ros import defaults
from steer_ros.ros import topics
from steer_ros.ros.recording import qos as bag_qos
from steer_ros.ros.recording.definitions import MESSAGE_ENCODING, SCHEMA_ENCODING, full_definition, message_class
from steer_ros.ros.recording.foxglove_console import CLIENT_ENCODINGS, ClientGate, ParameterProxy, ServiceBridge
from steer_ros.ros.recording.recorder import DEFAULT_TOPICS, QUEUE_DEPTH, STEER_TOPICS

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
LAYOUT_FILE = "steer_ros_layout.json"


class FoxgloveBridge(Node):
    """Forwards ``topics`` (default: every steer topic and /diagnostics, resolved in the
    node's namespace) to a Foxglove WebSocket server it starts on ``host:port``
    (port 0: any free port; see :attr:`port`). ``close()`` stops the server."""

    def __init__(self, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, topics: Iterable[str] | None = None, *,
                 node_name: str = "steer_foxglove", **node_kwargs):
        super().__init__(node_name, **node_kwargs)
        self.fox_context = foxglove.Context()
        self.gate = ClientGate(self, self._report)
        self.parameters = ParameterProxy(self, self._report)
        self.service_bridge = ServiceBridge(self)
        from foxglove.websocket import Capability

        self.server = foxglove.start_server(
            name="steer_ros", host=host, port=port, context=self.fox_context,
            capabilities=[Capability.ClientPublish, Capability.Parameters, Capability.Services],
            supported_encodings=list(CLIENT_ENCODINGS), server_listener=_Listener(self))
        self.create_timer(defaults.FOXGLOVE_SERVICE_DISCOVERY_S, self._discover_services)
        from rcl_interfaces.msg import ParameterEvent
        from rclpy.qos import qos_profile_parameter_events

        self.create_subscription(ParameterEvent, "/parameter_events", self._on_parameter_event,
                                 qos_profile_parameter_events)
        self.host = host
        self.forwarded: dict[str, int] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._channels: dict[str, foxglove.Channel] = {}
        for name in (DEFAULT_TOPICS if topics is None else topics):
            if name not in STEER_TOPICS:
                raise ValueError(f"unknown steer topic {name!r}; choose from {sorted(STEER_TOPICS)}")
            type_name, offered = STEER_TOPICS[name]
            resolved = self.resolve_topic_name(name)
            schema = foxglove.Schema(name=type_name, encoding=SCHEMA_ENCODING,
                                     data=full_definition(type_name).encode())
            channel = foxglove.Channel(resolved, schema=schema, message_encoding=MESSAGE_ENCODING,
                                       context=self.fox_context)
            self._channels[resolved] = channel
            self.forwarded[resolved] = 0
            self.create_subscription(message_class(type_name), resolved,
                                     lambda data, c=channel, r=resolved: self._forward(c, r, data),
                                     bag_qos.adapted_request([offered], QUEUE_DEPTH), raw=True)

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    def _on_parameter_event(self, event) -> None:
        changed = self.parameters.changed(event)
        if changed and not self._closed:
            self.server.publish_parameter_values([_fox_parameter(n, v) for n, v in changed])

    def _discover_services(self) -> None:
        new = self.service_bridge.discover()
        if new and not self._closed:
            self.server.add_services(new)

    def _report(self, text: str) -> None:
        """An error status to every client (Foxglove shows it in its problems list)."""
        from foxglove.websocket import StatusLevel

        server = getattr(self, "server", None)
        if server is not None and not self._closed:
            server.publish_status(text, StatusLevel.Error)

    def _forward(self, channel: "foxglove.Channel", resolved: str, data: bytes) -> None:
        with self._lock:
            if self._closed:
                return
            channel.log(bytes(data), log_time=time.time_ns())
            self.forwarded[resolved] += 1

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        for channel in self._channels.values():
            channel.close()
        self.server.stop()

    def destroy_node(self) -> None:
        self.close()
        super().destroy_node()


class _Listener:
    """The server's callbacks (foxglove.websocket.ServerListener), on the server's
    threads: each hands over to the bridge's gate or parameter proxy."""

    def __init__(self, bridge: FoxgloveBridge):
        self.bridge = bridge

    def on_client_advertise(self, client, channel) -> None:
        self.bridge.gate.advertise(client.id, channel)

    def on_client_unadvertise(self, client, client_channel_id: int) -> None:
        self.bridge.gate.unadvertise(client.id, client_channel_id)

    def on_message_data(self, client, client_channel_id: int, data: bytes) -> None:
        self.bridge.gate.message(client.id, client_channel_id, data)

    def on_get_parameters(self, client, param_names: list[str], request_id: str | None = None) -> list:
        return [_fox_parameter(n, v) for n, v in self.bridge.parameters.get(list(param_names))]

    def on_parameters_subscribe(self, param_names: list[str]) -> None:
        with self.bridge.parameters.lock:
            self.bridge.parameters.subscribed.update(param_names)

    def on_parameters_unsubscribe(self, param_names: list[str]) -> None:
        with self.bridge.parameters.lock:
            self.bridge.parameters.subscribed.difference_update(param_names)

    def on_set_parameters(self, client, parameters: list, request_id: str | None = None) -> list:
        values = [(p.name, p.get_value()) for p in parameters]
        return [_fox_parameter(n, v) for n, v in self.bridge.parameters.set(values)]


def _fox_parameter(name: str, value) -> "foxglove.Parameter":
    """A Foxglove parameter; a double keeps its type hint so 1.0 stays a float."""
    from foxglove import Parameter, ParameterType

    if isinstance(value, float):
        return Parameter(name, value=value, type=ParameterType.Float64)
    if isinstance(value, list) and value and all(isinstance(v, float) for v in value):
        return Parameter(name, value=value, type=ParameterType.Float64Array)
    return Parameter(name, value=value)


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, topics: Iterable[str] | None = None,
          namespace: str = "", domain_id: int | None = None, duration_s: float | None = None,
          on_ready=None, args: list[str] | None = None) -> FoxgloveBridge:
    """Run a bridge in this process until Ctrl-C, SIGTERM or ``duration_s``."""
    from steer_ros.ros.node_runtime import spin_alone

    return spin_alone(lambda context: FoxgloveBridge(host, port, topics, context=context, namespace=namespace),
                      args=args, domain_id=domain_id, duration_s=duration_s, on_ready=on_ready)


# -- the saved layout ---------------------------------------------------------------------
def layout(namespace: str = "") -> dict:
    """The Foxglove layout a user wants first: total MI, MI per channel, weights,
    P_total, optimality gap, per-band MI and MI quantiles from steer/summary (readable
    at N = 4096, where per-channel plots are not), the navigator's reasoning, a Publish
    panel preset with a policy and the Parameters panel (built with
    ``foxglove.layouts``; the file in config/foxglove/ is this, for namespace "")."""
    import foxglove.layouts as fl

    ns = "/" + namespace.strip("/") if namespace.strip("/") else ""
    alloc = f"{ns}/{topics.ALLOCATION}"
    raw = f"{ns}/{topics.COMMAND_RAW}"

    def plot(title: str, series: list) -> fl.PlotPanel:
        return fl.PlotPanel(title=title, config=fl.PlotConfig(paths=series, show_legend=True))

    def s(path: str, label: str, **kw) -> fl.PlotSeries:
        return fl.PlotSeries(value=path, label=label, enabled=True, timestamp_method="receiveTime", **kw)

    total = plot("Total MI [bits]", [s(f"{alloc}.total_mi", "total MI"), s(f"{alloc}.weighted_mi", "weighted MI")])
    per_channel = plot("MI per channel [bits]", [s(f"{alloc}.mi", "MI", array_expansion="byIndex")])
    weights = plot("Weights in force", [s(f"{alloc}.weights", "w", array_expansion="byIndex")])
    power = plot("Power budget", [s(f"{alloc}.p_total", "P_total"), s(f"{alloc}.power_used", "power used")])
    gap = plot("Optimality gap [bits]", [s(f"{alloc}.optimality_gap", "gap")])
    summary = f"{ns}/{topics.SUMMARY}"  # fixed size at any N: what to watch at thousands of subcarriers
    bands = plot("MI per band, large N [bits]", [s(f"{summary}.mi_mean_group", "band mean", array_expansion="byIndex")])
    spread = plot("MI quantiles, large N [bits]", [s(f"{summary}.mi_q10", "10%"), s(f"{summary}.mi_median", "median"),
                                                     s(f"{summary}.mi_q90", "90%")])
    reasoning = fl.RawMessagesPanel(title="Navigator reasoning", config=fl.RawMessagesConfig(
        topic_path=f"{raw}.reasoning", expansion="all"))
    decisions = fl.RawMessagesPanel(title="Last navigator decision", config=fl.RawMessagesConfig(
        topic_path=f"{raw}", expansion="all"))
    policy = fl.RawMessagesPanel(title="Policy", config=fl.RawMessagesConfig(topic_path=f"{ns}/{topics.POLICY}.data"))
    # The console: a policy preset to edit and send (the bridge accepts steer/policy
    # from clients), and every node's parameters to read and set.
    send_policy = fl.PublishPanel(title="Send a policy", config=fl.PublishConfig(
        topic_name=f"{ns}/{topics.POLICY}", datatype="std_msgs/msg/String", button_text="Send policy",
        button_tooltip="Publish on steer/policy: the navigator answers on its next cycle", advanced_view=True,
        value=json.dumps({"data": "Prioritize channels 7 and 8"})))
    parameters = fl.ParametersPanel(title="Node parameters")

    def col(*panels, proportions=None):
        proportions = proportions or [1] * len(panels)
        return fl.SplitContainer(direction="column", items=[
            fl.SplitItem(proportion=p, content=c) for p, c in zip(proportions, panels, strict=True)])

    left = col(total, per_channel, weights)
    middle = col(power, gap, bands, spread)
    right = col(send_policy, policy, reasoning, decisions, parameters, proportions=[1.5, 1, 2, 3, 3])
    content = fl.SplitContainer(direction="row", items=[
        fl.SplitItem(proportion=2, content=left),
        fl.SplitItem(proportion=2, content=middle),
        fl.SplitItem(proportion=1.5, content=right),
    ])
    return json.loads(fl.Layout(content=content).to_json())


def layout_path() -> Path:
    """config/foxglove/steer_ros_layout.json of the installed package or source tree."""
    from steer_ros.resources import config_dir

    return config_dir() / "foxglove" / LAYOUT_FILE


def write_layout(path: str | Path, namespace: str = "") -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(layout(namespace), indent=2) + "\n")
    return path
