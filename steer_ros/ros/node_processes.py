"""Node executables as separate processes, as `ros2 launch` would start them: for the
tests and fault drills that kill and restart single nodes of a live graph.

Each node runs from ``install/lib/steer_ros/<node>`` (found through the ament index)
with the graph's params file, its namespace and parameter overrides on the command
line, in the given ROS domain with localhost-only discovery.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from steer_ros.ros.domain_lock import isolated_env
from steer_ros.ros.graph import GRAPHS, resolve_config


def node_executable(name: str) -> Path:
    """install/lib/steer_ros/<name> of the sourced install space."""
    from ament_index_python.packages import get_package_prefix

    path = Path(get_package_prefix("steer_ros")) / "lib" / "steer_ros" / name
    if not path.is_file():
        raise FileNotFoundError(f"node executable not found: {path} (run make setup)")
    return path


def _ros_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value if value else "''"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_ros_value(v) for v in value) + "]"
    return repr(value)


def stop_process(proc: subprocess.Popen, grace_s: float = 5.0) -> int:
    """Stop a process as Ctrl-C would (SIGINT: a ROS node or recorder cleans up),
    killing it if it does not exit within grace_s; returns its exit code."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=grace_s)
    return proc.returncode


class NodeProcess:
    """One node executable in its own process; ``kill()`` and ``start()`` again."""

    def __init__(self, name: str, config: Path, domain_id: int, namespace: str = "",
                 parameters: dict | None = None, log_dir: Path | None = None):
        self.name = name
        self.config = Path(config)
        self.domain_id = domain_id
        self.namespace = namespace
        self.parameters = dict(parameters or {})
        self.log_dir = Path(log_dir or tempfile.mkdtemp(prefix="steer_ros_logs_"))
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def command(self) -> list[str]:
        cmd = [sys.executable, str(node_executable(self.name)), "--ros-args", "--params-file", str(self.config)]
        if self.namespace:
            cmd += ["-r", f"__ns:=/{self.namespace.strip('/')}"]
        for key, value in self.parameters.items():
            cmd += ["-p", f"{key}:={_ros_value(value)}"]
        return cmd

    def start(self) -> "NodeProcess":
        env = isolated_env(self.domain_id)
        self.starts += 1
        log = open(self.log_dir / f"{self.name}.{self.starts}.log", "w")
        self.proc = subprocess.Popen(self.command(), env=env, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        log.close()
        return self

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Kill the node (SIGKILL: no chance to clean up, like kill -9)."""
        if self.alive:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=10)

    def stop(self, grace_s: float = 5.0) -> None:
        """Stop as Ctrl-C would, killing it if it does not exit in time."""
        if self.proc is not None:
            stop_process(self.proc, grace_s)

    def log_text(self) -> str:
        return "".join(p.read_text() for p in sorted(self.log_dir.glob(f"{self.name}.*.log")))


class ProcessGraph:
    """The graph with one process per node (what `ros2 launch` starts)."""

    def __init__(self, domain_id: int, graph: str = "sim", config=None, namespace: str = "",
                 parameters: dict[str, dict] | None = None, nodes: list[str] | None = None):
        config_path = resolve_config(config, graph)
        self.log_dir = Path(tempfile.mkdtemp(prefix="steer_ros_graph_"))
        self.nodes = {
            spec.name: NodeProcess(spec.name, config_path, domain_id, namespace, (parameters or {}).get(spec.name),
                                   self.log_dir)
            for spec in GRAPHS[graph] if nodes is None or spec.name in nodes
        }

    def start(self) -> "ProcessGraph":
        for node in self.nodes.values():
            node.start()
        return self

    def stop(self) -> None:
        for node in self.nodes.values():
            node.stop()

    def __enter__(self) -> "ProcessGraph":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {name}\n{node.log_text()[-3000:]}" for name, node in self.nodes.items())
