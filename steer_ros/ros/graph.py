"""The node graph, described once: which nodes run, and which launch arguments
override which parameters. ``launch/*.launch.py`` and ``steer-ros sim`` both read
this, so the launch files and the launch-free bringup cannot drift apart.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from pathlib import Path

from steer_ros.resources import config_dir


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
FLEET_COORDINATOR = NodeSpec("fleet_coordinator", "FleetCoordinatorNode")
FLEET_NAVIGATOR = NodeSpec("fleet_navigator", "FleetNavigatorNode")

GRAPHS: dict[str, tuple[NodeSpec, ...]] = {
    "sim": (CHANNEL_SIM, CHANNEL_MUX, OPTIMIZER, NAVIGATOR, GUARDRAIL),
    # channel_mux takes each channel from channel_sim or sdr_estimator (config/mixed.yaml).
    "mixed": (CHANNEL_SIM, SDR_ESTIMATOR, CHANNEL_MUX, OPTIMIZER, NAVIGATOR, GUARDRAIL),
    # One radio of a fleet (its namespace radio1 .. radioK; config/fleet.yaml sets the
    # optimizer's fleet parameters), and the fleet's coordinator (docs/fleet.md).
    "radio": (CHANNEL_SIM, CHANNEL_MUX, OPTIMIZER, NAVIGATOR, GUARDRAIL),
    # The coordinator and the fleet navigator (fleet/policy -> fleet/command), which reads
    # the fleet's configuration from the same keys (config/fleet.yaml).
    "coordinator": (FLEET_COORDINATOR, FLEET_NAVIGATOR),
    # The fleet navigator alone, beside radios radio1..radioK and the fleet coordinator
    # (docs/fleet-policies.md): fleet/policy in, fleet/command out.
    "fleet_navigator": (FLEET_NAVIGATOR,),
}
DEFAULT_CONFIG = {"sim": "sim.yaml", "mixed": "mixed.yaml", "radio": "fleet.yaml", "coordinator": "fleet.yaml",
                  "fleet_navigator": "fleet_navigator.yaml"}

# Launch argument -> (node, parameter) it sets when given a non-empty value; "a,b" for
# a parameter that several nodes share.
LAUNCH_ARGUMENTS: dict[str, tuple[str, str, str]] = {
    # name: (node(s), parameter, description)
    "backend": ("navigator", "backend", "Navigator backend: rules, openai or scripted (empty: auto)."),
    "llm_base_url": ("navigator", "llm_base_url", "OpenAI-compatible endpoint (empty: $STEER_LLM_BASE_URL)."),
    "llm_model": ("navigator", "llm_model", "Model name (empty: $STEER_LLM_MODEL, else the server's first model)."),
    "approval": ("navigator", "approval", "auto (apply every usable command) or confirm (hold a policy's command "
                 "on steer/proposal for the operator's approval; empty: the config's)."),
    "approval_timeout_s": ("navigator", "approval_timeout_s", "confirm: seconds a proposal waits for an answer "
                           "(empty: the config's)."),
    "policy": ("navigator", "policy", "Initial policy text (empty: the config's)."),
    "sdr_recording": ("sdr_estimator", "path", "SigMF recording the SDR estimator plays (empty: the config's)."),
    "radios": ("fleet_coordinator,fleet_navigator", "radios",
               "Number of radios K the coordinator grants (radio1 .. radioK)."),
    "fleet_policy": ("fleet_navigator", "policy", "Initial fleet policy (empty: the config's)."),
    "fleet_backend": ("fleet_navigator", "backend", "Fleet navigator backend: rules, openai or scripted "
                      "(empty: auto)."),
    "fleet_approval": ("fleet_navigator", "approval", "auto (apply every accepted fleet directive) or confirm (hold "
                       "a new one on fleet/proposal for the operator's approval; empty: the config's)."),
    "fleet_approval_timeout_s": ("fleet_navigator", "approval_timeout_s", "confirm: seconds a fleet proposal "
                                 "waits for an answer (empty: the config's)."),
}


# Launch arguments whose parameter is an integer or a float (the others are strings).
INT_ARGUMENTS = {"radios"}
FLOAT_ARGUMENTS = {"approval_timeout_s", "fleet_approval_timeout_s"}


def launch_arguments(graph: str) -> dict[str, tuple[str, str, str]]:
    """The launch arguments that set a parameter of one of the graph's nodes."""
    names = {spec.name for spec in GRAPHS[graph]}
    return {arg: spec for arg, spec in LAUNCH_ARGUMENTS.items() if names & set(spec[0].split(","))}


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
            nodes, param, _ = LAUNCH_ARGUMENTS[arg]
            if arg in INT_ARGUMENTS:
                try:
                    value = int(value)
                except ValueError:
                    raise ValueError(f"{arg} must be an integer, got {value!r}") from None
            if arg in FLOAT_ARGUMENTS:
                try:
                    value = float(value)
                except ValueError:
                    raise ValueError(f"{arg} must be a number, got {value!r}") from None
            for node in nodes.split(","):
                overrides.setdefault(node, {})[param] = value
    return overrides


def default_config(graph: str = "sim") -> Path:
    return config_dir() / DEFAULT_CONFIG[graph]


def resolve_config(path: str | os.PathLike | None, graph: str = "sim") -> Path:
    """The params file for ``graph``: a path as given, else a bare name in the installed
    package's config/ (``config:=fading.yaml``), else the graph's default; checked
    against the graph (:func:`check_config_for_graph`).

    Raises FileNotFoundError naming the file and where it was looked for, ValueError
    for a config written for another graph.
    """
    if not path:
        return default_config(graph)
    candidate = Path(path)
    if candidate.is_file():
        resolved = candidate.resolve()
    elif (config_dir() / candidate).is_file():
        resolved = config_dir() / candidate
    else:
        raise FileNotFoundError(f"config file not found: {path} (looked in {Path.cwd()} and {config_dir()})")
    check_config_for_graph(resolved, graph)
    return resolved


def check_config_for_graph(path: str | os.PathLike, graph: str) -> None:
    """Refuse a params file that does not fit ``graph``: one that configures
    sdr_estimator or lists ``sdr`` in channel_mux's ``sources`` for a graph without
    sdr_estimator (a copied ``my_mixed.yaml`` would otherwise run silently without the
    SDR), and a graph with sdr_estimator whose mux takes no channel from it."""
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text()) or {}
    except yaml.YAMLError as exc:
        raise ValueError(f"config {path}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError(f"config {path}: expected a mapping of node names to ros__parameters")
    params = {str(key).rsplit("/", 1)[-1]: (value or {}).get("ros__parameters", {}) or {}
              for key, value in data.items() if isinstance(value, dict)}
    sources = params.get(CHANNEL_MUX.name, {}).get("sources", [])
    takes_sdr = "sdr" in ([sources] if isinstance(sources, str) else list(sources or []))
    runs_sdr = SDR_ESTIMATOR in GRAPHS[graph]
    name = Path(path).name
    if not runs_sdr and (SDR_ESTIMATOR.name in params or takes_sdr):
        what = "configures sdr_estimator" if SDR_ESTIMATOR.name in params else "lists 'sdr' in channel_mux sources"
        raise ValueError(f"config {name} {what}, but the {graph!r} graph runs no sdr_estimator "
                         "(use the 'mixed' graph: --graph mixed, or ros2 launch steer_ros sdr.launch.py)")
    if runs_sdr and not takes_sdr:
        raise ValueError(f"the {graph!r} graph runs sdr_estimator, but config {name} takes no channel from it "
                         "(channel_mux sources lists no 'sdr'; use the 'sim' graph, or list sdr in sources)")
