"""The node graph, described once: which nodes run, and which launch arguments
override which parameters. ``launch/*.launch.py`` and ``steer-ros sim`` both read
this, so the launch files and the launch-free bringup cannot drift apart.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class NodeSpec:
    """One node: its executable / node name and the class implementing it."""

    name: str
    class_name: str

    @property
    def module(self) -> str:
        return f"steer_ros.ros.nodes.{self.name}_node"

    def load(self):
        return getattr(importlib.import_module(self.module), self.class_name)


CHANNEL_SIM = NodeSpec("channel_sim", "ChannelSimNode")
CHANNEL_MUX = NodeSpec("channel_mux", "ChannelMuxNode")
OPTIMIZER = NodeSpec("optimizer", "OptimizerNode")
NAVIGATOR = NodeSpec("navigator", "NavigatorNode")
GUARDRAIL = NodeSpec("guardrail", "GuardrailNode")
SDR_ESTIMATOR = NodeSpec("sdr_estimator", "SdrEstimatorNode")

GRAPHS: dict[str, tuple[NodeSpec, ...]] = {
    "sim": (CHANNEL_SIM, CHANNEL_MUX, OPTIMIZER, NAVIGATOR, GUARDRAIL),
    # channel_mux takes each channel from channel_sim or sdr_estimator (config/mixed.yaml).
    "mixed": (CHANNEL_SIM, SDR_ESTIMATOR, CHANNEL_MUX, OPTIMIZER, NAVIGATOR, GUARDRAIL),
}
DEFAULT_CONFIG = {"sim": "sim.yaml", "mixed": "mixed.yaml"}

# Launch argument -> (node, parameter) it sets when given a non-empty value.
LAUNCH_ARGUMENTS: dict[str, tuple[str, str, str]] = {
    # name: (node, parameter, description)
    "backend": ("navigator", "backend", "Navigator backend: rules, openai or scripted (empty: auto)."),
    "llm_base_url": ("navigator", "llm_base_url", "OpenAI-compatible endpoint (empty: $STEER_LLM_BASE_URL)."),
    "llm_model": ("navigator", "llm_model", "Model name (empty: $STEER_LLM_MODEL)."),
    "policy": ("navigator", "policy", "Initial policy text (empty: the config's)."),
    "sdr_recording": ("sdr_estimator", "path", "SigMF recording the SDR estimator plays (empty: the config's)."),
}


def launch_arguments(graph: str) -> dict[str, tuple[str, str, str]]:
    """The launch arguments that set a parameter of one of the graph's nodes."""
    names = {spec.name for spec in GRAPHS[graph]}
    return {arg: spec for arg, spec in LAUNCH_ARGUMENTS.items() if spec[0] in names}


def graph_for_config(path: str | os.PathLike | None) -> str:
    """The graph a params file belongs to: the one whose default config has its name
    (mixed.yaml -> "mixed"), else "sim"."""
    if path:
        name = Path(path).name
        for graph, default in DEFAULT_CONFIG.items():
            if name == default:
                return graph
    return "sim"


def parameter_overrides(graph: str | None = None, **launch_values: str) -> dict[str, dict[str, str]]:
    """{node: {parameter: value}} for the launch arguments given non-empty values.

    With ``graph``, a non-empty value for a node that graph does not run is refused.
    """
    unknown = set(launch_values) - set(LAUNCH_ARGUMENTS)
    if unknown:
        raise ValueError(f"unknown launch arguments: {sorted(unknown)}")
    if graph is not None:
        unused = sorted(a for a, v in launch_values.items() if v and a not in launch_arguments(graph))
        if unused:
            others = sorted(g for g in GRAPHS if set(unused) <= set(launch_arguments(g)))
            raise ValueError(f"{', '.join(unused)}: the {graph!r} graph has no {LAUNCH_ARGUMENTS[unused[0]][0]} node"
                             + (f" (use the {others[0]!r} graph)" if others else ""))
    overrides: dict[str, dict[str, str]] = {}
    for arg, value in launch_values.items():
        if value:
            node, param, _ = LAUNCH_ARGUMENTS[arg]
            overrides.setdefault(node, {})[param] = value
    return overrides


def config_dir() -> Path:
    """config/ of the installed package (share/steer_ros) or of the source tree."""
    try:
        from ament_index_python.packages import PackageNotFoundError, get_package_share_directory

        try:
            return Path(get_package_share_directory("steer_ros")) / "config"
        except (PackageNotFoundError, OSError):  # OSError: AMENT_PREFIX_PATH unset (no ROS sourced)
            pass
    except ImportError:
        pass
    return Path(__file__).resolve().parents[2] / "config"  # steer_ros/ros/graph.py -> the checkout


def default_config(graph: str = "sim") -> Path:
    return config_dir() / DEFAULT_CONFIG[graph]


def resolve_config(path: str | os.PathLike | None, graph: str = "sim") -> Path:
    """A params file path: as given, else relative to config/, else the graph default."""
    if not path:
        return default_config(graph)
    candidate = Path(path)
    if candidate.is_file():
        return candidate.resolve()
    if (config_dir() / candidate).is_file():
        return config_dir() / candidate
    raise FileNotFoundError(f"config file not found: {path} (looked in . and {config_dir()})")
