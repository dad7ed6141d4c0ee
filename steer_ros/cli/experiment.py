"""steer-ros experiment policies|reversal|tracking|fading-stats.

policies, reversal: the paper's section IV experiments, step-locked (deterministic with
the rules backend) and, with --through-graph, through the live ROS graph. Writes
results.json, results.md and PNG figures to --out.

tracking: System 1 step-locked against Doppler fading (jakes) at f_D 1, 10, 100 Hz,
channel updates at 100 Hz and 1 kHz, N = 8 and 64, default mode and the paper's PGA.
Writes tracking.json, tracking.md and PNG figures to --out (--seed: the channel seed).

fading-stats: the jakes and tdl scenarios' statistics, measured vs reference (prints
the table; exit 1 if a row misses its tolerance)."""

from __future__ import annotations

import argparse
import sys

from steer_ros import defaults
from steer_ros.cli.backend_arguments import add_backend_arguments


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "experiment",
        help="reproduce the paper's experiments (policies P1-P4, gain reversal), tracking, fading statistics",
        description=__doc__,
    )
    parser.add_argument("name", choices=("policies", "reversal", "tracking", "fading-stats"), help="which experiment")
    parser.add_argument(
        "--seed",
        type=int,
        default=defaults.LLM_SEED,
        help="LLM sampling seed of the first repeat (repeat r uses seed + r); tracking: the channel seed",
    )
    parser.add_argument("--repeats", type=int, default=1, metavar="R",
                        help="runs per condition; mean and spread are reported (for a stochastic LLM)")
    add_backend_arguments(parser)
    parser.add_argument("--out", default=defaults.EXP_OUT_DIR, metavar="DIR",
                        help=f"output folder (default: {defaults.EXP_OUT_DIR}/)")
    parser.add_argument("--docs", default="", metavar="PATH",
                        help="also write the docs page (e.g. docs/experiments.md) with the paper-vs-ours table")
    parser.add_argument("--through-graph", action="store_true",
                        help="also run every condition through the live ROS graph (real DDS, real time)")
    parser.add_argument("--graph-rate", type=float, default=defaults.EXP_GRAPH_RATE_HZ, metavar="HZ",
                        help="optimizer steps per second in the through-graph run")
    parser.add_argument("--domain-id", type=int, default=None,
                        help="ROS domain of the through-graph run (default: $ROS_DOMAIN_ID or 0)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.name == "tracking":
        from steer_ros.lab.experiments.tracking import run_and_report

        run_and_report(args.out, seed=args.seed, docs=args.docs or None, through_graph=args.through_graph)
        return 0
    if args.name == "fading-stats":
        from steer_ros.lab.experiments.fading_stats import main

        table, passed, seconds = main()
        print(table)
        print(f"fading-stats: {'every row within its tolerance' if passed else 'MISSED rows above'} "
              f"({seconds:.1f} s)")
        return 0 if passed else 1
    from steer_ros.lab.experiments.experiment_runner import failed_targets, run_experiment
    from steer_ros.lab.experiments.options import ExperimentOptions

    try:
        options = ExperimentOptions(
            backend=args.backend, llm_base_url=args.llm_base_url, llm_model=args.llm_model, script=args.script,
            seed=args.seed, repeats=args.repeats, temperature=args.temperature, timeout_s=args.timeout,
            graph_rate_hz=args.graph_rate)
    except ValueError as exc:
        print(f"steer-ros experiment: {exc}", file=sys.stderr)
        return 2
    results = run_experiment(args.name, options, args.out, through_graph=args.through_graph,
                             docs=args.docs or None, domain_id=args.domain_id)
    missed = failed_targets(results, args.name)
    for c in missed:
        print(f"MISSED {c['experiment']}: {c['target']}: {c['value']} (bound {c['bound']})", file=sys.stderr)
    if not missed:
        print(f"{args.name}: every target met")
    return 1 if (missed and args.strict) else 0
