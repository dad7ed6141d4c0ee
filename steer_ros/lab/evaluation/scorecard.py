"""The scorecard of one backend on one suite: ``scorecard.json`` (field names fixed:
other tools read them), ``scorecard.md`` (the table a person reads) and
``scorecard.png`` (met rate by category); :func:`compare` puts several side by side.

Per case: ``id``, ``category``, ``policy``, ``verdict``, ``met``, ``calls_to_met``,
``valid_reply_rate`` (replies with status OK and no ``adjusted:`` detail, over all
replies), ``adjustments`` (counts by kind), ``latency_p50_s``, ``latency_p95_s``,
``prompt_tokens``, ``completion_tokens`` (summed over the calls; null where the
server reported no usage), ``reasoning`` (the first call's), ``readback`` (the
canonical sentence of the last command the backend proposed, whatever the backend;
of the command kept in force where it proposed none); with R > 1 repeats also
``runs`` (one verdict per repeat), ``met_rate`` and ``met_ci95`` (Wilson interval),
and ``verdict`` is the majority verdict (a tie goes to the less favourable one:
FALLBACK, then MISSED, KEPT, MET). ``summary`` counts the case verdicts, overall and
by category; ``misread`` repeats ``missed`` under the name of what it counts (the
backend acted and the target failed), apart from ``kept`` and ``fallback``.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import numpy as np

from steer_ros.lab.evaluation.case_runner import CaseRun, call_stats
from steer_ros.lab.evaluation.suite import Case

__all__ = ["case_entry", "case_readback", "build_scorecard", "write_scorecard", "read_scorecard", "compare",
           "wilson_interval", "markdown_table", "summarize"]

#: Tie-break order of the majority verdict: the less favourable first.
_TIE_ORDER = ("FALLBACK", "MISSED", "KEPT", "MET")


def wilson_interval(successes: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """95% Wilson score interval of a binomial proportion (k of n)."""
    if n <= 0:
        return (0.0, 1.0)
    p = successes / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def majority(verdicts: list[str]) -> str:
    counts = Counter(verdicts)
    top = max(counts.values())
    return next(v for v in _TIE_ORDER if counts.get(v) == top)


def case_entry(case: Case, runs: list[CaseRun]) -> dict:
    """One case's scorecard entry from its runs (one per repeat)."""
    first = runs[0]
    verdict = majority([r.verdict for r in runs])
    met_calls = sorted(r.calls_to_met for r in runs if r.met and r.calls_to_met is not None)
    entry = {
        "id": case.id,
        "category": case.category,
        "policy": case.policy,
        "verdict": verdict,
        "met": verdict == "MET",
        "calls_to_met": (met_calls[len(met_calls) // 2] if met_calls else None),
    }
    stats = call_stats(runs)
    entry.update({k: stats[k] for k in ("valid_reply_rate", "adjustments", "latency_p50_s", "latency_p95_s",
                                        "prompt_tokens", "completion_tokens")})
    entry["reasoning"] = first.calls[0].reasoning if first.calls else ""
    entry["readback"] = case_readback(first)
    if len(runs) > 1:
        k = sum(r.met for r in runs)
        lo, hi = wilson_interval(k, len(runs))
        entry.update(runs=[r.verdict for r in runs], met_rate=round(k / len(runs), 4),
                     met_ci95=[round(lo, 4), round(hi, 4)])
    entry.update(target=case.target_texts(), within=case.within, rationale=case.rationale,
                 event=case.event.describe() if case.event else None, calls=stats["calls"],
                 fallbacks=stats["fallbacks"], after_event=first.after_event, checks=first.checks, note=first.note,
                 wall_s=round(sum(r.wall_s for r in runs), 4))
    return entry


def case_readback(run: CaseRun) -> str:
    """The read-back of what the backend asked for: the last proposal it made (an LLM's
    reply included); where it proposed nothing, the command kept in force."""
    for call in reversed(run.calls):
        if call.status == "OK" and call.readback:
            return call.readback
    return run.calls[-1].accepted_readback if run.calls else ""


def summarize(cases: list[dict]) -> dict:
    def counts(entries):
        c = Counter(e["verdict"] for e in entries)
        # "misread": the backend acted and the target failed (MISSED), counted apart
        # from KEPT (declined) and FALLBACK (unusable reply)
        return {"met": c["MET"], "missed": c["MISSED"], "misread": c["MISSED"], "kept": c["KEPT"],
                "fallback": c["FALLBACK"], "total": len(entries)}

    by_category = {}
    for cat in dict.fromkeys(e["category"] for e in cases):
        by_category[cat] = counts([e for e in cases if e["category"] == cat])
    return dict(counts(cases), by_category=by_category)


def build_scorecard(*, suite: str, backend: str, model: str, seed: int, commit: str, complete: bool,
                    cases: list[dict], extra: dict | None = None) -> dict:
    card = {"suite": suite, "backend": backend, "model": model, "seed": seed, "commit": commit,
            "complete": bool(complete), "cases": cases, "summary": summarize(cases)}
    card.update(extra or {})
    return card


def write_scorecard(out_dir: str | Path, card: dict, figure: bool = True) -> dict[str, Path]:
    """scorecard.json, scorecard.md and (``figure``) scorecard.png in ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "scorecard.json", "md": out / "scorecard.md"}
    tmp = paths["json"].with_suffix(".json.tmp")
    tmp.write_text(json.dumps(card, indent=1, allow_nan=False, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(paths["json"])  # a reader never sees half a file
    paths["md"].write_text(markdown_report(card), encoding="utf-8")
    if figure:
        paths["png"] = met_rate_figure({_label(card): card}, out / "scorecard.png")
    return paths


def read_scorecard(path: str | Path) -> dict:
    """A scorecard from its file or its folder; ValueError naming what is wrong."""
    path = Path(path)
    if path.is_dir():
        path = path / "scorecard.json"
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ValueError(f"{path}: cannot read a scorecard ({err.strerror or err})") from None
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: not JSON ({err})") from None
    missing = [k for k in ("suite", "backend", "cases", "summary") if k not in card]
    if missing:
        raise ValueError(f"{path}: not a scorecard (missing {', '.join(missing)})")
    return card


def _label(card: dict) -> str:
    return f"{card['backend']}:{card['model']}" if card.get("model") else str(card["backend"])


def _pct(k: int, n: int) -> str:
    return f"{k}/{n} ({100 * k / n:.0f}%)" if n else "0/0"


def _num(x, fmt="{:.3g}") -> str:
    return "n/a" if x is None else fmt.format(x)


def markdown_table(card: dict) -> str:
    """The per-case table and the per-category summary (markdown)."""
    s = card["summary"]
    lines = [
        "| category | MET | MISSED (misread) | KEPT | FALLBACK | total |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for cat, c in s["by_category"].items():
        lines.append(f"| {cat} | {c['met']} | {c['missed']} | {c['kept']} | {c['fallback']} | {c['total']} |")
    lines.append(f"| **all** | **{s['met']}** | **{s['missed']}** | **{s['kept']}** | **{s['fallback']}** | "
                 f"**{s['total']}** |")
    repeats = any("runs" in e for e in card["cases"])
    head = "| case | category | verdict | calls to met | valid replies | p50 latency (s) | tokens in / out |"
    rule = "|---|---|---|---:|---:|---:|---:|"
    if repeats:
        head += " met rate (95% CI) |"
        rule += "---:|"
    head += " read-back | why not met |"
    rule += "---|---|"
    lines += ["", head, rule]
    for e in card["cases"]:
        tokens = ("n/a" if e["prompt_tokens"] is None and e["completion_tokens"] is None
                  else f"{_num(e['prompt_tokens'], '{}')} / {_num(e['completion_tokens'], '{}')}")
        row = (f"| `{e['id']}` | {e['category']} | {e['verdict']} | {_num(e['calls_to_met'], '{}')} | "
               f"{_num(e['valid_reply_rate'], '{:.0%}')} | {_num(e['latency_p50_s'], '{:.2g}')} | {tokens} |")
        if repeats:
            ci = e.get("met_ci95")
            row += (f" {e['met_rate']:.0%} [{ci[0]:.0%}, {ci[1]:.0%}] |" if ci else " |")
        why = "" if e["verdict"] == "MET" else str(e.get("note") or "").replace("|", "\\|")
        readback = str(e.get("readback") or "").replace("|", "\\|")
        lines.append(row + f" {readback} | {why} |")
    return "\n".join(lines) + "\n"


def markdown_report(card: dict) -> str:
    s = card["summary"]
    head = [
        f"# Scorecard: {_label(card)} on suite `{card['suite']}`",
        "",
        f"MET {_pct(s['met'], s['total'])}, MISSED {s['missed']} (misreads: acted, target failed), "
        f"KEPT {s['kept']}, FALLBACK {s['fallback']} "
        f"of {s['total']} cases. Seed {card['seed']}, commit `{card.get('commit') or 'n/a'}`"
        + (f", {card['repeats']} repeats" if card.get("repeats", 1) > 1 else "")
        + (f", {card['runner']}" if card.get("runner") else "")
        + (f", wall time {card['wall_s']:.1f} s" if card.get("wall_s") is not None else "") + ".",
    ]
    if not card.get("complete", True):
        head += ["", "**Interrupted: this scorecard is partial (`complete: false`).**"]
    if card.get("skipped"):
        head += ["", "Not run: " + "; ".join(f"`{k['id']}` ({k['why']})" for k in card["skipped"]) + "."]
    return "\n".join(head) + "\n\n" + markdown_table(card)


def met_rate_figure(cards: dict[str, dict], path: Path, title: str = "") -> Path:
    """Met rate by category, one bar group per category, one bar per scorecard."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    categories = list(dict.fromkeys(c for card in cards.values() for c in card["summary"]["by_category"]))
    x = np.arange(len(categories) + 1)
    width = 0.8 / max(1, len(cards))
    fig, ax = plt.subplots(figsize=(max(6.0, 0.7 * len(x) + 2), 4.0), dpi=110)
    for k, (label, card) in enumerate(cards.items()):
        by = card["summary"]["by_category"]
        rates = [by[c]["met"] / by[c]["total"] if c in by and by[c]["total"] else 0.0 for c in categories]
        s = card["summary"]
        rates.append(s["met"] / s["total"] if s["total"] else 0.0)
        ax.bar(x + (k - (len(cards) - 1) / 2) * width, rates, width, label=label)
    ax.set_xticks(x, categories + ["all"], rotation=35, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("met rate")
    ax.set_title(title or "Cases met, by category")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def compare(dirs: list[str | Path], figure_path: str | Path | None = None) -> str:
    """Markdown: every scorecard side by side (met per category, then per case);
    draws them in one figure when ``figure_path`` is given."""
    cards = [read_scorecard(d) for d in dirs]
    labels = []
    for card in cards:
        label = _label(card)
        while label in labels:
            label += "'"
        labels.append(label)
    categories = list(dict.fromkeys(c for card in cards for c in card["summary"]["by_category"]))
    lines = ["| category | " + " | ".join(labels) + " |", "|---|" + "---:|" * len(cards)]
    for cat in categories + ["all"]:
        cells = []
        for card in cards:
            c = card["summary"] if cat == "all" else card["summary"]["by_category"].get(cat)
            cells.append(_pct(c["met"], c["total"]) if c else "-")
        name = "**all**" if cat == "all" else cat
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    ids = list(dict.fromkeys(e["id"] for card in cards for e in card["cases"]))
    lines += ["", "| case | " + " | ".join(labels) + " |", "|---|" + "---|" * len(cards)]
    for cid in ids:
        cells = []
        for card in cards:
            e = next((e for e in card["cases"] if e["id"] == cid), None)
            cells.append(e["verdict"] if e else "-")
        lines.append(f"| `{cid}` | " + " | ".join(cells) + " |")
    lines += ["", "| | " + " | ".join(labels) + " |", "|---|" + "---:|" * len(cards)]
    for key, name in (("met", "MET"), ("missed", "misreads (MISSED: acted, target failed)"), ("kept", "KEPT"),
                      ("fallback", "FALLBACK")):
        lines.append(f"| {name} | " + " | ".join(str(c["summary"].get(key, 0)) for c in cards) + " |")

    def total(card, key):
        vals = [e.get(key) for e in card["cases"] if e.get(key) is not None]
        return str(sum(vals)) if vals else "n/a"

    def median(card, key):
        vals = [e[key] for e in card["cases"] if e.get(key) is not None]
        return f"{float(np.median(vals)):.3g}" if vals else "n/a"

    lines.append("| prompt tokens | " + " | ".join(total(c, "prompt_tokens") for c in cards) + " |")
    lines.append("| completion tokens | " + " | ".join(total(c, "completion_tokens") for c in cards) + " |")
    lines.append("| median p50 latency (s) | " + " | ".join(median(c, "latency_p50_s") for c in cards) + " |")
    lines.append("| complete | " + " | ".join("yes" if c.get("complete", True) else "**no**" for c in cards) + " |")
    if figure_path:
        met_rate_figure(dict(zip(labels, cards, strict=True)), Path(figure_path), title="Cases met, by category")
    return "\n".join(lines) + "\n"
