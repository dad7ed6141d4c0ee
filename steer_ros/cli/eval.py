"""steer-ros eval: score a navigator backend on a policy suite. Every case runs the
real System 1, navigator and guardrail (step-locked, or through the live ROS graph
with --through-graph); its verdict is checked on the operating point the optimizer
reaches. Writes scorecard.json, scorecard.md and scorecard.png to --out;
--compare DIR1 DIR2 ... prints scorecards side by side and draws them in one figure."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from steer_ros import defaults
from steer_ros.cli.backend_arguments import add_backend_arguments


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "eval", help="score a navigator backend on a policy suite (scorecard.json / .md / .png)",
        description=__doc__)
    parser.add_argument("--suite", default="", metavar="FILE",
                        help="suite YAML (default: the public suite, config/policies/suite.yaml)")
    add_backend_arguments(parser, "deadline of every navigator call; a dead server costs at most this per call")
    parser.add_argument("--repeats", type=int, default=1, metavar="R",
                        help="runs per case (seed + r); the scorecard gives the met rate and its Wilson 95%% CI")
    parser.add_argument("--seed", type=int, default=defaults.LLM_SEED, help="LLM sampling seed of the first repeat")
    parser.add_argument("--cases", default="", metavar="ID,...", help="only these case ids")
    parser.add_argument("--category", default="", metavar="C", help="only the cases of this category")
    parser.add_argument("--through-graph", action="store_true",
                        help="run every case through the live ROS graph (real nodes, DDS, real time)")
    parser.add_argument("--out", default=defaults.EVAL_OUT_DIR, metavar="DIR",
                        help=f"output folder (default: {defaults.EVAL_OUT_DIR}/)")
    parser.add_argument("--compare", nargs="+", default=None, metavar="DIR",
                        help="print these scorecards side by side (markdown) and draw them in --out/compare.png")
    parser.add_argument("--docs", default="", metavar="PATH",
                        help="also write the docs page (e.g. docs/eval.md) from this run's scorecard")
    parser.add_argument("--graph-rate", type=float, default=defaults.EVAL_GRAPH_RATE_HZ, metavar="HZ",
                        help="optimizer steps per second of a --through-graph case")
    parser.add_argument("--domain-id", type=int, default=None,
                        help="ROS domain of a --through-graph run (default: $ROS_DOMAIN_ID or 0)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.compare:
        return _compare(args)
    from steer_ros.lab.evaluation.suite import SuiteError, load_suite
    from steer_ros.lab.evaluation.suite_runner import run_suite
    from steer_ros.lab.experiments.options import ExperimentOptions

    try:
        suite = load_suite(args.suite or None)
        ids = [i.strip() for i in args.cases.split(",") if i.strip()] if args.cases else None
        suite = suite.select(ids, args.category or None)
        options = ExperimentOptions(
            backend=args.backend, llm_base_url=args.llm_base_url, llm_model=args.llm_model, script=args.script,
            seed=args.seed, repeats=args.repeats, temperature=args.temperature, timeout_s=args.timeout,
            graph_rate_hz=args.graph_rate)
    except (SuiteError, ValueError) as exc:
        print(f"steer-ros eval: {exc}", file=sys.stderr)
        return 2
    if args.through_graph:
        from steer_ros.lab.evaluation.graph_runner import graph_case_runner, split_supported

        suite, skipped = split_supported(suite, args.backend)
        card = run_suite(suite, options, args.out, runner=graph_case_runner(args.domain_id),
                         runner_name=f"through the live graph ({args.graph_rate:g} steps/s)", skipped=skipped)
    else:
        card = run_suite(suite, options, args.out)
    s = card["summary"]
    print(f"{card['suite']}: MET {s['met']}, MISSED {s['missed']} (misreads), KEPT {s['kept']}, "
          f"FALLBACK {s['fallback']} of {s['total']} cases in {card['wall_s']:.1f} s"
          + ("" if card["complete"] else " (interrupted: partial scorecard)") + f"; wrote {Path(args.out)}/scorecard.*")
    if args.docs:
        from steer_ros.lab.evaluation.docs_page import write_docs

        print(f"wrote {write_docs(card, args.docs, Path(args.out))}")
    return 0 if card["complete"] else 130


def _compare(args: argparse.Namespace) -> int:
    from steer_ros.lab.evaluation.scorecard import compare

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    try:
        print(compare(args.compare, out / "compare.png"), end="")
    except ValueError as exc:
        print(f"steer-ros eval --compare: {exc}", file=sys.stderr)
        return 2
    print(f"\nwrote {out / 'compare.png'}")
    return 0
