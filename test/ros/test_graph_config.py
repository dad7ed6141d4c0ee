"""Config files by name, and configs that do not fit their graph (ROS-free: the graph
description only reads YAML)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from steer_ros.resources import config_dir
from steer_ros.ros.graph import resolve_config


def test_a_bare_name_resolves_against_the_package_config_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing called mixed.yaml here
    assert resolve_config("mixed.yaml", "mixed") == config_dir() / "mixed.yaml"
    assert resolve_config("sim.yaml", "sim") == config_dir() / "sim.yaml"


def test_a_missing_config_is_an_error_naming_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="nosuch.yaml"):
        resolve_config("nosuch.yaml", "sim")


def test_a_copied_mixed_config_is_refused_by_the_sim_graph(tmp_path):
    copy = tmp_path / "my_mixed.yaml"
    copy.write_text((config_dir() / "mixed.yaml").read_text())
    with pytest.raises(ValueError, match="my_mixed.yaml configures sdr_estimator.*'sim' graph runs no sdr_estimator"):
        resolve_config(copy, "sim")
    assert resolve_config(copy, "mixed") == copy.resolve()


def test_sdr_in_the_mux_sources_alone_is_refused_by_the_sim_graph(tmp_path):
    config = tmp_path / "sources.yaml"
    config.write_text("/**/channel_mux:\n  ros__parameters:\n    sources: [sdr, sim]\n")
    with pytest.raises(ValueError, match="lists 'sdr' in channel_mux sources"):
        resolve_config(config, "sim")


def test_the_mixed_graph_refuses_a_config_that_takes_nothing_from_the_sdr(tmp_path):
    with pytest.raises(ValueError, match="'mixed' graph runs sdr_estimator, but config sim.yaml takes no channel"):
        resolve_config("sim.yaml", "mixed")


def test_steer_ros_sim_names_the_mismatch_and_exits(tmp_path):
    copy = tmp_path / "my_mixed.yaml"
    copy.write_text((config_dir() / "mixed.yaml").read_text())
    result = subprocess.run([sys.executable, "-m", "steer_ros.cli", "sim", "--config", str(copy), "--graph", "sim",
                             "--duration", "1"], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "my_mixed.yaml configures sdr_estimator" in result.stderr, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
