"""config/ is found from a source checkout and from an install (steer_ros.resources)."""

from __future__ import annotations

from pathlib import Path

from steer_ros import resources
from steer_ros.ros import graph
from steer_ros.system2 import prompt

REPO = Path(__file__).resolve().parents[1]


def test_source_config_dir_is_the_repositorys_config():
    assert resources.SOURCE_CONFIG_DIR == REPO / "config"
    assert (resources.SOURCE_CONFIG_DIR / "sim.yaml").is_file()


def test_config_dir_holds_the_packaged_files():
    # Installed (share/steer_ros/config) or the source tree: either way the files are there.
    for name in ("sim.yaml", "mixed.yaml", "prompts/navigator_system.txt"):
        assert (resources.config_dir() / name).is_file(), name


def test_the_graph_and_the_prompt_use_the_same_config_dir():
    assert graph.config_dir() == resources.config_dir()
    assert graph.default_config("mixed") == resources.config_dir() / "mixed.yaml"
    assert prompt.DEFAULT_PROMPT_PATH.is_file()
