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
        return f"steer_ros.nodes.{self.name}"

    def load(self):
        return getattr(importlib.import_module(self.module), self.class_name)


CHANNEL_SIM = NodeSpec("channel_sim", "ChannelSimNode")
CHANNEL_MUX = NodeSpec("channel_mux", "ChannelMuxNode")
OPTIMIZER = NodeSpec("optimizer", "OptimizerNode")
NAVIGATOR = NodeSpec("navigator", "NavigatorNode")
GUARDRAIL = NodeSpec("guardrail", "GuardrailNode")

GRAPHS: dict[str, tuple[NodeSpec, ...]] = {
    "sim": (CHANNEL_SIM, CHANNEL_MUX, OPTIMIZER, NAVIGATOR, GUARDRAIL),
}
DEFAULT_CONFIG = {"sim": "sim.yaml"}

# Launch argument -> (node, parameter) it sets when given a non-empty value.
LAUNCH_ARGUMENTS: dict[str, tuple[str, str, str]] = {
    # name: (node, parameter, description)
    "backend": ("navigator", "backend", "Navigator backend: rules, openai or scripted (empty: auto)."),
    "llm_base_url": ("navigator", "llm_base_url", "OpenAI-compatible endpoint (empty: $STEER_LLM_BASE_URL)."),
    "llm_model": ("navigator", "llm_model", "Model name (empty: $STEER_LLM_MODEL)."),
    "policy": ("navigator", "policy", "Initial policy text (empty: the config's)."),
}


def parameter_overrides(**launch_values: str) -> dict[str, dict[str, str]]:
    """{node: {parameter: value}} for the launch arguments given non-empty values."""
    unknown = set(launch_values) - set(LAUNCH_ARGUMENTS)
    if unknown:
        raise ValueError(f"unknown launch arguments: {sorted(unknown)}")
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
        except PackageNotFoundError:
            pass
    except ImportError:
        pass
    return Path(__file__).resolve().parents[1] / "config"


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
