"""Every node's scalar numeric parameters carry their range in the ROS descriptor, so
`ros2 param describe` shows Min/Max and rclpy itself refuses an out-of-range set."""

from __future__ import annotations

import importlib
import math

import pytest

from steer_ros.ros.graph import GRAPHS

pytestmark = pytest.mark.ros

NODE_SPECS = sorted({spec for specs in GRAPHS.values() for spec in specs}, key=lambda s: s.name)


@pytest.fixture
def bare_node(domain_id):
    """A plain rclpy node in its own context (the parameter machinery only)."""
    import rclpy
    from rclpy.context import Context
    from rclpy.node import Node

    context = Context()
    rclpy.init(context=context, domain_id=domain_id)
    nodes = []

    def make(name: str):
        node = Node(name, context=context)
        nodes.append(node)
        return node

    yield make
    for node in nodes:
        node.destroy_node()
    context.try_shutdown()


@pytest.mark.parametrize("spec", NODE_SPECS, ids=lambda s: s.name)
def test_ranged_scalars_declare_their_range(spec, bare_node):
    from steer_ros.ros.parameters import ParameterSet

    params = importlib.import_module(spec.module).PARAMS
    node = bare_node(f"ranges_{spec.name}")
    ParameterSet(node, params)
    checked = 0
    for param in params:
        kind = param.resolved_kind()
        if kind not in ("float", "int") or (param.min is None and param.max is None):
            continue
        descriptor = node.describe_parameter(param.name)
        ranges = descriptor.floating_point_range if kind == "float" else descriptor.integer_range
        assert len(ranges) == 1, f"{spec.name}.{param.name} declares no {kind} range"
        lo = -math.inf if param.min is None else param.min
        hi = math.inf if param.max is None else param.max
        if kind == "float":
            assert (ranges[0].from_value, ranges[0].to_value) == (lo, hi), f"{spec.name}.{param.name}"
        else:
            assert ranges[0].from_value == (-(2**63) if param.min is None else math.ceil(lo))
            assert ranges[0].to_value == (2**63 - 1 if param.max is None else math.floor(hi))
        assert descriptor.read_only == param.read_only, f"{spec.name}.{param.name}"
        checked += 1
    assert checked > 0, f"{spec.name} has no ranged scalar parameter"


def test_an_out_of_range_set_is_refused_by_rclpy_and_the_value_kept(bare_node):
    from rclpy.parameter import Parameter

    from steer_ros.ros.nodes.optimizer_node import PARAMS
    from steer_ros.ros.parameters import ParameterSet

    node = bare_node("ranges_optimizer_set")
    values = ParameterSet(node, PARAMS).values
    before = values.p_max
    result = node.set_parameters([Parameter("p_max", Parameter.Type.DOUBLE, -5.0)])[0]
    assert not result.successful
    assert "out of range" in result.reason and "p_max" in result.reason, result.reason
    assert values.p_max == before and node.get_parameter("p_max").value == before
    # An integer in range is still stored as the declared double.
    assert node.set_parameters([Parameter("p_max", Parameter.Type.INTEGER, 30)])[0].successful
    assert node.get_parameter("p_max").type_ == Parameter.Type.DOUBLE and values.p_max == 30.0


def test_read_only_parameters_refuse_a_change(bare_node):
    from rclpy.parameter import Parameter

    from steer_ros.ros.nodes.optimizer_node import PARAMS
    from steer_ros.ros.parameters import ParameterSet

    node = bare_node("ranges_optimizer_ro")
    ParameterSet(node, PARAMS)
    result = node.set_parameters([Parameter("rate_hz", Parameter.Type.DOUBLE, 100.0)])[0]
    assert not result.successful and "read-only" in result.reason
