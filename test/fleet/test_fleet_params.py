"""The params file `steer-ros fleet` writes: one source for the coordinator and every
radio (reserves and boxes equal on both sides), and a cap the reserves exceed refused."""

from __future__ import annotations

import pytest
import yaml

from steer_ros.fleet.config import FleetConfigError
from steer_ros.ros.fleet_bringup import fleet_params, write_fleet_params


def test_coordinator_and_radios_agree(tmp_path):
    data = fleet_params(3, None, cap=60.0, gains=[[1.0, 2.0], [0.5, 1.0], [0.2, 0.4]])
    coord = data["/**/fleet_coordinator"]["ros__parameters"]
    assert coord["radios"] == 3 and coord["cap"] == 60.0
    for i in range(3):
        opt = data[f"/radio{i + 1}/optimizer"]["ros__parameters"]
        assert opt["fleet_reserve"] == coord["reserve"][i] == pytest.approx(0.25 * 60.0 / 3)
        assert data[f"/radio{i + 1}/channel_sim"]["ros__parameters"]["gain"] == [[1.0, 2.0], [0.5, 1.0],
                                                                                 [0.2, 0.4]][i]
    path = write_fleet_params(data, tmp_path)
    assert yaml.safe_load(path.read_text()) == data


def test_reserves_above_the_cap_are_refused(tmp_path):
    config = tmp_path / "tight.yaml"
    config.write_text(yaml.safe_dump({"/**/fleet_coordinator": {"ros__parameters": {"cap": 20.0, "reserve": [7.5]}}}))
    with pytest.raises(FleetConfigError, match="reserves_exceed_cap"):
        fleet_params(4, str(config))
