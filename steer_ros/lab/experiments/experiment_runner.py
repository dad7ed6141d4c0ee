"""One experiment end to end: run it (step-locked, and through the live graph when
asked), draw its figures, merge its section into ``results.json``, and rewrite
``results.md`` (and the docs page when asked)."""

from __future__ import annotations

import time
from pathlib import Path

from steer_ros.lab.experiments import figures
from steer_ros.lab.experiments.harness import POLICY_SCHEDULE, REVERSAL_SCHEDULE, Schedule
from steer_ros.lab.experiments.maxmin_reversal import run_maxmin_reversal
from steer_ros.lab.experiments.options import ExperimentOptions
from steer_ros.lab.experiments.policies import POLICIES, run_policies
from steer_ros.lab.experiments.report import merge_results, provenance, write_reports
from steer_ros.lab.experiments.reversal import POLICY as REVERSAL_POLICY
from steer_ros.lab.experiments.reversal import run_reversal

EXPERIMENTS = ("policies", "reversal")


def run_experiment(name: str, options: ExperimentOptions, out_dir: str | Path, *, through_graph: bool = False,
                   docs: str | Path | None = None, schedule: Schedule | None = None,
                   graph_schedule: Schedule | None = None, domain_id: int | None = None,
                   log=print) -> dict:
    """Run experiment ``name`` ("policies" or "reversal"); returns the merged results.

    ``schedule`` / ``graph_schedule`` override the paper's schedule (tests use short
    ones); ``domain_id`` is the ROS domain of the through-graph run."""
    if name not in EXPERIMENTS:
        raise ValueError(f"experiment must be one of {EXPERIMENTS}, got {name!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    made: dict[str, Path] = {}
    if name == "policies":
        schedule = schedule or POLICY_SCHEDULE
        res = run_policies(options, schedule)
        section = res.result
        made["policies"] = figures.policy_timeseries(res.traces, out / figures.FILES["policies"],
                                                     warmup=schedule.warmup)
        bars = {pid: res.traces[pid].mi[-1].tolist() for pid in res.traces}
        bars.update(B0=section["references"]["b0"]["mi"], B1=section["references"]["b1"]["mi"])
        made["final_mi"] = figures.final_mi_bars(bars, out / figures.FILES["final_mi"])
        log(f"policies: step-locked runs done in {time.monotonic() - t0:.1f} s")
        if through_graph:
            from steer_ros.lab.experiments.through_graph import graph_policies

            gs = graph_schedule or schedule
            section["through_graph"], traces = graph_policies(POLICIES, gs, options, section["references"], domain_id)
            made["policies_graph"] = figures.policy_timeseries(
                traces, out / figures.FILES["policies_graph"], warmup=gs.warmup,
                title=f"Policies P1-P4 through the live graph ({options.graph_rate_hz:g} steps/s)")
            log(f"policies: through-graph runs done in {section['through_graph']['wall_s']:.1f} s")
    else:
        schedule = schedule or REVERSAL_SCHEDULE
        res = run_reversal(options, schedule)
        section = res.result
        # The same reversal with the goal instead of the weights: System 1 given max_min.
        section["maxmin"] = run_maxmin_reversal(schedule, weights_only=section["runs"][0])
        made["reversal"] = figures.reversal_figure(res.steered, res.baseline, out / figures.FILES["reversal"])
        log(f"reversal: step-locked runs done in {time.monotonic() - t0:.1f} s")
        if through_graph:
            from steer_ros.lab.experiments.through_graph import graph_reversal

            gs = graph_schedule or schedule
            section["through_graph"], steered, baseline = graph_reversal(REVERSAL_POLICY, gs, options, domain_id)
            made["reversal_graph"] = figures.reversal_figure(
                steered, baseline, out / figures.FILES["reversal_graph"],
                title=f"Gain reversal through the live graph ({options.graph_rate_hz:g} steps/s)")
            log(f"reversal: through-graph runs done in {section['through_graph']['wall_s']:.1f} s")
    section["generated"] = provenance()
    section["figures"] = {k: p.name for k, p in made.items()}
    results = merge_results(out / "results.json", name, section)
    present = {k: out / f for k, f in figures.FILES.items() if (out / f).is_file()}
    written = write_reports(out, results, present, Path(docs) if docs else None)
    for path in written.values():
        log(f"wrote {path}")
    return results


def failed_targets(results: dict, name: str) -> list[dict]:
    """The targets of experiment ``name`` (step-locked and through the graph) that missed."""
    sec = results.get(name) or {}
    checks = list(sec.get("targets", [])) + list((sec.get("through_graph") or {}).get("targets", []))
    return [c for c in checks if not c["passed"]]
