"""A whole suite against one backend: every case x repeat, the scorecard written at
the end, or on Ctrl-C with ``complete: false`` (the cases finished so far).

A dead or slow server costs at most the navigator's deadline per call (the
Navigator never raises; every failed call is a FALLBACK) and the run goes on.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Callable

from steer_ros.lab.evaluation.case_runner import CaseRun, run_case
from steer_ros.lab.evaluation.scorecard import build_scorecard, case_entry, write_scorecard
from steer_ros.lab.evaluation.suite import Case, EvalSchedule, Suite
from steer_ros.lab.experiments.options import ExperimentOptions

__all__ = ["Progress", "run_suite"]


class Progress:
    """A one-line progress bar on a terminal (per case and repeat); silent otherwise."""

    def __init__(self, total: int, stream=None, enabled: bool | None = None, width: int = 28):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.total = max(1, total)
        self.done = 0
        self.width = width

    def show(self, label: str) -> None:
        if not self.enabled:
            return
        filled = int(self.width * self.done / self.total)
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r[{bar}] {self.done}/{self.total} {label[:50]:<50}")
        self.stream.flush()

    def step(self, label: str) -> None:
        self.done += 1
        self.show(label)

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


CaseRunner = Callable[[Case, EvalSchedule, ExperimentOptions, int], CaseRun]


def run_suite(suite: Suite, options: ExperimentOptions, out_dir: str | Path | None, *,
              runner: CaseRunner = run_case, runner_name: str = "step-locked", model: str = "",
              progress: Progress | None = None, figure: bool = True, skipped: list[dict] | None = None) -> dict:
    """Run every case of ``suite`` ``options.repeats`` times; returns the scorecard
    (also written to ``out_dir`` unless it is None). Ctrl-C stops after the call in
    flight and writes the partial scorecard (``complete: false``)."""
    from steer_ros.lab.experiments.report import provenance

    start = time.perf_counter()
    progress = progress or Progress(len(suite.cases) * options.repeats)
    entries: list[dict] = []
    complete = True
    try:
        for case in suite.cases:
            runs = []
            for repeat in range(options.repeats):
                progress.show(f"{case.id} ({repeat + 1}/{options.repeats})")
                runs.append(runner(case, suite.schedule, options, repeat))
                progress.step(f"{case.id} ({repeat + 1}/{options.repeats}): {runs[-1].verdict}")
            entries.append(case_entry(case, runs))
    except KeyboardInterrupt:
        complete = False
    finally:
        progress.close()
    card = build_scorecard(
        suite=suite.name, backend=options.backend, model=model or options.llm_model, seed=options.seed,
        commit=provenance()["commit"], complete=complete, cases=entries,
        extra={"repeats": options.repeats, "runner": runner_name,
               "schedule": {"steps": suite.schedule.steps, "navigator_every": suite.schedule.every},
               "wall_s": round(time.perf_counter() - start, 3), "skipped": list(skipped or []),
               "suite_path": suite.path, "cases_in_suite": len(suite.cases)})
    if out_dir is not None:
        write_scorecard(out_dir, card, figure=figure)
    return card
