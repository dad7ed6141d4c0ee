"""steer-ros sim: the node graph in one process, for machines without ros2 launch.

The graph follows from the config (config/mixed.yaml runs the "mixed" graph: channels
1-4 from the SDR estimator, 5-8 simulated) or from --graph. --sdr-recording feeds the
mixed graph's SDR side from a SigMF recording (e.g. `steer-ros sdr-synth` output);
without it, the config's recording (a bundled default) plays.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from steer_ros.ros.graph import DEFAULT_CONFIG, GRAPHS, LAUNCH_ARGUMENTS, graph_for_config, resolve_config


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "sim", help="run the steer_ros node graph in one process (like ros2 launch steer_ros sim.launch.py)",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="", help="parameters file: a path, or a name in the package's "
                        "config/ (e.g. fading.yaml); default: the graph's, config/sim.yaml")
    parser.add_argument("--graph", choices=sorted(GRAPHS), default="",
                        help="which graph to run (default: from the config's name, mixed.yaml -> mixed; else sim)")
    parser.add_argument("--duration", type=float, default=None, metavar="S", help="stop after S seconds")
    parser.add_argument("--namespace", default="", help="namespace of the whole graph")
    parser.add_argument("--nodes", default="", help="comma-separated subset of the graph's nodes to run "
                        "(default: all), e.g. channel_sim,channel_mux,optimizer")
    for name, (_, _, description) in LAUNCH_ARGUMENTS.items():
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, default="", help=description)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from steer_ros.ros.bringup import run_for

    graph = args.graph or graph_for_config(args.config)
    if args.sdr_recording and not args.graph and not args.config:
        graph = "mixed"  # a recording only makes sense for the graph that plays it
    launch_values = {name: getattr(args, name) for name in LAUNCH_ARGUMENTS}
    if args.sdr_recording:
        recording = Path(args.sdr_recording)
        if not recording.exists() and not recording.with_name(recording.name + ".sigmf-meta").exists():
            raise SystemExit(f"steer-ros sim: --sdr-recording {args.sdr_recording}: no such recording")
        launch_values["sdr_recording"] = str(recording.resolve())
    try:
        config = resolve_config(args.config or DEFAULT_CONFIG[graph], graph)  # before any node starts
        nodes = [n.strip() for n in args.nodes.split(",") if n.strip()] or None
        if nodes:
            unknown = sorted(set(nodes) - {spec.name for spec in GRAPHS[graph]})
            if unknown:
                raise ValueError(f"--nodes: the {graph!r} graph has no {', '.join(unknown)}")
        return run_for(args.duration, graph=graph, config=config, namespace=args.namespace, nodes=nodes,
                       **launch_values)
    except (ValueError, FileNotFoundError) as exc:  # a bad argument, a missing or mismatched config
        raise SystemExit(f"steer-ros sim: {exc}") from None
