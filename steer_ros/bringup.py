"""Run a node graph in one process (a multi-threaded executor), for machines without
``ros2 launch``. Same nodes, same parameters file, same overrides as the launch file
(both read :mod:`steer_ros.graph`).
"""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path
from typing import Iterator

import rclpy
from rclpy.context import Context
from rclpy.executors import ExternalShutdownException, MultiThreadedExecutor
from rclpy.parameter import Parameter

from steer_ros.nodes.runtime import stop_executor
from steer_ros.graph import GRAPHS, parameter_overrides, resolve_config


class Graph:
    """The graph's nodes in one context, spun by a background executor thread."""

    def __init__(self, graph: str = "sim", config: str | Path | None = None, namespace: str = "",
                 domain_id: int | None = None, extra_parameters: dict[str, dict] | None = None,
                 nodes: list[str] | None = None, **launch_values: str):
        self._thread: threading.Thread | None = None
        self.nodes = {}
        self.config = resolve_config(config, graph)
        overrides = parameter_overrides(graph, **launch_values)
        for node, params in (extra_parameters or {}).items():
            overrides.setdefault(node, {}).update(params)
        self.context = Context()
        rclpy.init(context=self.context, domain_id=domain_id)
        try:
            for spec in GRAPHS[graph]:
                if nodes is not None and spec.name not in nodes:
                    continue
                node_class = spec.load()
                self.nodes[spec.name] = node_class(
                    context=self.context,
                    namespace=namespace,
                    cli_args=["--ros-args", "--params-file", str(self.config)],
                    parameter_overrides=[Parameter(k, value=v) for k, v in overrides.get(spec.name, {}).items()],
                )
        except BaseException:
            self.shutdown()
            raise
        self.executor = MultiThreadedExecutor(num_threads=8, context=self.context)
        for node in self.nodes.values():
            self.executor.add_node(node)

    def start(self) -> "Graph":
        self._thread = threading.Thread(target=self._spin, name="steer-graph", daemon=True)
        self._thread.start()
        return self

    def _spin(self) -> None:
        with contextlib.suppress(ExternalShutdownException):
            self.executor.spin()

    def shutdown(self) -> None:
        """Stop spinning, wait for the spin thread, then destroy the nodes and the
        context, in that order: destroying anything the executor may still touch
        makes rclpy print unretrieved 'cannot use Destroyable' errors."""
        for node in self.nodes.values():
            close = getattr(node, "close", None)
            if close is not None:
                close()  # stop worker threads (the navigator's LLM call) first
        executor = getattr(self, "executor", None)
        if executor is not None:
            stop_executor(executor)
        if self._thread is not None:
            self._thread.join(timeout=5.0)
        for node in list(self.nodes.values()):
            node.destroy_node()
        self.nodes.clear()
        self.context.try_shutdown()


@contextlib.contextmanager
def running_graph(**kwargs) -> Iterator[Graph]:
    graph = Graph(**kwargs)
    try:
        yield graph.start()
    finally:
        graph.shutdown()


def run_for(duration_s: float | None, **kwargs) -> int:
    """Run the graph until duration_s passes (None: until Ctrl-C)."""
    with running_graph(**kwargs) as graph:
        names = ", ".join(graph.nodes)
        print(f"steer-ros sim: {names} running ({graph.config}); Ctrl-C to stop", flush=True)
        deadline = None if duration_s is None else time.monotonic() + duration_s
        try:
            while deadline is None or time.monotonic() < deadline:
                time.sleep(0.2)
        except KeyboardInterrupt:
            pass
    return 0
