"""steer-ros faults: the fault drills (steer_ros/lab/faults/catalogue.py) over real DDS
and a real HTTP LLM.

Runs every row of the fault catalogue (or the ones named with --only, e.g.
``--only llm_goal_unknown_key,llm_goal_floors_after_fade``), prints the table (System 1
step rate kept, allocations published, feasibility violations, the outcome and its
detail, recovery time) and writes DIR/faults.json. Exit code 1 when a row fails.
``--soak S`` runs a load row for S seconds (load_1khz_n4096, or the load rows named
with --only, e.g. ``--only load_1khz_jakes``) and reports RSS per node.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from steer_ros.ros.domain_lock import exclusive_domain_id


def register(subparsers) -> None:
    parser = subparsers.add_parser("faults", help="run the fault drills and print the fault table",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", metavar="NAME", default=[],
                        help="run only these rows (names separated by spaces or commas)")
    parser.add_argument("--list", action="store_true", help="list the catalogue and exit")
    parser.add_argument("--out", default="out/faults", metavar="DIR", help="where faults.json goes")
    parser.add_argument("--domain-id", type=int, default=None, help="ROS domain (default: a free one in 120..232)")
    parser.add_argument("--soak", type=float, default=0.0, metavar="S",
                        help=f"run a load row ({catalogue_soak_default()} unless --only names load rows) for S "
                             "seconds and report RSS per node at start and end")
    parser.set_defaults(func=run)


def catalogue_soak_default() -> str:
    from steer_ros.lab.faults.catalogue import SOAK_DEFAULT

    return SOAK_DEFAULT


def select_rows(only, soak: bool = False) -> list:
    """The catalogue rows to run: ``only`` names (spaces or commas; empty = all); with
    ``soak`` the load rows named, or the default soak row when none is named.
    ValueError for an unknown name, or a soak over no load row."""
    from steer_ros.lab.faults import catalogue

    names = [name for item in only or () for name in str(item).split(",") if name.strip()]
    names = [name.strip() for name in names]
    if soak and not names:
        return [catalogue.BY_NAME[catalogue.SOAK_DEFAULT]]
    faults = catalogue.select(names)
    if soak:
        faults = [f for f in faults if f.category == catalogue.LOAD]
        if not faults:
            raise ValueError(
                f"--soak runs load rows only; none in --only {' '.join(names)} "
                f"(load rows: {', '.join(f.name for f in catalogue.FAULTS if f.category == catalogue.LOAD)})"
            )
    return faults


def run(args: argparse.Namespace) -> int:
    from steer_ros.lab.faults import catalogue
    from steer_ros.lab.faults.fault_runner import DrillSettings

    if args.list:
        for f in catalogue.FAULTS:
            print(f"{f.name:30s} {f.category:8s} {f.inject}  ->  {f.outcome} {f.detail}")
        return 0
    try:
        faults = select_rows(args.only, soak=bool(args.soak))
    except ValueError as err:
        print(f"steer-ros faults: {err}")
        return 2
    settings = DrillSettings()
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    # The nodes of the in-process graphs log to stderr (hundreds of expected WARN lines
    # under fault): keep them in a file; progress goes to the terminal's stderr.
    saved_stderr = os.dup(2)
    terminal = os.fdopen(os.dup(2), "w")
    log_path = out_dir / ("soak.log" if args.soak else "drills.log")
    log_file = open(log_path, "w")
    os.dup2(log_file.fileno(), 2)

    def log(text: str) -> None:
        print(text, file=terminal, flush=True)
        print(text, file=log_file, flush=True)

    try:
        return _run(args, faults, settings, out_dir, log, log_path, terminal, log_file)
    finally:
        os.dup2(saved_stderr, 2)
        os.close(saved_stderr)


def _run(args, faults, settings, out_dir, log, log_path, terminal, log_file) -> int:
    from steer_ros.lab.faults import report
    from steer_ros.lab.faults.fault_runner import FaultRunner, settings_dict

    os.environ.setdefault("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")
    log(f"node logs: {log_path}")
    with exclusive_domain_id(args.domain_id) as domain:
        log(f"steer-ros faults: {len(faults)} rows in ROS domain {domain}; {settings.describe()}")
        runner = FaultRunner(domain, settings, log=log)
        start, load_start = time.monotonic(), os.getloadavg()[0]
        if args.soak:
            results = runner.run_load(faults, soak_s=args.soak)
        else:
            results = runner.run(faults)
        elapsed = time.monotonic() - start
    print(f"Fault drills ({settings.describe()})")
    print(f"machine: {os.cpu_count()} CPUs, 1-min load average {load_start:.1f} at the start, "
          f"{os.getloadavg()[0]:.1f} at the end (other work included)")
    print(report.format_table(results))
    print(report.summary(results) + f"; {elapsed:.0f} s")
    failures = report.format_failures(results)
    if failures:
        print(failures)
    if args.soak:
        for result in results:
            print(report.format_soak(result))
    path = report.write_json(results, out_dir / ("soak.json" if args.soak else "faults.json"),
                             settings_dict(settings))
    print(f"wrote {path}")
    return 0 if all(r.passed for r in results) else 1
