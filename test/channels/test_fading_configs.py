"""config/fading.yaml, config/tdl64.yaml, config/ofdm4096.yaml and config/mu_mimo.yaml: every key is a declared
parameter of its node, and the channel_sim section builds the scenario it describes (ROS-free)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from steer_ros import defaults
from steer_ros.channels.scenario import ChannelScenario, ScenarioConfig

REPO = Path(__file__).resolve().parents[2]
NODES = REPO / "steer_ros" / "ros" / "nodes"


def sections(name: str) -> dict[str, dict]:
    data = yaml.safe_load((REPO / "config" / name).read_text(encoding="utf-8"))
    return {key.split("/")[-1]: value["ros__parameters"] for key, value in data.items()}


@pytest.mark.parametrize("name", ["fading.yaml", "tdl64.yaml", "ofdm4096.yaml", "mu_mimo.yaml"])
def test_every_key_is_declared_by_its_node(name):
    for node, params in sections(name).items():
        source = (NODES / f"{node}_node.py").read_text(encoding="utf-8")
        declared = set(re.findall(r'Param\("(\w+)"', source))
        assert set(params) <= declared, f"{name}: {node} does not declare {set(params) - declared}"


@pytest.mark.parametrize("name,scenario,n", [("fading.yaml", "jakes", 8), ("tdl64.yaml", "tdl", 64),
                                             ("ofdm4096.yaml", "tdl", 4096), ("mu_mimo.yaml", "mu_mimo_zf", 8)])
def test_channel_sim_section_builds_its_scenario(name, scenario, n):
    params = dict(sections(name)["channel_sim"])
    params.pop("rate_hz")
    sc = ChannelScenario(ScenarioConfig(**params))
    assert sc.config.scenario == scenario and sc.n == n
    gain, _ = sc.at(0.5)
    assert gain.shape == (n,) and (gain > 0).all()


def test_mu_mimo_config_is_8_users_on_16_antennas_at_the_default_mean_gains():
    s = sections("mu_mimo.yaml")["channel_sim"]
    assert (s["n_channels"], s["antennas"]) == (8, 16)
    # the large-scale gains times the mean zero-forcing gain M - K + 1 are the default gains
    np.testing.assert_allclose(np.array(s["gain"]) * (16 - 8 + 1), defaults.design_gains(8), rtol=1e-5)


def test_fading_config_lets_every_1_khz_update_through_the_mux():
    s = sections("fading.yaml")
    assert s["channel_mux"]["max_publish_hz"] >= s["channel_sim"]["rate_hz"] == 1000.0


def test_ofdm4096_limits_agree_and_scale_with_n():
    s = sections("ofdm4096.yaml")
    n = s["channel_sim"]["n_channels"]
    limits = {node: (s[node]["p_min"], s[node]["p_max"]) for node in ("optimizer", "guardrail", "navigator")}
    assert set(limits.values()) == {(1.0 * n / 8, 40.0 * n / 8)}
    assert s["optimizer"]["p_total"] == 40.0 * n / 8
    assert s["navigator"]["summary_threshold"] < n
    assert s["navigator"]["reply_max_chars"] >= 8 * n  # N raw weights of ~8 characters each still fit
