"""channel_sim's mu_mimo_zf scenario at the node: ``antennas`` is declared with its range
(``ros2 param describe``), and fewer antennas than users, a non-integer or an
out-of-range value are refused at start-up and on a parameter set, the scenario in
force kept. The node is not spun: the parameter services call the same callbacks."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.ros


@pytest.fixture
def context(domain_id):
    import rclpy
    from rclpy.context import Context

    ctx = Context()
    rclpy.init(context=ctx, domain_id=domain_id)
    yield ctx
    ctx.try_shutdown()


def make_node(context, **params):
    from rclpy.parameter import Parameter

    from steer_ros.ros.nodes.channel_sim_node import ChannelSimNode

    overrides = {"scenario": "mu_mimo_zf", "n_channels": 8, "antennas": 16, **params}
    return ChannelSimNode(context=context, parameter_overrides=[Parameter(k, value=v) for k, v in overrides.items()])


def test_antennas_is_described_with_its_range(context):
    from steer_ros import defaults

    node = make_node(context)
    try:
        descriptor = node.describe_parameter("antennas")
        assert (descriptor.integer_range[0].from_value, descriptor.integer_range[0].to_value) == (
            1, defaults.MU_MIMO_MAX_ANTENNAS)
        assert "mu_mimo_zf" in descriptor.description and "antennas M" in descriptor.description
        assert node.scenario.fading.antennas == 16 and node.scenario.n == 8
        gain, _ = node.scenario.at(0.5)
        assert gain.shape == (8,) and (gain > 0).all()
        node.publish()
    finally:
        node.destroy_node()


@pytest.mark.parametrize("params,expected", [
    ({"antennas": 4}, "too_few_antennas: antennas M = 4 < users K = n_channels = 8"),
    ({"n_channels": 17}, "too_few_antennas: antennas M = 16 < users K = n_channels = 17"),
    ({"antennas": 16.5}, "parameter 'antennas' expected an integer, got 16.5"),
    ({"antennas": 0}, "parameter 'antennas' must be >= 1, got 0"),
])
def test_start_up_refuses_bad_antennas(context, params, expected):
    with pytest.raises(ValueError) as err:
        make_node(context, **params)
    assert expected in str(err.value)


def test_a_bad_set_is_refused_and_the_scenario_kept(context):
    from rclpy.parameter import Parameter

    node = make_node(context)
    try:
        before = node.scenario
        for name, value, reason in [
            ("antennas", 4, "parameter 'antennas' too_few_antennas: antennas M = 4 < users K = n_channels = 8"),
            ("n_channels", 32, "parameter 'n_channels' too_few_antennas: antennas M = 16 < users K = n_channels = 32"),
            ("antennas", 16.5, "parameter 'antennas' expected an integer, got 16.5"),
            ("antennas", 2000, "Parameter antennas out of range"),  # rclpy, from the declared range
        ]:
            result = node.set_parameters([Parameter(name, value=value)])[0]
            assert not result.successful and reason in result.reason, (name, value, result.reason)
            assert node.scenario is before and node.get_parameter("antennas").value == 16
            assert node.get_parameter("n_channels").value == 8
        # a valid change rebuilds it: more antennas, then more users up to M
        assert node.set_parameters([Parameter("antennas", value=32)])[0].successful
        assert node.set_parameters([Parameter("n_channels", value=32)])[0].successful
        assert (node.scenario.fading.antennas, node.scenario.n) == (32, 32)
    finally:
        node.destroy_node()


def test_switching_to_mu_mimo_with_too_many_users_is_refused(context):
    from rclpy.parameter import Parameter

    node = make_node(context, scenario="static", n_channels=64)
    try:
        result = node.set_parameters([Parameter("scenario", value="mu_mimo_zf")])[0]
        assert not result.successful and "too_few_antennas" in result.reason and "n_channels = 64" in result.reason
        assert node.scenario.config.scenario == "static"
    finally:
        node.destroy_node()
