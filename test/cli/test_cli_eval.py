"""steer-ros eval from the command line (ROS-free: step-locked only)."""

from __future__ import annotations

import json

import pytest
import yaml

from steer_ros.cli import main


def test_eval_subset_writes_the_scorecard(tmp_path, capsys):
    out = tmp_path / "rules"
    rc = main(["eval", "--cases", "shutdown-weakest-3,decline-vague", "--out", str(out)])
    assert rc == 0
    card = json.loads((out / "scorecard.json").read_text())
    assert [e["id"] for e in card["cases"]] == ["shutdown-weakest-3", "decline-vague"]
    assert card["summary"]["met"] == 2
    assert "MET 2, MISSED 0 (misreads), KEPT 0, FALLBACK 0 of 2 cases" in capsys.readouterr().out
    assert (out / "scorecard.md").is_file() and (out / "scorecard.png").is_file()


@pytest.mark.slow  # a few seconds: left out of make test-fast
def test_eval_category_and_compare(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["eval", "--category", "power_level", "--out", str(a)]) == 0
    script = tmp_path / "budget.jsonl"
    script.write_text(json.dumps({"weights": [1] * 8, "P_total": 25, "reasoning": "25"}) + "\n")
    assert main(["eval", "--category", "power_level", "--backend", "scripted", "--script", str(script),
                 "--out", str(b)]) == 0
    capsys.readouterr()
    assert main(["eval", "--compare", str(a), str(b), "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "| category | rules | scripted |" in text
    assert "| `power-absolute` | MET | MET |" in text
    assert "| `power-percent` | MET | MISSED |" in text
    assert (tmp_path / "compare.png").is_file()


def test_eval_refuses_a_bad_suite_naming_the_case(tmp_path, capsys):
    suite = tmp_path / "bad.yaml"
    suite.write_text(yaml.safe_dump({"cases": [
        {"id": "c1", "category": "x", "policy": "Maximize total throughput", "target": ["mi[1-12] >= 1"]}]}))
    assert main(["eval", "--suite", str(suite), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "case 'c1'" in err and "'target'" in err and "range 1-12 is outside 1..8" in err
    assert main(["eval", "--cases", "no-such-case", "--out", str(tmp_path / "o")]) == 2
    assert "no case with id no-such-case" in capsys.readouterr().err
    assert main(["eval", "--backend", "openai", "--llm-model", "", "--llm-base-url", "",
                 "--out", str(tmp_path / "o")]) == 2
    assert "base_url" in capsys.readouterr().err
