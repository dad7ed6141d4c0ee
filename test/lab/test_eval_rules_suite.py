"""The rules backend on the whole public suite, step-locked: a deterministic
scorecard with the fixed field names, the paper's cases met, and docs/eval.md in
step with it (regenerate with `make eval` when this fails after a change)."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from steer_ros.lab.evaluation.suite import load_suite
from steer_ros.lab.evaluation.suite_runner import run_suite
from steer_ros.lab.experiments.options import ExperimentOptions

DOCS = Path(__file__).resolve().parents[2] / "docs" / "eval.md"
TOP = {"suite", "backend", "model", "seed", "commit", "complete", "cases", "summary"}
CASE = {"id", "category", "policy", "verdict", "met", "calls_to_met", "valid_reply_rate", "adjustments",
        "latency_p50_s", "latency_p95_s", "prompt_tokens", "completion_tokens", "reasoning"}
COUNTS = {"met", "missed", "kept", "fallback", "total"}


@pytest.fixture(scope="module")
def rules_card(tmp_path_factory):
    out = tmp_path_factory.mktemp("eval_rules")
    t0 = time.perf_counter()
    card = run_suite(load_suite(), ExperimentOptions(backend="rules"), out)
    card["_measured_wall_s"] = time.perf_counter() - t0
    card["_out"] = out
    return card


@pytest.mark.slow  # about 5 s on a shared 2-core machine
def test_rules_backend_on_the_public_suite(rules_card):
    card = rules_card
    assert card["_measured_wall_s"] < 60.0
    assert TOP <= set(card)
    assert card["complete"] is True and card["backend"] == "rules" and card["suite"] == "public"
    suite = load_suite()
    assert [e["id"] for e in card["cases"]] == [c.id for c in suite.cases]
    for e in card["cases"]:
        assert CASE <= set(e), e["id"]
        assert e["verdict"] in ("MET", "MISSED", "KEPT", "FALLBACK")
        assert e["met"] == (e["verdict"] == "MET")
        assert e["prompt_tokens"] is None and e["completion_tokens"] is None  # offline: no usage
        assert "runs" not in e  # one repeat
    s = card["summary"]
    assert COUNTS <= set(s) and s["total"] == len(suite.cases)
    assert s["met"] + s["missed"] + s["kept"] + s["fallback"] == s["total"]
    assert sum(c["total"] for c in s["by_category"].values()) == s["total"]
    assert sum(c["met"] for c in s["by_category"].values()) == s["met"]
    verdict = {e["id"]: e["verdict"] for e in card["cases"]}
    # the paper's four policies and the reversal: the rules backend meets them (docs/experiments.md)
    for cid in ("throughput-plain", "prioritize-7-8", "floor-10-bits", "shutdown-weakest-3",
                "persist-reversal-equalize"):
        assert verdict[cid] == "MET", cid
    # every decline case declined with a reason, the injections included
    for e in card["cases"]:
        if e["category"] == "decline":
            assert verdict[e["id"]] == "MET" and e["reasoning"].strip(), e["id"]
    assert "declined" in next(e for e in card["cases"] if e["id"] == "decline-injection-budget")["reasoning"]
    # a few words of other languages, stated in the reasoning
    fr = next(e for e in card["cases"] if e["id"] == "lang-fr-shutdown")
    assert fr["verdict"] == "MET" and "read from French" in fr["reasoning"]
    # the certified reference decides, not the reply: a 4x priority is not enough for channel 5,
    # so the rules add a floor where the weight falls short
    plist = next(e for e in card["cases"] if e["id"] == "prioritize-list")
    assert plist["verdict"] == "MET" and "floors 1.950 bits on 5" in plist["reasoning"]
    # the bar of the reader issue: at least 95% MET and no misreading (nothing applied wrongly)
    assert s["met"] / s["total"] >= 0.95 and s["missed"] == 0, s
    # every case reads back what the backend asked for, short at any N (4096 subcarriers included)
    for e in card["cases"]:
        assert 0 < len(e["readback"]) <= 300, (e["id"], e["readback"])
    assert next(e for e in card["cases"] if e["id"] == "shutdown-weakest-3")["readback"] == \
        "channels 1-3 off; equal weights on 4-8; budget 40"
    # what a channel carries is context, read and not acted on: the cap alone is the command
    cap = next(e for e in card["cases"] if e["id"] == "rate-cap-channel-8")
    assert cap["verdict"] == "MET" and cap["readback"].startswith("MI at most 1 bit on 8;")
    # files, and JSON that other tools can read strictly
    out = card["_out"]
    json.loads((out / "scorecard.json").read_text(), parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert (out / "scorecard.png").stat().st_size > 1000


@pytest.mark.slow
def test_docs_page_shows_this_scorecard(rules_card):
    s = rules_card["summary"]
    text = DOCS.read_text(encoding="utf-8")
    assert f"MET **{s['met']}** of {s['total']}, MISSED {s['missed']}, KEPT {s['kept']}, FALLBACK" in text, \
        "docs/eval.md is out of date: run make eval"
    for e in rules_card["cases"]:
        assert re.search(rf"\| `{re.escape(e['id'])}` \| {e['category']} \| {e['verdict']} \|", text), e["id"]


def test_the_reader_is_the_frozen_one():
    """docs/eval.md states the hash the reader was frozen at; a change to the reader's
    files needs a new freeze and a new holdout written after it (docs/reader.md)."""
    from steer_ros.lab.evaluation.freeze import FROZEN_AT, reader_files, reader_hash

    assert "steer_ros/system2/backends/reader/grammar.lark" in reader_files()
    assert reader_hash() == FROZEN_AT, "the reader changed after its freeze: see docs/reader.md"
    assert f"frozen at `{FROZEN_AT}`" in DOCS.read_text(encoding="utf-8")
