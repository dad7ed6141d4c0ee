"""Run a node graph in one process, for machines without ``ros2 launch``. Same nodes,
same parameters file, same overrides as the launch file (both read
:mod:`steer_ros.ros.graph`).

The process is multi-threaded, but not on rclpy's MultiThreadedExecutor: each node
spins on its own single-threaded executor in its own thread, as each runs in its own
process under launch (:func:`steer_ros.ros.node_runtime.run_node`). Measured on 2 cores,
the through-graph P4 run at 100 steps/s (120 steps) received

- 5-20 of 120 allocations, the navigator's first command up to 0.8 s late, with one
  MultiThreadedExecutor for the graph: it rebuilds the wait set of every node's
  entities (about 60 with the parameter services) on each ready callback, under the GIL;
- about 45 of 120 with a two-thread MultiThreadedExecutor per node (two CPU hogs);
- 108-120 of 120 with a single-threaded executor per node (two CPU hogs), 120 idle.
"""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path
from typing import Iterator

import rclpy
from rclpy.context import Context
from rclpy.executors import ExternalShutdownException, SingleThreadedExecutor
from rclpy.parameter import Parameter

from steer_ros.ros.graph import GRAPHS, parameter_overrides, resolve_config
from steer_ros.ros.node_runtime import stop_executor


class Graph:
    """The graph's nodes in one context, each spun by its own executor thread."""

    def __init__(self, graph: str = "sim", config: str | Path | None = None, namespace: str = "",
                 domain_id: int | None = None, extra_parameters: dict[str, dict] | None = None,
                 nodes: list[str] | None = None, **launch_values: str):
        self._spinners: list[tuple[SingleThreadedExecutor, threading.Thread]] = []
        self._waiting: list = []  # nodes to spin once started
        self._started = False
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
        self._waiting.extend(self.nodes.values())

    def add_node(self, node) -> None:
        """Spin another node of this context (a monitor, a recorder) beside the graph's,
        from start() on; the caller still owns it and destroys it after shutdown()."""
        if self._started:
            self._spin_node(node)
        else:
            self._waiting.append(node)

    def start(self) -> "Graph":
        self._started = True
        for node in self._waiting:
            self._spin_node(node)
        self._waiting.clear()
        return self

    def _spin_node(self, node) -> None:
        executor = SingleThreadedExecutor(context=self.context)
        executor.add_node(node)
        thread = threading.Thread(target=self._spin, args=(executor,), name=f"steer-{node.get_name()}", daemon=True)
        thread.start()
        self._spinners.append((executor, thread))

    @staticmethod
    def _spin(executor: SingleThreadedExecutor) -> None:
        with contextlib.suppress(ExternalShutdownException):
            executor.spin()

    def shutdown(self) -> None:
        """Stop spinning, wait for the spin threads, then destroy the nodes and the
        context, in that order: destroying anything the executor may still touch
        makes rclpy print unretrieved 'cannot use Destroyable' errors."""
        for node in self.nodes.values():
            close = getattr(node, "close", None)
            if close is not None:
                close()  # stop worker threads (the navigator's LLM call) first
        for executor, _ in self._spinners:
            stop_executor(executor)
        for _, thread in self._spinners:
            thread.join(timeout=5.0)
        self._spinners.clear()
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
        where = f" in /{kwargs['namespace']}" if kwargs.get("namespace") else ""
        print(f"steer-ros sim: {names} running{where} ({graph.config}); Ctrl-C to stop", flush=True)
        deadline = None if duration_s is None else time.monotonic() + duration_s
        try:
            while deadline is None or time.monotonic() < deadline:
                time.sleep(0.2)
        except KeyboardInterrupt:
            pass
    return 0
